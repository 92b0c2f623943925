"""The shift change as a supervisor relies on it: every rule at its boundary, and exactly what it leaves behind.

Expected values are written out; the clock is the test's own (`clock`), so "now" is a known moment.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from sqlalchemy import select, update

from data import services
from data.errors import (
    InvalidTransitionError,
    NotFoundError,
    PermissionDeniedError,
    StaleWriteError,
    UnitBusyError,
    ValidationError,
)
from data.models import AuditEntry, ChangeLog, IncidentEvent, Officer, RosterEntry, Shift, Unit, User
from data.permissions import PRIVILEGED, Actor
from data.services import shift_change
from data.services.shift_change import _clean_roster, change_shift, current_roster, known_zones
from tests.data.helpers import SUPERVISOR, small_shift, welfare_call

MS = dt.timedelta(milliseconds=1)
HOURS_10 = dt.timedelta(hours=10)
DAY = dt.timedelta(hours=24)


def exactly(message: str) -> str:
    return f"^{re.escape(message)}$"


def swap(db, roster, **extra: Any):
    now = db.clock()
    fields: dict[str, Any] = {
        "name": "Night",
        "supervisor": "Sgt. Night",
        "starts_at": now,
        "ends_at": now + HOURS_10,
        "roster": roster,
    }
    fields.update(extra)
    return change_shift(db, SUPERVISOR, **fields)


def officer(db, badge: str, name: str) -> int:
    return services.create_officer(db, SUPERVISOR, badge=badge, name=name).id


def unit_id(db, call_sign: str) -> int:
    with db.read() as s:
        return s.execute(select(Unit.id).where(Unit.call_sign == call_sign)).scalar_one()


def shift_rows(db) -> list[tuple]:
    with db.read() as s:
        rows = s.execute(select(Shift).order_by(Shift.id)).scalars()
        return [(r.name, r.status, r.supervisor, r.started_at, r.ended_at, r.handoff_note) for r in rows]


def change_audits(db) -> list[AuditEntry]:
    with db.read() as s:
        return list(s.execute(select(AuditEntry).where(AuditEntry.action == "change_shift")).scalars())


def last_change(db) -> int:
    with db.read() as s:
        return s.execute(select(ChangeLog.id).order_by(ChangeLog.id.desc()).limit(1)).scalar() or 0


# The incoming roster's lines ---------------------------------------------------------------------------


def test_roster_lines_take_numbers_written_as_text_and_a_blank_zone_means_none():
    lines = [("3", "4", " 0972 "), (5, 6, ""), (7, 8, "   "), (9, 10, None), (11, 12, "Z" * 20)]
    assert _clean_roster(lines) == [(3, 4, "0972"), (5, 6, None), (7, 8, None), (9, 10, None), (11, 12, "Z" * 20)]


@pytest.mark.parametrize(
    ("line", "refusal"),
    [
        ((1, 2), "A roster line is officer, unit and zone, not (1, 2)."),
        ((1, 2, None, 4), "A roster line is officer, unit and zone, not (1, 2, None, 4)."),
        (("x", 2, None), "A roster line is officer, unit and zone, not ('x', 2, None)."),
        ((1, "y", None), "A roster line is officer, unit and zone, not (1, 'y', None)."),
        ((None, 2, None), "A roster line is officer, unit and zone, not (None, 2, None)."),
        (5, "A roster line is officer, unit and zone, not 5."),
    ],
)
def test_a_roster_line_is_an_officer_a_unit_and_a_zone(line, refusal):
    with pytest.raises(ValidationError, match=exactly(refusal)) as refused:
        _clean_roster([(1, 2, None), line])
    assert refused.value.field == "roster"


def test_a_roster_zone_is_at_most_20_characters():
    with pytest.raises(ValidationError, match=exactly("The zone is 21 characters; the limit is 20.")) as refused:
        _clean_roster([(1, 2, "Z" * 21)])
    assert refused.value.field == "zone"


def test_an_empty_incoming_roster_is_refused():
    refusal = "The incoming roster is empty: sign at least one officer on to a unit."
    with pytest.raises(ValidationError, match=exactly(refusal)) as refused:
        _clean_roster(iter(()))
    assert refused.value.field == "roster"


# Names, times and notes, checked before anything is read ---------------------------------------------


@pytest.fixture
def first(db):
    """A new centre: one officer and one unit, no shift yet."""
    return db, [(officer(db, "F-1", "First Officer"), services.create_unit(db, SUPERVISOR, call_sign="CSO31").id, None)]


@pytest.mark.parametrize(
    ("fields", "field", "refusal"),
    [
        ({"name": ""}, "name", "Enter the shift name."),
        ({"name": "N" * 81}, "name", "The shift name is 81 characters; the limit is 80."),
        ({"supervisor": " "}, "supervisor", "Enter the supervisor's name."),
        ({"supervisor": "S" * 81}, "supervisor", "The supervisor's name is 81 characters; the limit is 80."),
        ({"handoff_note": "H" * 20_001}, "handoff_note", "The handoff note is 20,001 characters; the limit is 20,000."),
    ],
)
def test_names_and_the_handoff_note_are_checked_at_their_limits(first, fields, field, refusal):
    db, roster = first
    with pytest.raises(ValidationError, match=exactly(refusal)) as refused:
        swap(db, roster, **fields)
    assert refused.value.field == field
    assert shift_rows(db) == []


def test_names_of_80_characters_and_a_note_of_20000_are_accepted(first, clock):
    db, roster = first
    services.start_shift(db, SUPERVISOR, name="Day", supervisor="Sgt. Day", starts_at=clock(), ends_at=clock() + DAY)
    swap(db, roster, name=" " + "N" * 80, supervisor="S" * 80 + " ", handoff_note="H" * 20_000)
    assert [(name, sup, note) for name, _st, sup, _s, _e, note in shift_rows(db)] == [
        ("Day", "Sgt. Day", "H" * 20_000),
        ("N" * 80, "S" * 80, ""),
    ]


@pytest.mark.parametrize(
    ("starts", "ends", "field", "refusal"),
    [
        ("naive", "aware", "starts_at", "Shift times need a time zone."),
        ("aware", "naive", "starts_at", "Shift times need a time zone."),
        ("aware", dt.timedelta(0), "ends_at", "A shift must end after it starts."),
        ("aware", -MS, "ends_at", "A shift must end after it starts."),
        ("aware", DAY + MS, "ends_at", "A shift is at most 24 hours long."),
    ],
    ids=["naive-start", "naive-end", "no-length", "ends-before", "24h-and-a-millisecond"],
)
def test_shift_times_need_a_zone_and_a_length_of_at_most_24_hours(first, clock, starts, ends, field, refusal):
    db, roster = first
    aware_start = clock()
    start = aware_start if starts == "aware" else aware_start.replace(tzinfo=None)
    if isinstance(ends, dt.timedelta):
        end = aware_start + ends
    else:
        end = aware_start + HOURS_10 if ends == "aware" else (aware_start + HOURS_10).replace(tzinfo=None)
    with pytest.raises(ValidationError, match=exactly(refusal)) as refused:
        swap(db, roster, starts_at=start, ends_at=end)
    assert refused.value.field == field
    assert shift_rows(db) == []


@pytest.mark.parametrize("length", [MS, DAY], ids=["a-millisecond", "24h"])
def test_a_shift_of_a_millisecond_to_24_hours_is_accepted(first, clock, length):
    db, roster = first
    result = swap(db, roster, starts_at=clock(), ends_at=clock() + length)
    assert (result.shift.starts_at, result.shift.ends_at) == (clock(), clock() + length)


def test_a_handoff_note_of_an_incident_is_at_most_20000_characters(first, dispatcher):
    db, roster = first
    call = welfare_call(db, dispatcher)
    with pytest.raises(
        ValidationError, match=exactly("The handoff note is 20,001 characters; the limit is 20,000.")
    ) as refused:
        swap(db, roster, carry_notes={call.id: "H" * 20_001})
    assert refused.value.field == "carry_notes"
    swap(db, roster, carry_notes={call.id: "H" * 20_000})
    assert services.timeline(db, call.id)[-1].text == "Handoff: " + "H" * 20_000


# Who may change the shift ------------------------------------------------------------------------------


def test_a_dispatcher_is_refused_once_as_not_managing_shifts(first, dispatcher, clock):
    db, roster = first
    with pytest.raises(PermissionDeniedError):
        change_shift(
            db, dispatcher, name="N", supervisor="S", starts_at=clock(), ends_at=clock() + HOURS_10, roster=roster
        )
    with db.read() as s:
        refused = s.execute(select(AuditEntry).where(AuditEntry.outcome == "refused")).scalars().all()
    assert [(r.action, r.entity, r.entity_id) for r in refused] == [("manage_shift", "shift", None)]
    assert shift_rows(db) == []


def test_a_role_that_may_start_shifts_but_not_edit_the_roster_cannot_change_the_shift(first, monkeypatch):
    db, roster = first
    monkeypatch.setitem(PRIVILEGED, "edit_roster", frozenset({"admin"}))
    with pytest.raises(PermissionDeniedError):
        swap(db, roster)
    with db.read() as s:
        refused = s.execute(select(AuditEntry).where(AuditEntry.outcome == "refused")).scalars().all()
    assert [(r.action, r.entity, r.entity_id) for r in refused] == [("edit_roster", "shift", None)]
    assert shift_rows(db) == []


def test_an_account_demoted_after_the_first_checks_changes_nothing(first, monkeypatch, clock):
    db, roster = first
    actor = Actor("sup.demoted", role="supervisor", workstation="ws-sup")
    real = shift_change.authorize

    def check_then_demote(*args, **kwargs):
        real(*args, **kwargs)
        if args[2] == "edit_roster":
            with db.writer() as s, s.begin():
                s.add(User(username=actor.username, role="dispatcher", active=True, locked=False, created_at=clock()))

    monkeypatch.setattr(shift_change, "authorize", check_then_demote)
    with pytest.raises(PermissionDeniedError):
        change_shift(db, actor, name="N", supervisor="S", starts_at=clock(), ends_at=clock() + HOURS_10, roster=roster)
    assert shift_rows(db) == []


# Two supervisors at once: the outgoing shift named -----------------------------------------------------


def test_naming_the_outgoing_shift_guards_against_a_change_made_meanwhile(first, clock):
    db, roster = first
    stale = exactly("The shift was changed by someone else after you opened the shift view. Reload it and try again.")
    with pytest.raises(StaleWriteError, match=stale):
        swap(db, roster, outgoing_shift_id=1)  # the view was opened with a shift; now there is none
    day = swap(db, roster, name="Day")  # no shift named: the first shift of the centre
    with pytest.raises(StaleWriteError, match=stale):
        swap(db, roster, outgoing_shift_id=day.shift.id + 1)
    night = swap(db, roster, outgoing_shift_id=day.shift.id)
    assert night.previous is not None and night.previous.id == day.shift.id
    assert [(name, status) for name, status, *_ in shift_rows(db)] == [("Day", "closed"), ("Night", "active")]


# The incoming roster against the database --------------------------------------------------------------


@pytest.fixture
def day(db, clock, dispatcher):
    """The day shift: CSO11-13 on in zone 0971 (Officers 0-2); CSO14 exists, off shift; two night officers."""
    small_shift(db, units=3)
    services.create_unit(db, SUPERVISOR, call_sign="CSO14")
    night = [officer(db, f"N-{n}", f"Night Officer {n}") for n in range(2)]
    clock.advance(hours=8)
    return db, night


def test_an_unknown_or_inactive_officer_cannot_sign_on(day):
    db, (n0, n1) = day
    cso11 = unit_id(db, "CSO11")
    with db.writer() as s, s.begin():
        s.execute(update(Officer).where(Officer.id == n1).values(active=False))
    for ghost in (n1, 99_999):
        with pytest.raises(NotFoundError, match=exactly(f"No active officer with id {ghost}.")):
            swap(db, [(n0, cso11, None), (ghost, cso11, None)])
    assert len(shift_rows(db)) == 1


def test_an_officer_is_on_the_incoming_roster_once(day):
    db, (n0, _n1) = day
    with pytest.raises(ValidationError, match=exactly("Night Officer 0 is on the incoming roster twice.")):
        swap(db, [(n0, unit_id(db, "CSO11"), None), (n0, unit_id(db, "CSO12"), None)])


def test_a_unit_has_one_zone_but_may_be_given_it_on_each_line(day):
    db, (n0, n1) = day
    cso11 = unit_id(db, "CSO11")
    with pytest.raises(ValidationError, match=exactly("One unit is given two zones (0972 and 0973).")):
        swap(db, [(n0, cso11, "0972"), (n1, cso11, "0973")])
    result = swap(db, [(n0, cso11, "0972"), (n1, cso11, "0972")])
    assert [(u.call_sign, u.zone) for u in result.units] == [
        ("CSO11", "0972"),
        ("CSO12", "0971"),
        ("CSO13", "0971"),
    ]


@pytest.mark.parametrize("order", ["zone-first", "zone-last"])
def test_a_zone_given_on_one_line_of_a_unit_is_its_zone(day, order):
    db, (n0, n1) = day
    cso14 = unit_id(db, "CSO14")
    lines = [(n0, cso14, "0974"), (n1, cso14, None)]
    swap(db, lines if order == "zone-first" else lines[::-1])
    assert [(m.officer_name, m.call_sign, m.zone) for m in current_roster(db)] == [
        ("Night Officer 0", "CSO14", "0974"),
        ("Night Officer 1", "CSO14", "0974"),
    ]


def test_an_unknown_unit_cannot_come_on(day):
    db, (n0, _n1) = day
    with pytest.raises(NotFoundError, match=exactly("No unit with id 99999.")):
        swap(db, [(n0, 99_999, None)])


def test_units_leaving_on_incidents_are_refused_naming_the_first_by_call_sign(day, dispatcher):
    db, (n0, _n1) = day
    cso09 = services.create_unit(db, SUPERVISOR, call_sign="CSO09").id  # made last, first by call sign
    services.sign_on_unit(db, SUPERVISOR, cso09, officer_ids=[_n1])
    first_call = welfare_call(db, dispatcher, location="Plummer Park")
    second_call = welfare_call(db, dispatcher, location="West Hollywood Park")
    services.dispatch_units(db, dispatcher, first_call.id, [unit_id(db, "CSO13")])
    services.dispatch_units(db, dispatcher, second_call.id, [cso09])
    refusal = (
        f"CSO09 is still on {second_call.number}: keep it on the incoming roster, "
        "or release it or clear the incident before the shift change."
    )
    with pytest.raises(UnitBusyError, match=exactly(refusal)):
        swap(db, [(n0, unit_id(db, "CSO11"), None)])
    assert len(shift_rows(db)) == 1


@pytest.mark.parametrize(("end", "label"), [("clear", "cleared"), ("cancel", "cancelled")])
def test_a_handoff_note_on_a_closed_incident_is_refused_naming_its_status(day, dispatcher, end, label):
    db, (n0, _n1) = day
    call = welfare_call(db, dispatcher)
    if end == "clear":
        services.clear_incident(db, dispatcher, call.id, disposition="18")
    else:
        services.cancel_incident(db, dispatcher, call.id, reason="caller hung up")
    refusal = f"Incident {call.number} is {label}; only open incidents are carried over."
    with pytest.raises(InvalidTransitionError, match=exactly(refusal)):
        swap(db, [(n0, unit_id(db, "CSO11"), None)], carry_notes={call.id: "note"})
    with pytest.raises(NotFoundError, match=exactly("No incident with id 99999.")):
        swap(db, [(n0, unit_id(db, "CSO11"), None)], carry_notes={99_999: "note"})
    assert len(shift_rows(db)) == 1


# What the change leaves behind -----------------------------------------------------------------------


def test_the_change_carries_the_open_incidents_swaps_the_roster_and_records_it_all(day, clock, dispatcher):
    db, (n0, n1) = day
    start_of_day = clock() - dt.timedelta(hours=8)
    cso11, cso12, cso13, cso14 = (unit_id(db, f"CSO{n}") for n in (11, 12, 13, 14))
    later = welfare_call(db, dispatcher, location="8500 Sunset Blvd", priority=3)
    urgent = welfare_call(db, dispatcher, location="Plummer Park", priority=1)
    done = welfare_call(db, dispatcher, location="West Hollywood Park", priority=2)
    services.dispatch_units(db, dispatcher, urgent.id, [cso11])
    services.set_unit_status(db, dispatcher, cso11, "onscene")
    on_scene_since = clock()
    services.clear_incident(db, dispatcher, done.id, disposition="18")
    services.set_unit_status(db, dispatcher, cso12, "busy")  # a status-check timer runs, then it leaves
    outgoing = services.active_shift(db)
    clock.advance(minutes=30)
    now = clock()
    before_change = last_change(db)

    result = swap(
        db,
        # CSO11 stays (new crew, new zone) and keeps its incident; CSO13 stays with its crew and zone;
        # CSO14 comes on; CSO12 leaves.
        [(n0, cso11, "0972"), (n1, cso14, "0974"), (officer_of(db, "T-2"), cso13, None)],
        carry_notes={str(urgent.id): "Subject calmer", later.id: ""},
        handoff_note="Quiet afternoon",
        outgoing_shift_id=outgoing.id,
    )

    assert shift_rows(db) == [
        ("Test day shift", "closed", "Sgt. Test", start_of_day, now, "Quiet afternoon"),
        ("Night", "active", "Sgt. Night", now, None, ""),
    ]
    new_id = result.shift.id
    assert (result.shift.name, result.shift.status, result.shift.started_at) == ("Night", "active", now)
    assert (result.previous.id, result.previous.status, result.previous.ended_at) == (outgoing.id, "closed", now)
    assert [i.number for i in result.carried] == [urgent.number, later.number]
    assert {i.id: i.shift_id for i in services.get_incidents(db, [urgent.id, later.id, done.id])} == {
        urgent.id: new_id,
        later.id: new_id,
        done.id: outgoing.id,
    }
    assert (result.signed_on, result.signed_off) == (("CSO14",), ("CSO12",))

    with db.read() as s:
        units = {
            u.call_sign: (u.on_shift, u.status, u.status_since, u.check_started_at, u.zone, u.incident_id)
            for u in s.execute(select(Unit)).scalars()
        }
        roster = sorted(
            (e.shift_id, e.officer_id, e.unit_id, e.zone, e.signed_on_at, e.signed_off_at)
            for e in s.execute(select(RosterEntry)).scalars()
        )
        events = [
            (e.incident_id, e.kind, e.text, e.at)
            for e in s.execute(
                select(IncidentEvent).where(IncidentEvent.at == now).order_by(IncidentEvent.id)
            ).scalars()
        ]
        announced = s.execute(
            select(ChangeLog.kind, ChangeLog.entity_id, ChangeLog.version).where(ChangeLog.id > before_change)
        ).all()
    assert units == {
        "CSO11": (True, "onscene", on_scene_since, on_scene_since, "0972", urgent.id),
        "CSO12": (False, "off_duty", now, None, "0971", None),
        "CSO13": (True, "available", start_of_day, None, "0971", None),
        "CSO14": (True, "available", now, None, "0974", None),
    }
    day_crew = [officer_of(db, f"T-{n}") for n in range(3)]
    assert roster == sorted(
        [
            (outgoing.id, day_crew[0], cso11, "0971", start_of_day, now),
            (outgoing.id, day_crew[1], cso12, "0971", start_of_day, now),
            (outgoing.id, day_crew[2], cso13, "0971", start_of_day, now),
            (new_id, n0, cso11, "0972", now, None),
            (new_id, n1, cso14, "0974", now, None),
            (new_id, day_crew[2], cso13, None, now, None),
        ]
    )
    assert events == [
        (urgent.id, "note", "Handoff: Subject calmer", now),
        (later.id, "handoff", "Handoff: carried over to Night", now),
    ]
    versions = {u.id: u.version for u in services.get_units(db)}
    incident_versions = {i.id: i.version for i in services.get_incidents(db, [urgent.id, later.id])}
    assert sorted(announced) == sorted(
        [
            ("shift", outgoing.id, 0),
            ("timeline", urgent.id, 0),
            ("timeline", later.id, 0),
            ("unit", cso11, versions[cso11]),
            ("unit", cso12, versions[cso12]),
            ("unit", cso13, versions[cso13]),
            ("unit", cso14, versions[cso14]),
            ("incident", urgent.id, incident_versions[urgent.id]),
            ("incident", later.id, incident_versions[later.id]),
            ("shift", new_id, 0),
        ]
    )
    assert [u.call_sign for u in result.units] == ["CSO11", "CSO12", "CSO13", "CSO14"]
    assert [(u.on_shift, u.status, u.zone) for u in result.units] == [
        (True, "onscene", "0972"),
        (False, "off_duty", "0971"),
        (True, "available", "0971"),
        (True, "available", "0974"),
    ]

    (entry,) = change_audits(db)
    assert (entry.username, entry.entity, entry.entity_id, entry.outcome) == (
        SUPERVISOR.username,
        "shift",
        new_id,
        "ok",
    )
    assert entry.before == {
        "shift": {"id": outgoing.id, "name": "Test day shift", "supervisor": "Sgt. Test"},
        "units_on": ["CSO11", "CSO12", "CSO13"],
    }
    assert entry.after == {
        "id": new_id,
        "name": "Night",
        "supervisor": "Sgt. Night",
        "starts_at": now.isoformat(),
        "ends_at": (now + HOURS_10).isoformat(),
        "roster": [["N-0", "CSO11", "0972"], ["N-1", "CSO14", "0974"], ["T-2", "CSO13", None]],
        "signed_on": ["CSO14"],
        "signed_off": ["CSO12"],
        "carried": [urgent.number, later.number],
        "handoff_notes": {urgent.number: "Subject calmer"},
    }


def officer_of(db, badge: str) -> int:
    with db.read() as s:
        return s.execute(select(Officer.id).where(Officer.badge == badge)).scalar_one()


def test_units_come_on_and_go_off_in_call_sign_order(day):
    db, (n0, n1) = day
    cso09 = services.create_unit(db, SUPERVISOR, call_sign="CSO09").id  # made last, first by call sign
    services.sign_on_unit(db, SUPERVISOR, cso09, officer_ids=[n0])
    cso14 = unit_id(db, "CSO14")
    result = swap(db, [(n1, cso14, None)])
    assert result.signed_off == ("CSO09", "CSO11", "CSO12", "CSO13")
    back = swap(
        db,
        [(n0, unit_id(db, "CSO13"), None), (n1, cso14, None), (officer_of(db, "T-0"), unit_id(db, "CSO11"), None)],
    )
    assert back.signed_on == ("CSO11", "CSO13")
    (_, second) = change_audits(db)
    assert (second.after["signed_on"], second.after["signed_off"]) == (["CSO11", "CSO13"], [])
    assert second.before["units_on"] == ["CSO14"]
    first = change_audits(db)[0]
    assert result.signed_on == ("CSO14",)
    assert first.after["signed_off"] == first.before["units_on"] == ["CSO09", "CSO11", "CSO12", "CSO13"]


def test_without_a_handoff_note_the_outgoing_shift_keeps_an_empty_one(day):
    db, (n0, _n1) = day
    swap(db, [(n0, unit_id(db, "CSO11"), None)])
    assert [note for *_, note in shift_rows(db)] == ["", ""]


def test_the_first_shift_of_a_centre_closes_nothing_and_records_no_outgoing_shift(first, clock):
    db, roster = first
    result = swap(db, roster)
    assert result.previous is None and result.signed_off == () and result.signed_on == ("CSO31",)
    (entry,) = change_audits(db)
    assert entry.before == {"shift": None, "units_on": []}


# The roster now and the zones used --------------------------------------------------------------------


def test_the_roster_now_lists_officers_signed_on_in_the_active_shift_by_unit_then_name(day, db):
    _db, (n0, n1) = day
    assert [(m.call_sign, m.officer_name, m.badge, m.zone) for m in current_roster(db)] == [
        ("CSO11", "Officer 0", "T-0", "0971"),
        ("CSO12", "Officer 1", "T-1", "0971"),
        ("CSO13", "Officer 2", "T-2", "0971"),
    ]
    services.sign_off_unit(db, SUPERVISOR, unit_id(db, "CSO12"))
    cso14 = unit_id(db, "CSO14")
    # Two officers in one unit, named in the other order; no zone on their lines: the unit's zone.
    services.sign_on_unit(db, SUPERVISOR, cso14, officer_ids=[n1, n0])
    with db.writer() as s, s.begin():
        s.execute(update(Unit).where(Unit.id == cso14).values(zone="0974"))
    roster = current_roster(db)
    assert [(m.call_sign, m.officer_name, m.zone) for m in roster] == [
        ("CSO11", "Officer 0", "0971"),
        ("CSO13", "Officer 2", "0971"),
        ("CSO14", "Night Officer 0", "0974"),
        ("CSO14", "Night Officer 1", "0974"),
    ]
    assert [(m.officer_id, m.unit_id) for m in roster[2:]] == [(n0, cso14), (n1, cso14)]


def test_the_roster_now_leaves_out_closed_shifts_and_units_not_on_shift(day, db):
    _db, _night = day
    with db.writer() as s, s.begin():
        s.execute(update(Unit).where(Unit.call_sign == "CSO13").values(on_shift=False))
    assert [m.call_sign for m in current_roster(db)] == ["CSO11", "CSO12"]
    with db.writer() as s, s.begin():
        s.execute(update(RosterEntry).where(RosterEntry.unit_id == unit_id(db, "CSO12")).values(signed_on_at=None))
    assert [m.call_sign for m in current_roster(db)] == ["CSO11"]
    services.close_shift(db, SUPERVISOR, services.active_shift(db).id)
    assert current_roster(db) == []


def test_known_zones_are_those_of_units_incidents_and_rosters_once_each_sorted(db, dispatcher):
    assert known_zones(db) == []
    small_shift(db, units=1)  # unit and roster line in 0971
    services.create_unit(db, SUPERVISOR, call_sign="CSO20", zone="0990")
    services.create_unit(db, SUPERVISOR, call_sign="CSO21", zone="")
    welfare_call(db, dispatcher, zone="0965")
    welfare_call(db, dispatcher, zone="0965")
    with db.writer() as s, s.begin():
        s.execute(update(RosterEntry).values(zone="0980"))
    assert known_zones(db) == ["0965", "0971", "0980", "0990"]
