"""Python's cyclic garbage collection, run on the GUI thread only.

Python collects reference cycles in whichever thread happens to allocate when a threshold is passed.
The console's database work runs on worker threads (widgets.tasks), which allocate a lot; a closed
widget left in a reference cycle and collected there is destroyed off the GUI thread, which Qt does
not allow: the process hangs (tests/console/test_garbage.py) or crashes (a test run once ended in a
segmentation fault this way). So automatic collection is switched off and a timer on the GUI thread
collects each generation when the interpreter's own thresholds say it is due.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QCoreApplication, QObject, QTimer

CHECK_INTERVAL_MS = 200
# The interpreter's thresholds, read before the collector switches automatic collection off.
THRESHOLDS = gc.get_threshold()


def collect_if_due() -> None:
    """What the automatic collector would do now: the oldest generation that is due, and those younger.

    Does nothing while automatic collection is still on (no collector installed): the interpreter
    then collects by itself.
    """
    if gc.isenabled():
        return
    young, middle, old = gc.get_count()
    if young <= THRESHOLDS[0]:
        return
    if middle > THRESHOLDS[1]:
        gc.collect(2 if old > THRESHOLDS[2] else 1)
    else:
        gc.collect(0)


class GuiThreadCollector(QObject):
    """Switches automatic collection off and collects, when due, on the thread it lives on."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        gc.disable()
        self._timer = QTimer(self)
        self._timer.timeout.connect(collect_if_due)
        self._timer.start(CHECK_INTERVAL_MS)


def install(app: QCoreApplication) -> GuiThreadCollector:
    """Collect garbage on the application's thread from now on; installing twice keeps the first."""
    existing = app.findChild(GuiThreadCollector)
    if isinstance(existing, GuiThreadCollector):
        return existing
    return GuiThreadCollector(app)
