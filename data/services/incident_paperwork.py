"""What is printed about one incident, read at once: the handoff sheet, the welfare-check form and the EIDO
export print from `IncidentPaperwork`; a citation or welfare-check form opens with `PaperworkContext`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.db import Database
from data.errors import NotFoundError
from data.models import (
    AuditEntry,
    Citation,
    Incident,
    IncidentEvent,
    Officer,
    Referral,
    RosterEntry,
    Unit,
    WelfareCheck,
)
from data.pack import Pack
from data.records import (
    CitationRecord,
    EventRecord,
    IncidentRecord,
    OfficerRecord,
    ReferralRecord,
    WelfareCheckRecord,
)
from data.services.citations import citation_records
from data.services.convert import event_records, incident_records, officer_record
from data.services.referrals import referral_records
from data.services.welfare import welfare_records


@dataclass(frozen=True)
class RespondingUnit:
    """A unit that worked an incident, with the officers rostered on it in that shift."""

    call_sign: str
    officers: tuple[str, ...]
    badges: tuple[str, ...]
    status: str
    on_incident: bool


@dataclass(frozen=True)
class IncidentPaperwork:
    """Everything the handoff sheet, the welfare-check form and the EIDO export print about one incident."""

    incident: IncidentRecord
    events: tuple[EventRecord, ...]
    units: tuple[RespondingUnit, ...]
    referrals: tuple[ReferralRecord, ...]
    welfare_check: WelfareCheckRecord | None
    citations: tuple[CitationRecord, ...]
    merged_into_number: str | None = None


@dataclass(frozen=True)
class PaperworkContext:
    """What a citation or welfare-check form starts from: the incident, the officers, who was there."""

    incident: IncidentRecord
    officers: tuple[OfficerRecord, ...]  # active officers, by name
    on_scene_officer_ids: tuple[int, ...]  # officers of the units that worked the incident, first suggested
    citations: tuple[CitationRecord, ...]
    welfare_check: WelfareCheckRecord | None
    welfare_officer_id: int | None = None


def responding_units(session: Session, incidents: Sequence[Incident]) -> dict[int, list[RespondingUnit]]:
    """Units that worked each incident (from dispatch audit entries and unit events), with crews."""
    ids = [i.id for i in incidents]
    if not ids:
        return {}
    signs: dict[int, dict[str, None]] = {i: {} for i in ids}
    for entity_id, before in session.execute(
        select(AuditEntry.entity_id, AuditEntry.before).where(
            AuditEntry.action == "dispatch_units", AuditEntry.entity == "incident", AuditEntry.entity_id.in_(ids)
        )
    ):
        for sign in (before or {}).get("units", []):
            signs[entity_id][str(sign)] = None
    for incident_id, sign in session.execute(
        select(IncidentEvent.incident_id, Unit.call_sign)
        .join(Unit, Unit.id == IncidentEvent.unit_id)
        .where(IncidentEvent.incident_id.in_(ids))
    ):
        signs[incident_id][sign] = None
    # A unit reaches an incident only by a dispatch (audited with its call sign) or by starting
    # officer-initiated work (a timeline entry naming it), so the two reads above hold every unit on it.
    units = {
        u.call_sign: u
        for u in session.execute(
            select(Unit).where(Unit.call_sign.in_({s for d in signs.values() for s in d}))
        ).scalars()
    }
    shift_ids = {i.shift_id for i in incidents if i.shift_id}
    crews: dict[tuple[int | None, int], list[Officer]] = {}
    if shift_ids:
        for shift_id, unit_id, officer in session.execute(
            select(RosterEntry.shift_id, RosterEntry.unit_id, Officer)
            .join(Officer, Officer.id == RosterEntry.officer_id)
            .where(RosterEntry.shift_id.in_(shift_ids))
            .order_by(Officer.name)
        ):
            crews.setdefault((shift_id, unit_id), []).append(officer)
    out: dict[int, list[RespondingUnit]] = {}
    for inc in incidents:
        found = []
        for sign in sorted(signs[inc.id]):
            unit = units[sign]  # units are never deleted nor renamed
            crew = crews.get((inc.shift_id, unit.id), [])
            found.append(
                RespondingUnit(
                    call_sign=sign,
                    officers=tuple(o.name for o in crew),
                    badges=tuple(o.badge for o in crew),
                    status=unit.status,
                    on_incident=unit.incident_id == inc.id,
                )
            )
        out[inc.id] = found
    return out


def incident_paperwork(db: Database, incident_id: int) -> IncidentPaperwork:
    """One read of everything printed about an incident."""
    with db.read() as s:
        return read_incident_paperwork(s, db.pack, incident_id)


def read_incident_paperwork(s: Session, pack: Pack, incident_id: int) -> IncidentPaperwork:
    """Everything printed about an incident, read in the caller's session (an action's own, for its EIDO update)."""
    row = s.get(Incident, incident_id)
    if row is None:
        raise NotFoundError(f"No incident with id {incident_id}.")
    incident = incident_records(s, [row], pack)[0]
    events = s.execute(
        select(IncidentEvent).where(IncidentEvent.incident_id == incident_id).order_by(IncidentEvent.id)
    ).scalars()
    welfare = s.execute(select(WelfareCheck).where(WelfareCheck.incident_id == incident_id)).scalar_one_or_none()
    referrals = s.execute(select(Referral).where(Referral.incident_id == incident_id).order_by(Referral.id)).scalars()
    citations = s.execute(select(Citation).where(Citation.incident_id == incident_id).order_by(Citation.id)).scalars()
    merged = s.get(Incident, row.merged_into_id) if row.merged_into_id else None
    return IncidentPaperwork(
        incident=incident,
        events=tuple(event_records(s, events.all())),
        units=tuple(responding_units(s, [row])[row.id]),
        referrals=tuple(referral_records(s, referrals.all())),
        welfare_check=welfare_records(s, [welfare])[0] if welfare else None,
        citations=tuple(citation_records(s, citations.all())),
        merged_into_number=merged.number if merged else None,
    )


def paperwork_context(db: Database, incident_id: int) -> PaperworkContext:
    """One read for a form opened on an incident."""
    with db.read() as s:
        paper = read_incident_paperwork(s, db.pack, incident_id)
        active = s.execute(select(Officer).where(Officer.active.is_(True)).order_by(Officer.name)).scalars().all()
        by_badge = {o.badge: o.id for o in active}
        # An officer has one roster row a shift, so is in one unit's crew at most: no one is named twice.
        worked = [by_badge[b] for u in paper.units for b in u.badges if b in by_badge]
        welfare = s.execute(select(WelfareCheck).where(WelfareCheck.incident_id == incident_id)).scalar_one_or_none()
        return PaperworkContext(
            incident=paper.incident,
            officers=tuple(officer_record(o) for o in active),
            on_scene_officer_ids=tuple(worked),
            citations=paper.citations,
            welfare_check=paper.welfare_check,
            welfare_officer_id=welfare.officer_id if welfare is not None else None,
        )


__all__ = [
    "IncidentPaperwork",
    "PaperworkContext",
    "RespondingUnit",
    "incident_paperwork",
    "paperwork_context",
    "read_incident_paperwork",
    "responding_units",
]
