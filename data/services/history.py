"""Location history: what happened at a place over the pack's months, read through the incidents' point index."""

from __future__ import annotations

import calendar
import datetime as dt
import math
from collections import Counter
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, func, select, union_all

from data import rules
from data.db import Database
from data.models import Incident
from data.pack import Pack
from data.records import OPEN_STATUSES, HistoryEntry, LocationHistory

FULL_LIST_LIMIT = 500
# A degree of latitude as rules.distance_m measures it (Earth's mean radius 6,371,008.8 m: 111,195.08 m),
# rounded down so the rectangle around a circle holds all of it (111,320 m left out the last 8 cm north and south).
METRES_PER_DEGREE = 111_195.0
_COLUMNS = (
    Incident.id,
    Incident.number,
    Incident.call_type,
    Incident.status,
    Incident.location,
    Incident.latitude,
    Incident.longitude,
    Incident.received_at,
    Incident.disposition_code,
)


def months_ago(now: dt.datetime, months: int) -> dt.datetime:
    """The same moment `months` calendar months earlier (the 29th to the 31st fall back to the month's last day)."""
    year, month = divmod(now.year * 12 + now.month - 1 - months, 12)
    last_day = calendar.monthrange(year, month + 1)[1]
    return now.replace(year=year, month=month + 1, day=min(now.day, last_day))


def box(latitude: float, longitude: float, radius_m: float) -> tuple[float, float, float, float]:
    """The latitude/longitude rectangle around a circle: what the index can narrow to."""
    dlat = radius_m / METRES_PER_DEGREE
    dlon = radius_m / (METRES_PER_DEGREE * max(math.cos(math.radians(latitude)), 0.01))
    return latitude - dlat, latitude + dlat, longitude - dlon, longitude + dlon


def address_key(location: str) -> str:
    """An address as the index compares it: trimmed, spaces folded, lower case."""
    return " ".join(location.split()).lower()


def location_history(
    db: Database,
    *,
    latitude: float | None,
    longitude: float | None,
    location: str = "",
    exclude_id: int | None = None,
    now: dt.datetime | None = None,
) -> LocationHistory:
    """Incidents within the pack's radius of a point, or at the same address as typed, over the pack's months.

    Merged duplicates are left out (they are the same event as the incident they went into), and so is
    `exclude_id` (the incident being looked at).
    """
    settings = db.pack.history
    moment = now or db.clock()
    since = months_ago(moment, settings.months)
    has_point = latitude is not None and longitude is not None
    parts = []
    if has_point:
        assert latitude is not None and longitude is not None
        south, north, west, east = box(latitude, longitude, settings.radius_m)
        parts.append(
            select(*_COLUMNS).where(
                Incident.latitude.between(south, north),
                Incident.longitude.between(west, east),
                Incident.received_at >= since,
                Incident.received_at <= moment,
            )
        )
    key = address_key(location)
    if key:
        by_address = select(*_COLUMNS).where(
            func.lower(Incident.location) == key,
            Incident.received_at >= since,
            Incident.received_at <= moment,
        )
        if has_point:
            # Those with a point were found by it (or lie elsewhere: the same text placed apart).
            by_address = by_address.where(Incident.latitude.is_(None))
        parts.append(by_address)
    if not parts:
        found: list[Row] = []
    else:
        statement = parts[0] if len(parts) == 1 else union_all(*parts)
        found = _read_rows(db, statement)
    rows: dict[int, tuple[Row, float | None]] = {}
    for row in found:
        apart: float | None = None
        if has_point and row.latitude is not None and row.longitude is not None:
            apart = rules.distance_m(latitude, longitude, row.latitude, row.longitude)  # type: ignore[arg-type]
            if apart > settings.radius_m and row.location.lower() != key:
                continue  # in the index's rectangle, outside the circle
        rows[row.id] = (row, apart)
    entries = [_entry(row, d, db.pack) for row, d in rows.values() if row.id != exclude_id and row.status != "merged"]
    entries.sort(key=lambda e: (not e.is_open, -e.received_at.timestamp(), -e.incident_id))
    counts = Counter((e.call_type, e.call_type_label) for e in entries)
    by_type = tuple(
        (code, label, n) for (code, label), n in sorted(counts.items(), key=lambda item: (-item[1], item[0][1]))
    )
    return LocationHistory(
        location=location,
        latitude=latitude,
        longitude=longitude,
        radius_m=settings.radius_m,
        since=since,
        entries=tuple(entries[:FULL_LIST_LIMIT]),
        by_type=by_type,
        total=len(entries),
    )


