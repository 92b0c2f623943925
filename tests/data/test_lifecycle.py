"""An incident's whole life through the services, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from data import services
from data.errors import (
    InvalidTransitionError,
    PermissionDeniedError,
    SheriffFirstError,
    UnitBusyError,
    ValidationError,
)
from data.models import AuditEntry, IncidentEvent
from tests.data.helpers import NO_SCREENING, small_shift, welfare_call


def test_welfare_check_from_call_to_clear(any_db, clock, dispatcher):
    unit_id, *_ = small_shift(any_db)
    inc = welfare_call(any_db, dispatcher)
    assert inc.status == "pending" and inc.priority == 2 and inc.apco_code == "WELFARE"
    assert inc.number.startswith("2026-") and inc.short_number == "1"

    clock.advance(seconds=45)
    inc = services.dispatch_units(any_db, dispatcher, inc.id, [unit_id])
    assert inc.status == "dispatched" and inc.units == ("CSO11",)
    clock.advance(minutes=1)
    services.set_unit_status(any_db, dispatcher, unit_id, "enroute")
    clock.advance(minutes=4)
    services.set_unit_status(any_db, dispatcher, unit_id, "onscene")
    assert services.get_incident(any_db, inc.id).status == "onscene"
    clock.advance(minutes=20)
    inc = services.clear_incident(any_db, dispatcher, inc.id, disposition="18", note="Resident fine")

    assert inc.status == "cleared" and inc.disposition_code == "18" and inc.units == ()
    assert (inc.dispatched_at - inc.received_at).total_seconds() == 45
    assert (inc.onscene_at - inc.enroute_at).total_seconds() == 240
    assert services.get_units(any_db, [unit_id])[0].status == "available"
    kinds = [e.kind for e in services.timeline(any_db, inc.id)]
    assert kinds == ["created", "unit_assigned", "status", "status", "status"]
    with any_db.read() as s:
        assert s.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.entity == "incident")) >= 3


def test_incident_numbers_are_sequential_per_year(db, clock, dispatcher):
    first = welfare_call(db, dispatcher)
    second = welfare_call(db, dispatcher)
    assert (first.number, second.number) == ("2026-000001", "2026-000002")
    clock.now = dt.datetime(2027, 1, 1, 9, 0, tzinfo=dt.UTC)  # 01:00 local on New Year's Day
    assert welfare_call(db, dispatcher).number == "2027-000001"


def test_one_active_incident_per_unit(db, dispatcher):
    unit_id, *_ = small_shift(db)
    a = welfare_call(db, dispatcher)
    b = welfare_call(db, dispatcher, location="Plummer Park")
    services.dispatch_units(db, dispatcher, a.id, [unit_id])
    with pytest.raises(UnitBusyError, match="already assigned to 2026-000001"):
        services.dispatch_units(db, dispatcher, b.id, [unit_id])
    assert services.get_incident(db, b.id).status == "pending"


def test_sheriff_first_needs_override_or_joint_response(db, dispatcher):
    unit_id, *_ = small_shift(db)
    inc = welfare_call(db, dispatcher, screening={"weapon": True})
    with pytest.raises(SheriffFirstError, match="needs LASD first"):
        services.dispatch_units(db, dispatcher, inc.id, [unit_id])
    inc = services.dispatch_units(db, dispatcher, inc.id, [unit_id], override_reason="LASD confirmed scene is safe")
    assert inc.override_reason == "LASD confirmed scene is safe"
    violent = services.create_incident(
        db, dispatcher, screening=NO_SCREENING, call_type="MTLV", location="Plummer Park"
    )
    services.transfer_to_sheriff(db, dispatcher, violent.id, joint=True)
    _, second, *_ = services.get_units(db)
    assert services.dispatch_units(db, dispatcher, violent.id, [second.id]).response == "joint"


def test_transfer_to_sheriff_closes_with_disposition_15_and_frees_units(db, dispatcher):
    unit_id, *_ = small_shift(db)
    inc = welfare_call(db, dispatcher)
    services.dispatch_units(db, dispatcher, inc.id, [unit_id])
    inc = services.transfer_to_sheriff(db, dispatcher, inc.id, note="Subject has a knife")
    assert (inc.status, inc.disposition_code, inc.response) == ("transferred", "15", "sheriff")
    assert services.get_units(db, [unit_id])[0].status == "available"
    assert "Transferred to LASD: Subject has a knife" in services.timeline(db, inc.id)[-1].text


def test_clearing_needs_a_known_disposition(db, dispatcher):
    inc = welfare_call(db, dispatcher)
    with pytest.raises(ValidationError, match="needs a disposition"):
        services.clear_incident(db, dispatcher, inc.id, disposition="")
    with pytest.raises(ValidationError, match="Unknown disposition"):
        services.clear_incident(db, dispatcher, inc.id, disposition="99")
    assert services.get_incident(db, inc.id).status == "pending"


def test_only_supervisors_reopen(db, dispatcher, supervisor):
    inc = welfare_call(db, dispatcher)
    services.clear_incident(db, dispatcher, inc.id, disposition="14")
    with pytest.raises(PermissionDeniedError, match="cannot reopen"):
        services.reopen_incident(db, dispatcher, inc.id, reason="caller called back")
    reopened = services.reopen_incident(db, supervisor, inc.id, reason="caller called back")
    assert reopened.status == "pending" and reopened.disposition_code is None
    assert services.timeline(db, inc.id)[-1].kind == "reopened"


def test_unit_status_machine_refuses_illegal_moves(db, dispatcher):
    unit_id, *_ = small_shift(db)
    with pytest.raises(InvalidTransitionError, match="no incident"):
        services.set_unit_status(db, dispatcher, unit_id, "onscene")
    services.set_unit_status(db, dispatcher, unit_id, "break")
    with pytest.raises(InvalidTransitionError, match="cannot go busy"):
        services.set_unit_status(db, dispatcher, unit_id, "busy")
    inc = welfare_call(db, dispatcher)
    with pytest.raises(UnitBusyError, match="break"):
        services.dispatch_units(db, dispatcher, inc.id, [unit_id])


def test_available_releases_unit_and_incident_returns_to_pending(db, dispatcher):
    unit_id, *_ = small_shift(db)
    inc = welfare_call(db, dispatcher)
    services.dispatch_units(db, dispatcher, inc.id, [unit_id])
    services.set_unit_status(db, dispatcher, unit_id, "available", note="reassigned to a P1")
    assert services.get_incident(db, inc.id).status == "pending"
    assert services.timeline(db, inc.id)[-1].text == "CSO11 released (available): reassigned to a P1"


def test_an_open_call_at_the_same_address_is_offered_whatever_its_age_a_closed_one_within_the_window(
    db, clock, dispatcher
):
    noise = services.create_incident(
        db, dispatcher, call_type="NOISE", location="1000 N Kings Rd", screening=NO_SCREENING
    )  # no map point: the same address is enough
    clock.advance(hours=3)
    found = services.duplicates_near(db, latitude=None, longitude=None, location="1000 n. kings rd")
    assert [(c.incident.id, c.incident.status, round(c.minutes_apart)) for c in found] == [(noise.id, "pending", 180)]
    services.cancel_incident(db, dispatcher, noise.id, reason="caller called back")
    clock.advance(minutes=9)
    assert [
        c.incident.id for c in services.duplicates_near(db, latitude=None, longitude=None, location="1000 N Kings Rd")
    ] == [noise.id]
    clock.advance(minutes=2)  # closed 11 minutes ago: outside the window
    assert services.duplicates_near(db, latitude=None, longitude=None, location="1000 N Kings Rd") == []


def test_duplicates_are_offered_within_radius_and_window(db, clock, dispatcher):
    first = welfare_call(db, dispatcher)
    clock.advance(minutes=4)
    near = services.duplicates_near(db, latitude=34.0905, longitude=-118.3661)  # ~55 m north
    assert [c.incident.id for c in near] == [first.id]
    assert services.duplicates_near(db, latitude=34.0950, longitude=-118.3661) == []  # ~550 m
    clock.advance(minutes=8)
    # Still open 12 minutes later: still offered (the window only limits closed incidents).
    near = services.duplicates_near(db, latitude=34.0905, longitude=-118.3661)
    assert [(c.incident.id, round(c.minutes_apart)) for c in near] == [(first.id, 12)]
    dup = welfare_call(db, dispatcher)
    merged_into = services.merge_duplicate(db, dispatcher, duplicate_id=dup.id, into_id=first.id)
    assert merged_into.id == first.id
    dup = services.get_incident(db, dup.id)
    assert (dup.status, dup.disposition_code, dup.merged_into_id) == ("merged", "22", first.id)


def test_short_names_for_units_and_incidents(db, dispatcher, supervisor):
    small_shift(db)
    for _ in range(12):
        welfare_call(db, dispatcher)
    assert services.find_unit(db, "12").call_sign == "CSO12"
    assert services.find_incident(db, "12").number == "2026-000012"
    assert services.find_incident(db, "2026-000003").number == "2026-000003"
    assert services.find_incident(db, "2").number == "2026-000002"  # the exact short number wins over ...12
    extra = services.create_unit(db, supervisor, call_sign="CSO21")
    assert services.find_unit(db, "1").call_sign == "CSO11"  # units on shift first
    officer = services.create_officer(db, supervisor, badge="T-21", name="Officer 21")
    services.sign_on_unit(db, supervisor, extra.id, officer_ids=[officer.id])
    with pytest.raises(ValidationError, match="1 matches CSO11, CSO21; type more"):
        services.find_unit(db, "1")


def test_status_check_acknowledgement_restarts_timer_and_notes_timeline(db, clock, dispatcher):
    unit_id, *_ = small_shift(db)
    inc = welfare_call(db, dispatcher)
    services.dispatch_units(db, dispatcher, inc.id, [unit_id])
    services.set_unit_status(db, dispatcher, unit_id, "onscene")
    clock.advance(minutes=16)
    unit = services.acknowledge_check(db, dispatcher, unit_id, note="Code 4, talking with subject")
    assert unit.check_started_at == clock.now
    assert services.timeline(db, inc.id)[-1].text == "Status check CSO11: Code 4, talking with subject"


def test_recommendations_rank_available_skilled_units_first(db, dispatcher):
    small_shift(db)
    inc = services.create_incident(
        db,
        dispatcher,
        screening=NO_SCREENING,
        call_type="MNTL",
        location="Plummer Park",
        latitude=34.0917,
        longitude=-118.3495,
    )
    recs = services.recommendations(db, inc)
    assert recs[0].unit.call_sign == "CSO11" and recs[0].matching_skills == ("crisis intervention",)


def test_every_action_writes_its_event_and_audit_in_one_transaction(db, dispatcher):
    inc = welfare_call(db, dispatcher)
    services.add_note(db, dispatcher, inc.id, "Caller says the door is unlocked")
    with db.read() as s:
        events = s.scalars(select(IncidentEvent).where(IncidentEvent.incident_id == inc.id)).all()
        audits = s.scalars(select(AuditEntry).where(AuditEntry.entity_id == inc.id)).all()
    assert [e.kind for e in events] == ["created", "note"]
    assert [a.action for a in audits] == ["create_incident", "add_note"]
    assert audits[0].workstation == "ws-1" and audits[0].username == "dispatcher1"
    assert audits[0].at.tzinfo is not None


def test_a_second_unit_on_an_incident_moves_its_version(db, dispatcher):
    first, second, *_ = small_shift(db)
    inc = welfare_call(db, dispatcher)
    inc = services.dispatch_units(db, dispatcher, inc.id, [first])
    again = services.dispatch_units(db, dispatcher, inc.id, [second])
    assert again.status == "dispatched" and again.units == ("CSO11", "CSO12")
    assert again.version > inc.version  # other consoles refetch the row and see both units
