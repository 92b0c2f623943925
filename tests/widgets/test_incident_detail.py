"""The incident pane: what it shows, and its actions changing the incident through the services."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools

import pytest
import shiboken6
from PySide6.QtCore import Qt

from data import services
from tests.widgets import helpers
from widgets.actions import DispatchActions
from widgets.incident_detail import IncidentDetail, elapsed
from widgets.timeline_model import TimelineModel

# The offscreen platform cannot size or raise dialog windows; it says so, harmlessly.
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")

# Officers after the first are trained in crisis intervention; units stand 0.001° of latitude apart.
staff = functools.partial(helpers.staff, skills_after_first=["crisis intervention"], spread=0.001)
welfare = functools.partial(helpers.welfare, zone="0976", in_city=True, narrative="Neighbour not seen for two days.")


@pytest.fixture
def make_detail(qtbot, store):
    """Builds detail panes; afterwards waits for their background work and detaches them from the store."""
    made: list[IncidentDetail] = []

    def build(actions, proposed=lambda _id: None) -> IncidentDetail:
        widget = IncidentDetail(store, actions, proposed_disposition=proposed)
        widget.recommend_timer.setInterval(0)
        qtbot.addWidget(widget)
        widget.resize(620, 900)
        widget.show()
        with qtbot.waitSignal(store.board_loaded):
            store.load()
        made.append(widget)
        return widget

    yield build
    # pytest-qt may already have deleted the panes; their late results are dropped (widgets.guard).
    qtbot.waitUntil(lambda: store.runner.pending == 0, timeout=5000)
    for widget in made:
        if shiboken6.isValid(widget):
            widget.recommend_timer.stop()


def shown(qtbot, detail, incident_id) -> None:
    # Generous waits: the pane loads through the database worker, slow on a loaded two-core machine.
    detail.show_incident(incident_id)
    qtbot.waitUntil(lambda: detail.timeline.rowCount() > 0 and detail.recommendations is not None, timeout=15_000)
    qtbot.waitUntil(lambda: detail._store.runner.pending == 0, timeout=15_000)


def settled(qtbot, detail) -> None:
    qtbot.waitUntil(lambda: detail.pending == 0 and detail._store.runner.pending == 0, timeout=15_000)


def test_shows_every_field_in_local_time(qtbot, make_detail, store, actions, db, clock, dispatcher, supervisor):
    staff(db, supervisor)
    inc = welfare(db, dispatcher, screening={"medical": True}, response="joint")
    detail = make_detail(actions)
    shown(qtbot, detail, inc.id)

    assert detail.number_label.text() == inc.number
    assert detail.priority_label.text() == "▲ P2"
    assert detail.status_label.text() == "PENDING"
    assert detail.type_label.text() == "WELFARE · Welfare check · APCO WELFARE · CSOs may respond alone"
    assert detail.location_label.text() == "8300 Santa Monica Blvd"
    assert detail.zone_label.text().startswith("Zone 0976 · in city · 34.09050, -118.37070")
    assert detail.caller_label.text() == "Ana Ruiz · 310-555-0100"
    assert detail.response_label.text() == "Joint response with LASD"
    assert detail.screening_label.text() == "weapon not asked · violence not asked · medical YES · crime not asked"
    assert detail.narrative_view.toPlainText() == "Neighbour not seen for two days."
    # 16:00 UTC on 26 Nov 2026 is 08:00 in Los Angeles (PST).
    assert detail.time_labels["received_at"].text() == "08:00:00\nThu 26 Nov"
    assert detail.time_labels["dispatched_at"].text() == "—"
    assert detail.disposition_label.text() == "—"
    assert detail.timeline.rowCount() == 1
    assert detail.timeline.data(detail.timeline.index(0, 0)) == "08:00:00"
    assert detail.timeline.data(detail.timeline.index(0, 1)) == "dispatcher1"
    assert "Welfare check (P2) at 8300 Santa Monica Blvd" in detail.timeline.data(detail.timeline.index(0, 2))
    reasons = [detail.recommended_list.item(r).text() for r in range(detail.recommended_list.count())]
    # CSO-14 is 100 m further but has the skill a welfare check wants: it ranks first, and says why.
    assert reasons[0].startswith("CSO-14  available · 0.1 km · crisis intervention")
    assert reasons[1].startswith("CSO-12  available · 0.0 km")


def test_timeline_follows_changes_made_elsewhere(qtbot, make_detail, store, actions, db, dispatcher, clock):
    inc = welfare(db, dispatcher)
    detail = make_detail(actions)
    shown(qtbot, detail, inc.id)
    clock.advance(minutes=3)
    other = dispatcher.__class__("dispatcher2", workstation="ws-2")
    services.add_note(db, other, inc.id, "Caller called back: door is now open")
    qtbot.waitUntil(lambda: detail.timeline.rowCount() == 2)
    row = [detail.timeline.data(detail.timeline.index(1, c)) for c in range(3)]
    assert row == ["08:03:00", "dispatcher2", "Caller called back: door is now open"]


def test_dispatch_en_route_on_scene_with_keys(qtbot, make_detail, store, actions, db, clock, dispatcher, supervisor):
    units = staff(db, supervisor)
    inc = welfare(db, dispatcher)
    detail = make_detail(actions)
    shown(qtbot, detail, inc.id)
    detail.activateWindow()
    qtbot.waitUntil(detail.isActiveWindow)

    clock.advance(seconds=45)
    qtbot.keyClick(detail, Qt.Key.Key_D, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: services.get_incident(db, inc.id).status == "dispatched")
    settled(qtbot, detail)
    assert services.get_incident(db, inc.id).units == ("CSO-14",)
    assert detail.action_message.text() == f"✓ CSO-14 dispatched to {inc.number}"
    qtbot.waitUntil(lambda: detail.status_label.text() == "DISPATCHED")
    assert detail.time_labels["dispatched_at"].text() == "08:00:45\n+0:45"
    qtbot.waitUntil(lambda: detail.recommended_list.count() == 1)
    assert detail.recommended_list.item(0).text().startswith("CSO-12")

    clock.advance(minutes=1)
    qtbot.keyClick(detail, Qt.Key.Key_E, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: services.get_units(db, [units["CSO-14"]])[0].status == "enroute")
    clock.advance(minutes=4)
    qtbot.keyClick(detail, Qt.Key.Key_O, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: services.get_incident(db, inc.id).status == "onscene")
    qtbot.waitUntil(lambda: detail.status_label.text() == "ON SCENE")
    assert detail.time_labels["onscene_at"].text() == "08:05:45\n+5:45"
    assert detail.assigned_list.item(0).text().startswith("CSO-14  On scene 0 min")
    assert not detail.onscene_button.isEnabled() and not detail.enroute_button.isEnabled()


def test_a_unit_change_reranks_from_the_store_alone(
    qtbot, make_detail, store, actions, db, dispatcher, supervisor, monkeypatch
):
    """The ranking is the pure rules.recommend_units over the store's units: no database call per unit change."""
    units = staff(db, supervisor)
    inc = welfare(db, dispatcher)
    detail = make_detail(actions)
    shown(qtbot, detail, inc.id)
    assert detail.recommended_list.item(0).text().startswith("CSO-14")
    submitted: list[object] = []
    monkeypatch.setattr(store.runner, "submit", lambda *args, **kw: submitted.append(args))
    on_break = dataclasses.replace(
        store.units[units["CSO-14"]], status="break", version=store.units[units["CSO-14"]].version + 1
    )
    store.put(units=[on_break])
    qtbot.waitUntil(lambda: not detail.recommend_timer.isActive())
    signs = [detail.recommended_list.item(r).text().split()[0] for r in range(detail.recommended_list.count())]
    assert "CSO-14" not in signs and signs[0] == "CSO-12"
    assert submitted == []


