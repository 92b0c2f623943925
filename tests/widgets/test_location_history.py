"""The place panel in the intake and the detail: cautions in red, the history, the full list, adding a caution."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from data import services
from data.permissions import Actor
from data.services.cautions import add_caution, cautions_at
from widgets.actions import DispatchActions
from widgets.incident_detail import IncidentDetail
from widgets.intake import IntakeForm

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")

HALL = (34.090496, -118.370685)  # 8300 Santa Monica Blvd as the pack's geocoder places it
SUPERVISOR = Actor("sup.k", role="supervisor", workstation="ws-sup")


def caution(db, **extra):
    fields = {
        "location": "8300 Santa Monica Blvd",
        "latitude": HALL[0],
        "longitude": HALL[1],
        "text": "Prior assault on staff",
        "category": "safety",
        "sheriff_first": True,
        "expires_at": db.clock() + dt.timedelta(days=20),
    }
    fields.update(extra)
    return add_caution(db, SUPERVISOR, **fields)


def form_texts(widget: QWidget) -> list[str]:
    return [label.text() for label in widget.findChildren(QLabel) if label.isVisible()]


@pytest.fixture
def form(qtbot, store, actions):
    widget = IntakeForm(store, actions)
    widget.geocode_timer.setInterval(0)
    qtbot.addWidget(widget)
    widget.resize(760, 900)
    widget.show()
    widget.start_call()
    return widget


def test_typing_an_address_with_a_caution_shows_it_in_red_and_presets_sheriff_first(qtbot, form, db, dispatcher):
    caution(db)
    earlier = services.create_incident(
        db, dispatcher, call_type="NOISE", location="8300 Santa Monica Blvd", latitude=HALL[0], longitude=HALL[1]
    )
    services.cancel_incident(db, dispatcher, earlier.id, reason="caller called back")
    qtbot.keyClicks(form.type_edit, "NOISE")
    qtbot.keyClick(form.type_edit, Qt.Key.Key_Tab)
    qtbot.keyClicks(form.location_edit, "8300 Santa Monica Blvd")
    panel = form.place_panel
    qtbot.waitUntil(lambda: panel.caution_label.isVisible(), timeout=8000)
    assert "SAFETY · LASD FIRST: Prior assault on staff" in panel.caution_label.text()
    assert "1 incident here in 12 months" in panel.summary_label.text()
    assert earlier.number in panel.recent_label.text() and "Event cancelled" in panel.recent_label.text()
    # The caution presets the screening outcome: the response box asks how the call is answered.
    assert form.response_box.isVisible() and "caution at this place" in form.response_box.title()
    # A dispatcher cannot add a caution; the button says so by being off.
    assert not panel.caution_button.isEnabled()

    # The caller says no to every screening question (Alt+N); the caution alone still asks for LASD.
    qtbot.keyClick(form, Qt.Key.Key_N, Qt.KeyboardModifier.AltModifier)
    assert form.response_box.isVisible()
    # Override with a reason: CSOs alone.
    form.response_buttons["cso"].setChecked(True)
    qtbot.keyClicks(form.override_edit, "Caller is the staff member; no threat")
    # The cancelled call minutes ago at the same place is offered as a possible duplicate first.
    qtbot.keyClick(form.override_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "Enter again saves a new incident" in " ".join(form_texts(form)), timeout=8000)
    with qtbot.waitSignal(form.incident_created, timeout=8000) as created:
        qtbot.keyClick(form.override_edit, Qt.Key.Key_Return)
    saved = created.args[0]
    assert saved.override_reason == "Caller is the staff member; no threat" and saved.screening["caution"] is True


def test_alt_h_opens_the_full_history_and_enter_picks_an_incident(qtbot, store, operations, db, dispatcher):
    actions = DispatchActions(store, dispatcher, operations)
    first = services.create_incident(
        db, dispatcher, call_type="NOISE", location="8300 Santa Monica Blvd", latitude=HALL[0], longitude=HALL[1]
    )
    second = services.create_incident(
        db, dispatcher, call_type="WELFARE", location="8300 Santa Monica Blvd", latitude=HALL[0], longitude=HALL[1]
    )
    detail = IncidentDetail(store, actions)
    qtbot.addWidget(detail)
    detail.resize(700, 900)
    detail.show()
    store.load()
    qtbot.waitUntil(lambda: second.id in store.incidents, timeout=5000)
    detail.show_incident(second.id)
    panel = detail.place_panel
    qtbot.waitUntil(lambda: "1 incident here" in panel.summary_label.text(), timeout=5000)
    assert first.number in panel.recent_label.text() and second.number not in panel.recent_label.text()
    qtbot.keyClick(detail, Qt.Key.Key_H, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: panel.dialog is not None and panel.dialog.isVisible(), timeout=3000)
    dialog = panel.dialog
    assert dialog.model.rowCount() == 1 and dialog.model.index(0, 1).data() == first.number
    qtbot.waitUntil(lambda: "No cautions" in dialog.cautions_label.text(), timeout=3000)
    with qtbot.waitSignal(panel.incident_activated, timeout=3000) as chosen:
        qtbot.keyClick(dialog.table, Qt.Key.Key_Return)
    assert chosen.args == [first.id]


def test_a_supervisor_marks_a_caution_with_alt_k(qtbot, store, operations, db, supervisor):
    actions = DispatchActions(store, supervisor, operations)
    incident = services.create_incident(
        db, supervisor, call_type="NOISE", location="8300 Santa Monica Blvd", latitude=HALL[0], longitude=HALL[1]
    )
    detail = IncidentDetail(store, actions)
    qtbot.addWidget(detail)
    detail.resize(700, 900)
    detail.show()
    detail.show_incident(incident.id)
    panel = detail.place_panel
    qtbot.waitUntil(lambda: not panel.pending and panel.history is not None, timeout=5000)
    assert panel.caution_button.isEnabled()
    qtbot.keyClick(detail, Qt.Key.Key_K, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: panel.dialog is not None and panel.dialog.isVisible(), timeout=3000)
    dialog = panel.dialog
    qtbot.keyClicks(dialog.text_edit, "Dog <b>not</b> friendly")
    dialog.days.setValue(10)
    qtbot.keyClick(dialog.text_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: panel.caution_label.isVisible(), timeout=5000)
    assert "SAFETY: Dog <b>not</b> friendly" in panel.caution_label.text()  # shown as typed, never as markup
    stored = cautions_at(db, latitude=HALL[0], longitude=HALL[1])
    assert [(c.text, c.author, c.expires_at - c.starts_at) for c in stored] == [
        ("Dog <b>not</b> friendly", supervisor.username, dt.timedelta(days=10))
    ]


def test_a_supervisor_ends_a_caution_from_the_full_history(qtbot, store, operations, db, supervisor):
    actions = DispatchActions(store, supervisor, operations)
    marked = caution(db, text="Gate code 4411", category="access", sheriff_first=False)
    incident = services.create_incident(
        db, supervisor, call_type="NOISE", location="8300 Santa Monica Blvd", latitude=HALL[0], longitude=HALL[1]
    )
    detail = IncidentDetail(store, actions)
    qtbot.addWidget(detail)
    detail.resize(700, 900)
    detail.show()
    detail.show_incident(incident.id)
    panel = detail.place_panel
    qtbot.waitUntil(lambda: panel.caution_label.isVisible(), timeout=5000)
    qtbot.keyClick(detail, Qt.Key.Key_H, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: panel.dialog is not None and panel.dialog.isVisible(), timeout=3000)
    dialog = panel.dialog
    qtbot.waitUntil(lambda: dialog.caution_list.count() == 1, timeout=3000)
    assert "ACCESS: Gate code 4411 (active" in dialog.caution_list.item(0).text()
    assert dialog.end_button.isVisible() and dialog.end_button.isEnabled()
    dialog.end_button.click()
    qtbot.waitUntil(lambda: dialog.reason_dialog is not None and dialog.reason_dialog.isVisible(), timeout=3000)
    ask = dialog.reason_dialog
    qtbot.keyClicks(ask.reason, "Gate removed")
    qtbot.keyClick(ask.reason, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: "(ended" in dialog.caution_list.item(0).text(), timeout=5000)
    assert "ended by supervisor1: Gate removed" in dialog.caution_list.item(0).text()
    assert not dialog.end_button.isEnabled()
    qtbot.waitUntil(lambda: not panel.caution_label.isVisible(), timeout=5000)  # no longer active at the place
    ended = cautions_at(db, latitude=HALL[0], longitude=HALL[1], include_inactive=True)
    assert [(c.id, c.ended_by, c.end_reason) for c in ended] == [(marked.id, supervisor.username, "Gate removed")]


def test_a_dispatcher_sees_past_cautions_but_cannot_end_them(qtbot, store, operations, db, dispatcher):
    actions = DispatchActions(store, dispatcher, operations)
    caution(db, text="Gate code 4411", category="access", sheriff_first=False)
    incident = services.create_incident(
        db, dispatcher, call_type="NOISE", location="8300 Santa Monica Blvd", latitude=HALL[0], longitude=HALL[1]
    )
    detail = IncidentDetail(store, actions)
    qtbot.addWidget(detail)
    detail.show()
    detail.show_incident(incident.id)
    panel = detail.place_panel
    qtbot.waitUntil(lambda: panel.caution_label.isVisible(), timeout=5000)
    dialog = panel.open_full_history()
    qtbot.waitUntil(lambda: dialog.caution_list.count() == 1, timeout=3000)
    assert not dialog.end_button.isVisible()
