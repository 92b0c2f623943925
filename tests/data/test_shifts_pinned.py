"""Which shift a report means, the period it covers and the jurisdiction's day, at each boundary."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import insert, select
from sqlalchemy.orm import aliased

from data import services
from data.errors import NotFoundError, ValidationError
from data.models import Incident, IncidentEvent, Shift
from data.records import ShiftRecord
from data.services.shifts import local_date, of_shift, recent_shifts, resolve_shift, shift_window
from tests.data.helpers import SUPERVISOR, welfare_call

UTC = dt.UTC
MS = dt.timedelta(milliseconds=1)
T = dt.datetime(2026, 11, 26, 6, 0, tzinfo=UTC)  # the planned start of the shifts below


def exactly(message: str) -> str:
    return f"^{re.escape(message)}$"


def at(hours: float) -> dt.datetime:
    return T + dt.timedelta(hours=hours)


# The jurisdiction's day: West Hollywood is on Pacific time --------------------------------------------


@pytest.mark.parametrize(
    ("moment", "day"),
    [
        (dt.datetime(2026, 11, 27, 7, 59, 59, 999000, tzinfo=UTC), dt.date(2026, 11, 26)),  # 23:59:59.999 PST
        (dt.datetime(2026, 11, 27, 8, 0, tzinfo=UTC), dt.date(2026, 11, 27)),  # midnight PST
        (dt.datetime(2026, 7, 4, 6, 59, 59, 999000, tzinfo=UTC), dt.date(2026, 7, 3)),  # 23:59:59.999 PDT
        (dt.datetime(2026, 7, 4, 7, 0, tzinfo=UTC), dt.date(2026, 7, 4)),  # midnight PDT
    ],
)
def test_the_day_of_a_moment_is_the_day_in_west_hollywood(db, moment, day):
    assert local_date(db, moment) == day


# The period a shift covers -----------------------------------------------------------------------------


def shift(status: str, *, started: float | None, ended: float | None = None, ends: float = 10) -> ShiftRecord:
    return ShiftRecord(
        id=1,
        name="Day",
        status=status,
        supervisor="Sgt. Day",
        starts_at=T,
        ends_at=at(ends),
        started_at=None if started is None else at(started),
        ended_at=None if ended is None else at(ended),
    )


@pytest.mark.parametrize(
    ("record", "now", "window"),
    [
        # From the planned start or the actual one, whichever came first.
        (shift("active", started=0.5), at(1), (at(0), at(10))),
        (shift("active", started=-0.5), at(1), (at(-0.5), at(10))),
        (shift("active", started=None), at(1), (at(0), at(10))),
        # An active shift runs to its planned end, or to now while it overruns.
        (shift("active", started=0), at(10) - MS, (at(0), at(10))),
        (shift("active", started=0), at(10), (at(0), at(10))),
        (shift("active", started=0), at(10) + MS, (at(0), at(10) + MS)),
        # An ended shift ran to its end, early or late, whatever the time now.
        (shift("closed", started=0, ended=9), at(12), (at(0), at(9))),
        (shift("closed", started=0, ended=11), at(12), (at(0), at(11))),
        (shift("active", started=0, ended=9), at(12), (at(0), at(9))),
        # A shift neither active nor ended (planned) covers its planned hours only.
        (shift("planned", started=None), at(12), (at(0), at(10))),
    ],
)
def test_a_shift_covers_its_start_to_its_end_or_to_now_while_it_overruns(record, now, window):
    assert shift_window(record, now) == window


# Naming a shift ----------------------------------------------------------------------------------------


def start(db, name: str) -> ShiftRecord:
    now = db.clock()
    return services.start_shift(
        db, SUPERVISOR, name=name, supervisor="Sgt. Ruiz", starts_at=now, ends_at=now + dt.timedelta(hours=10)
    )


@pytest.mark.parametrize("which", ["current", "active", "", " Current ", "ACTIVE", "   "])
def test_current_active_or_nothing_names_the_active_shift(db, which):
    day = start(db, "Day")
    services.close_shift(db, SUPERVISOR, day.id)
    night = start(db, "Night")
    assert resolve_shift(db, which) == night


def test_without_an_active_shift_current_is_not_found(db):
    with pytest.raises(NotFoundError, match=exactly("There is no active shift.")):
        resolve_shift(db, "current")
    day = start(db, "Day")
    services.close_shift(db, SUPERVISOR, day.id)
    with pytest.raises(NotFoundError, match=exactly("There is no active shift.")):
        resolve_shift(db, "current")


@pytest.mark.parametrize("form", [int, str, lambda n: f" {n} "])
def test_a_shift_is_named_by_its_number_active_or_closed(db, form):
    day = start(db, "Day")
    night = start(db, "Night")
    closed = resolve_shift(db, form(day.id))
    assert (closed.id, closed.name, closed.status, closed.ended_at) == (day.id, "Day", "closed", db.clock())
    assert resolve_shift(db, form(night.id)) == night


def test_an_unknown_shift_number_is_not_found(db):
    start(db, "Day")
    with pytest.raises(NotFoundError, match=exactly("No shift 99.")):
        resolve_shift(db, 99)
    with pytest.raises(NotFoundError, match=exactly("No shift 99.")):
        resolve_shift(db, "99")


def test_a_shift_named_by_neither_number_nor_current_is_refused(db):
    start(db, "Day")
    refusal = """Name a shift by its number or 'current', not "yesterday's night sh"."""
    with pytest.raises(ValidationError, match=exactly(refusal)) as refused:
        resolve_shift(db, "yesterday's night shift")
    assert refused.value.field == "shift"


# Choosing a shift to print -----------------------------------------------------------------------------


def test_recent_shifts_are_newest_first_by_planned_start_then_number(db):
    with db.writer() as s, s.begin():
        s.execute(
            insert(Shift),
            [
                {"name": name, "status": "closed", "supervisor": "", "starts_at": at(h), "ends_at": at(h + 8)}
                for name, h in [("B", 8), ("A", 0), ("C", 16), ("C-again", 16)]
            ],
        )
    assert [s.name for s in recent_shifts(db)] == ["C-again", "C", "B", "A"]
    assert [s.name for s in recent_shifts(db, limit=2)] == ["C-again", "C"]


@pytest.mark.parametrize(("count", "listed"), [(60, 60), (61, 60)])
def test_recent_shifts_list_at_most_sixty(db, count, listed):
    with db.writer() as s, s.begin():
        s.execute(
            insert(Shift),
            [
                {"name": f"S{n}", "status": "closed", "supervisor": "", "starts_at": at(n), "ends_at": at(n + 1)}
                for n in range(count)
            ],
        )
    shifts = recent_shifts(db)
    assert len(shifts) == listed
    assert (shifts[0].name, shifts[-1].name) == (f"S{count - 1}", f"S{count - listed}")


# A shift's incidents -----------------------------------------------------------------------------------


def test_a_query_narrowed_to_a_shift_keeps_only_rows_of_its_incidents(db, dispatcher):
    day = start(db, "Day")
    first = welfare_call(db, dispatcher)
    night = start(db, "Night")
    second = welfare_call(db, dispatcher)
    third = welfare_call(db, dispatcher)
    with db.read() as s:
        ids = {
            shift_id: sorted(
                set(
                    s.execute(
                        of_shift(select(IncidentEvent.incident_id), IncidentEvent.incident_id, shift_id)
                    ).scalars()
                )
            )
            for shift_id in (day.id, night.id, 999)
        }
    assert ids == {day.id: [first.id], night.id: [second.id, third.id], 999: []}


def test_narrowing_goes_through_the_column_named_not_any_other_link_to_incidents(db, dispatcher):
    """Incidents narrowed through their own id: not through merged_into_id, their other link to incidents."""
    day = start(db, "Day")
    kept = welfare_call(db, dispatcher)
    merged = welfare_call(db, dispatcher)
    services.merge_duplicate(db, dispatcher, duplicate_id=merged.id, into_id=kept.id)
    start(db, "Night")
    welfare_call(db, dispatcher)
    incident = aliased(Incident)
    with db.read() as s:
        found = sorted(s.execute(of_shift(select(incident.id), incident.id, day.id)).scalars())
    assert found == sorted([kept.id, merged.id])
