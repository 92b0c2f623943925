"""Callbacks from background work that do nothing once their widget is gone (closed window, test end)."""

from __future__ import annotations

from collections.abc import Callable
from typing import ParamSpec

import shiboken6
from PySide6.QtCore import QObject

P = ParamSpec("P")


def bound(owner: QObject, fn: Callable[P, object]) -> Callable[P, None]:
    """Wrap `fn` so a result arriving after `owner` was deleted is dropped instead of crashing."""

    def call(*args: P.args, **kwargs: P.kwargs) -> None:
        if shiboken6.isValid(owner):
            fn(*args, **kwargs)

    return call