def test_dispatch_a_chosen_unit(qtbot, make_detail, store, actions, db, dispatcher, supervisor):
    staff(db, supervisor)
    inc = welfare(db, dispatcher)
    detail = make_detail(actions)
    shown(qtbot, detail, inc.id)
    detail.recommended_list.setFocus()
    qtbot.keyClick(detail.recommended_list, Qt.Key.Key_Down)
    assert detail.recommended_list.currentItem().text().startswith("CSO-12")
    qtbot.mouseClick(detail.dispatch_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: services.get_incident(db, inc.id).units == ("CSO-12",))


def test_sheriff_first_dispatch_asks_for_an_override(qtbot, make_detail, store, actions, db, dispatcher, supervisor):
    staff(db, supervisor)
    inc = welfare(db, dispatcher, screening={"weapon": True})
    detail = make_detail(actions)
    shown(qtbot, detail, inc.id)
    qtbot.mouseClick(detail.dispatch_button, Qt.MouseButton.LeftButton)
    dialog = detail.dialog
    assert dialog is not None and dialog.isVisible() and "needs LASD first" in dialog.prompt.text()
    qtbot.keyClick(dialog.reason, Qt.Key.Key_Return)
    assert dialog.error.text() == "✕ Enter a reason."
    assert services.get_incident(db, inc.id).status == "pending"
    qtbot.keyClicks(dialog.reason, "LASD on scene asked for CSO support")
    qtbot.keyClick(dialog.reason, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: services.get_incident(db, inc.id).status == "dispatched")
    assert services.get_incident(db, inc.id).override_reason == "LASD on scene asked for CSO support"


