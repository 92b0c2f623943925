"""A console that is killed mid-call: types a call into the intake, slowly, until the parent kills it (SIGKILL)."""

from __future__ import annotations

import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main(url: str) -> None:
    import asyncio

    import qasync
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from console.main_window import MainWindow
    from data.db import Database
    from data.permissions import Actor

    app = QApplication([])
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    db = Database(url, upgrade=False)
    win = MainWindow(db, Actor("dispatcher1", role="dispatcher", workstation="ws-1"), with_map=False)
    win.intake.form.draft_timer.setInterval(100)
    win.show()

    async def type_a_call() -> None:
        win.open_intake()
        form = win.intake.form
        QTest.keyClicks(form.type_edit, "WELFARE")
        QTest.keyClicks(form.location_edit, "8300 Santa Monica Blvd")
        QTest.keyClick(form.screening["weapon"].yes, Qt.Key.Key_Y)  # weapon: yes
        n = 0
        while True:  # the caller keeps talking until the console is killed
            QTest.keyClicks(form.narrative, f"line {n:03d} of what the caller says about the man by the door. ")
            n += 1
            if n == 20:
                print("typed", flush=True)
            await asyncio.sleep(0.02)

    loop.run_until_complete(type_a_call())


if __name__ == "__main__":
    main(sys.argv[1])
