"""Run by tests/console/test_garbage.py in its own process: widgets left in reference cycles while a
worker thread allocates. Prints where the widgets were collected; hangs or crashes if on the worker.

    python -m tests.console.garbage_child [--without-collector]
"""

from __future__ import annotations

import os
import sys
import threading
import weakref

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QCoreApplication, QDeadlineTimer, QEventLoop
from PySide6.QtWidgets import QApplication, QCompleter, QLineEdit, QWidget


class CyclicForm(QWidget):
    """A small form whose Python side refers back to itself, as views with callbacks often do."""

    def __init__(self) -> None:
        super().__init__()
        self.edit = QLineEdit(self)
        self.edit.setCompleter(QCompleter(["CSO-12", "CSO-14"], self))
        self.back_reference = self
        self.show()


def allocate_cycles(count: int) -> None:
    """What a worker compiling queries does to the collector's counts: many short-lived cycles."""
    for _ in range(count):
        cycle: list[object] = []
        cycle.append(cycle)


def main() -> int:
    app = QApplication(sys.argv[:1])
    if "--without-collector" not in sys.argv:
        from console import garbage

        garbage.install(app)
    forms = [weakref.ref(CyclicForm()) for _ in range(30)]
    app.processEvents()

    worker = threading.Thread(target=allocate_cycles, args=(1_000_000,))
    worker.start()
    worker.join()
    alive_after_worker = sum(ref() is not None for ref in forms)

    deadline = QDeadlineTimer(5000)
    while any(ref() is not None for ref in forms) and not deadline.hasExpired():
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        allocate_cycles(1_000)  # the GUI thread allocates too, as it does while the console runs
    alive_after_gui = sum(ref() is not None for ref in forms)
    print(f"alive after the worker: {alive_after_worker}; after the GUI thread ran: {alive_after_gui}", flush=True)
    QCoreApplication.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main())
