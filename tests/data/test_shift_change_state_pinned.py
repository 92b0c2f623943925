"""What the shift-change view shows before the change: the outgoing shift, what it carries over, who is on."""

from __future__ import annotations

import datetime as dt

from data import services
from data.services.shift_change_state import load_shift_change
from tests.data.helpers import SUPERVISOR, small_shift, welfare_call


def test_before_the_first_shift_open_calls_are_carried_most_urgent_then_oldest_first(db, clock, dispatcher):
    early = clock() - dt.timedelta(minutes=30)
    p2_old = welfare_call(db, dispatcher, location="8500 Sunset Blvd", priority=2, received_at=early)
    p2_new = welfare_call(
        db, dispatcher, location="Plummer Park", priority=2, received_at=early + dt.timedelta(minutes=5)
    )
    p1_newest = welfare_call(
        db, dispatcher, location="West Hollywood Park", priority=1, received_at=early + dt.timedelta(minutes=9)
    )
    p2_first = welfare_call(
        db, dispatcher, location="900 N La Brea Ave", priority=2, received_at=early - dt.timedelta(minutes=1)
    )
    cleared = welfare_call(db, dispatcher, location="1200 N Vista St", priority=1)
    services.clear_incident(db, dispatcher, cleared.id, disposition="18")
    clock.advance(minutes=10)

    state = load_shift_change(db)

    assert (state.shift, state.summary, state.roster, state.zones) == (None, None, (), ())
    assert [(c.incident.number, c.last_note, c.last_note_at, c.last_note_by) for c in state.carried] == [
        (p1_newest.number, "", None, ""),
        (p2_first.number, "", None, ""),
        (p2_old.number, "", None, ""),
        (p2_new.number, "", None, ""),
    ]


def test_during_a_shift_the_view_shows_its_summary_units_officers_roster_and_zones(db, dispatcher):
    small_shift(db, units=2)
    spare = services.create_unit(db, SUPERVISOR, call_sign="CSO20", zone="0990")
    call = welfare_call(db, dispatcher, priority=2)

    state = load_shift_change(db)

    active = services.active_shift(db)
    assert state.shift == active and state.summary is not None and state.summary.shift.id == active.id
    assert state.carried == state.summary.carried_over
    assert [c.incident.number for c in state.carried] == [call.number]
    assert [u.call_sign for u in state.units] == ["CSO11", "CSO12", "CSO20"]
    assert state.units[2] == spare
    assert [(o.badge, o.name) for o in state.officers] == [("T-0", "Officer 0"), ("T-1", "Officer 1")]
    assert [(m.call_sign, m.officer_name, m.zone) for m in state.roster] == [
        ("CSO11", "Officer 0", "0971"),
        ("CSO12", "Officer 1", "0971"),
    ]
    assert state.zones == ("0971", "0990")
    assert isinstance(state.units, tuple) and isinstance(state.officers, tuple)
    assert isinstance(state.roster, tuple) and isinstance(state.zones, tuple)
