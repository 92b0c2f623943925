"""Cautions at a place: added by supervisors (dispatchers when the pack allows), each with an expiry the pack caps.

Adding, editing and ending a caution are audited; an ended or expired caution keeps its row, so the
place's history still shows it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from data import rules
from data.db import Database
from data.errors import (
    InvalidTransitionError,
    NotFoundError,
    PermissionDeniedError,
    StaleWriteError,
    ValidationError,
)
from data.models import Caution
from data.pack import Pack
from data.permissions import Actor, record_refusal
from data.records import CAUTION_CATEGORIES, CautionRecord
from data.services import validate
from data.services._work import Work, row_lock, snapshot, work
from data.services.history import address_key, box

MAX_TEXT = 500
MIN_RADIUS_M = 5.0
MAX_RADIUS_M = 500.0
FIELDS = (
    "location",
    "latitude",
    "longitude",
    "radius_m",
    "text",
    "category",
    "sheriff_first",
    "starts_at",
    "expires_at",
    "ended_at",
    "ended_by",
    "end_reason",
    "version",
)
# A start a little in the past is the clock of another workstation, not a back-dated caution.
START_SLACK = dt.timedelta(minutes=5)


def may_manage_cautions(pack: Pack, actor: Actor) -> bool:
    """Supervisors and admins add, edit and end cautions; dispatchers too when the pack says so."""
    if actor.role in ("supervisor", "admin"):
        return True
    return actor.role == "dispatcher" and pack.cautions.dispatchers_may_add


def _authorize(db: Database, actor: Actor, entity_id: int | None = None) -> None:
    if not may_manage_cautions(db.pack, actor):
        record_refusal(db, actor, "manage_cautions", entity="caution", entity_id=entity_id)
        raise PermissionDeniedError(f"A {actor.role} cannot add or change cautions; ask a supervisor.")


def caution_record(row: Caution) -> CautionRecord:
    return CautionRecord(
        id=row.id,
        location=row.location,
        latitude=row.latitude,
        longitude=row.longitude,
        radius_m=row.radius_m,
        text=row.text,
        category=row.category,
        sheriff_first=bool(row.sheriff_first),
        author=row.author,
        created_at=row.created_at,
        starts_at=row.starts_at,
        expires_at=row.expires_at,
        ended_at=row.ended_at,
        ended_by=row.ended_by,
        end_reason=row.end_reason or "",
        version=row.version,
    )


# --- checks ---------------------------------------------------------------------------------------


def _text(value: str | None) -> str:
    return validate.text("text", value, limit=MAX_TEXT, required=True, label="caution text")


def _category(value: str | None) -> str:
    key = (value or "").strip().lower()
    if key not in CAUTION_CATEGORIES:
        raise ValidationError("category", f"Choose a category: {', '.join(CAUTION_CATEGORIES)}.")
    return key


def _radius(value: float | None, pack: Pack) -> float:
    radius = pack.cautions.default_radius_m if value is None else float(value)
    if not MIN_RADIUS_M <= radius <= MAX_RADIUS_M:
        raise ValidationError("radius_m", f"The radius must be {MIN_RADIUS_M:.0f} to {MAX_RADIUS_M:.0f} metres.")
    return radius


def _lifetime(pack: Pack, now: dt.datetime, starts_at: dt.datetime, expires_at: dt.datetime | None) -> dt.datetime:
    """The expiry, checked: required, after the start and after now, and no later than the pack allows."""
    if expires_at is None:
        raise ValidationError("expires_at", "Give the caution an expiry date.")
    if expires_at.tzinfo is None:
        raise ValidationError("expires_at", "Caution times need a time zone.")
    if expires_at <= starts_at:
        raise ValidationError("expires_at", "The caution must expire after it starts.")
    if expires_at <= now:
        raise ValidationError("expires_at", "The expiry is already past.")
    longest = dt.timedelta(days=pack.cautions.longest_days)
    if expires_at - starts_at > longest:
        raise ValidationError(
            "expires_at",
            f"A caution lasts at most {pack.cautions.longest_days} days; "
            "choose an earlier expiry (a new caution can follow it).",
        )
    return expires_at


# --- actions --------------------------------------------------------------------------------------


def add_caution(
    db: Database,
    actor: Actor,
    *,
    location: str,
    latitude: float | None,
    longitude: float | None,
    text: str,
    category: str,
    expires_at: dt.datetime | None,
    sheriff_first: bool = False,
    radius_m: float | None = None,
    starts_at: dt.datetime | None = None,
) -> CautionRecord:
    """A new caution at a place (an address's point, or a point on the map, with a radius)."""
    _authorize(db, actor)
    loc = validate.location(location)
    lat, lon = validate.coordinates(latitude, longitude)
    if lat is None or lon is None:
        raise ValidationError("location", "A caution needs a place on the map: choose a matched address or a point.")
    body = _text(text)
    kind = _category(category)
    radius = _radius(radius_m, db.pack)
    with work(db, actor) as w:
        start = starts_at or w.now
        if start.tzinfo is None:
            raise ValidationError("starts_at", "Caution times need a time zone.")
        if start < w.now - START_SLACK:
            raise ValidationError("starts_at", "A caution cannot start in the past.")
        expiry = _lifetime(db.pack, w.now, start, expires_at)
        row = Caution(
            location=loc,
            latitude=lat,
            longitude=lon,
            radius_m=radius,
            text=body,
            category=kind,
            sheriff_first=bool(sheriff_first),
            author=actor.username,
            created_at=w.now,
            starts_at=start,
            expires_at=expiry,
            end_reason="",
        )
        w.session.add(row)
        w.session.flush()
        return _finish(w, row, "add_caution", None)


def edit_caution(
    db: Database, actor: Actor, caution_id: int, *, expected_version: int, **changes: Any
) -> CautionRecord:
    """Change a caution's text, category, Sheriff-first flag, radius or expiry (the cap counts from its start)."""
    allowed_fields = {"text", "category", "sheriff_first", "radius_m", "expires_at"}
    unknown = set(changes) - allowed_fields
    if unknown:
        raise ValidationError(sorted(unknown)[0], f"Cannot edit {', '.join(sorted(unknown))} of a caution.")
    _authorize(db, actor, caution_id)
    clean: dict[str, Any] = {}
    if "text" in changes:
        clean["text"] = _text(changes["text"])
    if "category" in changes:
        clean["category"] = _category(changes["category"])
    if "sheriff_first" in changes:
        clean["sheriff_first"] = bool(changes["sheriff_first"])
    if "radius_m" in changes:
        clean["radius_m"] = _radius(changes["radius_m"], db.pack)
    with work(db, actor) as w:
        row = _load(w, caution_id, expected_version)
        if caution_record(row).state(w.now) in ("ended", "expired"):
            raise InvalidTransitionError(f"Caution {row.id} is no longer active; add a new one instead.")
        if "expires_at" in changes:
            clean["expires_at"] = _lifetime(db.pack, w.now, row.starts_at, changes["expires_at"])
        before = snapshot(row, *FIELDS)
        changed = {k: v for k, v in clean.items() if getattr(row, k) != v}
        if not changed:
            raise ValidationError("caution", "Nothing changed.")
        for key, value in changed.items():
            setattr(row, key, value)
        return _finish(w, row, "edit_caution", before)


def end_caution(
    db: Database, actor: Actor, caution_id: int, *, reason: str, expected_version: int | None = None
) -> CautionRecord:
    """End a caution now, before its expiry, with a reason; it stays in the place's history."""
    _authorize(db, actor, caution_id)
    why = validate.text("end_reason", reason, limit=MAX_TEXT, required=True, label="reason")
    with work(db, actor) as w:
        row = _load(w, caution_id, expected_version)
        state = caution_record(row).state(w.now)
        if state in ("ended", "expired"):
            raise InvalidTransitionError(f"Caution {row.id} has already {state}.")
        before = snapshot(row, *FIELDS)
        row.ended_at = w.now
        row.ended_by = actor.username
        row.end_reason = why
        return _finish(w, row, "end_caution", before)


def _load(w: Work, caution_id: int, expected_version: int | None) -> Caution:
    row = w.session.get(Caution, caution_id, with_for_update=row_lock(w.db))
    if row is None:
        raise NotFoundError(f"No caution {caution_id}.")
    if expected_version is not None and row.version != expected_version:
        raise StaleWriteError(
            f"Caution {row.id} was changed by someone else after you opened it. Review it and reapply yours.",
            changed_by="another user",
            changes="the caution",
        )
    return row


def _finish(w: Work, row: Caution, action: str, before: dict[str, Any] | None) -> CautionRecord:
    w.session.flush()
    w.audit(action, "caution", row.id, before, snapshot(row, *FIELDS))
    w.changed("caution", row.id, row.version)
    return caution_record(row)


# --- reads ----------------------------------------------------------------------------------------


def cautions_in_session(
    session: Session,
    *,
    latitude: float | None,
    longitude: float | None,
    location: str = "",
    now: dt.datetime,
    include_inactive: bool = False,
) -> list[CautionRecord]:
    """Cautions whose circle holds the point, or recorded at the same address as typed; active ones unless asked."""
    found: dict[int, CautionRecord] = {}
    query = select(Caution)
    if not include_inactive:
        query = query.where(Caution.expires_at > now, Caution.starts_at <= now, Caution.ended_at.is_(None))
    if latitude is not None and longitude is not None:
        south, north, west, east = box(latitude, longitude, MAX_RADIUS_M)
        near = session.execute(
            query.where(Caution.latitude.between(south, north), Caution.longitude.between(west, east))
        ).scalars()
        for row in near:
            if rules.distance_m(latitude, longitude, row.latitude, row.longitude) <= row.radius_m:
                found[row.id] = caution_record(row)
    key = address_key(location)
    if key:
        for row in session.execute(query).scalars():
            if row.id not in found and address_key(row.location) == key:
                found[row.id] = caution_record(row)
    return sorted(found.values(), key=lambda c: (not c.is_active(now), not c.sheriff_first, -c.created_at.timestamp()))


def cautions_at(
    db: Database,
    *,
    latitude: float | None,
    longitude: float | None,
    location: str = "",
    include_inactive: bool = False,
) -> list[CautionRecord]:
    """The cautions at a place now (Sheriff-first ones first); with `include_inactive`, its past ones too."""
    with db.read() as s:
        return cautions_in_session(
            s,
            latitude=latitude,
            longitude=longitude,
            location=location,
            now=db.clock(),
            include_inactive=include_inactive,
        )


def active_cautions(db: Database) -> list[CautionRecord]:
    """Every caution active now, for the map."""
    now = db.clock()
    with db.read() as s:
        rows = s.execute(
            select(Caution)
            .where(Caution.expires_at > now, Caution.starts_at <= now, Caution.ended_at.is_(None))
            .order_by(Caution.id)
        ).scalars()
        return [caution_record(r) for r in rows]


def get_caution(db: Database, caution_id: int) -> CautionRecord:
    with db.read() as s:
        row = s.get(Caution, caution_id)
        if row is None:
            raise NotFoundError(f"No caution {caution_id}.")
        return caution_record(row)


def sheriff_first_cautions(
    session: Session, *, latitude: float | None, longitude: float | None, location: str, now: dt.datetime
) -> list[CautionRecord]:
    """Active Sheriff-first cautions at a place, inside the caller's transaction (a new call's preset)."""
    found = cautions_in_session(session, latitude=latitude, longitude=longitude, location=location, now=now)
    return [c for c in found if c.sheriff_first]
