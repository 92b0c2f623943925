"""Read-only queries for views: the board, one incident, its timeline, lookups by short id."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import or_, select
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session

from data import names, rules
from data.db import Database
from data.errors import DatabaseUnavailableError, NotFoundError, ValidationError
from data.models import AuditEntry, Incident, IncidentEvent, Officer, Shift, Unit
from data.permissions import Actor, authorize
from data.records import (
    CLOSED_STATUSES,
    OPEN_STATUSES,
    AuditRecord,
    Board,
    DuplicateCandidate,
    EventRecord,
    IncidentRecord,
    OfficerRecord,
    ShiftRecord,
    UnitRecord,
)
from data.services._work import work
from data.services.convert import (
    event_records,
    incident_records,
    officer_record,
    shift_record,
    unit_records,
)


def load_board(db: Database, *, closed_within: dt.timedelta = dt.timedelta(hours=24)) -> Board:
    """Open incidents, incidents closed recently, and every unit on shift or with a position."""
    since = db.clock() - closed_within
    with db.read() as s:
        rows = (
            s.execute(select(Incident).where(or_(Incident.status.in_(OPEN_STATUSES), Incident.cleared_at >= since)))
            .scalars()
            .all()
        )
        units = s.execute(select(Unit).where(Unit.on_shift.is_(True)).order_by(Unit.call_sign)).scalars().all()
        return Board(incidents=tuple(incident_records(s, rows, db.pack)), units=tuple(unit_records(s, units)))


def get_incidents(db: Database, ids: list[int]) -> list[IncidentRecord]:
    with db.read() as s:
        rows = s.execute(select(Incident).where(Incident.id.in_(ids))).scalars().all()
        return incident_records(s, rows, db.pack)


def get_incident(db: Database, incident_id: int) -> IncidentRecord:
    found = get_incidents(db, [incident_id])
    if not found:
        raise NotFoundError(f"No incident with id {incident_id}.")
    return found[0]


def get_units(db: Database, ids: list[int] | None = None) -> list[UnitRecord]:
    with db.read() as s:
        q = select(Unit).order_by(Unit.call_sign)
        if ids is not None:
            q = q.where(Unit.id.in_(ids))
        return unit_records(s, s.execute(q).scalars().all())


def timeline(db: Database, incident_id: int) -> list[EventRecord]:
    with db.read() as s:
        rows = (
            s.execute(select(IncidentEvent).where(IncidentEvent.incident_id == incident_id).order_by(IncidentEvent.id))
            .scalars()
            .all()
        )
        return event_records(s, rows)


def find_incident(db: Database, text: str) -> IncidentRecord:
    """An incident by full number, or by its last digits when that is unambiguous (data.names.match_incident)."""
    key = text.strip()
    with db.read() as s:
        rows = s.execute(select(Incident).where(Incident.number == key)).scalars().all() if key else []
        if not rows and key.isdigit():  # only the numbers ending in those digits are read
            rows = (
                s.execute(select(Incident).where(Incident.number.like(f"%{names.number_suffix(key)}"))).scalars().all()
            )
        return incident_records(s, [names.match_incident(rows, text)], db.pack)[0]


def find_unit(db: Database, text: str) -> UnitRecord:
    """A unit by call sign, or by the end of its call sign when that is unambiguous (data.names.match_unit)."""
    with db.read() as s:
        units = s.execute(select(Unit)).scalars().all() if names.unit_key(text) else []
        return unit_records(s, [names.match_unit(units, text)])[0]


def search_incidents(db: Database, text: str, limit: int = 50) -> list[IncidentRecord]:
    # Escaped: a typed % or _ is looked for as itself, not as a wildcard matching every incident.
    like = f"%{_like_escape(text.strip())}%"
    with db.read() as s:
        rows = (
            s.execute(
                select(Incident)
                .where(
                    or_(
                        Incident.number.like(like, escape="\\"),
                        Incident.location.ilike(like, escape="\\"),
                        Incident.caller_name.ilike(like, escape="\\"),
                        Incident.narrative.ilike(like, escape="\\"),
                        Incident.call_type.ilike(like, escape="\\"),
                    )
                )
                .order_by(Incident.received_at.desc())
                .limit(limit)
            )
            .scalars()
            .all()
        )
        return incident_records(s, rows, db.pack)


def duplicates_near(
    db: Database,
    *,
    latitude: float | None,
    longitude: float | None,
    received_at: dt.datetime | None = None,
    location: str = "",
) -> list[DuplicateCandidate]:
    """Incidents a new call may repeat: open ones at the same address or within the pack's radius whatever
    their age, closed ones that closed within the pack's window (rules.find_duplicates)."""
    if (latitude is None or longitude is None) and not location.strip():
        return []
    when = received_at or db.clock()
    window = dt.timedelta(minutes=db.pack.duplicates["window_minutes"])
    with db.read() as s:
        recently_closed = (Incident.status.in_(CLOSED_STATUSES)) & (Incident.cleared_at >= when - window)
        rows = s.execute(select(Incident).where(Incident.status.in_(OPEN_STATUSES) | recently_closed)).scalars().all()
        records = incident_records(s, rows, db.pack)
    return rules.find_duplicates(
        latitude=latitude,
        longitude=longitude,
        location=location,
        received_at=when,
        open_incidents=records,
        radius_m=db.pack.duplicates["radius_m"],
        window_minutes=db.pack.duplicates["window_minutes"],
    )


