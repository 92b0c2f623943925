"""Editing an open incident, adding a note, reopening a closed one: what each writes, refuses and announces.

Each test names the rule in the dispatcher's words; expected values are written out (timeline texts,
audit rows, the changes other consoles follow), and a refused action is checked to have changed nothing.
"""

from __future__ import annotations

import datetime as dt

import pytest

from data import auth, services
from data.errors import InvalidTransitionError, NotFoundError, PermissionDeniedError, ValidationError
from data.permissions import Actor
from data.services import incidents
from tests.data.helpers import ADMIN, FAST_HASHER, PASSWORD, changes_after, last_change_id, small_shift, welfare_call
from tests.data.test_incident_services_pinned import START, audits, events

WELFARE_CREATED = (
    "created",
    "Welfare check (P2) at 8300 Santa Monica Blvd; screening: weapon no · violence no · medical no · crime no",
    None,
)


def edit(db, actor, call, **changes):
    return services.update_incident(db, actor, call.id, expected_version=call.version, **changes)


# Editing ------------------------------------------------------------------------------------------


def test_an_edit_names_each_changed_field_from_its_old_value_to_its_new(db, clock, dispatcher):
    call = welfare_call(db, dispatcher)
    clock.advance(minutes=5)
    mark = last_change_id(db)
    edited = edit(
        db,
        dispatcher,
        call,
        priority=1,
        location=" Plummer Park ",
        caller_name=" Bo Neighbour ",
        caller_phone="310-555-0199",
        narrative="  Man asleep on the bench  ",
        zone="0976",
        in_city=False,
    )
    assert (edited.priority, edited.location, edited.caller_name, edited.caller_phone, edited.narrative) == (
        1,
        "Plummer Park",
        "Bo Neighbour",
        "310-555-0199",
        "Man asleep on the bench",
    )
    assert (edited.zone, edited.in_city, edited.version) == ("0976", False, call.version + 1)
    assert (edited.status, edited.status_changed_at) == ("pending", START)
    assert events(db, call.id) == [
        WELFARE_CREATED,
        (
            "updated",
            "priority: 2 → 1; location: 8300 Santa Monica Blvd → Plummer Park; caller name: Ana Caller → "
            "Bo Neighbour; caller phone: 310-555-0100 → 310-555-0199; narrative:  → Man asleep on the bench; "
            "zone: None → 0976; in city: None → False",
            None,
        ),
    ]
    (entry,) = audits(db, "update_incident")
    assert (entry.username, entry.entity, entry.entity_id, entry.outcome) == ("dispatcher1", "incident", call.id, "ok")
    assert entry.at.replace(tzinfo=dt.UTC) == START + dt.timedelta(minutes=5)
    assert (entry.before["priority"], entry.before["location"], entry.before["version"]) == (
        2,
        "8300 Santa Monica Blvd",
        call.version,
    )
    assert (entry.after["priority"], entry.after["location"], entry.after["version"]) == (
        1,
        "Plummer Park",
        call.version + 1,
    )
    assert sorted(changes_after(db, mark)) == sorted([("timeline", call.id, 0), ("incident", call.id, edited.version)])


def test_a_change_of_priority_alone_is_a_priority_entry(db, dispatcher):
    call = welfare_call(db, dispatcher)
    raised = edit(db, dispatcher, call, priority="1")
    assert raised.priority == 1
    assert events(db, call.id)[-1] == ("priority", "priority: 2 → 1", None)


def test_a_priority_with_another_field_is_an_update_entry(db, dispatcher):
    call = welfare_call(db, dispatcher)
    edit(db, dispatcher, call, priority=2, zone="0971")
    # The unchanged priority is not named; the entry is still an update, not a priority change.
    assert events(db, call.id)[-1] == ("updated", "zone: None → 0971", None)


def test_a_new_call_type_brings_its_apco_code(db, dispatcher):
    call = welfare_call(db, dispatcher)
    edited = edit(db, dispatcher, call, call_type=" outreach ")
    assert (edited.call_type, edited.apco_code, edited.call_type_label, edited.priority) == (
        "OUTREACH",
        "VAG",
        "Homelessness outreach",
        2,
    )
    assert events(db, call.id)[-1] == ("updated", "call type: WELFARE → OUTREACH", None)
    (entry,) = audits(db, "update_incident")
    assert (entry.before["call_type"], entry.after["call_type"]) == ("WELFARE", "OUTREACH")


