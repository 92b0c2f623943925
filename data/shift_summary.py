"""Shift figures for the supervisor's report and the on-screen shift view (pure, no Qt)."""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from data.db import Database
from data.errors import NotFoundError
from data.models import Incident, IncidentEvent, Officer, Referral, RosterEntry, Shift, Unit, WelfareCheck
from data.records import OPEN_STATUSES, CitationRecord, IncidentRecord, ShiftRecord
from data.services.citations import read_shift_citations
from data.services.convert import incident_records, shift_record
from data.services.incident_paperwork import responding_units
from data.services.referrals import referral_records
from data.services.shifts import shift_window

INTERVALS = (
    # key, label, start stamp, end stamp, target key in pack.targets, statistic the target applies to
    ("queue", "Queue (received → dispatched)", "received_at", "dispatched_at", "queue_p90_s", "p90"),
    ("travel", "Travel (en route → on scene)", "enroute_at", "onscene_at", "travel_median_s", "median"),
    ("onscene", "On scene (on scene → cleared)", "onscene_at", "cleared_at", "onscene_median_s", "median"),
)


@dataclass(frozen=True)
class Count:
    key: str
    label: str
    count: int


@dataclass(frozen=True)
class IntervalStat:
    key: str
    label: str
    count: int
    median_s: float | None
    p90_s: float | None
    target_s: float | None
    target_on: str  # "median" or "p90": which statistic the city's target applies to
    met: bool | None  # None when there is no figure or no target


@dataclass(frozen=True)
class CarriedOver:
    incident: IncidentRecord
    last_note: str
    last_note_at: dt.datetime | None
    last_note_by: str


@dataclass(frozen=True)
class UnitActivity:
    call_sign: str
    officers: tuple[str, ...]
    incidents: int
    arrivals: int
    onscene_s: float
    citations: int


@dataclass(frozen=True)
class AgencyReferrals:
    key: str
    name: str
    made: int
    accepted: int
    declined: int


