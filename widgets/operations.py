"""The one way from a widget to a service and back: typed operations, each with exactly one report.

A view builds an operation from a function that calls a service (it runs on the task runner's worker
thread and must not touch widgets), says what to tell the dispatcher when it worked, and gives
callbacks that run on the GUI thread. The operation layer then

- counts it as pending for its owner (views and tests wait on ``pending(owner)``) and disables the
  given controls while it runs;
- drops the callbacks when the owner widget is gone (the result is still reported: it happened);
- tells a refusal (a ``DispatchError``: readable, nothing written) from a crash (logged with its
  traceback, reported as an error), and
- emits ``reported`` exactly once per finished action: the status bar, the command line's answer and
  the screen-reader announcement all read that one signal. Reads (no ``message``) report only failures.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, Literal, TypeVar

import shiboken6
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from data.errors import AccountChangedError, DispatchError
from widgets.tasks import TaskRunner

log = logging.getLogger(__name__)

T = TypeVar("T")
ReportKind = Literal["done", "refused", "failed", "info"]


@dataclass(frozen=True)
class Report:
    """One line for the dispatcher about one finished action.

    The owner (the view that asked, so it can echo its own results) is held weakly: a strong
    reference from a report kept somewhere back to a widget makes a reference cycle through Qt
    objects, and the garbage collector breaking such a cycle crashes PySide.
    """

    kind: ReportKind
    text: str
    _owner: weakref.ref[QObject] | None = field(default=None, repr=False, compare=False)

    @classmethod
    def of(cls, kind: ReportKind, text: str, owner: QObject | None = None) -> Report:
        return cls(kind, text, weakref.ref(owner) if owner is not None else None)

    @property
    def owner(self) -> QObject | None:
        owner = self._owner() if self._owner is not None else None
        return owner if owner is not None and shiboken6.isValid(owner) else None

    @property
    def is_failure(self) -> bool:
        return self.kind in ("refused", "failed")


def failure_text(exc: BaseException) -> str:
    """A refusal reads as the service wrote it; anything else names its type and says nothing else changed."""
    if isinstance(exc, DispatchError):
        return str(exc)
    return f"Something went wrong: {type(exc).__name__}: {exc}. Nothing else was changed."


def _event_loop_open() -> bool:
    try:
        asyncio.get_event_loop()
    except RuntimeError:  # set to None when the application's loop closed
        return False
    return True


def _alive(obj: QObject | None) -> bool:
    return obj is None or shiboken6.isValid(obj)


class Operation(Generic[T]):
    """One submitted action; ``result``/``error`` are set once it has finished."""

    def __init__(self) -> None:
        self.finished = False
        self.result: T | None = None
        self.error: Exception | None = None
        self.report: Report | None = None

    @property
    def succeeded(self) -> bool:
        return self.finished and self.error is None


class Operations(QObject):
    """Runs operations on the task runner and reports each one once (see the module docstring)."""

    reported = Signal(object)  # Report
    pending_changed = Signal(int)  # operations under way, every owner together
    account_changed = Signal(object)  # AccountChangedError: an administrator changed the signed-in account

    def __init__(self, runner: TaskRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self._pending: dict[int, int] = {}
        self._total = 0

    # Pending state -----------------------------------------------------------------------------
    def pending(self, owner: QObject | None = None) -> int:
        """Operations under way for one owner, or for all when owner is None."""
        return self._total if owner is None else self._pending.get(id(owner), 0)

    def _count(self, owner: QObject | None, step: int) -> None:
        key = id(owner)
        self._pending[key] = self._pending.get(key, 0) + step
        if self._pending[key] <= 0:
            del self._pending[key]
        self._total += step
        self.pending_changed.emit(self._total)

    # Reports -----------------------------------------------------------------------------------
    def report(self, kind: ReportKind, text: str, owner: QObject | None = None) -> Report:
        """Report something finished on the GUI thread (a print the printer took, a file written)."""
        entry = Report.of(kind, text, owner if _alive(owner) else None)
        self.reported.emit(entry)
        return entry

    # Running -----------------------------------------------------------------------------------
    def run(
        self,
        call: Callable[[], T],
        *,
        owner: QObject | None = None,
        message: str | Callable[[T], str] | None = None,
        on_success: Callable[[T], None] | None = None,
        on_failure: Callable[[Exception], None] | None = None,
        on_finished: Callable[[], None] | None = None,
        busy: Sequence[QWidget] = (),
        report_failure: bool = True,
    ) -> Operation[T]:
        """Run ``call`` off the GUI thread.

        ``message`` (text, or a function of the result) is the success report; without it the
        operation is a read and reports only a failure. ``on_failure`` gets refusals and crashes alike
        (``isinstance(exc, DispatchError)`` tells them apart) after the report. ``report_failure=False``
        is for background reads whose failure the view shows in its own place (a log line is written).
        """
        op: Operation[T] = Operation()
        if self.runner.closed or not _event_loop_open():
            # The window is closing (sign-out, quit) or outlived its event loop: a timer or a late
            # signal asked for more work that nobody is left to receive.
            log.info("operation asked for after the task runner or its event loop closed: not run")
            op.finished = True
            return op
        self._count(owner, +1)
        disabled = [w for w in busy if w.isEnabled()]
        for widget in disabled:
            widget.setEnabled(False)

        def settle() -> bool:
            op.finished = True
            self._count(owner, -1)
            for widget in disabled:
                if shiboken6.isValid(widget):
                    widget.setEnabled(True)
            return _alive(owner)

        def done(result: T) -> None:
            op.result = result
            alive = settle()
            if message is not None:
                text = message(result) if callable(message) else message
                op.report = self.report("done", text, owner)
            if alive:
                if on_success is not None:
                    on_success(result)
                if on_finished is not None:
                    on_finished()

        def failed(exc: Exception) -> None:
            op.error = exc
            alive = settle()
            if not isinstance(exc, DispatchError):
                log.error("operation failed", exc_info=exc)
            if report_failure or not isinstance(exc, DispatchError):
                op.report = self.report(
                    "refused" if isinstance(exc, DispatchError) else "failed", failure_text(exc), owner
                )
            if isinstance(exc, AccountChangedError):
                self.account_changed.emit(exc)
            if alive:
                if on_failure is not None:
                    on_failure(exc)
                if on_finished is not None:
                    on_finished()

        self.runner.submit(call, on_done=done, on_error=failed)
        return op