def test_moving_the_pin_needs_both_coordinates_on_earth(db, dispatcher):
    call = welfare_call(db, dispatcher)
    for half in ({"latitude": 34.09}, {"longitude": -118.36}):
        with pytest.raises(ValidationError, match="Give both latitude and longitude, or neither") as refused:
            edit(db, dispatcher, call, **half)
        assert refused.value.field == "location"
    with pytest.raises(ValidationError, match="not on Earth"):
        edit(db, dispatcher, call, latitude=91.0, longitude=0.0)
    moved = edit(db, dispatcher, call, latitude=34.0917, longitude=-118.3495)
    assert (moved.latitude, moved.longitude) == (34.0917, -118.3495)
    assert events(db, call.id)[-1] == ("updated", "latitude: 34.09 → 34.0917; longitude: -118.3661 → -118.3495", None)
    assert len(audits(db, "update_incident")) == 1


@pytest.mark.parametrize(
    ("field", "value", "refusal"),
    [
        ("priority", 5, "Priority must be 1 \\(most urgent\\) to 4, not 5"),
        ("priority", "soon", "Priority must be 1 to 4, not 'soon'"),
        ("location", "  ", "Enter the location"),
        ("location", "a\nb", "The location is one line"),
        ("caller_name", "a\nb", "The caller name is one line"),
        ("caller_phone", "call me", "has characters a phone number cannot"),
        ("narrative", "n" * 20_001, "The narrative is 20,001 characters"),
        ("call_type", "NOPE", "Unknown call type 'NOPE'"),
        ("status", "cleared", "Cannot edit status this way"),
        ("response", "sheriff", "Cannot edit response this way"),
    ],
)
def test_an_edit_with_a_bad_field_is_refused_and_nothing_is_written(db, dispatcher, field, value, refusal):
    call = welfare_call(db, dispatcher)
    with pytest.raises(ValidationError, match=refusal) as refused:
        edit(db, dispatcher, call, **{field: value})
    assert refused.value.field == field
    assert services.get_incident(db, call.id) == call
    assert audits(db, "update_incident") == []


def test_fields_that_cannot_be_edited_are_all_named_the_first_alphabetically_as_the_field(db, dispatcher):
    call = welfare_call(db, dispatcher)
    with pytest.raises(ValidationError, match=r"^Cannot edit response, status this way\.$") as refused:
        edit(db, dispatcher, call, status="cleared", response="sheriff", priority=1)
    assert refused.value.field == "response"
    assert services.get_incident(db, call.id).priority == 2


def test_an_edit_that_changes_nothing_is_refused_and_writes_nothing(db, dispatcher):
    call = welfare_call(db, dispatcher)
    for same in ({"priority": 2}, {"location": " 8300 Santa Monica Blvd "}, {"caller_name": "Ana Caller"}):
        with pytest.raises(ValidationError, match=r"^Nothing changed\.$") as refused:
            edit(db, dispatcher, call, **same)
        assert refused.value.field == "incident"
    assert services.get_incident(db, call.id) == call
    assert events(db, call.id) == [WELFARE_CREATED]
    assert audits(db, "update_incident") == []


def test_an_edit_keeps_the_units_on_the_call(db, dispatcher):
    unit_id, *_ = small_shift(db, units=1)
    call = welfare_call(db, dispatcher)
    sent = services.dispatch_units(db, dispatcher, call.id, [unit_id])
    edited = edit(db, dispatcher, sent, narrative="Caller waiting outside")
    assert (edited.status, edited.units) == ("dispatched", ("CSO11",))


# Notes --------------------------------------------------------------------------------------------


def test_a_note_goes_on_the_timeline_whole_and_in_the_audit_cut_to_500_characters(db, clock, dispatcher):
    call = welfare_call(db, dispatcher)
    clock.advance(minutes=9)
    mark = last_change_id(db)
    text = "Caller rang back: " + "x" * 600
    noted = services.add_note(db, dispatcher, call.id, f"  {text}  ")
    assert noted == call  # a note changes nothing on the incident itself
    assert events(db, call.id)[-1] == ("note", text, None)
    assert services.timeline(db, call.id)[-1].at == START + dt.timedelta(minutes=9)
    (entry,) = audits(db, "add_note")
    assert (entry.username, entry.entity, entry.entity_id, entry.before) == ("dispatcher1", "incident", call.id, None)
    assert entry.after == {"note": text[:500]}
    assert changes_after(db, mark) == [("timeline", call.id, 0)]


