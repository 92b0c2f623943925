"""Referrals from the incident pane, the follow-up list, and the directory editor."""

from __future__ import annotations

import datetime as dt

import pytest
import shiboken6
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QComboBox, QDateEdit, QLineEdit, QTableView

from data import services
from data.permissions import Actor
from data.services.directory import directory_entries
from data.services.referrals import add_referral, referral_follow_ups, referrals_for_incident
from tests.data.helpers import small_shift, welfare_call
from widgets.directory_editor import DirectoryEditor
from widgets.incident_detail import IncidentDetail
from widgets.referrals import FollowUpList, ReferralDialog

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")

ADMIN = Actor("admin1", role="admin", workstation="ws-admin")


@pytest.fixture
def incident(db, dispatcher):
    services.seed_directory(db, ADMIN)
    small_shift(db, units=1)
    return welfare_call(db, dispatcher)


def settle(qtbot, widget) -> None:
    qtbot.waitUntil(lambda: widget.pending == 0, timeout=10000)


def test_referral_dialog_records_and_lists(qtbot, qtmodeltester, store, operations, dispatcher, incident):
    dialog = ReferralDialog(store.db, operations, dispatcher, incident)
    qtbot.addWidget(dialog)
    dialog.show()
    with qtbot.waitSignal(dialog.loaded, timeout=10000):
        pass
    qtmodeltester.check(dialog.made)
    assert dialog.windowTitle() == f"Referrals · {incident.number}"
    assert dialog.agency.count() == len(directory_entries(store.db))
    dialog.agency.setCurrentIndex(dialog.agency.findData("dmh"))
    assert "field team" in dialog.agency_note.text()
    dialog.set_outcome("accepted")
    dialog.follow_check.setChecked(True)
    dialog.follow_date.setDate(QDate(2026, 11, 30))
    qtbot.keyClicks(dialog.note, "DMH will call her tomorrow")
    with qtbot.waitSignal(dialog.referral_added, timeout=10000) as added:
        qtbot.mouseClick(dialog.record_button, Qt.MouseButton.LeftButton)
    settle(qtbot, dialog)
    made = referrals_for_incident(store.db, incident.id)
    assert [(r.agency_key, r.outcome, r.follow_up_on, r.note) for r in made] == [
        ("dmh", "accepted", dt.date(2026, 11, 30), "DMH will call her tomorrow")
    ]
    assert added.args[0].id == made[0].id
    assert dialog.made.rowCount() == 1 and dialog.made.rows[0][:3] == (made[0].agency_name, "accepted", "Mon Nov 30")
    assert dialog.note.text() == "" and not dialog.follow_check.isChecked()
    assert "recorded (accepted)" in dialog.message.message

    # A refused referral (past follow-up date is impossible through the form; a closed directory entry is not).
    dialog.follow_date.setMinimumDate(QDate(2000, 1, 1))
    dialog.follow_check.setChecked(True)
    dialog.follow_date.setDate(QDate(2026, 1, 1))
    dialog.record()
    settle(qtbot, dialog)
    assert dialog.message.severity == "error" and "in the past" in dialog.message.message
    assert len(referrals_for_incident(store.db, incident.id)) == 1


def test_referral_dialog_inputs_have_accessible_names(qtbot, store, operations, dispatcher, incident):
    dialog = ReferralDialog(store.db, operations, dispatcher, incident)
    qtbot.addWidget(dialog)
    settle(qtbot, dialog)
    kinds = (QComboBox, QDateEdit, QLineEdit, QTableView)
    inputs = [w for kind in kinds for w in dialog.findChildren(kind) if w.parent() is dialog]
    assert len(inputs) >= 4
    assert all(w.accessibleName() for w in inputs), [w for w in inputs if not w.accessibleName()]


def test_incident_pane_opens_the_referral_dialog_with_ctrl_r(qtbot, store, actions, incident):
    detail = IncidentDetail(store, actions)
    qtbot.addWidget(detail)
    detail.show()
    with qtbot.waitSignal(store.board_loaded, timeout=10000):
        store.load()
    assert detail.open_referral_dialog() is None  # nothing shown yet
    detail.show_incident(incident.id)
    qtbot.waitUntil(lambda: detail.referral_button.isEnabled(), timeout=5000)
    detail.setFocus()
    qtbot.keyClick(detail, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: isinstance(detail.dialog, ReferralDialog), timeout=5000)
    dialog = detail.dialog
    assert dialog.incident.id == incident.id
    settle(qtbot, dialog)
    dialog.close()
    qtbot.waitUntil(lambda: detail.dialog is None, timeout=5000)
    qtbot.waitUntil(lambda: store.runner.pending == 0, timeout=5000)
    if shiboken6.isValid(detail):
        detail.recommend_timer.stop()


