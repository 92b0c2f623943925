"""Shift figures: counts, interval statistics against targets, carry-overs and per-unit activity."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from console.benchmarks.paperwork import populate_shift
from data import services
from data.records import OPEN_STATUSES
from data.shift_summary import interval_stats, percentile, shift_summary
from tests.data.helpers import NO_SCREENING


def test_percentile_interpolates_like_the_usual_definition():
    assert percentile([], 0.5) is None
    assert percentile([10], 0.9) == 10
    assert percentile([1, 2, 3, 4], 0.5) == 2.5
    assert percentile(list(range(1, 11)), 0.9) == pytest.approx(9.1)


def test_intervals_are_checked_against_the_city_targets(db, clock, dispatcher, supervisor):
    unit = services.create_unit(db, supervisor, call_sign="CSO1")
    officer = services.create_officer(db, supervisor, badge="C1", name="Ana")
    services.start_shift(
        db, supervisor, name="Day", supervisor="Sgt", starts_at=clock(), ends_at=clock() + dt.timedelta(hours=8)
    )
    services.sign_on_unit(db, supervisor, unit.id, officer_ids=[officer.id])
    inc = services.create_incident(db, dispatcher, screening=NO_SCREENING, call_type="NOISE", location="A")
    clock.advance(seconds=50)
    services.dispatch_units(db, dispatcher, inc.id, [unit.id])
    clock.advance(seconds=30)
    services.set_unit_status(db, dispatcher, unit.id, "enroute")
    clock.advance(seconds=400)
    services.set_unit_status(db, dispatcher, unit.id, "onscene")
    clock.advance(seconds=900)
    done = services.clear_incident(db, dispatcher, inc.id, disposition="18")
    stats = {s.key: s for s in interval_stats([done], db.pack.targets)}
    assert (stats["queue"].median_s, stats["queue"].target_s, stats["queue"].met) == (50, 60, True)
    assert (stats["travel"].median_s, stats["travel"].met) == (400, True)
    assert (stats["onscene"].median_s, stats["onscene"].met) == (900, True)
    slow = dataclasses.replace(done, dispatched_at=done.received_at + dt.timedelta(seconds=90))
    assert {s.key: s for s in interval_stats([slow], db.pack.targets)}["queue"].met is False
    assert {s.key: s.met for s in interval_stats([], db.pack.targets)} == {
        "queue": None,
        "travel": None,
        "onscene": None,
    }


def test_summary_of_a_simulated_shift_adds_up(db, clock):
    populated = populate_shift(db, clock, incidents=30, hours=8, leave_open=3)
    s = shift_summary(db, populated.shift_id)
    assert s.incidents == 30
    assert sum(c.count for c in s.by_call_type) == 30
    assert sum(c.count for c in s.by_disposition) == 30
    assert sum(c.count for c in s.by_hour) == 30
    assert s.by_hour[0].label.endswith(":00")
    assert len(s.carried_over) >= 3
    assert all(c.incident.status in OPEN_STATUSES for c in s.carried_over)
    assert all(c.last_note for c in s.carried_over)
    assert s.citations_issued == len(populated.citation_numbers)
    assert s.fines_dollars == sum(c.total_dollars for c in s.citations)
    assert s.referrals_made == s.welfare_checks
    assert s.referrals_made >= s.referrals_accepted + s.referrals_declined
    assert sum(a.made for a in s.referrals_by_agency) == s.referrals_made
    assert {u.call_sign for u in s.units} == {"CSO1", "CSO2", "CSO3", "CSO4"}
    assert sum(u.incidents for u in s.units) >= 27
    assert all(u.officers for u in s.units)
    assert sum(u.citations for u in s.units) == s.citations_issued
    queue = next(i for i in s.intervals if i.key == "queue")
    # Officer-initiated work is counted apart: only calls have a queue interval.
    assert queue.count == 30 - s.self_initiated and queue.median_s is not None and queue.p90_s >= queue.median_s
