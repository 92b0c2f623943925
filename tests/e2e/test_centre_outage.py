"""What a dispatcher sees when the database stops answering or comes back without some actions.

The whole main window with the map loaded, driven by keys: a frozen server turns the next command
into a refusal within the deadline and a red banner that clears once the server answers again; a
server that comes back without actions this console had confirmed gets them listed on screen and
in the audit log for the supervisor.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from console.main_window import MainWindow
from console.settings import Settings
from data.centre import Limits
from data.db import Database
from data.models import AuditEntry
from tests.data.helpers import small_shift, welfare_call
from tests.e2e.test_keyboard_dispatch import Keyboard
from tests.e2e.test_map_new_call import HEADLESS_NOISE
from tests.pg_cluster import PgServer, Workspace, missing_tools

pytestmark = pytest.mark.qt_log_ignore(*HEADLESS_NOISE, "This plugin does not support")

DEADLINE_S = 2.0
GUI_SLACK_S = 1.0  # the refusal reaches the window through the event loop, which the map shares


def command(qtbot, keys: Keyboard, text: str) -> None:
    """F3, replace what a refused command left in the line, Enter."""
    keys.press(Qt.Key.Key_F3)
    keys.press(Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    keys.type(text)
    keys.press(Qt.Key.Key_Return)


@pytest.fixture
def windows(qtbot) -> Iterator[list[MainWindow]]:
    """Windows opened by a test, closed and deleted whatever happened (a page outliving its profile crashes)."""
    opened: list[MainWindow] = []
    yield opened
    for win in opened:
        close_window(qtbot, win)


def open_window(qtbot, db: Database, actor, tmp_path: Path, windows: list[MainWindow]) -> MainWindow:
    settings = Settings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    win = MainWindow(db, actor, with_map=True, settings=settings)
    windows.append(win)
    win.store.flush_timer.setInterval(0)
    win.resize(1400, 900)
    win.show()
    win.activateWindow()
    assert win.map_view is not None
    qtbot.waitUntil(lambda: win.map_view.is_ready, timeout=30_000)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is win, timeout=5000)
    return win


def close_window(qtbot, win: MainWindow) -> None:
    win.close()
    task = win.sync.stop()
    if task is not None:
        qtbot.waitUntil(task.done, timeout=5000)
    # The page must go before QtWebEngine's profile does at exit (pytest-qt only schedules deleteLater).
    shiboken6.delete(win)


@pytest.mark.slow
@pytest.mark.skipif(bool(missing_tools()), reason=f"needs {', '.join(missing_tools())}")
def test_a_frozen_server_refuses_the_command_within_the_deadline_and_the_banner_says_so(
    qtbot, qloop, clock, dispatcher, tmp_path, windows
):
    space = Workspace()
    try:
        server = PgServer.create(space)
        server.execute("CREATE DATABASE cso")
        db = Database(server.url("cso"), clock=clock, limits=Limits(DEADLINE_S))
        small_shift(db, units=3)
        incident = welfare_call(db, dispatcher)
        win = open_window(qtbot, db, dispatcher, tmp_path, windows)
        qtbot.waitUntil(lambda: len(win.store.units) == 3 and win.sync.running, timeout=5000)
        reports = []
        win.operations.reported.connect(reports.append)
        keys = Keyboard(qtbot)

        server.freeze()
        asked = time.monotonic()
        command(qtbot, keys, f"D 12 {incident.short_number}")
        qtbot.waitUntil(lambda: any(r.is_failure for r in reports), timeout=int(DEADLINE_S * 1000) + 1500)
        answered = time.monotonic()
        assert answered - asked <= DEADLINE_S + GUI_SLACK_S
        (refusal,) = [r for r in reports if r.is_failure]
        assert "did not answer" in refusal.text or "not applied" in refusal.text, refusal.text
        qtbot.waitUntil(win.connection_banner.isVisible, timeout=3000)
        assert "The database has not been answering actions since 08:00:00 (local time)" in win.connection_banner.text
        assert win.connection_label.text() == "○ not answering since 08:00:00"
        # A second command is not queued behind the first: it is answered within its own deadline.
        reports.clear()
        asked = time.monotonic()
        command(qtbot, keys, f"D 13 {incident.short_number}")
        qtbot.waitUntil(lambda: any(r.is_failure for r in reports), timeout=int(DEADLINE_S * 1000) + 1500)
        assert time.monotonic() - asked <= DEADLINE_S + GUI_SLACK_S
        (refusal,) = reports
        assert "did not answer" in refusal.text or "not applied" in refusal.text, refusal.text

        server.thaw()
        qtbot.waitUntil(lambda: not win.connection_banner.isVisible(), timeout=15_000)
        assert win.connection_label.text() == "● connected"
        reports.clear()
        command(qtbot, keys, f"D 12 {incident.short_number}")
        qtbot.waitUntil(lambda: bool(reports), timeout=5000)
        assert [r.kind for r in reports] == ["done"], [r.text for r in reports]
        close_window(qtbot, windows.pop())
        db.dispose()
    finally:
        space.close()


def test_actions_the_server_lost_are_listed_and_audited_after_a_resync(
    qtbot, qloop, clock, dispatcher, tmp_path, windows
):
    path = tmp_path / "centre.sqlite3"
    db = Database(f"sqlite:///{path}", clock=clock)
    small_shift(db, units=3)
    incident = welfare_call(db, dispatcher)
    # The standby that will be promoted stopped receiving here.
    stale = tmp_path / "standby.sqlite3"
    with sqlite3.connect(path) as live, sqlite3.connect(stale) as copy:
        live.backup(copy)
    win = open_window(qtbot, db, dispatcher, tmp_path, windows)
    qtbot.waitUntil(lambda: len(win.store.units) == 3 and win.sync.running, timeout=5000)
    reports = []
    win.operations.reported.connect(reports.append)
    keys = Keyboard(qtbot)
    keys.command(f"D 12 {incident.short_number}")
    qtbot.waitUntil(lambda: any(r.kind == "done" for r in reports), timeout=5000)
    keys.command(f"NOTE {incident.short_number} caller called back")
    qtbot.waitUntil(lambda: sum(r.kind == "done" for r in reports) == 2, timeout=5000)

    # Failover to the stale standby: the two acknowledged actions are not on the server any more.
    db.engine.dispose()
    db.read_engine.dispose()
    with sqlite3.connect(stale) as copy, sqlite3.connect(path) as live:
        copy.backup(live)
    with qtbot.waitSignal(win.sync.actions_lost, timeout=5000):
        win.sync.resynchronise()
    qtbot.waitUntil(win.lost_banner.isVisible, timeout=3000)
    text = win.lost_banner.text
    assert "the server does not have 2 actions this console had shown as saved" in text
    assert f"{incident.number} units dispatched at 08:00:00" in text
    assert f"{incident.number} note added at 08:00:00" in text
    # And in the audit log, for the supervisor.
    qtbot.waitUntil(lambda: any("lost action" in r.text for r in reports), timeout=5000)
    with db.read() as s:
        rows = s.execute(
            select(AuditEntry.action, AuditEntry.entity_id, AuditEntry.outcome, AuditEntry.after).where(
                AuditEntry.action == "action_lost"
            )
        ).all()
    assert sorted((r.after["action"], r.after["number"], r.outcome) for r in rows) == [
        ("add_note", incident.number, "lost"),
        ("dispatch_units", incident.number, "lost"),
    ]
    # A second reload reports nothing new.
    win.sync.resynchronise()
    qtbot.waitSignal(win.sync.resynchronised, timeout=5000)
    assert win.lost_banner.text == text
    # Dismissed by keyboard.
    keys.press(Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: not win.lost_banner.isVisible(), timeout=2000)
    close_window(qtbot, windows.pop())
    db.dispose()
