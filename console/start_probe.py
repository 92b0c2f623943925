"""Start-up probe for `cso-console bench start`: write when the window and the map were ready, then close.

Active only when the environment variable CSO_START_PROBE names the file to write. Times are seconds
from CSO_BENCH_STARTED_AT (the benchmark's clock just before it started this process).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer

PROBE_ENV = "CSO_START_PROBE"
STARTED_ENV = "CSO_BENCH_STARTED_AT"
POLL_MS = 5


class StartProbe(QObject):
    def __init__(self, window: Any, path: Path, started: float, on_done: Callable[[], None]) -> None:
        super().__init__(window)
        self._window = window
        self._path = path
        self._started = started
        self._on_done = on_done
        self._moments: dict[str, float] = {}
        self._asked_map = False
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self._on_timer_timeout)
        self._timer.start()

    def _on_timer_timeout(self) -> None:
        window = self._window
        if "window_ready_s" not in self._moments:
            if not (window.isVisible() and window.queue.model.rowCount() and window.board.model.rowCount()):
                return
            window.repaint()  # the filled tables are on screen, not merely scheduled
            self._moments["window_ready_s"] = round(time.time() - self._started, 3)
            self._moments["rows"] = float(window.queue.model.rowCount())
            self._moments["units"] = float(window.board.model.rowCount())
        view = window.map_view
        if view is None:
            self._finish()
        elif view.is_ready and not self._asked_map:
            self._asked_map = True
            # Answered after the scripts the view queued (layers drawn, every marker sent).
            view.page().runJavaScript("1", 0, lambda _r: self._on_map_answered())

    def _on_map_answered(self) -> None:
        self._moments["start_to_usable_s"] = round(time.time() - self._started, 3)
        self._finish()

    def _finish(self) -> None:
        self._timer.stop()
        self._moments.setdefault("start_to_usable_s", self._moments["window_ready_s"])
        self._path.write_text(json.dumps(self._moments), encoding="utf-8")
        QTimer.singleShot(0, self._on_done)


def attach(window: Any, on_done: Callable[[], None]) -> StartProbe | None:
    """Watch `window` when the benchmark asked for it; None otherwise."""
    target = os.environ.get(PROBE_ENV)
    if not target or window is None:
        return None
    started = float(os.environ.get(STARTED_ENV) or time.time())
    return StartProbe(window, Path(target), started, on_done)
