"""Call intake driven with keys: good calls save with Enter, bad input is shown inline and saves nothing."""

from __future__ import annotations

import dataclasses

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QComboBox, QLineEdit, QListWidget, QPlainTextEdit

from data import services
from data.errors import ValidationError
from data.pack import CallType
from widgets.intake import IntakeForm, rank_call_types

# The offscreen platform cannot raise or grab for the completion popup; it says so, harmlessly.
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")

CITY_HALL = (34.090496, -118.370685)


class Keys:
    """Sends keys to the form and counts those outside free text (the keystroke budget)."""

    def __init__(self, qtbot) -> None:
        self.qtbot = qtbot
        self.counted = 0

    def type(self, widget, text: str, *, free: bool = True) -> None:
        self.qtbot.keyClicks(widget, text)
        if not free:
            self.counted += len(text)

    def press(self, widget, key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
        self.qtbot.keyClick(widget, key, modifier)
        self.counted += 1


@pytest.fixture
def form(qtbot, store, actions):
    widget = IntakeForm(store, actions)
    widget.geocode_timer.setInterval(0)  # tests need no debounce
    qtbot.addWidget(widget)
    widget.resize(760, 820)
    widget.show()
    widget.start_call()
    return widget


def incident_count(db) -> int:
    return len(services.search_incidents(db, "", limit=1000))


def answer_no(qtbot, form) -> None:
    """Alt+N: the caller said no to every screening question not answered yet."""
    qtbot.keyClick(form, Qt.Key.Key_N, Qt.KeyboardModifier.AltModifier)


def settle(qtbot, form) -> None:
    """Wait for the location lookups and the duplicate check for what is typed now."""
    qtbot.waitUntil(lambda: form._lookups_settled() and form._lookup_text is None, timeout=20_000)


def test_enter_saves_a_good_call_in_few_keys(qtbot, form, db):
    keys = Keys(qtbot)
    assert form.focusWidget() is form.type_edit  # the type field has focus first
    keys.type(form.type_edit, "welf", free=False)
    assert form.type_edit.suggestion_values()[0] == "WELFARE"
    keys.press(form.type_edit, Qt.Key.Key_Tab)
    assert form.type_edit.text() == "WELFARE"
    assert "Welfare check · APCO WELFARE · CSOs may respond alone" in form.type_info.text()
    assert form.priority.currentData() == 2  # defaulted from the type
    assert form.focusWidget() is form.location_edit
    keys.type(form.location_edit, "8300 Santa Monica Blvd")
    settle(qtbot, form)
    assert "8300 Santa Monica Blvd · zone 0976 · in city" in form.match_info.text()
    form.location_edit.hide_suggestions()
    keys.press(form.location_edit, Qt.Key.Key_Tab)
    assert form.focusWidget() is form.caller_edit
    keys.type(form.caller_edit, "Ana Ruiz")
    keys.press(form.caller_edit, Qt.Key.Key_Tab)
    keys.type(form.phone_edit, "310-555-0100")
    keys.press(form.phone_edit, Qt.Key.Key_Tab)
    assert form.focusWidget() is form.narrative
    keys.type(form.narrative, "Neighbour not seen for two days.")
    qtbot.keyClick(form.narrative, Qt.Key.Key_Return)  # a new line in free text
    keys.type(form.narrative, "Mail piling up.")
    keys.press(form, Qt.Key.Key_N, Qt.KeyboardModifier.AltModifier)  # the caller said no to all four
    with qtbot.waitSignal(form.incident_created) as created:
        keys.press(form.narrative, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)

    rec = created.args[0]
    assert keys.counted == 10  # welf, 4 × Tab, Alt+N, Ctrl+Enter: every field of the call
    stored = services.get_incident(db, rec.id)
    assert (stored.call_type, stored.apco_code, stored.priority, stored.status) == ("WELFARE", "WELFARE", 2, "pending")
    assert (stored.location, stored.zone, stored.in_city) == ("8300 Santa Monica Blvd", "0976", True)
    assert stored.latitude == pytest.approx(34.0906, abs=1e-3) and stored.longitude == pytest.approx(
        -118.3704, abs=1e-3
    )
    assert (stored.caller_name, stored.caller_phone) == ("Ana Ruiz", "310-555-0100")
    assert stored.narrative == "Neighbour not seen for two days.\nMail piling up."
    assert stored.response == "cso"
    assert stored.screening == {"weapon": False, "violence": False, "medical": False, "crime": False}
    assert form.type_edit.text() == "" and form.location_edit.text() == ""  # ready for the next call


def test_enter_in_any_line_field_saves(qtbot, form, db):
    qtbot.keyClicks(form.type_edit, "NOISE")
    qtbot.keyClick(form.type_edit, Qt.Key.Key_Tab)
    qtbot.keyClicks(form.location_edit, "city hall")
    settle(qtbot, form)
    answer_no(qtbot, form)
    with qtbot.waitSignal(form.incident_created) as created:
        qtbot.keyClick(form.location_edit, Qt.Key.Key_Return)
    rec = created.args[0]
    assert rec.call_type == "NOISE" and rec.zone == "0976" and rec.in_city is True
    assert incident_count(db) == 1


def test_enter_in_the_narrative_is_a_new_line(qtbot, form, db):
    qtbot.keyClicks(form.narrative, "first line")
    qtbot.keyClick(form.narrative, Qt.Key.Key_Return)
    qtbot.keyClicks(form.narrative, "second")
    assert form.narrative.toPlainText() == "first line\nsecond"
    assert not form.type_error.isVisible()


def test_enter_on_a_partly_typed_type_takes_the_top_match_and_moves_on(qtbot, form):
    qtbot.keyClicks(form.type_edit, "leash")
    assert form.type_edit.suggestion_values() == ["DOG"]
    qtbot.keyClick(form.type_edit, Qt.Key.Key_Return)
    assert form.type_edit.text() == "DOG"
    assert form.focusWidget() is form.location_edit
    assert not form.form_error.isVisible()  # nothing was submitted yet


def test_call_types_complete_over_code_and_label():
    from data.pack import load_pack

    pack = load_pack()
    assert [ct.code for ct in rank_call_types(pack, "welf")] == ["WELFARE"]
    assert rank_call_types(pack, "noise")[0].code == "NOISE"
    assert "SUICTHRT" in [ct.code for ct in rank_call_types(pack, "suicide")]
    assert rank_call_types(pack, "vag")[0].apco == "VAG"  # by APCO code too
    assert rank_call_types(pack, "zzzz") == []


def test_sheriff_first_type_shows_its_rule(qtbot, form):
    qtbot.keyClicks(form.type_edit, "SUICTHRT")
    assert "LASD first" in form.type_info.text() and form.type_info.severity == "warning"
    assert form.response_box.isVisible()
    assert form.priority.currentData() == 1


@pytest.mark.parametrize(
    ("type_text", "location", "phone", "field", "message"),
    [
        ("", "city hall", "", "type_error", "✕ Choose a call type."),
        ("ZZZQ", "city hall", "", "type_error", "✕ Unknown call type 'ZZZQ'."),
        ("WELFARE", "", "", "location_error", "✕ Enter the location."),
        ("WELFARE", "x" * 10_000, "", "location_error", "✕ The location is 10,000 characters; the limit is 300."),
        ("WELFARE", "city hall", "call me maybe", "phone_error", "has characters a phone number cannot"),
        ("WELFARE", "city hall", "5" * 30, "phone_error", "has too many digits"),
        ("WELFARE", "city hall", "--", "phone_error", "has too few digits"),
    ],
)
def test_bad_input_is_shown_inline_and_creates_nothing(qtbot, form, db, type_text, location, phone, field, message):
    qtbot.keyClicks(form.type_edit, type_text)
    form.type_edit.hide_suggestions()
    if len(location) > 100:
        # A pasted wall of text, as a dispatcher would paste it.
        QApplication.clipboard().setText(location)
        form.location_edit.setFocus()
        qtbot.keyClick(form.location_edit, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
        assert len(form.location_edit.text()) == len(location)
    else:
        qtbot.keyClicks(form.location_edit, location)
    form.location_edit.hide_suggestions()
    qtbot.keyClicks(form.phone_edit, phone)
    created = []
    form.incident_created.connect(created.append)

    qtbot.keyClick(form.phone_edit, Qt.Key.Key_Return)
    settle(qtbot, form)
    qtbot.wait(50)  # anything wrongly submitted would have reached the database by now

    label = getattr(form, field)
    assert label.isVisible() and message in label.text()
    assert label.text().startswith("✕")
    assert form.form_error.text().startswith("✕ Nothing saved")
    assert created == [] and incident_count(db) == 0


def test_a_refused_service_call_is_shown_inline_and_changes_nothing(qtbot, form, db, monkeypatch):
    def refuse(*_args, **_kwargs):
        raise ValidationError("location", "That location is closed to new calls.")

    monkeypatch.setattr(services, "create_incident", refuse)
    qtbot.keyClicks(form.type_edit, "WELFARE")
    qtbot.keyClicks(form.location_edit, "city hall")
    settle(qtbot, form)
    answer_no(qtbot, form)
    qtbot.keyClick(form.location_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not form.saving)
    assert form.location_error.text() == "✕ That location is closed to new calls."
    assert "Nothing saved" in form.form_error.text()
    assert form.type_edit.text() == "WELFARE"  # the dispatcher's typing is kept
    assert incident_count(db) == 0


def test_the_summary_line_counts_what_is_still_wrong_and_goes_when_fixed(qtbot, form, db):
    qtbot.keyClicks(form.type_edit, "WELFARE")
    qtbot.keyClicks(form.phone_edit, "abc")
    qtbot.keyClick(form.phone_edit, Qt.Key.Key_Return)
    # No location, a bad callback number, unanswered screening.
    assert form.form_error.text() == "✕ Nothing saved: fix the 3 fields marked above."
    qtbot.keyClicks(form.location_edit, "city hall")
    qtbot.waitUntil(lambda: form.form_error.text() == "✕ Nothing saved: fix the 2 fields marked above.")
    assert not form.location_error.isVisible()
    form.phone_edit.clear()
    qtbot.keyClicks(form.phone_edit, "310-555-0100")
    qtbot.waitUntil(lambda: form.form_error.text() == "✕ Nothing saved: fix the field marked above.")
    answer_no(qtbot, form)
    qtbot.waitUntil(lambda: not form.form_error.isVisible())
    assert not form.screening_error.isVisible() and not form.phone_error.isVisible()


def test_unanswered_screening_is_refused_and_not_stored_as_no(qtbot, form, db):
    qtbot.keyClicks(form.type_edit, "WELFARE")
    qtbot.keyClicks(form.location_edit, "city hall")
    settle(qtbot, form)
    assert form._answers() == dict.fromkeys(("weapon", "violence", "medical", "crime"))
    assert [form.screening[k].state.text() for k in form.screening] == ["not asked"] * 4
    qtbot.keyClick(form.location_edit, Qt.Key.Key_Return)
    assert form.screening_error.text().startswith("✕ Ask the caller: weapon, violence, medical, crime not answered")
    assert form.form_error.text() == "✕ Nothing saved: fix the field marked above."
    assert form.focusWidget() is form.screening["weapon"].yes
    qtbot.wait(50)
    assert incident_count(db) == 0

    # Y and N answer the focused question; the message goes once every question has an answer.
    qtbot.keyClick(form.focusWidget(), Qt.Key.Key_N)
    assert form.screening["weapon"].answer() is False
    qtbot.keyClick(form, Qt.Key.Key_M, Qt.KeyboardModifier.AltModifier)  # medical: yes
    assert form.screening_error.isVisible()
    answer_no(qtbot, form)  # the rest: no; the medical yes stays
    assert form._answers() == {"weapon": False, "violence": False, "medical": True, "crime": False}
    assert not form.screening_error.isVisible()
    assert form.response_box.isVisible() and "medical" in form.response_box.title()


def fill_screened_call(qtbot, form) -> None:
    qtbot.keyClicks(form.type_edit, "DISORD")
    qtbot.keyClick(form.type_edit, Qt.Key.Key_Tab)
    qtbot.keyClicks(form.location_edit, "city hall")
    settle(qtbot, form)
    form.location_edit.hide_suggestions()
    qtbot.keyClick(form, Qt.Key.Key_W, Qt.KeyboardModifier.AltModifier)
    assert form.screening["weapon"].answer() is True
    answer_no(qtbot, form)
    assert form._answers() == {"weapon": True, "violence": False, "medical": False, "crime": False}


def test_screening_yes_requires_a_choice(qtbot, form, db):
    fill_screened_call(qtbot, form)
    assert form.response_box.isVisible() and "weapon" in form.response_box.title()
    qtbot.keyClick(form.location_edit, Qt.Key.Key_Return)
    assert form.response_error.text().startswith("✕ Screening says LASD first")
    qtbot.wait(50)
    assert incident_count(db) == 0

    qtbot.keyClick(form.response_buttons["joint"], Qt.Key.Key_Space)
    answer_no(qtbot, form)
    with qtbot.waitSignal(form.incident_created) as created:
        qtbot.keyClick(form.location_edit, Qt.Key.Key_Return)
    stored = services.get_incident(db, created.args[0].id)
    assert stored.response == "joint" and stored.screening["weapon"] is True and stored.status == "pending"


def test_screening_transfer_creates_and_transfers_in_one_action(qtbot, form, db, operations):
    fill_screened_call(qtbot, form)
    qtbot.keyClick(form.response_buttons["transfer"], Qt.Key.Key_Space)
    answer_no(qtbot, form)
    operations.reports.clear()
    with qtbot.waitSignal(form.incident_created, timeout=5000) as created:
        qtbot.keyClick(form.location_edit, Qt.Key.Key_Return)
    assert [r.text for r in operations.reports] == [
        "2026-000001 created and transferred to LASD: Disturbance, non-violent at West Hollywood City Hall"
    ]
    stored = services.get_incident(db, created.args[0].id)
    assert (stored.status, stored.response, stored.disposition_code) == ("transferred", "sheriff", "15")
    assert "Screening: weapon" in stored.disposition_note
    assert [e.kind for e in services.timeline(db, stored.id)] == ["created", "transferred"]


def test_screening_cso_alone_needs_an_override_reason(qtbot, form, db):
    fill_screened_call(qtbot, form)
    qtbot.keyClick(form.response_buttons["cso"], Qt.Key.Key_Space)
    assert form.override_edit.isEnabled() and form.focusWidget() is form.override_edit
    qtbot.keyClick(form.override_edit, Qt.Key.Key_Return)
    assert "Enter the override reason." in form.response_error.text()
    assert incident_count(db) == 0
    qtbot.keyClicks(form.override_edit, "Caller says the knife is locked in the car")
    answer_no(qtbot, form)
    with qtbot.waitSignal(form.incident_created) as created:
        qtbot.keyClick(form.override_edit, Qt.Key.Key_Return)
    stored = services.get_incident(db, created.args[0].id)
    assert stored.response == "cso" and stored.override_reason == "Caller says the knife is locked in the car"


def test_a_type_csos_do_not_answer_alone_asks_how_it_is_answered(qtbot, store, actions, db):
    """cso_alone = false without Sheriff-first: the form mirrors data.rules, so a choice is needed to save."""
    vending = CallType(code="VENDING", label="Street vending", apco="VEND", priority=3, cso_alone=False)
    db.pack = dataclasses.replace(db.pack, call_types={**db.pack.call_types, "VENDING": vending})
    form = IntakeForm(store, actions)
    form.geocode_timer.setInterval(0)
    qtbot.addWidget(form)
    form.show()
    form.start_call()
    qtbot.keyClicks(form.type_edit, "VENDING")
    qtbot.keyClick(form.type_edit, Qt.Key.Key_Tab)
    assert "CSOs respond with LASD" in form.type_info.text()
    qtbot.keyClicks(form.location_edit, "city hall")
    settle(qtbot, form)
    form.location_edit.hide_suggestions()
    answer_no(qtbot, form)
    assert form.response_box.isVisible() and "street vending" in form.response_box.title()
    qtbot.keyClick(form.location_edit, Qt.Key.Key_Return)
    assert form.response_error.text().startswith("✕ CSOs do not respond alone to this call type")
    assert incident_count(db) == 0
    qtbot.keyClick(form.response_buttons["joint"], Qt.Key.Key_Space)
    with qtbot.waitSignal(form.incident_created) as created:
        qtbot.keyClick(form.location_edit, Qt.Key.Key_Return)
    assert services.get_incident(db, created.args[0].id).response == "joint"


def test_duplicate_warning_and_merge(qtbot, form, db, clock, dispatcher):
    first = services.create_incident(
        db,
        dispatcher,
        call_type="NOISE",
        location="West Hollywood City Hall",
        latitude=CITY_HALL[0],
        longitude=CITY_HALL[1],
        caller_name="First Caller",
    )
    clock.advance(minutes=4)
    form.start_call()
    qtbot.keyClicks(form.type_edit, "NOISE")
    qtbot.keyClick(form.type_edit, Qt.Key.Key_Tab)
    qtbot.keyClicks(form.location_edit, "city hall")
    settle(qtbot, form)
    assert form.duplicate_box.isVisible()
    assert form.duplicate_list.count() == 1 and first.number in form.duplicate_list.item(0).text()
    qtbot.keyClicks(form.caller_edit, "Second Caller")
    qtbot.keyClicks(form.narrative, "Loud music from the plaza")

    with qtbot.waitSignal(form.duplicate_merged, timeout=5000) as merged:
        answer_no(qtbot, form)
        qtbot.keyClick(form.merge_button, Qt.Key.Key_Space)
    new_id, into_id = merged.args
    assert into_id == first.id
    dup = services.get_incident(db, new_id)
    assert (dup.status, dup.merged_into_id, dup.disposition_code) == ("merged", first.id, "22")
    assert dup.caller_name == "Second Caller"
    timeline = [e.text for e in services.timeline(db, first.id)]
    assert any("from Second Caller merged: Loud music from the plaza" in t for t in timeline)


def noise_call_repeating_one(qtbot, form, db, clock, dispatcher):
    """An open noise call at City Hall, and the form typing a second one there two minutes later."""
    first = services.create_incident(
        db, dispatcher, call_type="NOISE", location="City Hall", latitude=CITY_HALL[0], longitude=CITY_HALL[1]
    )
    clock.advance(minutes=2)
    form.start_call()
    qtbot.keyClicks(form.type_edit, "NOISE")
    qtbot.keyClick(form.type_edit, Qt.Key.Key_Tab)
    qtbot.keyClicks(form.location_edit, "city hall")
    settle(qtbot, form)
    return first


def test_a_merge_is_one_action_with_one_report(qtbot, form, db, clock, dispatcher, operations):
    first = noise_call_repeating_one(qtbot, form, db, clock, dispatcher)
    answer_no(qtbot, form)
    operations.reports.clear()
    with qtbot.waitSignal(form.duplicate_merged, timeout=5000):
        qtbot.keyClick(form.merge_button, Qt.Key.Key_Space)
    assert [(r.kind, r.text) for r in operations.reports] == [
        ("done", f"2026-000002 merged into {first.number} as a duplicate")
    ]


def test_a_refused_merge_writes_nothing_and_keeps_the_call(qtbot, form, db, clock, dispatcher, operations):
    """The incident it repeats was closed meanwhile: no new incident, no number used, the reason on the form."""
    first = noise_call_repeating_one(qtbot, form, db, clock, dispatcher)
    qtbot.keyClicks(form.caller_edit, "Second Caller")
    answer_no(qtbot, form)
    assert form.duplicate_list.count() == 1
    services.clear_incident(db, dispatcher, first.id, disposition="18")  # another position closes it meanwhile
    operations.reports.clear()
    created: list[object] = []
    form.incident_created.connect(created.append)
    qtbot.keyClick(form.merge_button, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: not form.saving, timeout=5000)
    assert form.form_error.text() == f"✕ Nothing saved: Incident {first.number} is closed; merge into an open incident."
    assert [r.kind for r in operations.reports] == ["refused"]
    assert created == [] and incident_count(db) == 1
    assert form.caller_edit.text() == "Second Caller" and form.save_button.isEnabled()
    # No number was used up: saved as a new call, it takes the next one.
    qtbot.keyClick(form.location_edit, Qt.Key.Key_Return)  # the duplicate warning first
    with qtbot.waitSignal(form.incident_created, timeout=5000) as saved:
        qtbot.keyClick(form.location_edit, Qt.Key.Key_Return)
    assert saved.args[0].number == "2026-000002"


def test_duplicate_warning_asks_before_saving_a_new_incident(qtbot, form, db, clock, dispatcher):
    services.create_incident(
        db, dispatcher, call_type="NOISE", location="City Hall", latitude=CITY_HALL[0], longitude=CITY_HALL[1]
    )
    clock.advance(minutes=2)
    form.start_call()
    qtbot.keyClicks(form.type_edit, "NOISE")
    qtbot.keyClicks(form.location_edit, "city hall")
    settle(qtbot, form)
    form.location_edit.hide_suggestions()
    answer_no(qtbot, form)
    qtbot.keyClick(form.location_edit, Qt.Key.Key_Return)
    assert "Possible duplicate" in form.form_error.text()
    assert incident_count(db) == 1
    answer_no(qtbot, form)
    with qtbot.waitSignal(form.incident_created) as created:
        qtbot.keyClick(form.location_edit, Qt.Key.Key_Return)
    assert created.args[0].status == "pending" and incident_count(db) == 2


def test_an_open_call_is_a_possible_duplicate_whatever_its_age_a_closed_one_only_within_the_window(
    qtbot, form, db, clock, dispatcher
):
    noise = services.create_incident(
        db, dispatcher, call_type="NOISE", location="City Hall", latitude=CITY_HALL[0], longitude=CITY_HALL[1]
    )
    clock.advance(minutes=12)
    form.start_call()
    qtbot.keyClicks(form.type_edit, "NOISE")
    qtbot.keyClicks(form.location_edit, "city hall")
    settle(qtbot, form)
    assert form.duplicate_box.isVisible() and [c.incident.id for c in form.duplicates] == [noise.id]
    assert "Pending · received 08:00, 12 min ago" in form.duplicate_list.item(0).text()
    services.cancel_incident(db, dispatcher, noise.id, reason="caller called back")
    clock.advance(minutes=11)
    form.start_call()
    qtbot.keyClicks(form.location_edit, "city hall")
    settle(qtbot, form)
    assert not form.duplicate_box.isVisible() and form.duplicates == []


def test_outside_the_city_is_flagged_needs_a_choice_and_transfers(qtbot, form, db):
    qtbot.keyClicks(form.type_edit, "WELFARE")
    qtbot.keyClicks(form.location_edit, "Cedars-Sinai")
    settle(qtbot, form)
    place = form.chosen_place()
    assert place is not None and place.in_city is False
    assert form.match_info.severity == "warning" and "Outside West Hollywood" in form.match_info.text()
    assert form.response_box.isVisible() and "outside West Hollywood" in form.response_box.title()
    answer_no(qtbot, form)
    qtbot.keyClick(form.location_edit, Qt.Key.Key_Return)
    assert form.response_error.text().startswith("✕ The place is outside West Hollywood, where LASD has jurisdiction")
    assert incident_count(db) == 0
    qtbot.keyClick(form.response_buttons["transfer"], Qt.Key.Key_Space)
    with qtbot.waitSignal(form.incident_created, timeout=10_000) as created:
        qtbot.keyClick(form.location_edit, Qt.Key.Key_Return)
    stored = services.get_incident(db, created.args[0].id)
    assert (stored.status, stored.in_city, stored.disposition_note) == ("transferred", False, "Outside West Hollywood")


def test_escape_on_an_empty_form_leaves_at_once(qtbot, form, db):
    with qtbot.waitSignal(form.cancelled):
        qtbot.keyClick(form.type_edit, Qt.Key.Key_Escape)
    assert form.leave_question is None


def test_escape_on_a_typed_call_asks_back_keeps_it_discard_drops_it(qtbot, form, db, dispatcher):
    qtbot.keyClicks(form.type_edit, "WELFARE")
    qtbot.keyClicks(form.location_edit, "city hall")
    qtbot.keyClick(form.location_edit, Qt.Key.Key_Escape)
    box = form.leave_question
    assert box is not None and box.isVisible() and "WELFARE · city hall" in box.informativeText()
    qtbot.keyClick(box, Qt.Key.Key_Escape)  # back to the call: nothing lost
    assert not box.isVisible() and form.location_edit.text() == "city hall"
    qtbot.waitUntil(lambda: services.list_drafts(db, dispatcher) != [], timeout=5000)  # kept as typed
    qtbot.keyClick(form.location_edit, Qt.Key.Key_Escape)
    with qtbot.waitSignal(form.cancelled):
        qtbot.mouseClick(form.discard_button, Qt.MouseButton.LeftButton)
    assert form.type_edit.text() == "" and form.location_edit.text() == ""
    qtbot.waitUntil(lambda: services.list_drafts(db, dispatcher) == [], timeout=5000)
    assert incident_count(db) == 0


def test_prefill_from_the_map(qtbot, form, db):
    form.prefill(latitude=34.0905, longitude=-118.3707)
    qtbot.waitUntil(lambda: form.location_edit.text() != "", timeout=5000)
    settle(qtbot, form)
    assert form.location_edit.text() == "8312 Santa Monica Blvd"
    assert "zone 0976 · in city" in form.match_info.text()
    assert form.focusWidget() is form.type_edit
    qtbot.keyClicks(form.type_edit, "DUMP")
    qtbot.keyClick(form.type_edit, Qt.Key.Key_Tab)
    answer_no(qtbot, form)
    with qtbot.waitSignal(form.incident_created) as created:
        qtbot.keyClick(form.location_edit, Qt.Key.Key_Return)
    rec = created.args[0]
    assert (rec.call_type, rec.latitude, rec.longitude, rec.zone) == ("DUMPING", 34.0905, -118.3707, "0976")


def test_received_time_is_when_the_call_started(qtbot, form, db, clock):
    started = form.received_at
    clock.advance(seconds=40)
    qtbot.keyClicks(form.type_edit, "WELFARE")
    qtbot.keyClicks(form.location_edit, "city hall")
    settle(qtbot, form)
    answer_no(qtbot, form)
    with qtbot.waitSignal(form.incident_created) as created:
        qtbot.keyClick(form.location_edit, Qt.Key.Key_Return)
    stored = services.get_incident(db, created.args[0].id)
    assert stored.received_at == started
    assert (stored.entered_at - stored.received_at).total_seconds() == 40
    assert form.received_label.text() == ""  # the next call starts with its first keystroke
    qtbot.keyClicks(form.caller_edit, "x")
    assert form.received_at == clock()


def test_every_input_has_an_accessible_name(form):
    inputs = [w for kind in (QLineEdit, QPlainTextEdit, QComboBox, QListWidget) for w in form.findChildren(kind)]
    assert len(inputs) >= 8
    assert all(w.accessibleName() for w in inputs), [w for w in inputs if not w.accessibleName()]
