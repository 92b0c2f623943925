"""Idle screen lock under a controlled clock: locks at 30 minutes, the password unlocks, the work stays."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QLineEdit, QMainWindow, QVBoxLayout, QWidget
from sqlalchemy import select

from data import auth
from data.models import AuditEntry
from data.permissions import Actor
from widgets.idle_lock import IdleLock
from widgets.operations import Operations

pytestmark = [pytest.mark.qt_log_ignore("This plugin does not support"), pytest.mark.usefixtures("fast_hashing")]

PASSWORD = "Santa Monica Blvd 8300"
NOTE = "CSO-12 on scene, caller wants a call back"
HOUR_FREE = 10**7  # the check timer never fires on its own in these tests unless asked


@pytest.fixture
def actor(db):
    auth.create_user(db, Actor("admin1", role="admin"), "ana", role="dispatcher", password=PASSWORD)
    return auth.authenticate(db, "ana", PASSWORD, workstation="ws-3")


class WorkWindow(QMainWindow):
    def __init__(self) -> None:
        super().__init__()
        body = QWidget()
        self.note = QLineEdit()
        layout = QVBoxLayout(body)
        layout.addWidget(self.note)
        self.setCentralWidget(body)
        self.shortcut_hits = 0
        action = QAction("New call", self)
        action.setShortcut(QKeySequence("F2"))
        action.triggered.connect(self._on_action_triggered)
        self.addAction(action)
        self.resize(900, 600)

    def _on_action_triggered(self) -> None:
        self.shortcut_hits += 1


@pytest.fixture
def window(qtbot):
    w = WorkWindow()
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    return w


@pytest.fixture
def idle(window, db, clock, actor, runner):
    lock = IdleLock(window, db, actor, Operations(runner), minutes=30, clock=clock, check_interval_ms=HOUR_FREE)
    lock.start()
    yield lock
    lock.stop()


def audit(db, *actions: str) -> list[tuple[str, str]]:
    with db.read() as s:
        rows = s.execute(select(AuditEntry).where(AuditEntry.action.in_(actions)).order_by(AuditEntry.id)).scalars()
        return [(a.action, a.outcome) for a in rows]


def unlock_with(qtbot, idle, password: str) -> None:
    qtbot.keyClicks(idle.overlay.password, password)
    qtbot.keyClick(idle.overlay.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: idle.overlay.password.isEnabled())


def test_locks_after_thirty_idle_minutes_and_the_password_brings_the_work_back(qtbot, db, clock, window, idle):
    qtbot.keyClicks(window.note, NOTE)
    clock.advance(minutes=29)
    assert idle.check() is False
    qtbot.keyClick(window.note, Qt.Key.Key_End)  # any key is activity: the count starts again
    clock.advance(minutes=29, seconds=59)
    assert idle.check() is False
    clock.advance(seconds=1)
    with qtbot.waitSignal(idle.locked):
        assert idle.check() is True
    assert idle.is_locked
    assert idle.overlay.isVisible()
    assert idle.overlay.geometry() == window.rect()  # the whole window is covered
    assert idle.overlay.focusWidget() is idle.overlay.password

    # Locked: typing and shortcuts do not reach the work underneath.
    qtbot.keyClicks(window.note, " tampered")
    qtbot.keyClick(window, Qt.Key.Key_F2)
    assert window.note.text() == NOTE
    assert window.shortcut_hits == 0

    unlock_with(qtbot, idle, "someone else's guess")
    assert idle.is_locked
    assert idle.overlay.error.text() == "Wrong user name or password. 4 attempts left before the account locks."
    assert idle.overlay.password.text() == ""

    with qtbot.waitSignal(idle.unlocked, timeout=10_000):
        qtbot.keyClicks(idle.overlay.password, PASSWORD)
        qtbot.keyClick(idle.overlay.password, Qt.Key.Key_Return)
    assert not idle.is_locked and not idle.overlay.isVisible()
    assert window.note.text() == NOTE  # the work is kept
    qtbot.keyClicks(window.note, " - done")
    assert window.note.text() == NOTE + " - done"
    qtbot.waitUntil(lambda: idle.operations.pending() == 0)
    assert audit(db, "screen_lock", "screen_unlock") == [
        ("screen_lock", "ok"),
        ("screen_unlock", "failed"),
        ("screen_unlock", "ok"),
    ]
    with db.read() as s:
        locked = s.execute(select(AuditEntry).where(AuditEntry.action == "screen_lock")).scalar_one()
    assert (locked.username, locked.workstation, locked.after) == ("ana", "ws-3", {"idle_minutes": 30.0})


def test_the_check_timer_locks_on_its_own(qtbot, clock, idle):
    idle.timer.setInterval(10)
    clock.advance(minutes=31)
    with qtbot.waitSignal(idle.locked, timeout=5_000):
        pass
    assert idle.is_locked


def test_shortcuts_work_again_after_unlock(qtbot, window, idle):
    qtbot.keyClick(window, Qt.Key.Key_F2)
    assert window.shortcut_hits == 1  # the control: shortcuts do reach the window when unlocked
    idle.lock()
    qtbot.keyClick(window, Qt.Key.Key_F2)
    assert window.shortcut_hits == 1
    with qtbot.waitSignal(idle.unlocked, timeout=10_000):
        unlock_with(qtbot, idle, PASSWORD)
    qtbot.keyClick(window, Qt.Key.Key_F2)
    assert window.shortcut_hits == 2


def test_other_windows_are_hidden_while_locked_and_come_back(qtbot, window, idle):
    side = QDialog(window)
    field = QLineEdit(side)
    field.setText("half-typed address")
    side.show()
    idle.lock()
    assert not side.isVisible()
    with qtbot.waitSignal(idle.unlocked, timeout=10_000):
        unlock_with(qtbot, idle, PASSWORD)
    assert side.isVisible() and field.text() == "half-typed address"


def test_overlay_follows_the_window_size(qtbot, window, idle):
    idle.lock()
    window.resize(1200, 800)
    qtbot.waitUntil(lambda: idle.overlay.geometry() == window.rect())


def test_sign_out_from_the_lock_screen(qtbot, idle):
    idle.lock()
    with qtbot.waitSignal(idle.sign_out_requested):
        qtbot.mouseClick(idle.overlay.sign_out_button, Qt.MouseButton.LeftButton)


def test_locking_by_hand_is_audited(qtbot, db, idle):
    idle.lock()
    qtbot.waitUntil(lambda: idle.operations.pending() == 0)
    with db.read() as s:
        row = s.execute(select(AuditEntry).where(AuditEntry.action == "screen_lock")).scalar_one()
    assert row.after == {"reason": "locked by the user"}


def test_failed_unlocks_count_towards_the_account_lockout(qtbot, db, idle):
    idle.lock()
    for _ in range(auth.MAX_FAILURES):
        unlock_with(qtbot, idle, "wrong again and again")
    assert "now locked" in idle.overlay.error.text()
    unlock_with(qtbot, idle, PASSWORD)
    assert idle.is_locked
    assert "administrator must unlock" in idle.overlay.error.text()
