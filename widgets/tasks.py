"""Run database work off the GUI thread and hand results back to it (never blocks the GUI)."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Signal

from data.errors import DatabaseUnavailableError
from data.lane import ActionLane

log = logging.getLogger(__name__)
T = TypeVar("T")


class TaskRunner(QObject):
    """Runs blocking calls in one background thread, in order; callbacks run on the GUI thread.

    The functions given must not touch widgets: they run on the worker thread. ``on_done`` and
    ``on_error`` run on the GUI thread through the qasync loop. With a deadline, a call not answered
    in time is refused at the deadline and the next call starts on a fresh thread (data.lane);
    ``interrupt`` (the database's ``interrupt_thread``) stops what the stuck thread waits for.
    Views do not call it: widgets.operations.Operations does, and reports each result once.
    """

    pending_changed = Signal(int)
    database_unavailable = Signal(str)  # a call failed because the database did not answer: why

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        deadline_s: float | None = None,
        interrupt: Callable[[int], None] | None = None,
    ) -> None:
        super().__init__(parent)
        # One writer thread at a time keeps this workstation's actions in the order the dispatcher made them.
        self._lane = ActionLane(deadline_s=deadline_s, interrupt=interrupt)
        self._pending = 0
        self._closed = False

    @property
    def pending(self) -> int:
        return self._pending

    @property
    def accepting(self) -> bool:
        """False once shut down: a timer firing after that has nothing to run on."""
        return not self._lane.closed

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
        future = asyncio.wrap_future(self._lane.submit(functools.partial(fn, *args, **kwargs)), loop=loop)
        self._pending += 1
        self.pending_changed.emit(self._pending)

        def finished(fut: asyncio.Future[T]) -> None:
            self._pending -= 1
            self.pending_changed.emit(self._pending)
            if fut.cancelled():
                return
            exc = fut.exception()
            if isinstance(exc, DatabaseUnavailableError):
                self.database_unavailable.emit(str(exc))
            if exc is None:
                if on_done is not None:
                    on_done(fut.result())
                return
            if on_error is not None and isinstance(exc, Exception):
                on_error(exc)
            else:
                log.error("background task failed", exc_info=exc)

        future.add_done_callback(finished)
        return future

    @property
    def deadline_s(self) -> float | None:
        return self._lane.deadline_s

    @property
    def closed(self) -> bool:
        return self._closed

    def shutdown(self) -> None:
        """Finish the queued calls; a call stuck past its deadline is not waited for."""
        self._closed = True
        self._lane.shutdown(wait=True)