def recommendations(
    db: Database, incident: IncidentRecord, units: list[UnitRecord] | None = None
) -> list[rules.Recommendation]:
    ct = db.pack.call_types.get(incident.call_type)
    pool = units if units is not None else get_units(db)
    return rules.recommend_units(incident, pool, ct.skills if ct else ())


def officers(db: Database) -> list[OfficerRecord]:
    with db.read() as s:
        return [officer_record(o) for o in s.execute(select(Officer).order_by(Officer.name)).scalars()]


def active_shift_row(session: Session, *, lock: bool = False) -> Shift | None:
    """The active shift's row (the newest, should two ever be active); `lock` takes it FOR UPDATE."""
    query = select(Shift).where(Shift.status == "active").order_by(Shift.id.desc()).limit(1)
    return session.execute(query.with_for_update() if lock else query).scalar_one_or_none()


def active_shift(db: Database) -> ShiftRecord | None:
    with db.read() as s:
        row = active_shift_row(s)
        return shift_record(row) if row else None


def audit_entries(
    db: Database,
    actor: Actor,
    *,
    username: str | None = None,
    action: str | None = None,
    outcome: str | None = None,
    incident_id: int | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    limit: int | None = 500,
    purpose: str = "view",
) -> list[AuditRecord]:
    """Audit rows, newest first (user and action match a part, case-insensitive; times are UTC).

    Reading the audit log needs the read_audit permission, and every read is itself audited.
    """
    if limit is not None and limit < 1:
        raise ValidationError("limit", "Ask for at least one audit entry.")
    if since is not None and until is not None and until < since:
        raise ValidationError("until", "The end of the time range is before its start.")
    filters = {
        "username": username,
        "action": action,
        "outcome": outcome,
        "incident_id": incident_id,
        "since": since,
        "until": until,
    }
    authorize(db, actor, "read_audit", entity="audit_log")
    q = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    if username:
        q = q.where(AuditEntry.username.ilike(f"%{_like_escape(username.strip())}%", escape="\\"))
    if action:
        q = q.where(AuditEntry.action.ilike(f"%{_like_escape(action.strip())}%", escape="\\"))
    if outcome:
        q = q.where(AuditEntry.outcome == outcome)
    if incident_id is not None:
        q = q.where(AuditEntry.entity == "incident", AuditEntry.entity_id == incident_id)
    if since is not None:
        q = q.where(AuditEntry.at >= since)
    if until is not None:
        q = q.where(AuditEntry.at < until)
    if limit is not None:
        q = q.limit(limit)
    with work(db, actor, privilege="read_audit") as w:
        rows = w.session.execute(q).scalars().all()
        w.audit(
            "read_audit",
            "audit_log",
            None,
            None,
            {
                "purpose": purpose,
                "rows": len(rows),
                "filters": {k: v for k, v in filters.items() if v not in (None, "")},
            },
        )
        return [
            AuditRecord(
                id=a.id,
                at=a.at,
                username=a.username,
                workstation=a.workstation,
                action=a.action,
                entity=a.entity,
                entity_id=a.entity_id,
                outcome=a.outcome,
                before=a.before,
                after=a.after,
            )
            for a in rows
        ]


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def is_empty(db: Database) -> bool:
    with db.read() as s:
        return s.execute(select(Unit.id).limit(1)).first() is None


def ping(db: Database) -> bool:
    """Does the database answer on the connection actions use (for the banner's probe)? Raises if not."""
    try:
        with db.writer() as s:
            s.execute(select(1)).scalar_one()
    except (OperationalError, InterfaceError) as exc:
        raise DatabaseUnavailableError(
            f"The database does not answer ({str(exc.orig).strip().splitlines()[0]})."
        ) from exc
    return True