def test_clear_with_the_disposition_dialog(qtbot, make_detail, store, actions, db, dispatcher, supervisor):
    units = staff(db, supervisor)
    inc = welfare(db, dispatcher)
    services.dispatch_units(db, dispatcher, inc.id, [units["CSO-12"]])
    detail = make_detail(actions)
    shown(qtbot, detail, inc.id)
    dialog = detail.open_clear_dialog()
    assert dialog.isVisible() and dialog.windowTitle() == f"Clear {inc.number}"
    codes = [dialog.codes.item(r).text()[:2] for r in range(dialog.codes.count())]
    assert codes == list(db.pack.dispositions)
    assert dialog.code() is None  # no proposal, nothing chosen
    qtbot.keyClick(dialog.code_edit, Qt.Key.Key_Return)
    assert dialog.isVisible() and dialog.error.text() == "✕ Choose a disposition."
    qtbot.keyClicks(dialog.code_edit, "99")
    assert dialog.code() is None and dialog.error.text() == "✕ No disposition 99."
    qtbot.keyClick(dialog.code_edit, Qt.Key.Key_Backspace)
    qtbot.keyClick(dialog.code_edit, Qt.Key.Key_Backspace)
    qtbot.keyClicks(dialog.code_edit, "18")
    assert dialog.code() == "18" and dialog.codes.currentItem().text() == "18  Settled by contact"
    qtbot.keyClick(dialog.code_edit, Qt.Key.Key_Tab)
    assert dialog.focusWidget() is dialog.note
    qtbot.keyClicks(dialog.note, "Resident fine, declined services")
    qtbot.keyClick(dialog.note, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: services.get_incident(db, inc.id).status == "cleared")
    cleared = services.get_incident(db, inc.id)
    assert (cleared.disposition_code, cleared.disposition_note) == ("18", "Resident fine, declined services")
    settled(qtbot, detail)
    qtbot.waitUntil(
        lambda: detail.disposition_label.text() == "18 Settled by contact · Resident fine, declined services"
    )
    assert not detail.clear_button.isEnabled() and not detail.reopen_button.isVisible()


