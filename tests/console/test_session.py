"""The console session: sign in, the window's Session menu, sign out back to the sign-in dialog."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings, Qt
from sqlalchemy import select

from console.app import ConsoleSession
from console.settings import Settings
from data import auth
from data.models import AuditEntry
from data.permissions import Actor
from tests.data.helpers import FAST_HASHER

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")

PASSWORD = "Kings Road 940 morning"


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch):
    monkeypatch.setattr(auth, "HASHER", FAST_HASHER)


@pytest.fixture
def settings(tmp_path):
    return Settings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))


@pytest.fixture
def session(qloop, db, settings):
    quits: list[int] = []
    s = ConsoleSession(
        db,
        settings,
        demo_data=False,
        demo_sign_in=False,
        with_map=False,
        workstation="ws-9",
        on_quit=lambda: quits.append(1),
    )
    s.quits = quits  # type: ignore[attr-defined]
    yield s
    s.close()
    s.shutdown()


def add_user(db, name: str, role: str) -> None:
    auth.create_user(db, Actor("admin0", role="admin"), name, role=role, password=PASSWORD)


def sign_in(qtbot, session, name: str) -> None:
    dialog = session.dialog
    assert dialog is not None and dialog.isVisible()
    qtbot.keyClick(dialog.acknowledge_button, Qt.Key.Key_Return)
    qtbot.keyClicks(dialog.username, name)
    qtbot.keyClick(dialog.username, Qt.Key.Key_Return)
    qtbot.keyClicks(dialog.password, PASSWORD)
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: session.window is not None, timeout=10_000)


def actions(db) -> list[tuple[str, str, str]]:
    with db.read() as s:
        rows = s.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars()
        return [(a.username, a.action, a.outcome) for a in rows if a.action in ("sign_in", "sign_out")]


def test_sign_in_then_sign_out_returns_to_the_sign_in_dialog(qtbot, db, session):
    add_user(db, "ana", "dispatcher")
    session.start()
    assert not session.dialog.first_run_label.isVisible()
    sign_in(qtbot, session, "ana")
    window = session.window
    assert window.isVisible()
    assert window.windowTitle().endswith("ana @ ws-9")
    assert "demo sign-in" not in window.windowTitle()
    assert window.idle_lock is not None and window.idle_lock.minutes == 30
    assert not window.audit_action.isEnabled()  # a dispatcher does not read the audit log
    assert "&Session" in [a.text() for a in window.menuBar().actions()]

    window.sign_out_action.trigger()
    qtbot.waitUntil(lambda: session.dialog is not None and session.dialog.isVisible())
    assert session.window is None and not window.isVisible()
    qtbot.waitUntil(lambda: session.runner.pending == 0)
    assert actions(db) == [("ana", "sign_in", "ok"), ("ana", "sign_out", "ok")]

    # The next person signs in at the same workstation.
    add_user(db, "sam", "supervisor")
    sign_in(qtbot, session, "sam")
    assert session.window.actor.role == "supervisor"
    assert session.window.audit_action.isEnabled()


def test_first_run_dialog_and_quit(qtbot, session):
    session.start()
    assert session.dialog.first_run_label.isVisible()
    session.dialog.reject()
    assert session.quits == [1]


def test_supervisor_opens_the_audit_log_with_a_key(qtbot, db, session):
    add_user(db, "sam", "supervisor")
    session.start()
    sign_in(qtbot, session, "sam")
    window = session.window
    window.audit_action.trigger()
    viewer = window.audit_viewer
    assert viewer is not None and viewer.isVisible()
    qtbot.waitUntil(lambda: viewer.model.rowCount() > 0 and viewer.pending == 0, timeout=10_000)
    assert any(viewer.model.index(r, 3).data() == "sign_in" for r in range(viewer.model.rowCount()))


def test_idle_minutes_come_from_the_settings(qtbot, db, session, settings):
    settings.set("idle_lock_minutes", 10)
    add_user(db, "ana", "dispatcher")
    session.start()
    sign_in(qtbot, session, "ana")
    assert session.window.idle_lock.minutes == 10
    session.window.lock_action.trigger()
    assert session.window.idle_lock.is_locked


def test_demo_sign_in_has_no_password_and_says_so(qtbot, qloop, db, settings):
    demo = ConsoleSession(db, settings, demo_data=True, demo_sign_in=True, with_map=False, workstation="ws-demo")
    demo.start()
    try:
        window = demo.window
        assert window is not None and demo.dialog is None
        assert "DEMO DATA — demo sign-in, no password — Demo Dispatcher @ ws-demo" in window.windowTitle()
        assert window.idle_lock is None
        assert not window.sign_out_action.isEnabled() and not window.lock_action.isEnabled()
    finally:
        demo.close()
        demo.shutdown()
