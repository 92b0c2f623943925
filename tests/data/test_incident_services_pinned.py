"""Incident and unit actions as the services hold them: what each writes, refuses and announces.

Each test names the rule in the dispatcher's words; expected values are written out (timeline texts,
audit rows, the changes other consoles follow), and a refused action is checked to have changed nothing.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from data import services
from data.errors import (
    AlreadyClosedError,
    InvalidTransitionError,
    NotFoundError,
    PermissionDeniedError,
    SheriffFirstError,
    StaleWriteError,
    UnitBusyError,
    ValidationError,
)
from data.models import AuditEntry, RosterEntry, Unit
from tests.data.helpers import SUPERVISOR, changes_after, last_change_id, small_shift, welfare_call

START = dt.datetime(2026, 11, 26, 16, 0, tzinfo=dt.UTC)  # the controlled clock's start (tests/conftest.py)
NOT_ASKED = "weapon, violence, medical, crime"


def audits(db, action: str) -> list[AuditEntry]:
    with db.read() as s:
        return list(s.execute(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)).scalars())


def start_shift(db, name: str):
    now = db.clock()
    return services.start_shift(
        db, SUPERVISOR, name=name, supervisor="Sgt. Test", starts_at=now, ends_at=now + dt.timedelta(hours=10)
    )


def unit_record(db, unit_id: int):
    (found,) = services.get_units(db, [unit_id])
    return found


def events(db, incident_id: int) -> list[tuple[str, str, str | None]]:
    return [(e.kind, e.text, e.unit_call_sign) for e in services.timeline(db, incident_id)]


# Dispatch -----------------------------------------------------------------------------------------


def test_one_unit_dispatched_is_named_on_its_timeline_entry(db, clock, dispatcher):
    unit_id, *_ = small_shift(db, units=1)
    call = welfare_call(db, dispatcher)
    clock.advance(minutes=2)
    sent = services.dispatch_units(db, dispatcher, call.id, [unit_id])
    assert (sent.status, sent.units, sent.dispatched_at, sent.status_changed_at) == (
        "dispatched",
        ("CSO11",),
        START + dt.timedelta(minutes=2),
        START + dt.timedelta(minutes=2),
    )
    assert events(db, call.id)[-1] == ("unit_assigned", "Dispatched CSO11", "CSO11")
    unit = unit_record(db, unit_id)
    assert (unit.status, unit.incident_id, unit.status_since, unit.check_started_at) == (
        "dispatched",
        call.id,
        START + dt.timedelta(minutes=2),
        START + dt.timedelta(minutes=2),
    )


def test_two_units_dispatched_together_share_one_timeline_entry(db, dispatcher):
    first, second, _third = small_shift(db, units=3)
    call = welfare_call(db, dispatcher)
    sent = services.dispatch_units(db, dispatcher, call.id, [second, first])
    assert sent.units == ("CSO11", "CSO12")
    assert events(db, call.id)[-1] == ("unit_assigned", "Dispatched CSO12, CSO11", None)


def test_a_unit_named_twice_in_one_dispatch_is_sent_once(db, dispatcher):
    unit_id, *_ = small_shift(db, units=1)
    call = welfare_call(db, dispatcher)
    sent = services.dispatch_units(db, dispatcher, call.id, [unit_id, unit_id])
    assert sent.units == ("CSO11",)
    assert events(db, call.id)[-1] == ("unit_assigned", "Dispatched CSO11", "CSO11")


def test_a_dispatch_is_audited_with_the_units_sent(db, dispatcher):
    first, second, _third = small_shift(db, units=3)
    call = welfare_call(db, dispatcher)
    services.dispatch_units(db, dispatcher, call.id, [first, second])
    (entry,) = audits(db, "dispatch_units")
    assert (entry.username, entry.entity, entry.entity_id, entry.outcome) == ("dispatcher1", "incident", call.id, "ok")
    assert (entry.before["status"], entry.before["units"], entry.after["status"]) == (
        "pending",
        ["CSO11", "CSO12"],
        "dispatched",
    )
    assert (entry.before["version"], entry.after["version"]) == (call.version, call.version + 1)


def test_a_dispatch_tells_other_consoles_of_the_incident_and_each_unit(db, dispatcher):
    first, second, _third = small_shift(db, units=3)
    call = welfare_call(db, dispatcher)
    before = {u.id: u.version for u in services.get_units(db, [first, second])}
    mark = last_change_id(db)
    sent = services.dispatch_units(db, dispatcher, call.id, [first, second])
    assert sorted(changes_after(db, mark)) == sorted(
        [
            ("unit", first, before[first] + 1),
            ("unit", second, before[second] + 1),
            ("timeline", call.id, 0),
            ("incident", call.id, sent.version),
        ]
    )


def test_a_refused_dispatch_of_several_units_sends_none_of_them(db, dispatcher):
    first, second, _third = small_shift(db, units=3)
    services.set_unit_status(db, dispatcher, second, "break")
    call = welfare_call(db, dispatcher)
    with pytest.raises(UnitBusyError, match="CSO12 is break; it cannot be dispatched"):
        services.dispatch_units(db, dispatcher, call.id, [first, second])
    assert unit_record(db, first).status == "available"
    assert services.get_incident(db, call.id).units == ()
    assert audits(db, "dispatch_units") == []


def test_csos_alone_on_a_sheriff_first_type_are_refused_naming_the_sheriff(db, dispatcher):
    unit_id, *_ = small_shift(db, units=1)
    call = services.create_incident(db, dispatcher, call_type="MTLV", location="Plummer Park")
    with pytest.raises(SheriffFirstError, match=r"^Incident 2026-000001 needs LASD first\. Transfer it"):
        services.dispatch_units(db, dispatcher, call.id, [unit_id])
    assert unit_record(db, unit_id).status == "available"


def test_csos_alone_on_a_call_never_screened_are_refused_naming_the_questions(db, dispatcher):
    unit_id, *_ = small_shift(db, units=1)
    call = services.create_incident(db, dispatcher, call_type="WELFARE", location="Plummer Park")
    with pytest.raises(SheriffFirstError, match=rf"^Incident 2026-000001: the screening was not asked \({NOT_ASKED}\)"):
        services.dispatch_units(db, dispatcher, call.id, [unit_id])
    sent = services.dispatch_units(db, dispatcher, call.id, [unit_id], override_reason="Caller is the officer")
    assert (sent.status, sent.override_reason) == ("dispatched", "Caller is the officer")


# Clear and cancel ---------------------------------------------------------------------------------


def test_clearing_records_the_disposition_note_and_releases_the_units(db, clock, dispatcher):
    first, second, _third = small_shift(db, units=3)
    call = welfare_call(db, dispatcher)
    services.dispatch_units(db, dispatcher, call.id, [first, second])
    clock.advance(minutes=30)
    cleared = services.clear_incident(db, dispatcher, call.id, disposition="18", note="  Resident is fine  ")
    assert (cleared.status, cleared.disposition_code, cleared.disposition_note, cleared.units) == (
        "cleared",
        "18",
        "Resident is fine",
        (),
    )
    assert (cleared.cleared_at, cleared.status_changed_at) == (START + dt.timedelta(minutes=30),) * 2
    assert events(db, call.id)[-1] == (
        "status",
        "Cleared 18 Settled by contact: Resident is fine; released CSO11, CSO12",
        None,
    )
    for unit_id in (first, second):
        unit = unit_record(db, unit_id)
        assert (unit.status, unit.incident_id, unit.check_started_at) == ("available", None, None)


def test_clearing_a_call_nobody_went_to_names_no_units(db, dispatcher):
    call = welfare_call(db, dispatcher)
    services.clear_incident(db, dispatcher, call.id, disposition="5")
    assert events(db, call.id)[-1] == ("status", "Cleared 05 Settled by phone contact", None)


def test_clearing_is_audited_and_announced(db, dispatcher):
    unit_id, *_ = small_shift(db, units=1)
    call = welfare_call(db, dispatcher)
    sent = services.dispatch_units(db, dispatcher, call.id, [unit_id])
    unit_version = unit_record(db, unit_id).version
    mark = last_change_id(db)
    cleared = services.clear_incident(db, dispatcher, call.id, disposition="13")
    (entry,) = audits(db, "clear_incident")
    assert (entry.username, entry.entity, entry.entity_id) == ("dispatcher1", "incident", call.id)
    assert (entry.before["status"], entry.after["status"], entry.after["disposition_code"]) == (
        "dispatched",
        "cleared",
        "13",
    )
    assert (entry.before["version"], entry.after["version"]) == (sent.version, cleared.version)
    assert sorted(changes_after(db, mark)) == sorted(
        [("unit", unit_id, unit_version + 1), ("timeline", call.id, 0), ("incident", call.id, cleared.version)]
    )


def test_clearing_without_a_disposition_asks_for_one(db, dispatcher):
    call = welfare_call(db, dispatcher)
    for typed in (None, "", "  "):
        with pytest.raises(ValidationError, match="Clearing an incident needs a disposition code"):
            services.clear_incident(db, dispatcher, call.id, disposition=typed)
    with pytest.raises(ValidationError, match="Unknown disposition '99'"):
        services.clear_incident(db, dispatcher, call.id, disposition="99")


@pytest.mark.parametrize(("length", "accepted"), [(20_000, True), (20_001, False)])
def test_a_clearing_note_holds_up_to_twenty_thousand_characters(db, dispatcher, length, accepted):
    call = welfare_call(db, dispatcher)
    note = "n" * length
    if accepted:
        assert services.clear_incident(db, dispatcher, call.id, disposition="18", note=note).disposition_note == note
    else:
        with pytest.raises(ValidationError, match="The note is 20,001 characters; the limit is 20,000") as refused:
            services.clear_incident(db, dispatcher, call.id, disposition="18", note=note)
        assert refused.value.field == "note"
        assert services.get_incident(db, call.id).status == "pending"


def test_a_merged_incident_cannot_be_cleared_or_cancelled_and_says_so(db, clock, dispatcher):
    into = welfare_call(db, dispatcher)
    dup = welfare_call(db, dispatcher)
    clock.advance(minutes=1)  # 16:01 UTC is 08:01 in West Hollywood
    services.merge_duplicate(db, dispatcher, duplicate_id=dup.id, into_id=into.id)
    with pytest.raises(
        AlreadyClosedError,
        match=r"^Incident 2026-000002 was already merged \(22 Cancelled - duplicate call\) by dispatcher1 "
        r"at 08:01:00; it cannot be cleared\.$",
    ):
        services.clear_incident(db, dispatcher, dup.id, disposition="18")
    with pytest.raises(AlreadyClosedError, match=r"at 08:01:00; it cannot be cancelled\.$"):
        services.cancel_incident(db, dispatcher, dup.id, reason="again")


def test_a_cleared_incident_refuses_a_second_clearing_naming_who_cleared_it(db, clock, dispatcher, supervisor):
    call = welfare_call(db, dispatcher)
    clock.advance(minutes=2)
    services.clear_incident(db, dispatcher, call.id, disposition="13")
    services.add_note(db, supervisor, call.id, "checked")
    with pytest.raises(
        AlreadyClosedError,
        match=r"^Incident 2026-000001 was already cleared \(13 Information / administrative\) by dispatcher1 "
        r"at 08:02:00; reopen it first\.$",
    ):
        services.clear_incident(db, supervisor, call.id, disposition="18")


def test_cancelling_records_the_reason_and_releases_the_units(db, clock, dispatcher):
    unit_id, *_ = small_shift(db, units=1)
    call = welfare_call(db, dispatcher)
    services.dispatch_units(db, dispatcher, call.id, [unit_id])
    clock.advance(minutes=4)
    cancelled = services.cancel_incident(db, dispatcher, call.id, reason="  caller says not needed ")
    assert (cancelled.status, cancelled.disposition_code, cancelled.disposition_note, cancelled.cleared_at) == (
        "cancelled",
        "32",
        "caller says not needed",
        START + dt.timedelta(minutes=4),
    )
    assert events(db, call.id)[-1] == ("status", "Cancelled: caller says not needed; released CSO11", None)
    unit = unit_record(db, unit_id)
    assert (unit.status, unit.incident_id, unit.check_started_at, unit.status_since) == (
        "available",
        None,
        None,
        START + dt.timedelta(minutes=4),
    )
    (entry,) = audits(db, "cancel_incident")
    assert (entry.entity, entry.entity_id, entry.before["status"], entry.after["status"]) == (
        "incident",
        call.id,
        "dispatched",
        "cancelled",
    )


def test_cancelling_a_call_nobody_went_to_names_no_units(db, dispatcher):
    call = welfare_call(db, dispatcher)
    mark = last_change_id(db)
    cancelled = services.cancel_incident(db, dispatcher, call.id, reason="hung up")
    assert events(db, call.id)[-1] == ("status", "Cancelled: hung up", None)
    assert sorted(changes_after(db, mark)) == sorted(
        [("timeline", call.id, 0), ("incident", call.id, cancelled.version)]
    )


@pytest.mark.parametrize(
    ("reason", "refusal"),
    [
        ("", "Enter the reason for cancelling"),
        ("   ", "Enter the reason for cancelling"),
        ("r" * 2001, "The reason for cancelling is 2,001 characters; the limit is 2,000"),
    ],
)
def test_cancelling_needs_a_reason_of_at_most_two_thousand_characters(db, dispatcher, reason, refusal):
    call = welfare_call(db, dispatcher)
    with pytest.raises(ValidationError, match=refusal) as refused:
        services.cancel_incident(db, dispatcher, call.id, reason=reason)
    assert refused.value.field == "reason"
    assert services.get_incident(db, call.id).status == "pending"


def test_a_reason_of_two_thousand_characters_cancels(db, dispatcher):
    call = welfare_call(db, dispatcher)
    assert services.cancel_incident(db, dispatcher, call.id, reason="r" * 2000).disposition_note == "r" * 2000


def test_cancelling_releases_only_the_units_on_that_call(db, dispatcher):
    first, second, third = small_shift(db, units=3)
    call = welfare_call(db, dispatcher)
    other = welfare_call(db, dispatcher, location="Plummer Park")
    services.dispatch_units(db, dispatcher, call.id, [first, second])
    services.dispatch_units(db, dispatcher, other.id, [third])
    services.cancel_incident(db, dispatcher, call.id, reason="no longer needed")
    assert events(db, call.id)[-1] == ("status", "Cancelled: no longer needed; released CSO11, CSO12", None)
    kept = unit_record(db, third)
    assert (kept.status, kept.incident_id) == ("dispatched", other.id)
    assert services.get_incident(db, other.id).units == ("CSO13",)


def test_cancelling_on_a_stale_view_is_refused(db, dispatcher, supervisor):
    call = welfare_call(db, dispatcher)
    services.update_incident(db, supervisor, call.id, expected_version=call.version, priority=1)
    with pytest.raises(StaleWriteError, match=r"changed by supervisor1 \(update incident"):
        services.cancel_incident(db, dispatcher, call.id, reason="hung up", expected_version=call.version)
    assert services.get_incident(db, call.id).status == "pending"
    with pytest.raises(StaleWriteError):
        services.clear_incident(db, dispatcher, call.id, disposition="18", expected_version=call.version)
    assert services.get_incident(db, call.id).status == "pending"


# Creating a call ----------------------------------------------------------------------------------


def test_a_new_call_is_stored_as_typed_and_pending(db, clock, dispatcher):
    shift_unit, *_ = small_shift(db, units=1)
    shift = services.active_shift(db)
    clock.advance(minutes=3)
    call = services.create_incident(
        db,
        dispatcher,
        call_type=" NOISE ",
        location=" 1200 N Fairfax Ave ",
        latitude=34.09,
        longitude=-118.36,
        zone="0971",
        in_city=True,
        caller_name=" Bo Neighbour ",
        caller_phone="310-555-0199",
        narrative="  Loud party  ",
        screening={"weapon": False, "violence": False, "medical": False, "crime": False},
        received_at=START + dt.timedelta(minutes=1),
    )
    assert (call.number, call.kind, call.call_type, call.apco_code, call.priority, call.status) == (
        "2026-000001",
        "call",
        "NOISE",
        "NOISE",
        3,
        "pending",
    )
    assert (call.location, call.latitude, call.longitude, call.zone, call.in_city) == (
        "1200 N Fairfax Ave",
        34.09,
        -118.36,
        "0971",
        True,
    )
    assert (call.caller_name, call.caller_phone, call.narrative, call.response, call.override_reason) == (
        "Bo Neighbour",
        "310-555-0199",
        "Loud party",
        "cso",
        "",
    )
    assert (call.received_at, call.entered_at, call.status_changed_at) == (
        START + dt.timedelta(minutes=1),
        START + dt.timedelta(minutes=3),
        START + dt.timedelta(minutes=3),
    )
    assert (call.shift_id, call.created_by, call.disposition_code, call.disposition_note) == (
        shift.id,
        "dispatcher1",
        None,
        "",
    )
    assert (call.dispatched_at, call.cleared_at, call.merged_into_id, call.units) == (None, None, None, ())
    assert shift_unit


def test_a_new_call_without_a_received_time_was_received_when_entered(db, clock, dispatcher):
    clock.advance(minutes=3)
    call = welfare_call(db, dispatcher)
    assert (call.received_at, call.entered_at) == (START + dt.timedelta(minutes=3),) * 2


def test_a_new_call_takes_the_type_priority_unless_one_is_given(db, dispatcher):
    assert welfare_call(db, dispatcher).priority == 2
    assert welfare_call(db, dispatcher, priority=4).priority == 4
    assert welfare_call(db, dispatcher, priority="1").priority == 1


def test_a_new_call_belongs_to_the_shift_it_names_or_else_the_active_one(db, dispatcher):
    assert welfare_call(db, dispatcher).shift_id is None  # no shift running
    day = start_shift(db, "Day")
    assert welfare_call(db, dispatcher).shift_id == day.id
    services.close_shift(db, SUPERVISOR, day.id)
    night = start_shift(db, "Night")
    assert welfare_call(db, dispatcher).shift_id == night.id
    assert welfare_call(db, dispatcher, shift_id=day.id).shift_id == day.id  # entered late, for the day shift


def test_a_new_call_is_written_to_the_timeline_with_its_screening(db, dispatcher):
    call = welfare_call(db, dispatcher)
    assert events(db, call.id) == [
        (
            "created",
            "Welfare check (P2) at 8300 Santa Monica Blvd; screening: weapon no · violence no · medical no · crime no",
            None,
        )
    ]
    flagged = welfare_call(db, dispatcher, screening={"weapon": True}, response="sheriff")
    assert events(db, flagged.id)[0][1] == (
        "Welfare check (P2) at 8300 Santa Monica Blvd; screening: weapon YES · violence not asked · "
        "medical not asked · crime not asked; response: sheriff"
    )


def test_a_new_call_is_audited_and_announced(db, dispatcher):
    mark = last_change_id(db)
    call = welfare_call(db, dispatcher)
    (entry,) = audits(db, "create_incident")
    assert (entry.username, entry.entity, entry.entity_id, entry.before) == ("dispatcher1", "incident", call.id, {})
    assert (entry.after["status"], entry.after["call_type"], entry.after["priority"], entry.after["version"]) == (
        "pending",
        "WELFARE",
        2,
        call.version,
    )
    assert sorted(changes_after(db, mark)) == sorted([("timeline", call.id, 0), ("incident", call.id, call.version)])


@pytest.mark.parametrize(
    ("field", "value", "refusal"),
    [
        ("call_type", "NOPE", "Unknown call type 'NOPE'"),
        ("priority", 5, "Priority must be 1 \\(most urgent\\) to 4, not 5"),
        ("location", "  ", "Enter the location"),
        ("caller_phone", "call me", "has characters a phone number cannot"),
        ("response", "police", "Response must be cso, joint or sheriff, not 'police'"),
        ("override_reason", "o" * 2001, "The override reason is 2,001 characters"),
        ("narrative", "n" * 20_001, "The narrative is 20,001 characters"),
        ("caller_name", "a\nb", "The caller name is one line"),
        ("screening", {"mood": True}, "Unknown screening question 'mood'"),
    ],
)
def test_a_new_call_with_a_bad_field_is_refused_and_nothing_is_written(db, dispatcher, field, value, refusal):
    with pytest.raises(ValidationError, match=refusal) as refused:
        welfare_call(db, dispatcher, **{field: value})
    assert refused.value.field == ("location" if field == "location" else field)
    assert audits(db, "create_incident") == []


@pytest.mark.parametrize("response", ["cso", "joint", "sheriff"])
def test_a_new_call_keeps_the_response_chosen(db, dispatcher, response):
    assert welfare_call(db, dispatcher, response=response).response == response


def test_saving_a_call_deletes_the_draft_it_was_typed_in(db, dispatcher):
    services.save_draft(db, dispatcher, "form1", {"location": "Plummer Park"})
    services.save_draft(db, dispatcher, "form2", {"location": "Kings Road"})
    welfare_call(db, dispatcher, draft_key="form1")
    assert [d.key for d in services.list_drafts(db, dispatcher)] == ["form2"]


# Unit status --------------------------------------------------------------------------------------


def test_a_unit_on_scene_is_written_to_its_incidents_timeline_with_the_note(db, clock, dispatcher):
    unit_id, *_ = small_shift(db, units=1)
    call = welfare_call(db, dispatcher)
    services.dispatch_units(db, dispatcher, call.id, [unit_id])
    clock.advance(minutes=6)
    mark = last_change_id(db)
    moved = services.set_unit_status(db, dispatcher, unit_id, "onscene", note=" at the door ")
    assert (moved.status, moved.incident_id, moved.status_since, moved.check_started_at) == (
        "onscene",
        call.id,
        START + dt.timedelta(minutes=6),
        START + dt.timedelta(minutes=6),
    )
    assert events(db, call.id)[-1] == ("status", "CSO11 on scene: at the door", "CSO11")
    incident = services.get_incident(db, call.id)
    assert (incident.status, incident.onscene_at) == ("onscene", START + dt.timedelta(minutes=6))
    (entry,) = audits(db, "set_unit_status")
    assert (entry.username, entry.entity, entry.entity_id) == ("dispatcher1", "unit", unit_id)
    assert (entry.before["status"], entry.after["status"], entry.after["note"]) == (
        "dispatched",
        "onscene",
        "at the door",
    )
    assert (entry.before["incident_id"], entry.after["incident_id"]) == (call.id, call.id)
    assert sorted(changes_after(db, mark)) == sorted(
        [("timeline", call.id, 0), ("incident", call.id, incident.version), ("unit", unit_id, moved.version)]
    )


def test_a_unit_en_route_without_a_note_is_written_plainly(db, dispatcher):
    unit_id, *_ = small_shift(db, units=1)
    call = welfare_call(db, dispatcher)
    services.dispatch_units(db, dispatcher, call.id, [unit_id])
    services.set_unit_status(db, dispatcher, unit_id, "enroute")
    assert events(db, call.id)[-1] == ("status", "CSO11 en route", "CSO11")
    (entry,) = audits(db, "set_unit_status")
    assert "note" not in entry.after


def test_a_unit_leaving_an_open_call_is_released_and_the_call_stays_open(db, clock, dispatcher):
    unit_id, *_ = small_shift(db, units=1)
    call = welfare_call(db, dispatcher)
    services.dispatch_units(db, dispatcher, call.id, [unit_id])
    clock.advance(minutes=5)
    moved = services.set_unit_status(db, dispatcher, unit_id, "busy", note="flagged down")
    assert (moved.status, moved.incident_id, moved.check_started_at) == (
        "busy",
        None,
        START + dt.timedelta(minutes=5),
    )
    assert events(db, call.id)[-1] == ("unit_released", "CSO11 released (busy): flagged down", "CSO11")
    incident = services.get_incident(db, call.id)
    assert (incident.status, incident.units) == ("pending", ())
    (entry,) = audits(db, "set_unit_status")
    assert (entry.before["incident_id"], entry.after["incident_id"], entry.after["status"]) == (call.id, None, "busy")


def test_a_unit_with_no_incident_changes_status_without_a_timeline_entry(db, clock, dispatcher):
    unit_id, *_ = small_shift(db, units=1)
    clock.advance(minutes=2)
    mark = last_change_id(db)
    moved = services.set_unit_status(db, dispatcher, unit_id, "meal")
    assert (moved.status, moved.status_since, moved.check_started_at) == ("meal", START + dt.timedelta(minutes=2), None)
    assert changes_after(db, mark) == [("unit", unit_id, moved.version)]
    (entry,) = audits(db, "set_unit_status")
    assert (entry.before["status"], entry.after["status"]) == ("available", "meal")


@pytest.mark.parametrize(
    ("start", "status", "refusal"),
    [
        ("available", "available", "CSO11 is already available"),
        ("available", "dispatched", r"Dispatch CSO11 to an incident instead \(D unit incident\)"),
        ("available", "enroute", "CSO11 has no incident to be en route to"),
        ("available", "onscene", "CSO11 has no incident to be on scene to"),
        ("break", "busy", "CSO11 is break; it cannot go busy"),
        ("meal", "meal", "CSO11 is already meal"),
    ],
)
def test_a_unit_status_change_the_status_machine_forbids_is_refused(db, dispatcher, start, status, refusal):
    unit_id, *_ = small_shift(db, units=1)
    if start != "available":
        services.set_unit_status(db, dispatcher, unit_id, start)
    before = unit_record(db, unit_id)
    with pytest.raises(InvalidTransitionError, match=f"^{refusal}"):
        services.set_unit_status(db, dispatcher, unit_id, status)
    assert unit_record(db, unit_id) == before


def test_an_unknown_unit_status_is_refused(db, dispatcher):
    unit_id, *_ = small_shift(db, units=1)
    with pytest.raises(ValidationError, match="Unknown unit status 'lunch'") as refused:
        services.set_unit_status(db, dispatcher, unit_id, "lunch")
    assert refused.value.field == "status"


@pytest.mark.parametrize(("length", "accepted"), [(2000, True), (2001, False)])
def test_a_unit_status_note_holds_up_to_two_thousand_characters(db, dispatcher, length, accepted):
    unit_id, *_ = small_shift(db, units=1)
    if accepted:
        services.set_unit_status(db, dispatcher, unit_id, "busy", note="n" * length)
        assert audits(db, "set_unit_status")[0].after["note"] == "n" * length
    else:
        with pytest.raises(ValidationError, match="The note is 2,001 characters"):
            services.set_unit_status(db, dispatcher, unit_id, "busy", note="n" * length)
        assert unit_record(db, unit_id).status == "available"


def test_a_unit_status_change_on_a_stale_view_is_refused_naming_who_changed_it(db, dispatcher, supervisor):
    unit_id, *_ = small_shift(db, units=1)
    seen = unit_record(db, unit_id)
    services.set_unit_status(db, supervisor, unit_id, "busy")
    with pytest.raises(StaleWriteError, match=r"^CSO11 was changed by supervisor1 \(set unit status; now busy\)"):
        services.set_unit_status(db, dispatcher, unit_id, "break", expected_version=seen.version)
    assert unit_record(db, unit_id).status == "busy"
    assert services.set_unit_status(db, dispatcher, unit_id, "break", expected_version=seen.version + 1).status == (
        "break"
    )


def test_an_off_shift_unit_is_already_off_duty(db, dispatcher, supervisor):
    unit_id, *_ = small_shift(db, units=1)
    services.sign_off_unit(db, supervisor, unit_id)
    with pytest.raises(InvalidTransitionError, match=r"^CSO11 is already off duty"):
        services.set_unit_status(db, dispatcher, unit_id, "off_duty")


def test_a_unit_on_shift_may_go_off_duty_and_back(db, dispatcher):
    unit_id, *_ = small_shift(db, units=1)
    assert services.set_unit_status(db, dispatcher, unit_id, "off_duty").status == "off_duty"
    assert services.set_unit_status(db, dispatcher, unit_id, "available").status == "available"


# Sign on and off ----------------------------------------------------------------------------------


def roster(db) -> list[tuple[int, int, int, str | None, dt.datetime | None, dt.datetime | None]]:
    with db.read() as s:
        rows = s.execute(select(RosterEntry).order_by(RosterEntry.id)).scalars()
        return [(r.shift_id, r.officer_id, r.unit_id, r.zone, r.signed_on_at, r.signed_off_at) for r in rows]


def crew(db, supervisor, *names: str) -> list[int]:
    return [
        services.create_officer(db, supervisor, badge=f"S-{n}", name=name).id for n, name in enumerate(names, start=1)
    ]


def test_signing_on_puts_the_unit_and_its_crew_on_the_active_shift(db, clock, supervisor):
    day = start_shift(db, "Day")
    ana, bo = crew(db, supervisor, "Ana Díaz", "Bo Lee")
    cso = services.create_unit(db, supervisor, call_sign="CSO31")
    clock.advance(minutes=4)
    mark = last_change_id(db)
    on = services.sign_on_unit(
        db, supervisor, cso.id, officer_ids=[ana, bo], zone="0972", latitude=34.0917, longitude=-118.3495
    )
    now = START + dt.timedelta(minutes=4)
    assert (on.status, on.on_shift, on.status_since, on.check_started_at, on.zone) == (
        "available",
        True,
        now,
        None,
        "0972",
    )
    assert (on.latitude, on.longitude, on.officers) == (34.0917, -118.3495, ("Ana Díaz", "Bo Lee"))
    assert roster(db) == [(day.id, ana, cso.id, "0972", now, None), (day.id, bo, cso.id, "0972", now, None)]
    (entry,) = audits(db, "sign_on_unit")
    assert (entry.username, entry.entity, entry.entity_id) == ("supervisor1", "unit", cso.id)
    assert (entry.before["on_shift"], entry.after["on_shift"], entry.after["officers"]) == (
        False,
        True,
        ["Ana Díaz", "Bo Lee"],
    )
    assert (entry.before["status"], entry.after["status"], entry.after["zone"]) == ("off_duty", "available", "0972")
    assert changes_after(db, mark) == [("unit", cso.id, on.version)]


def test_a_unit_signed_on_without_a_position_keeps_none(db, supervisor):
    start_shift(db, "Day")
    (ana,) = crew(db, supervisor, "Ana Díaz")
    cso = services.create_unit(db, supervisor, call_sign="CSO31")
    on = services.sign_on_unit(db, supervisor, cso.id, officer_ids=[ana], latitude=34.0917)
    assert (on.latitude, on.longitude, on.zone) == (None, None, None)


def test_signing_on_to_a_named_shift_needs_it_to_be_active(db, supervisor):
    day = start_shift(db, "Day")
    (ana,) = crew(db, supervisor, "Ana Díaz")
    cso = services.create_unit(db, supervisor, call_sign="CSO31")
    services.sign_on_unit(db, supervisor, cso.id, officer_ids=[ana], shift_id=day.id)
    assert roster(db)[0][:3] == (day.id, ana, cso.id)


@pytest.mark.parametrize("shift", ["none", "closed"])
def test_signing_on_with_no_active_shift_is_refused(db, supervisor, shift):
    (ana,) = crew(db, supervisor, "Ana Díaz")
    cso = services.create_unit(db, supervisor, call_sign="CSO31")
    named = None
    if shift == "closed":
        named = start_shift(db, "Day").id
        services.close_shift(db, supervisor, named)
    with pytest.raises(InvalidTransitionError, match="There is no active shift to sign on to"):
        services.sign_on_unit(db, supervisor, cso.id, officer_ids=[ana], shift_id=named)
    assert unit_record(db, cso.id).on_shift is False
    assert roster(db) == []


def test_signing_on_needs_an_officer_a_supervisor_and_a_unit_not_yet_on(db, dispatcher, supervisor):
    start_shift(db, "Day")
    ana, bo = crew(db, supervisor, "Ana Díaz", "Bo Lee")
    cso = services.create_unit(db, supervisor, call_sign="CSO31")
    with pytest.raises(ValidationError, match="A unit needs at least one officer to sign on"):
        services.sign_on_unit(db, supervisor, cso.id, officer_ids=[])
    with pytest.raises(PermissionDeniedError):
        services.sign_on_unit(db, dispatcher, cso.id, officer_ids=[ana])
    services.sign_on_unit(db, supervisor, cso.id, officer_ids=[ana])
    with pytest.raises(InvalidTransitionError, match="CSO31 is already signed on"):
        services.sign_on_unit(db, supervisor, cso.id, officer_ids=[bo])


def test_an_officer_works_in_one_unit_at_a_time(db, supervisor):
    start_shift(db, "Day")
    ana, bo = crew(db, supervisor, "Ana Díaz", "Bo Lee")
    first = services.create_unit(db, supervisor, call_sign="CSO31")
    second = services.create_unit(db, supervisor, call_sign="CSO32")
    services.sign_on_unit(db, supervisor, first.id, officer_ids=[ana])
    with pytest.raises(UnitBusyError, match="Ana Díaz is already signed on to another unit"):
        services.sign_on_unit(db, supervisor, second.id, officer_ids=[bo, ana])
    assert unit_record(db, second.id).on_shift is False
    assert [r[1:3] for r in roster(db)] == [(ana, first.id)]


def test_signing_off_closes_the_units_roster_entries_only(db, clock, supervisor):
    start_shift(db, "Day")
    ana, bo, cy = crew(db, supervisor, "Ana Díaz", "Bo Lee", "Cy Park")
    first = services.create_unit(db, supervisor, call_sign="CSO31")
    second = services.create_unit(db, supervisor, call_sign="CSO32")
    services.sign_on_unit(db, supervisor, first.id, officer_ids=[ana, bo])
    services.sign_on_unit(db, supervisor, second.id, officer_ids=[cy])
    clock.advance(hours=8)
    mark = last_change_id(db)
    off = services.sign_off_unit(db, supervisor, first.id)
    later = START + dt.timedelta(hours=8)
    assert [(r[1], r[5]) for r in roster(db)] == [(ana, later), (bo, later), (cy, None)]
    assert changes_after(db, mark) == [("unit", first.id, off.version)]
    assert unit_record(db, second.id).on_shift is True


def test_signing_off_leaves_an_earlier_shifts_sign_off_time_alone(db, clock, supervisor):
    day = start_shift(db, "Day")
    (ana,) = crew(db, supervisor, "Ana Díaz")
    cso = services.create_unit(db, supervisor, call_sign="CSO31")
    services.sign_on_unit(db, supervisor, cso.id, officer_ids=[ana])
    clock.advance(hours=8)
    services.sign_off_unit(db, supervisor, cso.id)
    services.close_shift(db, supervisor, day.id)
    night = start_shift(db, "Night")
    services.sign_on_unit(db, supervisor, cso.id, officer_ids=[ana])
    clock.advance(hours=8)
    services.sign_off_unit(db, supervisor, cso.id)
    assert [(r[0], r[4], r[5]) for r in roster(db)] == [
        (day.id, START, START + dt.timedelta(hours=8)),
        (night.id, START + dt.timedelta(hours=8), START + dt.timedelta(hours=16)),
    ]


def test_a_unit_on_an_incident_cannot_sign_off_and_the_incident_is_named(db, dispatcher, supervisor):
    unit_id, *_ = small_shift(db, units=1)
    call = welfare_call(db, dispatcher)
    services.dispatch_units(db, dispatcher, call.id, [unit_id])
    with pytest.raises(UnitBusyError, match=r"^CSO11 is still on 2026-000001; clear or release it first\.$"):
        services.sign_off_unit(db, supervisor, unit_id)
    with pytest.raises(PermissionDeniedError):
        services.sign_off_unit(db, dispatcher, unit_id)
    assert audits(db, "sign_off_unit") == []


# Status checks and positions ----------------------------------------------------------------------


def test_acknowledging_a_status_check_restarts_the_clock_and_notes_the_timeline(db, clock, dispatcher):
    unit_id, *_ = small_shift(db, units=1)
    call = welfare_call(db, dispatcher)
    services.dispatch_units(db, dispatcher, call.id, [unit_id])
    clock.advance(minutes=11)
    mark = last_change_id(db)
    checked = services.acknowledge_check(db, dispatcher, unit_id)
    assert checked.check_started_at == START + dt.timedelta(minutes=11)
    assert events(db, call.id)[-1] == ("status_check", "Status check CSO11: OK", "CSO11")
    (entry,) = audits(db, "acknowledge_check")
    assert (entry.username, entry.entity, entry.entity_id) == ("dispatcher1", "unit", unit_id)
    assert (entry.before, entry.after) == (
        {"check_started_at": START.isoformat()},
        {"check_started_at": (START + dt.timedelta(minutes=11)).isoformat(), "note": ""},
    )
    assert sorted(changes_after(db, mark)) == sorted([("timeline", call.id, 0), ("unit", unit_id, checked.version)])


def test_acknowledging_a_busy_unit_with_no_incident_writes_no_timeline(db, clock, dispatcher):
    unit_id, *_ = small_shift(db, units=1)
    services.set_unit_status(db, dispatcher, unit_id, "busy")
    clock.advance(minutes=44)
    mark = last_change_id(db)
    checked = services.acknowledge_check(db, dispatcher, unit_id, note=" writing report ")
    assert checked.check_started_at == START + dt.timedelta(minutes=44)
    assert changes_after(db, mark) == [("unit", unit_id, checked.version)]
    assert audits(db, "acknowledge_check")[0].after["note"] == "writing report"


@pytest.mark.parametrize(("length", "accepted"), [(2000, True), (2001, False)])
def test_a_status_check_note_holds_up_to_two_thousand_characters(db, dispatcher, length, accepted):
    unit_id, *_ = small_shift(db, units=1)
    services.set_unit_status(db, dispatcher, unit_id, "busy")
    if accepted:
        services.acknowledge_check(db, dispatcher, unit_id, note="n" * length)
    else:
        with pytest.raises(ValidationError, match="The note is 2,001 characters"):
            services.acknowledge_check(db, dispatcher, unit_id, note="n" * length)
    assert len(audits(db, "acknowledge_check")) == (1 if accepted else 0)


def test_an_available_unit_has_no_status_check_to_acknowledge(db, dispatcher):
    unit_id, *_ = small_shift(db, units=1)
    with pytest.raises(InvalidTransitionError, match="CSO11 has no status-check timer running"):
        services.acknowledge_check(db, dispatcher, unit_id)


def test_moving_a_unit_records_when_its_position_was_known(db, clock, dispatcher):
    unit_id, *_ = small_shift(db, units=1)
    clock.advance(minutes=7)
    mark = last_change_id(db)
    moved = services.move_unit(db, dispatcher, unit_id, latitude=34.0917, longitude=-118.3495)
    with db.read() as s:
        assert s.get(Unit, unit_id).position_at == START + dt.timedelta(minutes=7)
    assert changes_after(db, mark) == [("unit", unit_id, moved.version)]
    with pytest.raises(ValidationError, match="not on Earth"):
        services.move_unit(db, dispatcher, unit_id, latitude=91.0, longitude=0.0)


def test_an_unknown_unit_is_named_in_the_refusal(db, dispatcher, supervisor):
    small_shift(db, units=1)
    with pytest.raises(NotFoundError, match="No unit with id 99"):
        services.set_unit_status(db, dispatcher, 99, "busy")
    with pytest.raises(NotFoundError, match="No unit with id 99"):
        services.move_unit(db, dispatcher, 99, latitude=34.0917, longitude=-118.3495)
    with pytest.raises(NotFoundError, match="No unit with id 99"):
        services.dispatch_units(db, dispatcher, welfare_call(db, dispatcher).id, [99])


# Transfer and merge -------------------------------------------------------------------------------


def test_a_transfer_closes_the_call_as_disposition_15_and_releases_its_units(db, clock, dispatcher):
    unit_id, *_ = small_shift(db, units=1)
    call = welfare_call(db, dispatcher)
    services.dispatch_units(db, dispatcher, call.id, [unit_id])
    clock.advance(minutes=3)
    mark = last_change_id(db)
    moved = services.transfer_to_sheriff(db, dispatcher, call.id, note=" weapon seen ")
    assert (moved.status, moved.response, moved.disposition_code, moved.disposition_note, moved.units) == (
        "transferred",
        "sheriff",
        "15",
        "weapon seen",
        (),
    )
    assert moved.cleared_at == START + dt.timedelta(minutes=3)
    assert events(db, call.id)[-1] == ("transferred", "Transferred to LASD: weapon seen; released CSO11", None)
    unit = unit_record(db, unit_id)
    assert (unit.status, unit.incident_id, unit.check_started_at) == ("available", None, None)
    (entry,) = audits(db, "transfer_to_sheriff")
    assert (entry.entity_id, entry.before["status"], entry.after["status"], entry.after["response"]) == (
        call.id,
        "dispatched",
        "transferred",
        "sheriff",
    )
    assert sorted(changes_after(db, mark)) == sorted(
        [("unit", unit_id, unit.version), ("timeline", call.id, 0), ("incident", call.id, moved.version)]
    )


def test_a_transfer_without_a_note_says_to_whom(db, dispatcher):
    call = welfare_call(db, dispatcher)
    moved = services.transfer_to_sheriff(db, dispatcher, call.id)
    assert moved.disposition_note == "Transferred to LASD"
    assert events(db, call.id)[-1] == ("transferred", "Transferred to LASD", None)


def test_a_joint_response_keeps_the_call_open_with_its_units(db, dispatcher):
    unit_id, *_ = small_shift(db, units=1)
    call = welfare_call(db, dispatcher)
    services.dispatch_units(db, dispatcher, call.id, [unit_id])
    joint = services.transfer_to_sheriff(db, dispatcher, call.id, joint=True, note="deputy 12 meeting")
    assert (joint.status, joint.response, joint.disposition_code, joint.units) == (
        "dispatched",
        "joint",
        None,
        ("CSO11",),
    )
    assert events(db, call.id)[-1] == ("transferred", "Joint response with LASD: deputy 12 meeting", None)
    with pytest.raises(InvalidTransitionError, match="already a joint response with LASD"):
        services.transfer_to_sheriff(db, dispatcher, call.id, joint=True)
    plain = services.transfer_to_sheriff(db, dispatcher, welfare_call(db, dispatcher).id, joint=True)
    assert events(db, plain.id)[-1] == ("transferred", "Joint response with LASD", None)


@pytest.mark.parametrize(("length", "accepted"), [(2000, True), (2001, False)])
def test_a_transfer_note_holds_up_to_two_thousand_characters(db, dispatcher, length, accepted):
    call = welfare_call(db, dispatcher)
    if accepted:
        assert services.transfer_to_sheriff(db, dispatcher, call.id, note="t" * length).status == "transferred"
    else:
        with pytest.raises(ValidationError, match="The note is 2,001 characters"):
            services.transfer_to_sheriff(db, dispatcher, call.id, note="t" * length)
        assert services.get_incident(db, call.id).status == "pending"


def test_a_merged_duplicate_closes_into_the_call_it_repeats(db, clock, dispatcher):
    unit_id, *_ = small_shift(db, units=1)
    into = welfare_call(db, dispatcher)
    dup = welfare_call(db, dispatcher, caller_name="Bo Neighbour", narrative="Same man, same bench")
    services.dispatch_units(db, dispatcher, dup.id, [unit_id])
    clock.advance(minutes=2)
    mark = last_change_id(db)
    kept = services.merge_duplicate(db, dispatcher, duplicate_id=dup.id, into_id=into.id)
    assert kept.id == into.id
    closed = services.get_incident(db, dup.id)
    assert (closed.status, closed.merged_into_id, closed.disposition_code, closed.disposition_note) == (
        "merged",
        into.id,
        "22",
        "Duplicate of 2026-000001",
    )
    assert closed.cleared_at == START + dt.timedelta(minutes=2)
    assert events(db, dup.id)[-1] == ("merged", "Merged into 2026-000001 as a duplicate call", None)
    assert events(db, into.id)[-1] == (
        "merged",
        "Duplicate call 2026-000002 from Bo Neighbour merged: Same man, same bench",
        None,
    )
    assert unit_record(db, unit_id).status == "available"
    (entry,) = audits(db, "merge_duplicate")
    assert (entry.entity_id, entry.before["status"], entry.after["status"], entry.after["into"]) == (
        dup.id,
        "dispatched",
        "merged",
        "2026-000001",
    )
    assert ("incident", dup.id, closed.version) in changes_after(db, mark)
    assert ("incident", into.id, kept.version) in changes_after(db, mark)


def test_a_merged_call_without_a_caller_name_quotes_the_first_500_characters(db, dispatcher):
    into = welfare_call(db, dispatcher)
    dup = welfare_call(db, dispatcher, caller_name="", narrative="x" * 600)
    services.merge_duplicate(db, dispatcher, duplicate_id=dup.id, into_id=into.id)
    assert events(db, into.id)[-1][1] == "Duplicate call 2026-000002 merged: " + "x" * 500


def test_a_call_cannot_be_merged_into_itself(db, dispatcher):
    call = welfare_call(db, dispatcher)
    with pytest.raises(ValidationError, match="cannot be merged into itself"):
        services.merge_duplicate(db, dispatcher, duplicate_id=call.id, into_id=call.id)
    assert services.get_incident(db, call.id).status == "pending"


def test_a_crew_signed_off_for_an_hour_can_sign_on_again_in_the_same_shift(db, clock, supervisor):
    start_shift(db, "Day")
    (ana,) = crew(db, supervisor, "Ana Díaz")
    cso = services.create_unit(db, supervisor, call_sign="CSO31")
    services.sign_on_unit(db, supervisor, cso.id, officer_ids=[ana])
    services.sign_off_unit(db, supervisor, cso.id)
    clock.advance(hours=1)
    assert services.sign_on_unit(db, supervisor, cso.id, officer_ids=[ana]).on_shift is True


def test_an_officer_signed_off_one_unit_can_sign_on_another_in_the_same_shift(db, clock, supervisor):
    shift = start_shift(db, "Day")
    (ana,) = crew(db, supervisor, "Ana Díaz")
    first = services.create_unit(db, supervisor, call_sign="CSO31")
    second = services.create_unit(db, supervisor, call_sign="CSO32")
    services.sign_on_unit(db, supervisor, first.id, officer_ids=[ana], zone="0971")
    # While she is on CSO31 she cannot be put on CSO32 too.
    with pytest.raises(UnitBusyError, match="Ana Díaz is already signed on to another unit"):
        services.sign_on_unit(db, supervisor, second.id, officer_ids=[ana])
    services.sign_off_unit(db, supervisor, first.id)
    clock.advance(minutes=30)
    services.sign_on_unit(db, supervisor, second.id, officer_ids=[ana], zone="0976")
    with db.read() as s:
        (row,) = s.execute(select(RosterEntry).where(RosterEntry.shift_id == shift.id)).scalars()
        assert (row.unit_id, row.zone, row.signed_off_at) == (second.id, "0976", None)
        assert row.signed_on_at.replace(tzinfo=dt.UTC) == clock()
    assert [a.entity_id for a in audits(db, "sign_on_unit")] == [first.id, second.id]
    assert [a.entity_id for a in audits(db, "sign_off_unit")] == [first.id]