@dataclass(frozen=True)
class ShiftSummary:
    shift: ShiftRecord
    window_start: dt.datetime
    window_end: dt.datetime
    generated_at: dt.datetime
    timezone: str
    incidents: int
    self_initiated: int
    transferred: int
    by_call_type: tuple[Count, ...]
    by_disposition: tuple[Count, ...]
    by_hour: tuple[Count, ...]
    intervals: tuple[IntervalStat, ...]
    carried_over: tuple[CarriedOver, ...]
    units: tuple[UnitActivity, ...]
    citations: tuple[CitationRecord, ...]
    citations_issued: int
    citations_void: int
    fines_dollars: int
    welfare_checks: int
    welfare_follow_ups: int
    referrals_made: int
    referrals_accepted: int
    referrals_declined: int
    referrals_by_agency: tuple[AgencyReferrals, ...]
    handoff_note: str
    # Places of this shift's calls with two or more incidents in the history's months (data.services.history).
    repeat_locations: tuple[Count, ...] = ()


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear-interpolated percentile (q in 0..1); None for no values."""
    ordered = sorted(values)
    if not ordered:
        return None
    k = (len(ordered) - 1) * q
    lo, hi = math.floor(k), math.ceil(k)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def interval_stats(incidents: Sequence[IncidentRecord], targets: dict[str, object]) -> tuple[IntervalStat, ...]:
    out = []
    for key, label, start, end, target_key, target_on in INTERVALS:
        values = []
        for inc in incidents:
            a, b = getattr(inc, start), getattr(inc, end)
            if a is None or b is None or (key == "onscene" and inc.status != "cleared"):
                continue
            seconds = (b - a).total_seconds()
            if seconds >= 0:
                values.append(seconds)
        median, p90 = percentile(values, 0.5), percentile(values, 0.9)
        raw_target = targets.get(target_key)
        target = float(raw_target) if isinstance(raw_target, int | float) else None
        figure = p90 if target_on == "p90" else median
        met = None if figure is None or target is None else figure <= target
        out.append(IntervalStat(key, label, len(values), median, p90, target, target_on, met))
    return tuple(out)


def shift_summary(db: Database, shift_id: int) -> ShiftSummary:
    """Every figure of the shift report, computed in one read."""
    pack = db.pack
    zone = ZoneInfo(pack.timezone)
    now = db.clock()
    with db.read() as s:
        shift_row = s.get(Shift, shift_id)
        if shift_row is None:
            raise NotFoundError(f"No shift {shift_id}.")
        start, end = shift_window(shift_row, now)
        rows = (
            s.execute(select(Incident).where(Incident.shift_id == shift_id).order_by(Incident.received_at, Incident.id))
            .scalars()
            .all()
        )
        records = incident_records(s, rows, pack)
        # Open at the end of the shift: this shift's and earlier ones' calls not yet closed then.
        open_rows = (
            s.execute(
                select(Incident)
                .where(
                    Incident.received_at <= end,
                    or_(
                        Incident.status.in_(OPEN_STATUSES),
                        and_(Incident.cleared_at.is_not(None), Incident.cleared_at > end, Incident.status != "merged"),
                    ),
                )
                .order_by(Incident.priority, Incident.received_at)
            )
            .scalars()
            .all()
        )
        open_records = incident_records(s, open_rows, pack)
        carried = _carried_over(s, open_records, end)
        activity = _unit_activity(s, shift_id, rows, end)
        citations = read_shift_citations(s, db, shift_id)
        welfare = s.execute(
            select(WelfareCheck.follow_up_needed)
            .join(Incident, Incident.id == WelfareCheck.incident_id)
            .where(Incident.shift_id == shift_id)
        ).all()
        referral_rows = (
            s.execute(
                select(Referral)
                .join(Incident, Incident.id == Referral.incident_id)
                .where(Incident.shift_id == shift_id)
                .order_by(Referral.id)
            )
            .scalars()
            .all()
        )
        referrals = referral_records(s, referral_rows)
        shift = shift_record(shift_row)
        handoff_note = shift_row.handoff_note or ""

    cites_by_unit = _citations_by_unit(citations, activity)
    units = tuple(
        UnitActivity(u.call_sign, u.officers, u.incidents, u.arrivals, u.onscene_s, cites_by_unit.get(u.call_sign, 0))
        for u in activity
    )

    type_counts = Counter(r.call_type for r in records)
    by_type = tuple(
        Count(code, pack.call_types[code].label if code in pack.call_types else code, n)
        for code, n in sorted(type_counts.items(), key=lambda kv: (-kv[1], kv[0]))
    )
    disp_counts: Counter[str] = Counter()
    for r in records:
        disp_counts[r.disposition_code or ("open" if r.is_open else "none")] += 1
    by_disp = tuple(
        Count(code, _disposition_label(pack.dispositions, code), n)
        for code, n in sorted(disp_counts.items(), key=lambda kv: (-kv[1], kv[0]))
    )
    by_hour = _by_hour(records, start, end, zone)
    issued = [c for c in citations if c.status != "void"]
    agencies: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for ref in referrals:
        agencies[(ref.agency_key, ref.agency_name)][ref.outcome] += 1
    return ShiftSummary(
        shift=shift,
        window_start=start,
        window_end=end,
        generated_at=now,
        timezone=pack.timezone,
        incidents=len(records),
        self_initiated=sum(1 for r in records if r.kind == "self_initiated"),
        transferred=sum(1 for r in records if r.status == "transferred" or r.response in ("joint", "sheriff")),
        by_call_type=by_type,
        by_disposition=by_disp,
        by_hour=by_hour,
        # Officer-initiated work has no queue or travel: it is counted apart, not in the call intervals.
        intervals=interval_stats([r for r in records if r.kind == "call"], pack.targets),
        carried_over=carried,
        units=units,
        citations=tuple(citations),
        citations_issued=len(issued),
        citations_void=len(citations) - len(issued),
        fines_dollars=sum(c.total_dollars for c in issued),
        welfare_checks=len(welfare),
        welfare_follow_ups=sum(1 for (flag,) in welfare if flag),
        referrals_made=len(referrals),
        referrals_accepted=sum(1 for r in referrals if r.outcome == "accepted"),
        referrals_declined=sum(1 for r in referrals if r.outcome == "declined"),
        referrals_by_agency=tuple(
            AgencyReferrals(key, name, sum(c.values()), c["accepted"], c["declined"])
            for (key, name), c in sorted(agencies.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))
        ),
        handoff_note=handoff_note,
        repeat_locations=repeat_locations(db, records, end),
    )


def repeat_locations(db: Database, records: Sequence[IncidentRecord], end: dt.datetime) -> tuple[Count, ...]:
    """This shift's call places that saw two or more incidents in the pack's months up to the shift's end."""
    from data.services.history import place_counts

    places: dict[tuple[float | None, float | None, str], str] = {}
    for r in records:
        if r.kind == "call" and r.status != "merged":
            places.setdefault((r.latitude, r.longitude, " ".join(r.location.split()).lower()), r.location)
    keys = list(places)
    counts = place_counts(db, [(lat, lon, places[(lat, lon, key)]) for lat, lon, key in keys], now=end)
    found = [Count(places[k], places[k], n) for k, n in zip(keys, counts, strict=True) if n >= 2]
    found.sort(key=lambda c: (-c.count, c.label))
    return tuple(found)


def _disposition_label(dispositions: Mapping[str, object], code: str) -> str:
    if code == "open":
        return "Still open"
    if code == "none":
        return "No disposition"
    found = dispositions.get(code)
    return str(getattr(found, "label", code))


