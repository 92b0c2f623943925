"""Rows as the views read them (data/services/convert.py): every field of an incident, a unit with its crew
and skills, a timeline line, an officer and a shift, written out in full."""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import select, update

from data import services
from data.models import Incident, RosterEntry, Shift
from data.records import EventRecord, IncidentRecord, OfficerRecord, ShiftRecord, UnitRecord
from data.services import convert
from tests.data.helpers import CITY_HALL, NO_SCREENING, SUPERVISOR, welfare_call

T0 = dt.datetime(2026, 11, 26, 16, 0, tzinfo=dt.UTC)


def start(db, name="Day"):
    return services.start_shift(
        db,
        SUPERVISOR,
        name=name,
        supervisor="Sgt. Vega",
        starts_at=db.clock(),
        ends_at=db.clock() + dt.timedelta(hours=8),
    )


def test_an_incident_reads_back_every_field_it_was_given(db, clock, dispatcher):
    shift = start(db)
    unit = services.create_unit(db, SUPERVISOR, call_sign="CSO11")
    crew = services.create_officer(db, SUPERVISOR, badge="1", name="Abel")
    services.sign_on_unit(db, SUPERVISOR, unit.id, officer_ids=[crew.id])
    call = welfare_call(db, dispatcher, narrative="Neighbour worried", override_reason="")
    clock.advance(minutes=2)
    dispatched = services.dispatch_units(db, dispatcher, call.id, [unit.id])
    assert dispatched == IncidentRecord(
        id=call.id,
        number="2026-000001",
        kind="call",
        call_type="WELFARE",
        call_type_label="Welfare check",
        apco_code="WELFARE",
        priority=2,
        status="dispatched",
        location="8300 Santa Monica Blvd",
        latitude=CITY_HALL[0],
        longitude=CITY_HALL[1],
        zone=None,
        in_city=None,
        caller_name="Ana Caller",
        caller_phone="310-555-0100",
        narrative="Neighbour worried",
        screening=NO_SCREENING,
        response="cso",
        override_reason="",
        received_at=T0,
        entered_at=T0,
        dispatched_at=T0 + dt.timedelta(minutes=2),
        enroute_at=None,
        onscene_at=None,
        cleared_at=None,
        status_changed_at=T0 + dt.timedelta(minutes=2),
        disposition_code=None,
        disposition_note="",
        merged_into_id=None,
        shift_id=shift.id,
        created_by="dispatcher1",
        version=2,
        units=("CSO11",),
        transferred_from="",
    )


def test_a_closed_incident_reads_back_its_disposition_and_times(db, clock, dispatcher):
    call = welfare_call(db, dispatcher)
    clock.advance(minutes=9)
    services.clear_incident(db, dispatcher, call.id, disposition="04", note="all well")
    done = services.get_incident(db, call.id)
    assert (done.status, done.cleared_at, done.disposition_code, done.disposition_note, done.units) == (
        "cleared",
        T0 + dt.timedelta(minutes=9),
        "04",
        "all well",
        (),
    )


def test_a_call_type_the_pack_no_longer_has_is_labelled_by_its_code_and_no_screening_is_empty(db, dispatcher):
    call = welfare_call(db, dispatcher)
    with db.writer() as s, s.begin():
        s.execute(
            update(Incident).values(call_type="RETIRED", screening=None, transferred_from=None, merged_into_id=None)
        )
    with db.read() as s:
        (record,) = convert.incident_records(s, [s.get(Incident, call.id)], db.pack)
    assert (record.call_type, record.call_type_label, record.screening, record.transferred_from) == (
        "RETIRED",
        "RETIRED",
        {},
        "",
    )


def test_the_units_on_each_incident_are_listed_by_call_sign(db, dispatcher):
    start(db)
    ids = {}
    for n, sign in enumerate(("CSO13", "CSO11", "CSO12")):
        ids[sign] = services.create_unit(db, SUPERVISOR, call_sign=sign).id
        officer = services.create_officer(db, SUPERVISOR, badge=str(n), name=f"Crew {n}")
        services.sign_on_unit(db, SUPERVISOR, ids[sign], officer_ids=[officer.id])
    first = welfare_call(db, dispatcher)
    second = welfare_call(db, dispatcher, location="900 N Fairfax Ave")
    services.dispatch_units(db, dispatcher, first.id, [ids["CSO13"], ids["CSO11"]])
    services.dispatch_units(db, dispatcher, second.id, [ids["CSO12"]])
    with db.read() as s:
        assert dict(convert.units_by_incident(s, [first.id, second.id])) == {
            first.id: ["CSO11", "CSO13"],
            second.id: ["CSO12"],
        }
        assert dict(convert.units_by_incident(s, [second.id])) == {second.id: ["CSO12"]}
        assert dict(convert.units_by_incident(s, [])) == {}
    assert [r.units for r in services.get_incidents(db, [first.id, second.id])] == [("CSO11", "CSO13"), ("CSO12",)]


