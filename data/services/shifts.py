"""Which shift: by number or 'current', newest first, the period each covers, and the jurisdiction's day."""

from __future__ import annotations

import datetime as dt
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select
from sqlalchemy.orm import QueryableAttribute

from data.db import Database
from data.errors import NotFoundError, ValidationError
from data.models import Incident, Shift
from data.records import ShiftRecord
from data.services.convert import shift_record
from data.services.queries import active_shift_row

Query = TypeVar("Query", bound=Select[Any])


def local_date(db: Database, moment: dt.datetime) -> dt.date:
    return moment.astimezone(ZoneInfo(db.pack.timezone)).date()


def shift_window(shift: ShiftRecord | Shift, now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """The period a shift covers: planned or actual start, to its end (now, while it overruns)."""
    start = min(shift.starts_at, shift.started_at or shift.starts_at)
    if shift.ended_at is not None:
        return start, shift.ended_at
    if shift.status == "active":
        return start, max(shift.ends_at, now)
    return start, shift.ends_at


def of_shift(query: Query, incident_id: QueryableAttribute[int], shift_id: int) -> Query:
    """The query narrowed to the rows whose incident (through `incident_id`) belongs to the shift."""
    return query.join(Incident, Incident.id == incident_id).where(Incident.shift_id == shift_id)


def resolve_shift(db: Database, which: str | int) -> ShiftRecord:
    """A shift by id, or 'current' for the active one."""
    with db.read() as s:
        if isinstance(which, str) and which.strip().lower() in ("current", "active", ""):
            row = active_shift_row(s)
            if row is None:
                raise NotFoundError("There is no active shift.")
            return shift_record(row)
        try:
            ident = int(which)
        except ValueError:
            raise ValidationError(
                "shift", f"Name a shift by its number or 'current', not {str(which)[:20]!r}."
            ) from None
        row = s.get(Shift, ident)
        if row is None:
            raise NotFoundError(f"No shift {ident}.")
        return shift_record(row)


def recent_shifts(db: Database, limit: int = 60) -> list[ShiftRecord]:
    """Shifts newest first (the active one and those before it), for choosing one to print."""
    with db.read() as s:
        rows = s.execute(select(Shift).order_by(Shift.starts_at.desc(), Shift.id.desc()).limit(limit)).scalars()
        return [shift_record(r) for r in rows]


__all__ = [
    "local_date",
    "of_shift",
    "recent_shifts",
    "resolve_shift",
    "shift_window",
]