def _by_hour(
    records: Sequence[IncidentRecord], start: dt.datetime, end: dt.datetime, zone: ZoneInfo
) -> tuple[Count, ...]:
    first = start.astimezone(zone).replace(minute=0, second=0, microsecond=0)
    hours: list[dt.datetime] = []
    cursor = first
    # At most two days of buckets: a shift report is about one shift.
    while cursor < end.astimezone(zone) and len(hours) < 48:
        hours.append(cursor)
        cursor = (cursor.astimezone(dt.UTC) + dt.timedelta(hours=1)).astimezone(zone)
    counts: Counter[str] = Counter()
    for r in records:
        local = r.received_at.astimezone(zone).replace(minute=0, second=0, microsecond=0)
        counts[local.strftime("%Y-%m-%d %H")] += 1
    return tuple(
        Count(h.strftime("%Y-%m-%d %H"), h.strftime("%H:00"), counts.get(h.strftime("%Y-%m-%d %H"), 0)) for h in hours
    )


def _carried_over(
    session: Session, open_records: Sequence[IncidentRecord], end: dt.datetime
) -> tuple[CarriedOver, ...]:
    if not open_records:
        return ()
    ids = [r.id for r in open_records]
    last: dict[int, IncidentEvent] = {}
    fallback: dict[int, IncidentEvent] = {}
    for ev in session.execute(
        select(IncidentEvent)
        .where(IncidentEvent.incident_id.in_(ids), IncidentEvent.at <= end)
        .order_by(IncidentEvent.id)
    ).scalars():
        fallback[ev.incident_id] = ev
        if ev.kind == "note":
            last[ev.incident_id] = ev
    out = []
    for r in open_records:
        found = last.get(r.id) or fallback.get(r.id)
        out.append(
            CarriedOver(
                incident=r,
                last_note=found.text if found else "",
                last_note_at=found.at if found else None,
                last_note_by=found.author if found else "",
            )
        )
    return tuple(out)


def _unit_activity(session: Session, shift_id: int, rows: Sequence[Incident], end: dt.datetime) -> list[UnitActivity]:
    """Per unit: incidents worked, arrivals on scene, and time on scene (arrival to release or clear)."""
    worked = responding_units(session, rows)
    incidents_by_unit: dict[str, set[int]] = defaultdict(set)
    officers: dict[str, tuple[str, ...]] = {}
    for incident_id, units in worked.items():
        for u in units:
            incidents_by_unit[u.call_sign].add(incident_id)
            if u.officers:
                officers[u.call_sign] = u.officers
    # Units rostered on this shift appear even when they took no call.
    for sign, name in session.execute(
        select(Unit.call_sign, Officer.name)
        .join(RosterEntry, RosterEntry.unit_id == Unit.id)
        .join(Officer, Officer.id == RosterEntry.officer_id)
        .where(RosterEntry.shift_id == shift_id)
        .order_by(Officer.name)
    ):
        incidents_by_unit.setdefault(sign, set())
        if name not in officers.get(sign, ()):
            officers[sign] = (*officers.get(sign, ()), name)
    cleared = {r.id: r.cleared_at for r in rows}
    arrivals: dict[str, int] = defaultdict(int)
    onscene: dict[str, float] = defaultdict(float)
    ids = [r.id for r in rows]
    if ids:
        events = session.execute(
            select(IncidentEvent.incident_id, IncidentEvent.kind, IncidentEvent.at, IncidentEvent.text, Unit.call_sign)
            .join(Unit, Unit.id == IncidentEvent.unit_id)
            .where(IncidentEvent.incident_id.in_(ids))
            .order_by(IncidentEvent.id)
        ).all()
        arrived_at: dict[tuple[str, int], dt.datetime] = {}
        for incident_id, kind, at, text, sign in events:
            key = (sign, incident_id)
            if kind == "status" and text.startswith(f"{sign} on scene") and key not in arrived_at:
                arrived_at[key] = at
                arrivals[sign] += 1
            elif kind == "unit_released" and key in arrived_at:
                onscene[sign] += max(0.0, (at - arrived_at.pop(key)).total_seconds())
        for (sign, incident_id), at in arrived_at.items():
            stop = cleared.get(incident_id) or end
            onscene[sign] += max(0.0, (min(stop, end) - at).total_seconds())
    return [
        UnitActivity(sign, officers.get(sign, ()), len(incidents_by_unit[sign]), arrivals[sign], onscene[sign], 0)
        for sign in sorted(incidents_by_unit)
    ]


def _citations_by_unit(citations: Sequence[CitationRecord], units: Sequence[UnitActivity]) -> dict[str, int]:
    """Citations credited to the unit whose crew includes the issuing officer."""
    out: dict[str, int] = defaultdict(int)
    for cit in citations:
        if cit.status == "void":
            continue
        for unit in units:
            if cit.officer_name and cit.officer_name in unit.officers:
                out[unit.call_sign] += 1
                break
    return out
