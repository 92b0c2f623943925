"""Statistics over a date range, computed by the database with SQL aggregates (pure: no Qt)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from collections import Counter as Tally
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Integer,
    and_,
    cast,
    extract,
    func,
    select,
    union,
)
from sqlalchemy.orm import Session

from data.db import Database
from data.errors import ValidationError
from data.models import DirectoryAgency, Incident, Referral, WelfareCheck
from data.permissions import Actor, authorize
from data.records import OPEN_STATUSES
from data.services._work import work
from data.services.person_names import normalise_name
from data.shift_summary import INTERVALS, AgencyReferrals, Count, IntervalStat

# Lists on the dashboard stop here; the totals still count every one.
LIST_LIMIT = 15
QUANTILES = (0.5, 0.9)


@dataclass(frozen=True)
class RepeatLocation:
    location: str
    count: int
    first_at: dt.datetime
    last_at: dt.datetime


@dataclass(frozen=True)
class PersonServed:
    name: str  # the spelling seen most often
    count: int  # incidents the person was caller or welfare-check subject in


@dataclass(frozen=True)
class Stats:
    start: dt.datetime
    end: dt.datetime
    generated_at: dt.datetime
    timezone: str
    calls: int  # calls received (kind "call"), duplicates included
    duplicates: int  # calls merged into another as duplicates
    transferred: int  # calls handed to law enforcement or worked jointly
    cancelled: int
    still_open: int
    welfare_checks: int
    by_type: tuple[Count, ...]
    by_hour: tuple[Count, ...]  # 24 local hours of the day
    by_day: tuple[Count, ...]  # every local date in the range
    by_zone: tuple[Count, ...]
    by_disposition: tuple[Count, ...]
    intervals: tuple[IntervalStat, ...]
    self_initiated: int  # officer-initiated work, counted apart from calls
    self_initiated_by_type: tuple[Count, ...]
    self_initiated_hours: float  # on scene, for the ones cleared
    referrals_made: int
    referrals_accepted: int
    referrals_declined: int
    referrals_by_agency: tuple[AgencyReferrals, ...]
    repeat_location_count: int  # locations with two or more calls
    repeat_locations: tuple[RepeatLocation, ...]
    people_served: int  # distinct names, callers and welfare-check subjects
    people_served_repeatedly: int
    repeat_people: tuple[PersonServed, ...]


def _seconds(dialect: str, start: Any, end: Any) -> ColumnElement[Any]:
    """end - start in seconds, in SQL."""
    if dialect == "postgresql":
        return extract("epoch", end - start)
    return (func.julianday(end) - func.julianday(start)) * 86400.0


def _hour_bucket(dialect: str, column: Any) -> ColumnElement[str]:
    """'YYYY-MM-DD HH' of a time in UTC. Hour buckets convert exactly to local hours in any whole-hour zone."""
    if dialect == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM-DD HH24")
    return func.strftime("%Y-%m-%d %H", column)


def _in_range(start: dt.datetime, end: dt.datetime) -> ColumnElement[bool]:
    return and_(Incident.received_at >= start, Incident.received_at < end)


def _interpolate(n: int, q: float, lo: float | None, hi: float | None) -> float | None:
    """percentile_cont from the two ordered values around position (n-1)*q."""
    if lo is None:
        return None
    k = (n - 1) * q
    frac = k - math.floor(k)
    return float(lo) if hi is None or frac == 0 else float(lo) + (float(hi) - float(lo)) * frac


def _interval_figures(
    s: Session, dialect: str, start: dt.datetime, end: dt.datetime
) -> dict[str, tuple[int, float | None, float | None]]:
    """Count, median and 90th percentile of each interval, computed by the database."""
    out: dict[str, tuple[int, float | None, float | None]] = {}
    for key, _label, a_name, b_name, _target, _on in INTERVALS:
        a, b = getattr(Incident, a_name), getattr(Incident, b_name)
        seconds = _seconds(dialect, a, b)
        where = [_in_range(start, end), Incident.kind == "call", a.is_not(None), b.is_not(None), seconds >= 0]
        if key == "onscene":
            where.append(Incident.status == "cleared")
        if dialect == "postgresql":
            n, median, p90 = s.execute(
                select(func.count(), *(func.percentile_cont(q).within_group(seconds) for q in QUANTILES)).where(*where)
            ).one()
            out[key] = (int(n), _ms(median), _ms(p90))
            continue
        # SQLite has no percentile_cont: number the ordered values and keep the two around each quantile.
        values = select(
            seconds.label("secs"),
            func.row_number().over(order_by=seconds).label("rn"),
            func.count().over().label("n"),
        ).where(*where)
        ranked = values.subquery()
        positions = [cast((ranked.c.n - 1) * q, Integer) + offset for q in QUANTILES for offset in (1, 2)]
        picked = s.execute(select(ranked.c.n, ranked.c.rn, ranked.c.secs).where(ranked.c.rn.in_(positions))).all()
        if not picked:
            out[key] = (0, None, None)
            continue
        n = int(picked[0][0])
        at = {int(rn): float(secs) for _n, rn, secs in picked}
        figures = []
        for q in QUANTILES:
            k = math.floor((n - 1) * q) + 1
            figures.append(_ms(_interpolate(n, q, at.get(k), at.get(k + 1))))
        out[key] = (n, figures[0], figures[1])
    return out


def _ms(value: float | None) -> float | None:
    # Times are kept to the millisecond; SQLite's julianday arithmetic adds noise below that.
    return None if value is None else round(float(value), 3)


def _intervals(
    figures: dict[str, tuple[int, float | None, float | None]], targets: dict[str, Any]
) -> tuple[IntervalStat, ...]:
    out = []
    for key, label, _a, _b, target_key, target_on in INTERVALS:
        n, median, p90 = figures.get(key, (0, None, None))
        raw = targets.get(target_key)
        target = float(raw) if isinstance(raw, int | float) else None
        figure = p90 if target_on == "p90" else median
        met = None if figure is None or target is None else figure <= target
        out.append(IntervalStat(key, label, n, median, p90, target, target_on, met))
    return tuple(out)


def _local_hours(
    buckets: Sequence[tuple[str, int]], start: dt.datetime, end: dt.datetime, zone: ZoneInfo
) -> tuple[tuple[Count, ...], tuple[Count, ...]]:
    """UTC hour buckets to counts per local hour of day and per local date (every date shown)."""
    hours: Tally[int] = Tally()
    days: Tally[dt.date] = Tally()
    for bucket, n in buckets:
        # Sliced, not strptime: a year has 8,760 buckets.
        utc = dt.datetime(int(bucket[:4]), int(bucket[5:7]), int(bucket[8:10]), int(bucket[11:13]), tzinfo=dt.UTC)
        local = utc.astimezone(zone)
        hours[local.hour] += int(n)
        days[local.date()] += int(n)
    by_hour = tuple(Count(f"{h:02d}", f"{h:02d}:00", hours.get(h, 0)) for h in range(24))
    first = start.astimezone(zone).date()
    last = (end - dt.timedelta(microseconds=1)).astimezone(zone).date()
    by_day = []
    day = first
    while day <= last:
        by_day.append(Count(day.isoformat(), day.strftime("%a %b %-d"), days.get(day, 0)))
        day += dt.timedelta(days=1)
    return by_hour, tuple(by_day)


def _sorted_counts(pairs: dict[str, int], label: Any) -> tuple[Count, ...]:
    return tuple(Count(k, label(k), n) for k, n in sorted(pairs.items(), key=lambda kv: (-kv[1], kv[0])))


def statistics(db: Database, start: dt.datetime, end: dt.datetime) -> Stats:
    """Every figure of the dashboard for incidents received in [start, end) and referrals made then."""
    if start.tzinfo is None or end.tzinfo is None:
        raise ValidationError("start", "Statistics need times with a time zone.")
    if end <= start:
        raise ValidationError("end", "The end of the range must be after its start.")
    pack = db.pack
    zone = ZoneInfo(pack.timezone)
    dialect = db.dialect
    in_range = _in_range(start, end)
    is_call = Incident.kind == "call"
    with db.read() as s:
        calls = duplicates = transferred = cancelled = still_open = self_initiated = 0
        for kind, status, response, n in s.execute(
            select(Incident.kind, Incident.status, Incident.response, func.count())
            .where(in_range)
            .group_by(Incident.kind, Incident.status, Incident.response)
        ).all():
            if kind != "call":
                self_initiated += n
                continue
            calls += n
            duplicates += n if status == "merged" else 0
            transferred += n if status == "transferred" or response in ("joint", "sheriff") else 0
            cancelled += n if status == "cancelled" else 0
            still_open += n if status in OPEN_STATUSES else 0

        type_counts: dict[str, dict[str, int]] = defaultdict(dict)
        for kind, code, n in s.execute(
            select(Incident.kind, Incident.call_type, func.count())
            .where(in_range)
            .group_by(Incident.kind, Incident.call_type)
        ).all():
            type_counts["call" if kind == "call" else "self_initiated"][code] = int(n)

        bucket = _hour_bucket(dialect, Incident.received_at)
        buckets = s.execute(select(bucket, func.count()).where(in_range, is_call).group_by(bucket)).all()

        zones = {
            (z or ""): int(n)
            for z, n in s.execute(
                select(Incident.zone, func.count()).where(in_range, is_call).group_by(Incident.zone)
            ).all()
        }
        dispositions = {
            (code or "open"): int(n)
            for code, n in s.execute(
                select(Incident.disposition_code, func.count())
                .where(in_range, is_call)
                .group_by(Incident.disposition_code)
            ).all()
        }
        figures = _interval_figures(s, dialect, start, end)
        si_seconds = s.execute(
            select(func.coalesce(func.sum(_seconds(dialect, Incident.onscene_at, Incident.cleared_at)), 0.0)).where(
                in_range,
                Incident.kind == "self_initiated",
                Incident.status == "cleared",
                Incident.onscene_at.is_not(None),
                Incident.cleared_at.is_not(None),
            )
        ).scalar_one()

        referral_rows = s.execute(
            select(DirectoryAgency.key, DirectoryAgency.name, Referral.outcome, func.count())
            .join(DirectoryAgency, DirectoryAgency.id == Referral.agency_id)
            .where(Referral.created_at >= start, Referral.created_at < end)
            .group_by(DirectoryAgency.key, DirectoryAgency.name, Referral.outcome)
        ).all()
        welfare_checks = s.execute(
            select(func.count())
            .select_from(WelfareCheck)
            .join(Incident, Incident.id == WelfareCheck.incident_id)
            .where(in_range)
        ).scalar_one()

        # Repeat locations: calls (not duplicates) at the same address, ignoring case and outer spaces.
        place = func.lower(func.trim(Incident.location))
        repeated = (
            select(
                func.min(Incident.location),
                func.count(),
                func.min(Incident.received_at),
                func.max(Incident.received_at),
                func.count().over(),  # how many locations repeat, before the limit
            )
            .where(in_range, is_call, Incident.status != "merged")
            .group_by(place)
            .having(func.count() >= 2)
            .order_by(func.count().desc(), func.min(Incident.location))
            .limit(LIST_LIMIT)
        )
        repeat_rows = s.execute(repeated).all()
        repeat_location_count = repeat_rows[0][4] if repeat_rows else 0

        # People: callers and welfare-check subjects who gave a name, once per incident per spelling.
        callers = select(Incident.id.label("incident_id"), Incident.caller_name.label("name")).where(
            in_range, is_call, Incident.status != "merged", Incident.caller_name != ""
        )
        subjects = (
            select(WelfareCheck.incident_id.label("incident_id"), WelfareCheck.subject_name.label("name"))
            .join(Incident, Incident.id == WelfareCheck.incident_id)
            .where(in_range, WelfareCheck.subject_declined.is_(False), WelfareCheck.subject_name != "")
        )
        named = union(callers, subjects).subquery()
        spellings = s.execute(select(named.c.name, func.count()).group_by(named.c.name)).all()

    by_hour, by_day = _local_hours(buckets, start, end, zone)
    agencies: dict[tuple[str, str], Tally[str]] = defaultdict(Tally)
    for key, name, outcome, n in referral_rows:
        agencies[(key, name)][outcome] += int(n)
    made = sum(sum(t.values()) for t in agencies.values())
    people = _people(spellings)
    repeat_people = [p for p in people if p.count >= 2]

    def type_label(code: str) -> str:
        found = pack.call_types.get(code)
        return found.label if found else code

    def disposition_label(code: str) -> str:
        if code == "open":
            return "Still open"
        found = pack.dispositions.get(code)
        return found.label if found else code

    return Stats(
        start=start,
        end=end,
        generated_at=db.clock(),
        timezone=pack.timezone,
        calls=calls,
        duplicates=duplicates,
        transferred=transferred,
        cancelled=cancelled,
        still_open=still_open,
        welfare_checks=int(welfare_checks),
        by_type=_sorted_counts(type_counts["call"], type_label),
        by_hour=by_hour,
        by_day=by_day,
        by_zone=_sorted_counts(zones, lambda z: z or "No zone"),
        by_disposition=_sorted_counts(dispositions, disposition_label),
        intervals=_intervals(figures, pack.targets),
        self_initiated=self_initiated,
        self_initiated_by_type=_sorted_counts(type_counts["self_initiated"], type_label),
        self_initiated_hours=round(float(si_seconds or 0.0) / 3600, 2),
        referrals_made=made,
        referrals_accepted=sum(t["accepted"] for t in agencies.values()),
        referrals_declined=sum(t["declined"] for t in agencies.values()),
        referrals_by_agency=tuple(
            AgencyReferrals(key, name, sum(t.values()), t["accepted"], t["declined"])
            for (key, name), t in sorted(agencies.items(), key=lambda kv: (-sum(kv[1].values()), kv[0][1]))
        ),
        repeat_location_count=int(repeat_location_count),
        repeat_locations=tuple(RepeatLocation(loc, int(n), first, last) for loc, n, first, last, _all in repeat_rows),
        people_served=len(people),
        people_served_repeatedly=len(repeat_people),
        repeat_people=tuple(repeat_people[:LIST_LIMIT]),
    )


def _people(spellings: Sequence[tuple[str, int]]) -> list[PersonServed]:
    """Fold spellings that differ only in case, accents' width or spacing into one person."""
    totals: Tally[str] = Tally()
    seen: dict[str, Tally[str]] = defaultdict(Tally)
    for name, n in spellings:
        key = normalise_name(name)
        if not key:
            continue
        totals[key] += int(n)
        seen[key][" ".join(name.split())] += int(n)
    people = [PersonServed(_display_name(seen[k]), n) for k, n in totals.items()]
    return sorted(people, key=lambda p: (-p.count, normalise_name(p.name)))


