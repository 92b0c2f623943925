"""Dashboard statistics equal hand-computed values on a fixed day of calls (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest

from data import services
from data.errors import ValidationError
from data.permissions import Actor
from data.services.referrals import add_referral
from data.services.self_initiated import start_self_initiated
from data.services.welfare import record_welfare_check
from data.statistics import statistics, stats_csv
from tests.data.helpers import NO_SCREENING, small_shift

LA = ZoneInfo("America/Los_Angeles")
DAY_START = dt.datetime(2026, 11, 26, tzinfo=LA)  # 08:00 UTC
DAY_END = dt.datetime(2026, 11, 27, tzinfo=LA)
ADMIN = Actor("admin1", role="admin", workstation="ws-admin")


def at(clock, hour: int, minute: int = 0, second: int = 0, day: int = 26) -> None:
    clock.now = dt.datetime(2026, 11, day, hour, minute, second, tzinfo=dt.UTC)


def worked(db, clock, actor, unit_id, *, received, dispatched, enroute, onscene, cleared, disposition, **fields):
    """A call worked start to finish at the given UTC (hour, minute) moments; enroute may be None."""
    at(clock, *received)
    inc = services.create_incident(db, actor, screening=NO_SCREENING, **fields)
    at(clock, *dispatched)
    services.dispatch_units(db, actor, inc.id, [unit_id])
    if enroute is not None:
        at(clock, *enroute)
        services.set_unit_status(db, actor, unit_id, "enroute")
    at(clock, *onscene)
    services.set_unit_status(db, actor, unit_id, "onscene")
    at(clock, *cleared)
    services.clear_incident(db, actor, inc.id, disposition=disposition)
    return inc


@pytest.fixture
def day(any_db, clock, dispatcher):
    """The fixed data set; every figure the tests expect is worked out by hand in the comments."""
    db = any_db
    at(clock, 15, 0)
    u1, u2, u3 = small_shift(db)
    services.seed_directory(db, ADMIN)
    # 1: welfare check, queue 60 s, travel 300 s, on scene 1200 s.
    first = worked(
        db, clock, dispatcher, u1,
        received=(16, 0), dispatched=(16, 1), enroute=(16, 2), onscene=(16, 7), cleared=(16, 27),
        disposition="18", call_type="WELFARE", location="100 Main St", zone="0971", caller_name="Ivy Chen",
    )  # fmt: skip
    # 2: same place and caller, spelled differently: queue 120, travel 600, on scene 1800.
    worked(
        db, clock, dispatcher, u2,
        received=(17, 0), dispatched=(17, 2), enroute=(17, 3), onscene=(17, 13), cleared=(17, 43),
        disposition="18", call_type="NOISE", location=" 100 main st ", zone="0971", caller_name="ivy  chen",
    )  # fmt: skip
    # 3: queue 180, travel 120, on scene 600; citation issued.
    third = worked(
        db, clock, dispatcher, u1,
        received=(18, 0), dispatched=(18, 3), enroute=(18, 4), onscene=(18, 6), cleared=(18, 16),
        disposition="04", call_type="NOISE", location="200 Oak Ave", zone="0972", caller_name="Bob Stone",
    )  # fmt: skip
    # 4: queue 240, straight to on scene (no travel figure), on scene 600; no zone, no caller.
    worked(
        db, clock, dispatcher, u3,
        received=(19, 0), dispatched=(19, 4), enroute=None, onscene=(19, 10), cleared=(19, 20),
        disposition="15", call_type="OUTREACH", location="300 Pine St",
    )  # fmt: skip
    # 5: cancelled before dispatch (disposition 10), third call at 100 Main St.
    at(clock, 20, 0)
    fifth = services.create_incident(
        db,
        dispatcher,
        screening=NO_SCREENING,
        call_type="WELFARE",
        location="100 Main St",
        zone="0971",
        caller_name="Ann Lee",
    )
    at(clock, 20, 5)
    services.cancel_incident(db, dispatcher, fifth.id, reason="Caller called back")
    # 7: handed to LASD.
    at(clock, 21, 0)
    seventh = services.create_incident(
        db, dispatcher, screening=NO_SCREENING, call_type="MNTL", location="400 Elm Dr", zone="0973"
    )
    services.transfer_to_sheriff(db, dispatcher, seventh.id, note="Weapon mentioned")
    # 8: dispatched after 300 s and still open; 9: its duplicate, merged.
    at(clock, 22, 0)
    eighth = services.create_incident(
        db,
        dispatcher,
        screening=NO_SCREENING,
        call_type="WELFARE",
        location="500 Birch Ln",
        zone="0972",
        caller_name="Bob Stone",
    )
    at(clock, 22, 5)
    services.dispatch_units(db, dispatcher, eighth.id, [u2])
    at(clock, 22, 6)
    dup = services.create_incident(
        db,
        dispatcher,
        screening=NO_SCREENING,
        call_type="WELFARE",
        location="500 Birch Ln",
        zone="0972",
        caller_name="Carl Dup",
    )
    services.merge_duplicate(db, dispatcher, duplicate_id=dup.id, into_id=eighth.id)
    # Officer-initiated: a 30-minute safety audit (cleared) and an education visit still going.
    at(clock, 23, 0)
    audit = start_self_initiated(db, dispatcher, unit_id=u3, call_type="AUDIT", location="Plummer Park")
    at(clock, 23, 10)
    start_self_initiated(db, dispatcher, unit_id=u1, call_type="EDUCATE", location="West Hollywood Library")
    at(clock, 23, 30)
    services.clear_incident(db, dispatcher, audit.id, disposition="13")
    # Welfare-check subjects: Mary Major twice (spelled two ways), one who declined a name.
    record_welfare_check(db, dispatcher, incident_id=first.id, subject_name="Mary Major")
    record_welfare_check(db, dispatcher, incident_id=eighth.id, subject_name="MARY  MAJOR")
    record_welfare_check(db, dispatcher, incident_id=fifth.id, subject_declined=True)
    follow = dt.date(2026, 11, 30)
    add_referral(db, dispatcher, incident_id=first.id, agency_key="dmh", outcome="accepted")
    add_referral(db, dispatcher, incident_id=first.id, agency_key="988", outcome="offered")
    add_referral(db, dispatcher, incident_id=third.id, agency_key="dmh", outcome="declined")
    add_referral(db, dispatcher, incident_id=eighth.id, agency_key="la_hop", outcome="declined", follow_up_on=follow)
    # The next local day (01:00 PST): outside the range, counted nowhere.
    at(clock, 9, 0, day=27)
    late = services.create_incident(
        db,
        dispatcher,
        screening=NO_SCREENING,
        call_type="NOISE",
        location="100 Main St",
        zone="0971",
        caller_name="Ivy Chen",
    )
    add_referral(db, dispatcher, incident_id=late.id, agency_key="dmh", outcome="accepted")
    return statistics(db, DAY_START, DAY_END)


def counts(items) -> dict[str, int]:
    return {c.key: c.count for c in items}


def test_call_totals_and_breakdowns(day):
    assert (day.calls, day.duplicates, day.transferred, day.cancelled, day.still_open) == (8, 1, 1, 1, 1)
    assert counts(day.by_type) == {"WELFARE": 4, "NOISE": 2, "OUTREACH": 1, "MNTL": 1}
    assert day.by_type[0].label == "Welfare check"
    assert counts(day.by_zone) == {"0971": 3, "0972": 3, "0973": 1, "": 1}
    assert {c.key: c.label for c in day.by_zone}[""] == "No zone"
    assert counts(day.by_disposition) == {"18": 2, "04": 1, "15": 2, "10": 1, "open": 1, "22": 1}
    hours = counts(day.by_hour)
    assert len(hours) == 24 and sum(hours.values()) == 8
    assert {h: n for h, n in hours.items() if n} == {"08": 1, "09": 1, "10": 1, "11": 1, "12": 1, "13": 1, "14": 2}
    assert [(c.key, c.count) for c in day.by_day] == [("2026-11-26", 8)]
    assert day.welfare_checks == 3


def test_intervals_median_and_p90_against_targets(day):
    got = {i.key: (i.count, i.median_s, i.p90_s, i.met) for i in day.intervals}
    # Queue 60,120,180,240,300: median 180; p90 at position 3.6 -> 240 + 0.6 * 60 = 276 (> 60 s target).
    assert got["queue"] == (5, 180.0, 276.0, False)
    # Travel 120,300,600 (call 4 had no en route): median 300; p90 at 1.8 -> 300 + 0.8 * 300 = 540.
    assert got["travel"] == (3, 300.0, 540.0, True)
    # On scene 600,600,1200,1800: median 900; p90 at 2.7 -> 1200 + 0.7 * 600 = 1620.
    assert got["onscene"] == (4, 900.0, 1620.0, True)
    assert [i.target_on for i in day.intervals] == ["p90", "median", "median"]


def test_officer_initiated_work_is_counted_apart(day):
    assert day.self_initiated == 2
    assert counts(day.self_initiated_by_type) == {"AUDIT": 1, "EDUCATE": 1}
    assert day.self_initiated_hours == 0.5
    assert "AUDIT" not in counts(day.by_type)


def test_referrals_repeat_locations_and_people(day):
    assert (day.referrals_made, day.referrals_accepted, day.referrals_declined) == (4, 1, 2)
    assert [(a.key, a.made, a.accepted, a.declined) for a in day.referrals_by_agency] == [
        ("dmh", 2, 1, 1),
        ("988", 1, 0, 0),
        ("la_hop", 1, 0, 1),
    ]
    # 100 Main St three times (case and spaces ignored); 500 Birch Ln's second call was a duplicate.
    assert day.repeat_location_count == 1
    assert [(r.location, r.count) for r in day.repeat_locations] == [("100 Main St", 3)]
    # Ivy Chen (caller twice), Bob Stone (caller twice), Mary Major (subject twice), Ann Lee once.
    assert (day.people_served, day.people_served_repeatedly) == (4, 3)
    assert [(p.name, p.count) for p in day.repeat_people] == [("Bob Stone", 2), ("Ivy Chen", 2), ("Mary Major", 2)]


def test_csv_export_has_every_section(day):
    rows = list(csv.DictReader(io.StringIO(stats_csv(day))))
    by = {(r["section"], r["key"], r["measure"]): r["value"] for r in rows}
    assert by[("totals", "calls", "count")] == "8"
    assert by[("calls_by_type", "WELFARE", "count")] == "4"
    assert by[("intervals", "queue", "p90_s")] == "276.0"
    assert by[("intervals", "queue", "target_met")] == "no"
    assert by[("referrals_by_agency", "dmh", "declined")] == "1"
    assert by[("self_initiated_by_type", "AUDIT", "count")] == "1"
    assert any(r["section"] == "people_served_repeatedly" and r["label"] == "Mary Major" for r in rows)


def test_empty_range_and_bad_ranges(db):
    empty = statistics(db, DAY_START, DAY_END)
    assert empty.calls == 0 and all(i.median_s is None and i.met is None for i in empty.intervals)
    assert empty.repeat_locations == () and empty.people_served == 0
    with pytest.raises(ValidationError):
        statistics(db, DAY_END, DAY_START)
    with pytest.raises(ValidationError):
        statistics(db, dt.datetime(2026, 11, 26), dt.datetime(2026, 11, 27))