def test_a_note_on_a_call_with_units_answers_with_the_units(db, dispatcher):
    first, second, _third = small_shift(db, units=3)
    call = welfare_call(db, dispatcher)
    services.dispatch_units(db, dispatcher, call.id, [second, first])
    assert services.add_note(db, dispatcher, call.id, "Door code 1234").units == ("CSO11", "CSO12")


def test_a_note_may_be_added_to_a_closed_incident(db, dispatcher):
    call = welfare_call(db, dispatcher)
    services.clear_incident(db, dispatcher, call.id, disposition="18")
    noted = services.add_note(db, dispatcher, call.id, "Caller thanked the unit")
    assert noted.status == "cleared"
    assert events(db, call.id)[-1] == ("note", "Caller thanked the unit", None)


@pytest.mark.parametrize(
    ("text", "refusal"),
    [("", "Enter the note"), ("   ", "Enter the note"), ("n" * 20_001, "The note is 20,001 characters")],
)
def test_a_note_needs_text_of_at_most_twenty_thousand_characters(db, dispatcher, text, refusal):
    call = welfare_call(db, dispatcher)
    with pytest.raises(ValidationError, match=refusal) as refused:
        services.add_note(db, dispatcher, call.id, text)
    assert refused.value.field == "note"
    assert events(db, call.id) == [WELFARE_CREATED]
    assert audits(db, "add_note") == []


def test_a_note_of_twenty_thousand_characters_is_kept(db, dispatcher):
    call = welfare_call(db, dispatcher)
    services.add_note(db, dispatcher, call.id, "n" * 20_000)
    assert events(db, call.id)[-1] == ("note", "n" * 20_000, None)


def test_a_note_on_an_unknown_incident_names_it(db, dispatcher):
    with pytest.raises(NotFoundError, match=r"^No incident with id 42\.$"):
        services.add_note(db, dispatcher, 42, "hello")


# Reopening ----------------------------------------------------------------------------------------


def test_reopening_puts_the_call_back_to_pending_and_forgets_its_closing(db, clock, dispatcher, supervisor):
    call = welfare_call(db, dispatcher)
    clock.advance(minutes=10)
    closed = services.clear_incident(db, dispatcher, call.id, disposition="18", note="Resident is fine")
    clock.advance(minutes=20)
    mark = last_change_id(db)
    reopened = services.reopen_incident(db, supervisor, call.id, reason="  caller rang again  ")
    assert (reopened.status, reopened.status_changed_at, reopened.cleared_at, reopened.disposition_code) == (
        "pending",
        START + dt.timedelta(minutes=30),
        None,
        None,
    )
    assert (reopened.disposition_note, reopened.units, reopened.version) == (
        "Resident is fine",
        (),
        closed.version + 1,
    )
    assert events(db, call.id)[-1] == ("reopened", "Reopened: caller rang again", None)
    (entry,) = audits(db, "reopen_incident")
    assert (entry.username, entry.entity, entry.entity_id, entry.outcome) == ("supervisor1", "incident", call.id, "ok")
    assert (entry.before["status"], entry.before["disposition_code"], entry.before["version"]) == (
        "cleared",
        "18",
        closed.version,
    )
    assert (entry.after["status"], entry.after["disposition_code"], entry.after["version"]) == (
        "pending",
        None,
        reopened.version,
    )
    assert sorted(changes_after(db, mark)) == sorted(
        [("timeline", call.id, 0), ("incident", call.id, reopened.version)]
    )
    # Open again: it can be cleared again.
    assert services.clear_incident(db, dispatcher, call.id, disposition="13").status == "cleared"


@pytest.mark.parametrize("close", ["cancel", "transfer"])
def test_a_cancelled_or_transferred_call_is_reopened_too(db, dispatcher, supervisor, close):
    call = welfare_call(db, dispatcher)
    if close == "cancel":
        services.cancel_incident(db, dispatcher, call.id, reason="hung up")
    else:
        services.transfer_to_sheriff(db, dispatcher, call.id)
    reopened = services.reopen_incident(db, supervisor, call.id, reason="called again")
    assert (reopened.status, reopened.cleared_at, reopened.disposition_code) == ("pending", None, None)