def _display_name(spellings: Tally[str]) -> str:
    """The most used spelling; on a tie, one in mixed case ("Mary Major" over "MARY MAJOR"), then A-Z."""
    return min(spellings.items(), key=lambda kv: (-kv[1], kv[0] in (kv[0].upper(), kv[0].lower()), kv[0]))[0]


def stats_csv(stats: Stats) -> str:
    """The figures as CSV, one measure per row: section, key, label, measure, value."""
    tz = ZoneInfo(stats.timezone)
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(("section", "key", "label", "measure", "value"))
    w.writerow(("range", "start", "From", "local time", stats.start.astimezone(tz).isoformat()))
    w.writerow(("range", "end", "Until (not included)", "local time", stats.end.astimezone(tz).isoformat()))
    totals = (
        ("calls", "Calls received", stats.calls),
        ("duplicates", "Duplicate calls merged", stats.duplicates),
        ("transferred", "Transferred to law enforcement or joint", stats.transferred),
        ("cancelled", "Cancelled", stats.cancelled),
        ("still_open", "Still open", stats.still_open),
        ("welfare_checks", "Welfare checks logged", stats.welfare_checks),
        ("self_initiated", "Officer-initiated activities", stats.self_initiated),
        ("self_initiated_hours", "Officer-initiated hours on scene", stats.self_initiated_hours),
        ("referrals_made", "Referrals made", stats.referrals_made),
        ("referrals_accepted", "Referrals accepted", stats.referrals_accepted),
        ("referrals_declined", "Referrals declined", stats.referrals_declined),
        ("repeat_locations", "Locations with two or more calls", stats.repeat_location_count),
        ("people_served", "People served (named)", stats.people_served),
        ("people_served_repeatedly", "People served more than once", stats.people_served_repeatedly),
    )
    for key, label, value in totals:
        w.writerow(("totals", key, label, "count", value))
    for section, counts in (
        ("calls_by_type", stats.by_type),
        ("calls_by_hour", stats.by_hour),
        ("calls_by_day", stats.by_day),
        ("calls_by_zone", stats.by_zone),
        ("dispositions", stats.by_disposition),
        ("self_initiated_by_type", stats.self_initiated_by_type),
    ):
        for c in counts:
            w.writerow((section, c.key, c.label, "count", c.count))
    for i in stats.intervals:
        figures: tuple[tuple[str, object], ...] = (
            ("count", i.count),
            ("median_s", i.median_s),
            ("p90_s", i.p90_s),
            (f"target_{i.target_on}_s", i.target_s),
            ("target_met", "" if i.met is None else ("yes" if i.met else "no")),
        )
        for measure, figure in figures:
            w.writerow(("intervals", i.key, i.label, measure, "" if figure is None else figure))
    for a in stats.referrals_by_agency:
        for measure, n in (("made", a.made), ("accepted", a.accepted), ("declined", a.declined)):
            w.writerow(("referrals_by_agency", a.key, a.name, measure, n))
    for r in stats.repeat_locations:
        w.writerow(("repeat_locations", "", r.location, "calls", r.count))
    for p in stats.repeat_people:
        w.writerow(("people_served_repeatedly", "", p.name, "incidents", p.count))
    return out.getvalue()


__all__ = ["LIST_LIMIT", "PersonServed", "RepeatLocation", "Stats", "statistics", "stats_csv"]


def read_statistics(db: Database, actor: Actor, start: dt.datetime, end: dt.datetime) -> Stats:
    """The dashboard's figures for a supervisor or admin; the view itself is audited (it names people)."""
    authorize(db, actor, "read_statistics", entity="statistics")
    stats = statistics(db, start, end)
    with work(db, actor, privilege="read_statistics") as w:
        w.audit("read_statistics", "statistics", None, None, {"start": start, "end": end, "calls": stats.calls})
    return stats
