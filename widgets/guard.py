"""Callbacks from background work that do nothing once their widget is gone (closed window, test end)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject


def bound(owner: QObject, fn: Callable[..., Any]) -> Callable[..., None]:
    """Wrap `fn` so a result arriving after `owner` was deleted is dropped instead of crashing."""

    def call(*args: Any) -> None:
        if shiboken6.isValid(owner):
            fn(*args)

    return call