def test_reopening_refuses_an_open_call_and_a_merged_one_writing_nothing(db, dispatcher, supervisor):
    into = welfare_call(db, dispatcher)
    dup = welfare_call(db, dispatcher)
    with pytest.raises(
        InvalidTransitionError, match=r"^Incident 2026-000001 is still open; only closed incidents are reopened\.$"
    ):
        services.reopen_incident(db, supervisor, into.id, reason="check")
    services.merge_duplicate(db, dispatcher, duplicate_id=dup.id, into_id=into.id)
    merged = services.get_incident(db, dup.id)
    with pytest.raises(
        InvalidTransitionError, match=r"^Incident 2026-000002 was merged; reopen the incident it went into\.$"
    ):
        services.reopen_incident(db, supervisor, dup.id, reason="check")
    assert services.get_incident(db, dup.id) == merged
    assert audits(db, "reopen_incident") == []


@pytest.mark.parametrize(
    ("reason", "refusal"),
    [
        ("", "Enter the reason for reopening"),
        ("  ", "Enter the reason for reopening"),
        ("r" * 2001, "The reason for reopening is 2,001 characters; the limit is 2,000"),
    ],
)
def test_reopening_needs_a_reason_of_at_most_two_thousand_characters(db, dispatcher, supervisor, reason, refusal):
    call = welfare_call(db, dispatcher)
    services.clear_incident(db, dispatcher, call.id, disposition="18")
    with pytest.raises(ValidationError, match=refusal) as refused:
        services.reopen_incident(db, supervisor, call.id, reason=reason)
    assert refused.value.field == "reason"
    assert services.get_incident(db, call.id).status == "cleared"


def test_a_reason_of_two_thousand_characters_reopens(db, dispatcher, supervisor):
    call = welfare_call(db, dispatcher)
    services.clear_incident(db, dispatcher, call.id, disposition="18")
    services.reopen_incident(db, supervisor, call.id, reason="r" * 2000)
    assert events(db, call.id)[-1] == ("reopened", "Reopened: " + "r" * 2000, None)


def test_a_dispatcher_cannot_reopen_and_the_refusal_is_audited(db, dispatcher):
    call = welfare_call(db, dispatcher)
    services.clear_incident(db, dispatcher, call.id, disposition="18")
    with pytest.raises(PermissionDeniedError):
        services.reopen_incident(db, dispatcher, call.id, reason="caller rang again")
    (entry,) = audits(db, "reopen_incident")
    assert (entry.username, entry.entity, entry.entity_id, entry.outcome) == (
        "dispatcher1",
        "incident",
        call.id,
        "refused",
    )
    assert services.get_incident(db, call.id).status == "cleared"


def test_reopening_an_unknown_incident_names_it(db, supervisor):
    with pytest.raises(NotFoundError, match=r"^No incident with id 42\.$"):
        services.reopen_incident(db, supervisor, 42, reason="check")


def test_a_supervisor_demoted_while_reopening_is_refused_by_the_reopening_itself(db, dispatcher, monkeypatch):
    # The role is checked before the reason, and again inside the reopening's own transaction: a
    # demotion between the two (an administrator at another console) still refuses it.
    auth.create_user(db, ADMIN, "maria", role="supervisor", password=PASSWORD, hasher=FAST_HASHER)
    maria = Actor("maria", role="supervisor", workstation="ws-sup")
    call = welfare_call(db, dispatcher)
    services.clear_incident(db, dispatcher, call.id, disposition="18")
    checked_first = incidents.authorize

    def demoted_after_the_first_check(*args, **kwargs):
        checked_first(*args, **kwargs)
        auth.set_role(db, ADMIN, "maria", "dispatcher")

    monkeypatch.setattr(incidents, "authorize", demoted_after_the_first_check)
    with pytest.raises(PermissionDeniedError, match="Your role is now dispatcher"):
        services.reopen_incident(db, maria, call.id, reason="caller rang again")
    assert services.get_incident(db, call.id).status == "cleared"
    (refused,) = audits(db, "reopen_incident")
    assert (refused.username, refused.outcome) == ("maria", "refused")