def test_follow_up_list_marks_a_follow_up_done(
    qtbot, qtmodeltester, store, operations, clock, dispatcher, supervisor, incident
):
    today = dt.date(2026, 11, 26)
    due = add_referral(
        store.db, dispatcher, incident_id=incident.id, agency_key="dmh", outcome="accepted", follow_up_on=today
    )
    add_referral(
        store.db,
        dispatcher,
        incident_id=incident.id,
        agency_key="la_hop",
        outcome="offered",
        follow_up_on=today + dt.timedelta(days=5),
    )
    clock.advance(days=2)
    listing = FollowUpList(store.db, operations, supervisor)
    qtbot.addWidget(listing)
    listing.show()
    with qtbot.waitSignal(listing.loaded, timeout=10000):
        listing.refresh()
    qtmodeltester.check(listing.model)
    assert [f.referral.id for f in listing.items] == [due.id]
    assert listing.model.rows[0][0] == "Thu Nov 26 (2 d late)" and listing.model.tones == ["bad"]
    assert listing.count.text() == "1 due"
    assert not listing.done_button.isEnabled()
    listing.view.setCurrentIndex(listing.model.index(0, 0))
    assert listing.done_button.isEnabled()
    with qtbot.waitSignal(listing.incident_selected) as opened:
        qtbot.mouseClick(listing.open_button, Qt.MouseButton.LeftButton)
    assert opened.args == [incident.id]
    qtbot.keyClicks(listing.done_note, "Spoke to DMH, visit done")
    with qtbot.waitSignal(listing.loaded, timeout=10000):
        qtbot.mouseClick(listing.done_button, Qt.MouseButton.LeftButton)
    settle(qtbot, listing)
    assert listing.items == [] and referral_follow_ups(store.db) == []
    assert services.timeline(store.db, incident.id)[-1].text.endswith(": Spoke to DMH, visit done")
    with qtbot.waitSignal(listing.loaded, timeout=10000):
        listing.include_done.setChecked(True)
    assert listing.model.tones == ["good"] and listing.count.text() == "0 due, 1 done"


def test_directory_editor_for_admins(qtbot, qtmodeltester, store, operations, incident):
    editor = DirectoryEditor(store.db, operations, ADMIN)
    qtbot.addWidget(editor)
    editor.resize(1000, 560)
    editor.show()
    qtbot.waitExposed(editor)
    with qtbot.waitSignal(editor.loaded, timeout=10000):
        editor.load()
    qtmodeltester.check(editor.model)
    assert editor.model.rowCount() == len(directory_entries(store.db, include_inactive=True))
    # A new entry.
    editor.start_new()
    editor.key_edit.setText("venice_clinic")
    editor.name_edit.setText("Venice Family Clinic")
    editor.phone_edit.setText("310-392-8636")
    editor.description_edit.setPlainText("Primary care, walk-in.")
    with qtbot.waitSignal(editor.loaded, timeout=10000):
        qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    assert "Venice Family Clinic" in [e.name for e in directory_entries(store.db)]
    # Stop offering it.
    row = next(n for n, e in enumerate(editor.entries) if e.key == "venice_clinic")
    editor.view.selectRow(row)
    assert editor.editing is not None and editor.editing.key == "venice_clinic"
    assert not editor.key_edit.isEnabled()
    editor.active_check.setChecked(False)
    with qtbot.waitSignal(editor.loaded, timeout=10000):
        editor.save()
    assert "Venice Family Clinic" not in [e.name for e in directory_entries(store.db)]
    assert editor.message.message == "Saved Venice Family Clinic."
    # A refusal is shown, not raised.
    editor.start_new()
    editor.key_edit.setText("dmh")
    editor.name_edit.setText("Duplicate")
    editor.save()
    settle(qtbot, editor)
    assert "taken" in editor.message.message


def test_directory_editor_is_read_only_for_supervisors(qtbot, store, operations, supervisor, incident):
    editor = DirectoryEditor(store.db, operations, supervisor)
    qtbot.addWidget(editor)
    assert not editor.save_button.isEnabled() and not editor.name_edit.isEnabled()
    assert "Only an administrator" in editor.note.text()
