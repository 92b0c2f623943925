"""Drives the demo simulation from a QTimer, each step on the app's task runner (off the GUI thread)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Protocol, TypeVar

from PySide6.QtCore import QObject, QTimer, Signal

from data.db import Database
from maps.simulate import Simulation, StepReport

log = logging.getLogger(__name__)

STEP_INTERVAL_MS = 2000
T = TypeVar("T")


class Operations(Protocol):
    """What the driver needs from widgets.operations.Operations (maps cannot import widgets)."""

    def run(
        self,
        call: Callable[[], T],
        *,
        owner: QObject | None = None,
        on_success: Callable[[T], None] | None = None,
        on_failure: Callable[[Exception], None] | None = None,
        report_failure: bool = True,
    ) -> object: ...


class SimulationDriver(QObject):
    """Steps the demo simulation every `interval_ms` through the window's operations (on its task runner).

    The simulation (street graph and all) is built on the runner at the first tick unless one is
    given; a step still running makes the next tick wait.
    """

    stepped = Signal(object)  # StepReport
    failed = Signal(str)

    def __init__(
        self,
        db: Database,
        operations: Operations,
        parent: QObject | None = None,
        *,
        simulation: Simulation | None = None,
        interval_ms: int = STEP_INTERVAL_MS,
    ) -> None:
        super().__init__(parent)
        self.db = db
        self.operations = operations
        self.simulation = simulation
        self._busy = False
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self._on_timer_timeout)

    @property
    def running(self) -> bool:
        return self.timer.isActive()

    def start(self) -> None:
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def _step(self) -> StepReport:
        # Runs on the runner's thread: building the street graph never touches the GUI thread.
        if self.simulation is None:
            self.simulation = Simulation(self.db)
        return self.simulation.step()

    def _on_timer_timeout(self) -> None:
        if self._busy:
            return
        self._busy = True
        # A background read: a failure goes to the log and the `failed` signal, not the status bar.
        self.operations.run(
            self._step, owner=self, on_success=self._on_step_done, on_failure=self._on_step_failed, report_failure=False
        )

    def _on_step_done(self, report: StepReport) -> None:
        self._busy = False
        for line in report.actions:
            log.info("simulation: %s", line)
        self.stepped.emit(report)

    def _on_step_failed(self, exc: Exception) -> None:
        self._busy = False
        log.error("simulation step failed", exc_info=exc)
        self.failed.emit(f"{type(exc).__name__}: {exc}")