def _read_rows(db: Database, statement: Any) -> list[Row]:
    """One statement, so one query to the server inside the read's transaction."""
    with db.read() as s:
        return list(s.execute(statement).all())


def _entry(row: Row, distance: float | None, pack: Pack) -> HistoryEntry:
    ct = pack.call_types.get(row.call_type)
    disposition = pack.dispositions.get(row.disposition_code or "")
    return HistoryEntry(
        incident_id=row.id,
        number=row.number,
        call_type=row.call_type,
        call_type_label=ct.label if ct else row.call_type,
        status=row.status,
        location=row.location,
        received_at=row.received_at,
        disposition_code=row.disposition_code,
        disposition_label=disposition.label if disposition else "",
        distance_m=distance,
    )


__all__ = ["OPEN_STATUSES", "address_key", "box", "location_history", "months_ago"]


def place_counts(
    db: Database, places: Sequence[tuple[float | None, float | None, str]], *, now: dt.datetime | None = None
) -> list[int]:
    """How many incidents each place saw over the pack's months, as `location_history` counts them, in one read.

    For a report over many places at once (the shift report's repeat places): one pass over the months'
    incidents in the places' rectangle, bucketed by a grid of the radius, instead of one query per place.
    """
    if not places:
        return []
    settings = db.pack.history
    moment = now or db.clock()
    since = months_ago(moment, settings.months)
    points = [(lat, lon) for lat, lon, _ in places if lat is not None and lon is not None]
    keys = {address_key(loc) for _, _, loc in places if address_key(loc)}
    rows: list[Row] = []
    with db.read() as s:
        if points:
            south = min(box(lat, lon, settings.radius_m)[0] for lat, lon in points)
            north = max(box(lat, lon, settings.radius_m)[1] for lat, lon in points)
            west = min(box(lat, lon, settings.radius_m)[2] for lat, lon in points)
            east = max(box(lat, lon, settings.radius_m)[3] for lat, lon in points)
            rows += s.execute(
                select(Incident.id, Incident.latitude, Incident.longitude, Incident.location).where(
                    Incident.latitude.between(south, north),
                    Incident.longitude.between(west, east),
                    Incident.received_at >= since,
                    Incident.received_at <= moment,
                    Incident.status != "merged",
                )
            ).all()
        if keys:
            # Every call typed at one of the addresses, placed or not: a place without a point counts both.
            rows += s.execute(
                select(Incident.id, Incident.latitude, Incident.longitude, Incident.location).where(
                    func.lower(Incident.location).in_(sorted(keys)),
                    Incident.received_at >= since,
                    Incident.received_at <= moment,
                    Incident.status != "merged",
                )
            ).all()
    cell = settings.radius_m / METRES_PER_DEGREE  # a grid of the radius: neighbours are in the 3 x 3 cells around
    grid: dict[tuple[int, int], list[Row]] = {}
    placed_at: dict[str, list[Row]] = {}  # calls with a point, by their address in lower case
    unplaced_at: dict[str, set[int]] = {}  # calls without one
    for row in rows:
        if row.latitude is not None and row.longitude is not None:
            grid.setdefault((int(row.latitude // cell), int(row.longitude // cell)), []).append(row)
            placed_at.setdefault(row.location.lower(), []).append(row)
        else:
            unplaced_at.setdefault(address_key(row.location), set()).add(row.id)
    counts = []
    for lat, lon, location in places:
        key = address_key(location)
        found = set(unplaced_at.get(key, ()))
        if lat is not None and lon is not None:
            cy, cx = int(lat // cell), int(lon // cell)
            span = int(1 / max(math.cos(math.radians(lat)), 0.01)) + 1  # longitude cells are narrower
            for dy in (-1, 0, 1):
                for dx in range(-span, span + 1):
                    for row in grid.get((cy + dy, cx + dx), ()):
                        if rules.distance_m(lat, lon, row.latitude, row.longitude) <= settings.radius_m:
                            found.add(row.id)
            # In the rectangle but outside the circle: counted at the address typed, as location_history does.
            south, north, west, east = box(lat, lon, settings.radius_m)
            found |= {
                r.id for r in placed_at.get(key, ()) if south <= r.latitude <= north and west <= r.longitude <= east
            }
        else:
            found |= {r.id for r in placed_at.get(key, ())}
        counts.append(len(found))
    return counts
