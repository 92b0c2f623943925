"""Officer-initiated work as the dispatcher sees it: the incident, the unit on scene, the record, the refusals.

Expected incidents, timeline texts, audit rows and refusals are written out; a refused start is
checked to have opened nothing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from sqlalchemy import select

from data import services
from data.errors import NotFoundError, SheriffFirstError, UnitBusyError, ValidationError
from data.models import AuditEntry, ChangeLog, Incident, Unit
from data.services.self_initiated import start_self_initiated
from tests.data.helpers import SUPERVISOR, small_shift, welfare_call

START = dt.datetime(2026, 11, 26, 16, 0, tzinfo=dt.UTC)  # the controlled clock's start (tests/conftest.py)
PARK = (34.0911, -118.3505)
CITY_HALL = (34.0900, -118.3661)  # where small_shift signs units on


def incident_count(db) -> int:
    with db.read() as s:
        return len(s.execute(select(Incident.id)).all())


def unit_record(db, unit_id: int) -> Unit:
    with db.read() as s:
        found = s.get(Unit, unit_id)
    assert found is not None
    return found


def test_the_incident_opens_on_scene_with_the_unit_at_the_same_moment(db, clock, dispatcher):
    unit_id, *_ = small_shift(db, units=1)
    clock.advance(minutes=7)
    now = START + dt.timedelta(minutes=7)
    inc = start_self_initiated(
        db, dispatcher, unit_id=unit_id, call_type="bizchk", location="  Sunset Strip  ", zone="0972"
    )
    assert (
        inc.kind,
        inc.call_type,
        inc.apco_code,
        inc.priority,
        inc.status,
        inc.location,
        inc.zone,
        inc.response,
        inc.caller_name,
        inc.caller_phone,
        inc.narrative,
        inc.screening,
        inc.units,
        inc.created_by,
    ) == (
        "self_initiated",
        "BIZCHK",
        "ADMIN",
        4,
        "onscene",
        "Sunset Strip",
        "0972",
        "cso",
        "",
        "",
        "",
        {},
        ("CSO11",),
        "dispatcher1",
    )
    assert (inc.received_at, inc.entered_at, inc.dispatched_at, inc.onscene_at, inc.status_changed_at) == (now,) * 5
    assert (inc.enroute_at, inc.in_city) == (None, None)
    unit = unit_record(db, unit_id)
    assert (unit.status, unit.status_since, unit.check_started_at, unit.incident_id) == ("onscene", now, now, inc.id)
    # No position given: the unit stays where it was last known.
    assert (unit.latitude, unit.longitude, unit.position_at) == (*CITY_HALL, START)


def test_a_position_given_moves_the_unit_there(db, clock, dispatcher):
    unit_id, *_ = small_shift(db, units=1)
    clock.advance(minutes=2)
    start_self_initiated(
        db, dispatcher, unit_id=unit_id, call_type="AUDIT", location="Plummer Park", latitude=PARK[0], longitude=PARK[1]
    )
    unit = unit_record(db, unit_id)
    assert (unit.latitude, unit.longitude, unit.position_at) == (*PARK, START + dt.timedelta(minutes=2))


def test_the_zone_is_the_units_when_none_is_given(db, dispatcher):
    unit_id, *_ = small_shift(db, units=1)
    inc = start_self_initiated(db, dispatcher, unit_id=unit_id, call_type="AUDIT", location="Plummer Park", zone="  ")
    assert inc.zone == "0971"


def test_the_start_is_on_the_timeline_audited_and_announced(db, clock, dispatcher):
    unit_id, *_ = small_shift(db, units=1)
    with db.read() as s:
        last = s.scalar(select(ChangeLog.id).order_by(ChangeLog.id.desc()).limit(1))
    inc = start_self_initiated(db, dispatcher, unit_id=unit_id, call_type="EDUCATE", location="Kings Road Park")
    assert [(e.kind, e.text, e.unit_call_sign) for e in services.timeline(db, inc.id)] == [
        ("created", "Officer-initiated: Community education at Kings Road Park by CSO11", None),
        ("status", "CSO11 on scene", "CSO11"),
    ]
    with db.read() as s:
        (audit,) = s.execute(select(AuditEntry).where(AuditEntry.action == "start_self_initiated")).scalars()
        changes = s.execute(
            select(ChangeLog.kind, ChangeLog.entity_id).where(ChangeLog.id > last).order_by(ChangeLog.id)
        ).all()
    assert (audit.entity, audit.entity_id, audit.username, audit.outcome) == ("incident", inc.id, "dispatcher1", "ok")
    assert audit.before == {
        "unit": {"status": "available", "incident_id": None, "on_shift": True, "zone": "0971", "version": 2}
    }
    assert (audit.after["status"], audit.after["call_type"], audit.after["unit"]) == ("onscene", "EDUCATE", "CSO11")
    assert sorted(tuple(c) for c in changes) == sorted([("timeline", inc.id), ("incident", inc.id), ("unit", unit_id)])


def test_the_incident_belongs_to_the_active_shift(db, dispatcher):
    unit_id, *_ = small_shift(db, units=1)
    inc = start_self_initiated(db, dispatcher, unit_id=unit_id, call_type="AUDIT", location="Plummer Park")
    assert inc.shift_id == services.active_shift(db).id


# Refusals -----------------------------------------------------------------------------------------


def test_a_call_type_is_refused_with_the_officer_initiated_ones_named(db, dispatcher):
    unit_id, *_ = small_shift(db, units=1)
    with pytest.raises(ValidationError) as refused:
        start_self_initiated(db, dispatcher, unit_id=unit_id, call_type="NOISE", location="Plummer Park")
    assert (refused.value.field, str(refused.value)) == (
        "call_type",
        "NOISE is not officer-initiated work; use AUDIT, EDUCATE, BIZCHK, PROOUT.",
    )
    assert incident_count(db) == 0


def test_officer_initiated_work_csos_may_not_do_alone_is_refused(db, dispatcher):
    unit_id, *_ = small_shift(db, units=1)
    audit = db.pack.call_types["AUDIT"]
    types = dict(db.pack.call_types, AUDIT=dataclasses.replace(audit, cso_alone=False))
    db.pack = dataclasses.replace(db.pack, call_types=types)
    with pytest.raises(SheriffFirstError, match=r"^AUDIT \(Safety audit\) is not answered by CSOs alone"):
        start_self_initiated(db, dispatcher, unit_id=unit_id, call_type="AUDIT", location="Plummer Park")
    assert incident_count(db) == 0


def test_a_unit_on_a_break_or_out_of_service_cannot_start_work(db, dispatcher):
    u1, u2 = small_shift(db, units=2)
    services.set_unit_status(db, dispatcher, u1, "break")
    services.set_unit_status(db, dispatcher, u2, "busy")
    with pytest.raises(UnitBusyError) as refused:
        start_self_initiated(db, dispatcher, unit_id=u1, call_type="AUDIT", location="Plummer Park")
    assert str(refused.value) == "CSO11 is break; it cannot start officer-initiated work."
    # Busy (on other work, no incident) may still start officer-initiated work.
    inc = start_self_initiated(db, dispatcher, unit_id=u2, call_type="AUDIT", location="Plummer Park")
    assert inc.units == ("CSO12",)


def test_a_unit_still_on_an_incident_is_refused_naming_it(db, dispatcher):
    (unit_id,) = small_shift(db, units=1)
    call = welfare_call(db, dispatcher)
    services.dispatch_units(db, dispatcher, call.id, [unit_id])
    with pytest.raises(UnitBusyError) as refused:
        start_self_initiated(db, dispatcher, unit_id=unit_id, call_type="AUDIT", location="Plummer Park")
    assert str(refused.value) == f"CSO11 is still on {call.number}; clear or release it first."
    assert incident_count(db) == 1


def test_a_unit_not_signed_on_is_refused(db, dispatcher):
    small_shift(db, units=1)
    off = services.create_unit(db, SUPERVISOR, call_sign="CSO99")
    with pytest.raises(UnitBusyError) as refused:
        start_self_initiated(db, dispatcher, unit_id=off.id, call_type="AUDIT", location="Plummer Park")
    assert str(refused.value) == "CSO99 is not signed on to the shift."


def test_an_unknown_unit_is_refused(db, dispatcher):
    small_shift(db, units=1)
    with pytest.raises(NotFoundError):
        start_self_initiated(db, dispatcher, unit_id=999, call_type="AUDIT", location="Plummer Park")
    assert incident_count(db) == 0


def test_a_zone_longer_than_twenty_characters_is_refused(db, dispatcher):
    (unit_id,) = small_shift(db, units=1)
    assert (
        start_self_initiated(
            db, dispatcher, unit_id=unit_id, call_type="AUDIT", location="Plummer Park", zone="z" * 20
        ).zone
        == "z" * 20
    )
    services.clear_incident(db, dispatcher, services.get_units(db, [unit_id])[0].incident_id, disposition="13")
    with pytest.raises(ValidationError):
        start_self_initiated(db, dispatcher, unit_id=unit_id, call_type="AUDIT", location="Plummer Park", zone="z" * 21)
