"""change_shift: one transaction that carries open incidents over and swaps the roster, or writes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from data import services
from data.errors import (
    InvalidTransitionError,
    PermissionDeniedError,
    StaleWriteError,
    UnitBusyError,
    ValidationError,
)
from data.models import AuditEntry, IncidentEvent, RosterEntry
from data.services.shift_change import change_shift, current_roster, known_zones
from data.services.shift_change_state import load_shift_change
from tests.data.helpers import SUPERVISOR, small_shift, welfare_call


def counts(db) -> tuple[int, int, int]:
    with db.read() as s:
        return (
            s.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.outcome == "ok")),
            s.scalar(select(func.count()).select_from(IncidentEvent)),
            s.scalar(select(func.count()).select_from(RosterEntry)),
        )


@pytest.fixture
def handover(any_db, clock, dispatcher):
    """Three units on; an incident on scene with CSO11, one pending, one cleared; two fresh officers."""
    db = any_db
    u1, u2, u3 = small_shift(db)
    busy = welfare_call(db, dispatcher, location="Plummer Park")
    services.dispatch_units(db, dispatcher, busy.id, [u1])
    services.set_unit_status(db, dispatcher, u1, "onscene")
    waiting = welfare_call(db, dispatcher, location="8500 Sunset Blvd")
    done = welfare_call(db, dispatcher, location="West Hollywood Park")
    services.dispatch_units(db, dispatcher, done.id, [u2])
    services.clear_incident(db, dispatcher, done.id, disposition="18")
    fresh = [services.create_officer(db, SUPERVISOR, badge=f"N-{n}", name=f"Night Officer {n}") for n in range(2)]
    clock.advance(hours=8)
    return db, (u1, u2, u3), (busy, waiting, done), fresh


def swap(db, roster, **extra):
    now = db.clock()
    fields = {
        "name": "Swing shift",
        "supervisor": "Sgt. Night",
        "starts_at": now,
        "ends_at": now + dt.timedelta(hours=10),
        "roster": roster,
    }
    fields.update(extra)
    return change_shift(db, SUPERVISOR, **fields)


def test_shift_change_carries_incidents_and_swaps_the_roster(handover, dispatcher):
    db, (u1, _u2, u3), (busy, waiting, done), fresh = handover
    outgoing = services.active_shift(db)
    old_crew = {m.officer_id for m in current_roster(db) if m.unit_id == u1}

    result = swap(
        db,
        # CSO11 stays on (new crew) and keeps its incident; CSO13 comes on with the other officer; CSO12 leaves.
        [(fresh[0].id, u1, "0972"), (fresh[1].id, u3, "0973")],
        carry_notes={busy.id: "Subject calmer; DMH team due at 17:30", waiting.id: ""},
        handoff_note="Quiet afternoon; watch the park.",
        outgoing_shift_id=outgoing.id,
    )

    assert result.previous.id == outgoing.id and result.previous.status == "closed"
    new = services.active_shift(db)
    assert new.id == result.shift.id and new.name == "Swing shift" and new.supervisor == "Sgt. Night"
    assert {i.number for i in result.carried} == {busy.number, waiting.number}
    assert all(i.shift_id == new.id and i.is_open for i in services.get_incidents(db, [busy.id, waiting.id]))
    assert services.get_incident(db, done.id).shift_id == outgoing.id
    assert result.signed_off == ("CSO12",) and result.signed_on == ()
    units = {u.call_sign: u for u in services.get_units(db)}
    assert units["CSO11"].status == "onscene" and units["CSO11"].incident_id == busy.id
    assert units["CSO11"].officers == ("Night Officer 0",) and units["CSO11"].zone == "0972"
    assert units["CSO12"].on_shift is False and units["CSO12"].status == "off_duty"
    assert units["CSO13"].officers == ("Night Officer 1",) and units["CSO13"].zone == "0973"
    assert {m.officer_id for m in current_roster(db)} == {fresh[0].id, fresh[1].id}
    assert not old_crew & {m.officer_id for m in current_roster(db)}

    busy_events = services.timeline(db, busy.id)
    assert busy_events[-1].kind == "note" and busy_events[-1].text == "Handoff: Subject calmer; DMH team due at 17:30"
    assert services.timeline(db, waiting.id)[-1].text == "Handoff: carried over to Swing shift"
    with db.read() as s:
        entry = s.execute(select(AuditEntry).where(AuditEntry.action == "change_shift")).scalar_one()
    assert entry.after["signed_off"] == ["CSO12"] and entry.after["handoff_notes"] == {
        busy.number: "Subject calmer; DMH team due at 17:30"
    }
    assert entry.before["units_on"] == ["CSO11", "CSO12", "CSO13"]
    # The shift report of the outgoing shift keeps the supervisor's note.
    from data.shift_summary import shift_summary

    assert shift_summary(db, outgoing.id).handoff_note == "Quiet afternoon; watch the park."


def test_signed_off_units_cannot_be_dispatched(handover, dispatcher):
    db, (u1, u2, u3), (_busy, waiting, _done), fresh = handover
    swap(db, [(fresh[0].id, u1, None), (fresh[1].id, u3, None)])
    with pytest.raises(UnitBusyError, match="CSO12 is not signed on"):
        services.dispatch_units(db, dispatcher, waiting.id, [u2])
    assert services.get_incident(db, waiting.id).status == "pending"
    assert services.dispatch_units(db, dispatcher, waiting.id, [u3]).units == ("CSO13",)


def test_a_unit_leaving_on_an_incident_is_refused_and_nothing_is_written(handover):
    db, (u1, u2, _u3), (busy, _waiting, _done), fresh = handover
    before_shift = services.active_shift(db)
    before = counts(db)
    with pytest.raises(UnitBusyError, match=f"CSO11 is still on {busy.number}"):
        swap(db, [(fresh[0].id, u2, None)], carry_notes={busy.id: "should not be written"})
    assert counts(db) == before
    assert services.active_shift(db) == before_shift
    assert services.get_incident(db, busy.id).shift_id == before_shift.id
    assert services.get_units(db, [u1])[0].on_shift


@pytest.mark.parametrize(
    ("roster", "extra", "error", "message"),
    [
        ("empty", {}, ValidationError, "roster is empty"),
        ("twice", {}, ValidationError, "twice"),
        ("two zones", {}, ValidationError, "two zones"),
        ("ghost officer", {}, Exception, "No active officer"),
        ("ok", {"name": " "}, ValidationError, "shift name"),
        ("ok", {"ends_at": "before"}, ValidationError, "end after it starts"),
        ("ok", {"ends_at": "too long"}, ValidationError, "at most 24 hours"),
        ("ok", {"carry_notes": "closed"}, InvalidTransitionError, "only open incidents"),
        ("ok", {"outgoing_shift_id": 9999}, StaleWriteError, "changed by someone else"),
    ],
)
def test_bad_shift_changes_are_refused_whole(handover, roster, extra, error, message):
    db, (u1, _u2, u3), (_busy, _waiting, done), fresh = handover
    now = db.clock()
    lines = {
        "twice": [(fresh[0].id, u1, None), (fresh[0].id, u3, None)],
        "two zones": [(fresh[0].id, u1, "0971"), (fresh[1].id, u1, "0972")],
        "ghost officer": [(fresh[0].id, u1, None), (99999, u3, None)],
        "ok": [(fresh[0].id, u1, None)],
        "empty": [],
    }[roster]
    fields = dict(extra)
    if fields.get("ends_at") == "before":
        fields["ends_at"] = now - dt.timedelta(hours=1)
    elif fields.get("ends_at") == "too long":
        fields["ends_at"] = now + dt.timedelta(hours=30)
    if fields.get("carry_notes") == "closed":
        fields["carry_notes"] = {done.id: "already cleared"}
    before = counts(db)
    with pytest.raises(error, match=message):
        swap(db, lines, **fields)
    assert counts(db) == before


def test_only_supervisors_change_shifts(handover, dispatcher):
    db, (u1, *_), _incidents, fresh = handover
    now = db.clock()
    with pytest.raises(PermissionDeniedError):
        change_shift(
            db,
            dispatcher,
            name="Mine",
            supervisor="Nobody",
            starts_at=now,
            ends_at=now + dt.timedelta(hours=8),
            roster=[(fresh[0].id, u1, None)],
        )
    with db.read() as s:
        refused = s.execute(select(AuditEntry).where(AuditEntry.outcome == "refused")).scalars().all()
    assert [r.action for r in refused] == ["manage_shift"]


def test_first_shift_of_a_new_centre(db, clock):
    officer = services.create_officer(db, SUPERVISOR, badge="F-1", name="First Officer")
    unit = services.create_unit(db, SUPERVISOR, call_sign="CSO31")
    result = swap(db, [(officer.id, unit.id, "0975")])
    assert result.previous is None and result.signed_on == ("CSO31",)
    assert services.get_units(db, [unit.id])[0].status == "available"
    assert "0975" in known_zones(db)


def test_the_shift_change_reads_the_outgoing_shift_in_one_call(handover):
    db, (u1, u2, u3), (busy, waiting, _done), _fresh = handover
    state = load_shift_change(db)
    assert state.shift == services.active_shift(db) and state.summary is not None
    assert state.carried == state.summary.carried_over
    assert {c.incident.id for c in state.carried} == {busy.id, waiting.id}
    assert {u.id for u in state.units} >= {u1, u2, u3}
    assert state.roster == tuple(current_roster(db)) and state.zones == tuple(known_zones(db))
    assert {o.id for o in state.officers} == {o.id for o in services.officers(db)}


def test_before_the_first_shift_the_open_incidents_come_from_the_board(db, dispatcher):
    later = welfare_call(db, dispatcher, location="8500 Sunset Blvd", priority=3)
    urgent = welfare_call(db, dispatcher, location="Plummer Park", priority=1)
    state = load_shift_change(db)
    assert state.shift is None and state.summary is None and state.roster == ()
    assert [c.incident.id for c in state.carried] == [urgent.id, later.id]
    assert all(c.last_note == "" and c.last_note_at is None for c in state.carried)
