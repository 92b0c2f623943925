"""The sign-in dialog driven with keys: banner first, then a wrong and a right password."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog
from sqlalchemy import select

from data import auth
from data.models import AuditEntry
from data.permissions import Actor
from widgets.operations import Operations
from widgets.sign_in import SignInDialog

# The offscreen platform cannot size native windows; it says so, harmlessly.
pytestmark = [pytest.mark.qt_log_ignore("This plugin does not support"), pytest.mark.usefixtures("fast_hashing")]

PASSWORD = "La Cienega 1200 north"
ADMIN = Actor("admin1", role="admin", workstation="ws-adm")


@pytest.fixture
def user(db):
    return auth.create_user(db, ADMIN, "ana", role="supervisor", password=PASSWORD, display_name="Ana Ruiz")


@pytest.fixture
def dialog(qtbot, db, runner, user):
    widget = SignInDialog(db, Operations(runner), workstation="ws-7")
    qtbot.addWidget(widget)
    widget.show()
    return widget


def type_into(qtbot, field, text: str) -> None:
    field.clear()
    qtbot.keyClicks(field, text)
    qtbot.keyClick(field, Qt.Key.Key_Return)


def sign_in_rows(db) -> list[tuple[str, str]]:
    with db.read() as s:
        rows = s.execute(select(AuditEntry).where(AuditEntry.action == "sign_in").order_by(AuditEntry.id)).scalars()
        return [(a.username, a.outcome) for a in rows]


def test_banner_must_be_acknowledged_before_the_fields_enable(qtbot, dialog):
    assert "AUTHORIZED USE ONLY" in dialog.banner.toPlainText()
    assert not dialog.username.isEnabled() and not dialog.password.isEnabled()
    assert not dialog.sign_in_button.isEnabled()
    qtbot.keyClicks(dialog.username, "ana")  # a disabled field takes no keys
    assert dialog.username.text() == ""
    dialog.submit()
    assert dialog.pending is False and dialog.error.text() == ""

    qtbot.keyClick(dialog.acknowledge_button, Qt.Key.Key_Return)
    assert dialog.acknowledged
    assert dialog.username.isEnabled() and dialog.password.isEnabled()
    assert dialog.focusWidget() is dialog.username
    assert not dialog.acknowledge_button.isEnabled()


def test_wrong_password_shows_the_message_and_right_one_returns_the_actor(qtbot, db, dialog):
    qtbot.keyClick(dialog.acknowledge_button, Qt.Key.Key_Space)
    type_into(qtbot, dialog.username, "ana")
    assert dialog.focusWidget() is dialog.password
    type_into(qtbot, dialog.password, "not the password")
    qtbot.waitUntil(lambda: not dialog.pending)
    assert dialog.error.text() == "Wrong user name or password. 4 attempts left before the account locks."
    assert dialog.password.text() == "" and dialog.username.text() == "ana"
    assert dialog.isVisible()

    with qtbot.waitSignal(dialog.signed_in, timeout=10_000) as signed:
        type_into(qtbot, dialog.password, PASSWORD)
    actor = signed.args[0]
    assert actor == Actor("ana", role="supervisor", workstation="ws-7", display_name="Ana Ruiz")
    assert dialog.actor == actor
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert not dialog.isVisible()
    assert sign_in_rows(db) == [("ana", "failed"), ("ana", "ok")]


def test_locked_account_message_is_shown_inline(qtbot, db, dialog):
    qtbot.keyClick(dialog.acknowledge_button, Qt.Key.Key_Return)
    type_into(qtbot, dialog.username, "ana")
    for _ in range(auth.MAX_FAILURES):
        type_into(qtbot, dialog.password, "guessing again")
        qtbot.waitUntil(lambda: not dialog.pending)
    assert "now locked" in dialog.error.text()
    type_into(qtbot, dialog.password, PASSWORD)
    qtbot.waitUntil(lambda: not dialog.pending)
    assert "locked" in dialog.error.text() and "administrator" in dialog.error.text()
    assert dialog.actor is None


def test_empty_fields_are_answered_without_asking_the_database(qtbot, db, dialog):
    qtbot.keyClick(dialog.acknowledge_button, Qt.Key.Key_Return)
    qtbot.keyClick(dialog.sign_in_button, Qt.Key.Key_Space)
    assert dialog.error.text() == "Type your user name."
    qtbot.keyClicks(dialog.username, "ana")
    dialog.submit()
    assert dialog.error.text() == "Type your password."
    assert dialog.pending is False
    assert sign_in_rows(db) == []


def test_first_run_explains_how_to_add_the_first_admin(qtbot, db, runner):
    widget = SignInDialog(db, Operations(runner), workstation="ws-7", first_run=True)
    qtbot.addWidget(widget)
    widget.show()
    assert widget.first_run_label.isVisible()
    assert "cso-console users add --role admin NAME" in widget.first_run_label.text()


def test_escape_quits_without_signing_in(qtbot, dialog):
    with qtbot.waitSignal(dialog.rejected):
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert dialog.actor is None
