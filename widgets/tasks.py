"""Run database work off the GUI thread and hand results back to it (never blocks the GUI)."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Signal

from data.errors import DispatchError

log = logging.getLogger(__name__)
T = TypeVar("T")


def error_text(exc: BaseException) -> str:
    """What to tell the dispatcher: a refusal reads as written; anything else names its type too."""
    return str(exc) if isinstance(exc, DispatchError) else f"{type(exc).__name__}: {exc}"


class TaskRunner(QObject):
    """Runs blocking calls in one background thread, in order; callbacks run on the GUI thread.

    The functions given must not touch widgets: they run on the worker thread. ``on_done`` and
    ``on_error`` run on the GUI thread through the qasync loop.
    """

    refused = Signal(str)  # a DispatchError: the user's action was refused, nothing written
    crashed = Signal(str)  # anything else: logged, shown without blocking
    pending_changed = Signal(int)

    def __init__(self, parent: QObject | None = None, *, workers: int = 1) -> None:
        super().__init__(parent)
        # One writer thread keeps this workstation's actions in the order the dispatcher made them.
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="cso-db")
        self._pending = 0

    @property
    def pending(self) -> int:
        return self._pending

    def submit(
        self,
        fn: Callable[..., T],
        /,
        *args: Any,
        on_done: Callable[[T], None] | None = None,
        on_error: Callable[[Exception], None] | None = None,
        **kwargs: Any,
    ) -> asyncio.Future[T]:
        loop = asyncio.get_event_loop()
        future = loop.run_in_executor(self._executor, functools.partial(fn, *args, **kwargs))
        self._pending += 1
        self.pending_changed.emit(self._pending)

        def finished(fut: asyncio.Future[T]) -> None:
            self._pending -= 1
            self.pending_changed.emit(self._pending)
            if fut.cancelled():
                return
            exc = fut.exception()
            if exc is None:
                if on_done is not None:
                    on_done(fut.result())
                return
            if on_error is not None and isinstance(exc, Exception):
                on_error(exc)
            elif isinstance(exc, DispatchError):
                self.refused.emit(str(exc))
            else:
                log.error("background task failed", exc_info=exc)
                self.crashed.emit(error_text(exc))

        future.add_done_callback(finished)
        return future

    def shutdown(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=False)
