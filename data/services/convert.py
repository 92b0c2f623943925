"""ORM rows to immutable records."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.models import Incident, IncidentEvent, Officer, RosterEntry, Shift, Unit
from data.pack import Pack
from data.records import EventRecord, IncidentRecord, OfficerRecord, ShiftRecord, UnitRecord


def incident_record(row: Incident, pack: Pack, units: Sequence[str] = ()) -> IncidentRecord:
    ct = pack.call_types.get(row.call_type)
    return IncidentRecord(
        id=row.id,
        number=row.number,
        kind=row.kind,
        call_type=row.call_type,
        call_type_label=ct.label if ct else row.call_type,
        apco_code=row.apco_code,
        priority=row.priority,
        status=row.status,
        location=row.location,
        latitude=row.latitude,
        longitude=row.longitude,
        zone=row.zone,
        in_city=row.in_city,
        caller_name=row.caller_name,
        caller_phone=row.caller_phone,
        narrative=row.narrative,
        screening=dict(row.screening or {}),
        response=row.response,
        override_reason=row.override_reason,
        received_at=row.received_at,
        entered_at=row.entered_at,
        dispatched_at=row.dispatched_at,
        enroute_at=row.enroute_at,
        onscene_at=row.onscene_at,
        cleared_at=row.cleared_at,
        status_changed_at=row.status_changed_at,
        disposition_code=row.disposition_code,
        disposition_note=row.disposition_note,
        merged_into_id=row.merged_into_id,
        shift_id=row.shift_id,
        created_by=row.created_by,
        version=row.version,
        units=tuple(units),
        transferred_from=row.transferred_from or "",
    )


def units_by_incident(session: Session, incident_ids: Iterable[int]) -> dict[int, list[str]]:
    ids = list(incident_ids)
    out: dict[int, list[str]] = defaultdict(list)
    if not ids:
        return out
    rows = session.execute(
        select(Unit.incident_id, Unit.call_sign).where(Unit.incident_id.in_(ids)).order_by(Unit.call_sign)
    )
    for incident_id, call_sign in rows:
        if incident_id is not None:
            out[incident_id].append(call_sign)
    return out


def incident_records(session: Session, rows: Sequence[Incident], pack: Pack) -> list[IncidentRecord]:
    assigned = units_by_incident(session, [r.id for r in rows])
    return [incident_record(r, pack, assigned.get(r.id, ())) for r in rows]


def crew_by_unit(session: Session, unit_ids: Iterable[int]) -> dict[int, list[Officer]]:
    """Officers signed on to each unit now (roster entries not yet signed off)."""
    ids = list(unit_ids)
    out: dict[int, list[Officer]] = defaultdict(list)
    if not ids:
        return out
    rows = session.execute(
        select(RosterEntry.unit_id, Officer)
        .join(Officer, Officer.id == RosterEntry.officer_id)
        .join(Shift, Shift.id == RosterEntry.shift_id)
        .where(
            RosterEntry.unit_id.in_(ids),
            RosterEntry.signed_off_at.is_(None),
            RosterEntry.signed_on_at.is_not(None),
            Shift.status == "active",
        )
        .order_by(Officer.name)
    )
    for unit_id, officer in rows:
        out[unit_id].append(officer)
    return out


def unit_records(session: Session, rows: Sequence[Unit]) -> list[UnitRecord]:
    crews = crew_by_unit(session, [u.id for u in rows])
    incident_ids = {u.incident_id for u in rows if u.incident_id}
    incidents = {}
    if incident_ids:
        incidents = {
            i.id: (i.number, i.location)
            for i in session.execute(
                select(Incident.id, Incident.number, Incident.location).where(Incident.id.in_(incident_ids))
            )
        }
    out = []
    for u in rows:
        crew = crews.get(u.id, [])
        number, location = incidents.get(u.incident_id, (None, None)) if u.incident_id else (None, None)
        skills = sorted(
            {s for o in crew for s in (o.skills or [])}
            | {f"speaks {lang}" for o in crew for lang in (o.languages or [])}
        )
        out.append(
            UnitRecord(
                id=u.id,
                call_sign=u.call_sign,
                status=u.status,
                status_since=u.status_since,
                check_started_at=u.check_started_at,
                incident_id=u.incident_id,
                incident_number=number,
                incident_location=location,
                latitude=u.latitude,
                longitude=u.longitude,
                zone=u.zone,
                on_shift=u.on_shift,
                version=u.version,
                officers=tuple(o.name for o in crew),
                skills=tuple(skills),
            )
        )
    return out


def event_records(session: Session, rows: Sequence[IncidentEvent]) -> list[EventRecord]:
    unit_ids = {e.unit_id for e in rows if e.unit_id}
    signs = {}
    if unit_ids:
        signs = {
            uid: sign for uid, sign in session.execute(select(Unit.id, Unit.call_sign).where(Unit.id.in_(unit_ids)))
        }
    return [
        EventRecord(
            id=e.id,
            incident_id=e.incident_id,
            at=e.at,
            kind=e.kind,
            text=e.text,
            author=e.author,
            workstation=e.workstation,
            unit_call_sign=signs.get(e.unit_id) if e.unit_id else None,
        )
        for e in rows
    ]


def officer_record(o: Officer) -> OfficerRecord:
    return OfficerRecord(
        id=o.id, badge=o.badge, name=o.name, skills=tuple(o.skills or ()), languages=tuple(o.languages or ())
    )


def shift_record(s: Shift) -> ShiftRecord:
    return ShiftRecord(
        id=s.id,
        name=s.name,
        status=s.status,
        supervisor=s.supervisor,
        starts_at=s.starts_at,
        ends_at=s.ends_at,
        started_at=s.started_at,
        ended_at=s.ended_at,
    )