def test_clear_preselects_the_proposed_disposition(qtbot, make_detail, store, actions, db, dispatcher):
    inc = welfare(db, dispatcher)
    asked = []
    detail = make_detail(actions, proposed=lambda incident_id: asked.append(incident_id) or "04")
    shown(qtbot, detail, inc.id)
    dialog = detail.open_clear_dialog()
    qtbot.waitUntil(lambda: dialog.code() == "04")
    assert asked == [inc.id] and "citation was issued" in dialog.proposal.text()
    assert dialog.code_edit.text() == "04"
    qtbot.keyClick(dialog.code_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: services.get_incident(db, inc.id).disposition_code == "04")


def test_paperwork_proposal_is_used_when_installed(qtbot, store, actions, db, dispatcher):
    inc = welfare(db, dispatcher)
    detail = IncidentDetail(store, actions)
    qtbot.addWidget(detail)
    assert detail._propose is not None and detail._propose(inc.id) is None  # no citation issued


def test_cancel_needs_a_reason(qtbot, make_detail, store, actions, db, dispatcher):
    inc = welfare(db, dispatcher)
    detail = make_detail(actions)
    shown(qtbot, detail, inc.id)
    dialog = detail.open_cancel_dialog()
    qtbot.keyClick(dialog.reason, Qt.Key.Key_Return)
    assert dialog.isVisible() and dialog.error.text() == "✕ Enter a reason."
    assert services.get_incident(db, inc.id).status == "pending"
    qtbot.keyClicks(dialog.reason, "Caller resolved it")
    qtbot.keyClick(dialog.reason, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: services.get_incident(db, inc.id).status == "cancelled")
    assert services.get_incident(db, inc.id).disposition_note == "Caller resolved it"


def test_reopen_is_hidden_for_dispatchers_and_refused_by_the_service(
    qtbot, make_detail, store, actions, db, dispatcher
):
    inc = welfare(db, dispatcher)
    services.clear_incident(db, dispatcher, inc.id, disposition="18")
    detail = make_detail(actions)
    shown(qtbot, detail, inc.id)
    assert not detail.reopen_button.isVisible()
    assert detail.open_reopen_dialog() is None
    detail.reopen("I want it back")  # straight to the service, as a tampered client would
    settled(qtbot, detail)
    assert detail.action_message.text() == "✕ A dispatcher cannot reopen a closed incident; ask a supervisor."
    assert services.get_incident(db, inc.id).status == "cleared"


def test_supervisor_reopens(qtbot, make_detail, store, operations, db, dispatcher, supervisor):
    inc = welfare(db, dispatcher)
    services.clear_incident(db, dispatcher, inc.id, disposition="18")
    detail = make_detail(DispatchActions(store, supervisor, operations))
    shown(qtbot, detail, inc.id)
    assert detail.reopen_button.isVisible() and detail.reopen_button.isEnabled()
    qtbot.mouseClick(detail.reopen_button, Qt.MouseButton.LeftButton)
    dialog = detail.dialog
    qtbot.keyClicks(dialog.reason, "Caller reports it again")
    qtbot.keyClick(dialog.reason, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: services.get_incident(db, inc.id).status == "pending")
    qtbot.waitUntil(lambda: detail.status_label.text() == "PENDING")


def test_joint_response_then_transfer(qtbot, make_detail, store, actions, db, dispatcher):
    inc = welfare(db, dispatcher)
    detail = make_detail(actions)
    shown(qtbot, detail, inc.id)
    dialog = detail.open_transfer_dialog()
    qtbot.keyClick(dialog.joint, Qt.Key.Key_Space)
    qtbot.keyClicks(dialog.note, "Deputy 4A12 meeting CSOs")
    qtbot.keyClick(dialog.note, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: services.get_incident(db, inc.id).response == "joint")
    qtbot.waitUntil(lambda: detail.response_label.text() == "Joint response with LASD")

    dialog = detail.open_transfer_dialog()
    assert not dialog.joint.isEnabled() and dialog.transfer.isChecked()
    qtbot.keyClick(dialog.note, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: services.get_incident(db, inc.id).status == "transferred")
    settled(qtbot, detail)
    qtbot.waitUntil(lambda: detail.status_label.text() == "TRANSFERRED TO LASD")