def test_a_unit_reads_back_its_crew_by_name_their_skills_and_languages_and_its_incident(db, clock, dispatcher):
    shift = start(db)
    unit = services.create_unit(db, SUPERVISOR, call_sign="CSO11", zone="0971")
    zed = services.create_officer(db, SUPERVISOR, badge="2", name="Zed", skills=["outreach"], languages=["Russian"])
    amy = services.create_officer(
        db, SUPERVISOR, badge="1", name="Amy", skills=["first aid", "outreach"], languages=["Spanish"]
    )
    services.sign_on_unit(
        db,
        SUPERVISOR,
        unit.id,
        officer_ids=[zed.id, amy.id],
        zone="0971",
        latitude=CITY_HALL[0],
        longitude=CITY_HALL[1],
    )
    call = welfare_call(db, dispatcher)
    clock.advance(minutes=1)
    services.dispatch_units(db, dispatcher, call.id, [unit.id])
    (record,) = services.get_units(db, [unit.id])
    assert record == UnitRecord(
        id=unit.id,
        call_sign="CSO11",
        status="dispatched",
        status_since=T0 + dt.timedelta(minutes=1),
        check_started_at=record.check_started_at,
        incident_id=call.id,
        incident_number="2026-000001",
        incident_location="8300 Santa Monica Blvd",
        latitude=CITY_HALL[0],
        longitude=CITY_HALL[1],
        zone="0971",
        on_shift=True,
        version=record.version,
        officers=("Amy", "Zed"),
        skills=("first aid", "outreach", "speaks Russian", "speaks Spanish"),
    )
    assert record.check_started_at == T0 + dt.timedelta(minutes=1)
    assert shift.status == "active"


def test_a_crew_is_only_the_officers_signed_on_now_on_the_active_shift(db):
    start(db)
    unit = services.create_unit(db, SUPERVISOR, call_sign="CSO11")
    other = services.create_unit(db, SUPERVISOR, call_sign="CSO12")
    officers = [services.create_officer(db, SUPERVISOR, badge=str(n), name=name) for n, name in enumerate("ABCD")]
    services.sign_on_unit(db, SUPERVISOR, unit.id, officer_ids=[o.id for o in officers[:3]])
    services.sign_on_unit(db, SUPERVISOR, other.id, officer_ids=[officers[3].id])
    with db.writer() as s, s.begin():  # B has signed off, C's entry was never signed on
        s.execute(update(RosterEntry).where(RosterEntry.officer_id == officers[1].id).values(signed_off_at=db.clock()))
        s.execute(update(RosterEntry).where(RosterEntry.officer_id == officers[2].id).values(signed_on_at=None))
    assert [u.officers for u in services.get_units(db, [unit.id, other.id])] == [("A",), ("D",)]
    with db.writer() as s, s.begin():
        s.execute(update(Shift).values(status="closed"))
    assert [u.officers for u in services.get_units(db, [unit.id, other.id])] == [(), ()]
    assert [u.skills for u in services.get_units(db, [unit.id])] == [()]


def test_a_unit_on_no_incident_has_no_incident_number_or_location(db):
    unit = services.create_unit(db, SUPERVISOR, call_sign="CSO11")
    (record,) = services.get_units(db, [unit.id])
    assert (record.incident_id, record.incident_number, record.incident_location, record.officers) == (
        None,
        None,
        None,
        (),
    )
    with db.read() as s:
        assert dict(convert.crew_by_unit(s, [])) == {}


def test_a_timeline_line_names_its_unit_by_call_sign(db, clock, dispatcher):
    start(db)
    unit = services.create_unit(db, SUPERVISOR, call_sign="CSO11")
    officer = services.create_officer(db, SUPERVISOR, badge="1", name="Abel")
    services.sign_on_unit(db, SUPERVISOR, unit.id, officer_ids=[officer.id])
    call = welfare_call(db, dispatcher)
    clock.advance(minutes=1)
    services.dispatch_units(db, dispatcher, call.id, [unit.id])
    created, *rest = services.timeline(db, call.id)
    assert dataclasses.replace(created, text="") == EventRecord(
        id=created.id,
        incident_id=call.id,
        at=T0,
        kind="created",
        text="",
        author="dispatcher1",
        workstation="ws-1",
        unit_call_sign=None,
    )
    assert [(e.kind, e.at, e.unit_call_sign) for e in rest] == [
        ("unit_assigned", T0 + dt.timedelta(minutes=1), "CSO11")
    ]


def test_an_officer_and_a_shift_read_back_every_field(db, clock):
    officer = services.create_officer(
        db, SUPERVISOR, badge="B-7", name="Cruz", skills=["mediation"], languages=["Spanish", "Tagalog"]
    )
    assert services.officers(db) == [
        OfficerRecord(id=officer.id, badge="B-7", name="Cruz", skills=("mediation",), languages=("Spanish", "Tagalog"))
    ]
    plain = services.create_officer(db, SUPERVISOR, badge="B-8", name="Dee")
    assert (plain.skills, plain.languages) == ((), ())
    shift = start(db, name="Swing")
    assert services.active_shift(db) == ShiftRecord(
        id=shift.id,
        name="Swing",
        status="active",
        supervisor="Sgt. Vega",
        starts_at=T0,
        ends_at=T0 + dt.timedelta(hours=8),
        started_at=T0,
        ended_at=None,
    )
    with db.read() as s:
        row = s.execute(select(Shift)).scalar_one()
        assert convert.shift_record(row).ended_at is None
