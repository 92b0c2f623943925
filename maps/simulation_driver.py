"""Drives the demo simulation from a QTimer, each step on the app's task runner (off the GUI thread)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Protocol

from PySide6.QtCore import QObject, QTimer, Signal

from data.db import Database
from maps.simulate import Simulation, StepReport

log = logging.getLogger(__name__)

STEP_INTERVAL_MS = 2000


class Runner(Protocol):
    """What the driver needs from widgets.tasks.TaskRunner (maps cannot import widgets)."""

    def submit(
        self,
        fn: Callable[..., Any],
        /,
        *args: Any,
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[Exception], None] | None = None,
        **kwargs: Any,
    ) -> Any: ...


class Board(Protocol):
    """The board store's database and task runner (widgets.store.BoardStore fits)."""

    db: Database
    runner: Runner


class SimulationDriver(QObject):
    """Steps the demo simulation every `interval_ms` on the board's task runner.

    The simulation (street graph and all) is built on the runner at the first tick unless one is
    given; a step still running makes the next tick wait.
    """

    stepped = Signal(object)  # StepReport
    failed = Signal(str)

    def __init__(
        self,
        store: Board,
        parent: QObject | None = None,
        *,
        simulation: Simulation | None = None,
        interval_ms: int = STEP_INTERVAL_MS,
    ) -> None:
        super().__init__(parent)
        self.db = store.db
        self.runner = store.runner
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
        self.runner.submit(self._step, on_done=self._on_step_done, on_error=self._on_step_failed)

    def _on_step_done(self, report: StepReport) -> None:
        self._busy = False
        for line in report.actions:
            log.info("simulation: %s", line)
        self.stepped.emit(report)

    def _on_step_failed(self, exc: Exception) -> None:
        self._busy = False
        log.error("simulation step failed", exc_info=exc)
        self.failed.emit(f"{type(exc).__name__}: {exc}")