def test_add_note_with_keys(qtbot, make_detail, store, actions, db, dispatcher):
    inc = welfare(db, dispatcher)
    detail = make_detail(actions)
    shown(qtbot, detail, inc.id)
    qtbot.keyClick(detail.note_edit, Qt.Key.Key_Return)
    assert detail.action_message.text() == "✕ Type the note first."
    qtbot.keyClicks(detail.note_edit, "Gate code 4411")
    qtbot.keyClick(detail.note_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: detail.timeline.rowCount() == 2)
    assert detail.timeline.data(detail.timeline.index(1, 2)) == "Gate code 4411"
    assert detail.note_edit.text() == ""


def test_print_and_export_are_signals(qtbot, make_detail, store, actions, db, dispatcher):
    inc = welfare(db, dispatcher)
    detail = make_detail(actions)
    shown(qtbot, detail, inc.id)
    detail.note_edit.setFocus()
    with qtbot.waitSignal(detail.print_requested) as printed:
        qtbot.keyClick(detail.note_edit, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    assert printed.args == [inc.id]
    with qtbot.waitSignal(detail.export_eido_requested) as exported:
        qtbot.mouseClick(detail.eido_button, Qt.MouseButton.LeftButton)
    assert exported.args == [inc.id]


def test_refusals_change_nothing(qtbot, make_detail, store, actions, db, dispatcher):
    inc = welfare(db, dispatcher)
    detail = make_detail(actions)
    shown(qtbot, detail, inc.id)
    detail.dispatch_selected()
    assert detail.action_message.text().startswith("✕ No unit is available")
    detail.advance_units("enroute")
    assert detail.action_message.text() == "✕ No assigned unit can go en route."
    assert services.get_incident(db, inc.id).status == "pending"


def test_empty_pane_and_an_incident_not_on_the_board(qtbot, make_detail, store, actions, db, dispatcher, clock):
    old = welfare(db, dispatcher)
    services.clear_incident(db, dispatcher, old.id, disposition="18")
    clock.advance(hours=30)  # closed long ago: not on the board
    detail = make_detail(actions)
    assert detail.stack.currentWidget() is detail.empty
    qtbot.waitUntil(lambda: store.runner.pending == 0 and not store.flush_timer.isActive())
    store.incidents.pop(old.id, None)  # what a reload shows: closed 30 hours ago, off the board
    detail.show_incident(old.id)
    qtbot.waitUntil(lambda: detail.number_label.text() == old.number)
    detail.show_incident(None)
    assert detail.stack.currentWidget() is detail.empty


def test_timeline_model_passes_the_model_tester(qtmodeltester, db, dispatcher):
    inc = welfare(db, dispatcher)
    services.add_note(db, dispatcher, inc.id, "first note")
    model = TimelineModel(db.pack.timezone)
    model.set_events(inc.id, services.timeline(db, inc.id))
    qtmodeltester.check(model)
    services.add_note(db, dispatcher, inc.id, "second note")
    model.set_events(inc.id, services.timeline(db, inc.id))  # appended as a row, not a reset
    assert model.rowCount() == 3
    qtmodeltester.check(model)


@pytest.mark.parametrize(
    ("seconds", "text"), [(0, "+0:00"), (45, "+0:45"), (65, "+1:05"), (3600 + 180, "+1h03"), (-5, "")]
)
def test_elapsed(seconds, text):
    start = dt.datetime(2026, 11, 26, 16, 0, tzinfo=dt.UTC)
    assert elapsed(start, start + dt.timedelta(seconds=seconds)) == text
