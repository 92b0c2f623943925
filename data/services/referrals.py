"""Referrals: offered to a person on an incident (accepted or declined), read back per incident and shift,
and the follow-ups supervisors work through when a referral's follow-up day comes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.db import Database
from data.errors import InvalidTransitionError, NotFoundError, ValidationError
from data.models import DirectoryAgency, Incident, Referral
from data.pack import Pack
from data.permissions import Actor
from data.records import ReferralRecord
from data.services import validate
from data.services._work import snapshot, work
from data.services.directory import DirectoryRecord, directory_entries
from data.services.shifts import local_date, of_shift

REFERRAL_OUTCOMES = ("offered", "accepted", "declined")


@dataclass(frozen=True)
class FollowUpRecord:
    """A referral with a follow-up date, and the incident it came from."""

    referral: ReferralRecord
    incident_number: str
    incident_location: str
    call_type_label: str
    due_on: dt.date
    followed_up_at: dt.datetime | None
    followed_up_by: str

    @property
    def done(self) -> bool:
        return self.followed_up_at is not None


def referral_records(session: Session, rows: Sequence[Referral]) -> list[ReferralRecord]:
    agencies = {
        a.id: a
        for a in session.execute(
            select(DirectoryAgency).where(DirectoryAgency.id.in_({r.agency_id for r in rows}))
        ).scalars()
    }
    return [
        ReferralRecord(
            id=r.id,
            incident_id=r.incident_id,
            agency_key=agencies[r.agency_id].key,
            agency_name=agencies[r.agency_id].name,
            agency_phone=agencies[r.agency_id].phone,
            outcome=r.outcome,
            follow_up_on=r.follow_up_on,
            note=r.note,
            created_at=r.created_at,
            created_by=r.created_by,
        )
        for r in rows
    ]


def add_referral(
    db: Database,
    actor: Actor,
    *,
    incident_id: int,
    agency_key: str,
    outcome: str,
    follow_up_on: dt.date | None = None,
    note: str = "",
) -> ReferralRecord:
    """Record a referral offered to a person on an incident, and whether they accepted it."""
    if outcome not in REFERRAL_OUTCOMES:
        raise ValidationError(
            "outcome", f"Referral outcome must be offered, accepted or declined, not {outcome[:20]!r}."
        )
    body = validate.text("note", note, limit=validate.MAX_SHORT)
    if follow_up_on is not None and not isinstance(follow_up_on, dt.date):
        raise ValidationError("follow_up_on", "The follow-up date must be a date.")
    with work(db, actor) as w:
        incident = w.session.get(Incident, incident_id)
        if incident is None:
            raise NotFoundError(f"No incident with id {incident_id}.")
        agency = w.session.execute(
            select(DirectoryAgency).where(DirectoryAgency.key == (agency_key or "").strip())
        ).scalar_one_or_none()
        if agency is None or not agency.active:
            raise NotFoundError(f"No referral agency {str(agency_key)[:40]!r} in the directory.")
        if follow_up_on is not None and follow_up_on < local_date(db, w.now):
            raise ValidationError("follow_up_on", "The follow-up date is in the past.")
        row = Referral(
            incident_id=incident_id,
            agency_id=agency.id,
            outcome=outcome,
            follow_up_on=follow_up_on,
            note=body,
            created_at=w.now,
            created_by=actor.username,
        )
        w.session.add(row)
        w.session.flush()
        text = f"Referral to {agency.name}" + (f" ({agency.phone})" if agency.phone else "") + f": {outcome}"
        if follow_up_on:
            text += f"; follow up on {follow_up_on.isoformat()}"
        if body:
            text += f". {body}"
        w.event(incident_id, "referral", text)
        w.audit(
            "add_referral",
            "referral",
            row.id,
            None,
            snapshot(row, "incident_id", "outcome", "follow_up_on") | {"agency": agency.key},
        )
        w.changed("referral", row.id)
        w.changed("incident", incident_id, incident.version)
        return referral_records(w.session, [row])[0]


def referrals_for_incident(db: Database, incident_id: int) -> list[ReferralRecord]:
    with db.read() as s:
        rows = s.execute(select(Referral).where(Referral.incident_id == incident_id).order_by(Referral.id)).scalars()
        return referral_records(s, rows.all())


@dataclass(frozen=True)
class ReferralForm:
    """What the referral dialog opens with: the directory to choose from and the incident's referrals so far."""

    agencies: tuple[DirectoryRecord, ...]  # active entries, by name
    made: tuple[ReferralRecord, ...]


def referral_form(db: Database, incident_id: int) -> ReferralForm:
    return ReferralForm(tuple(directory_entries(db)), tuple(referrals_for_incident(db, incident_id)))


def referrals_for_shift(db: Database, shift_id: int) -> list[ReferralRecord]:
    query = of_shift(select(Referral), Referral.incident_id, shift_id).order_by(Referral.created_at, Referral.id)
    with db.read() as s:
        return referral_records(s, s.execute(query).scalars().all())


# --- follow-ups ------------------------------------------------------------------------------


def follow_up_records(session: Session, pack: Pack, rows: Sequence[tuple[Referral, Incident]]) -> list[FollowUpRecord]:
    referrals = referral_records(session, [r for r, _i in rows])
    out = []
    for record, (row, incident) in zip(referrals, rows, strict=True):
        ct = pack.call_types.get(incident.call_type)
        # Both callers read only referrals with a follow-up date.
        assert row.follow_up_on is not None
        out.append(
            FollowUpRecord(
                referral=record,
                incident_number=incident.number,
                incident_location=incident.location,
                call_type_label=ct.label if ct else incident.call_type,
                due_on=row.follow_up_on,
                followed_up_at=row.followed_up_at,
                followed_up_by=row.followed_up_by or "",
            )
        )
    return out


def referral_follow_ups(
    db: Database, *, due_by: dt.date | None = None, include_done: bool = False
) -> list[FollowUpRecord]:
    """Referrals whose follow-up date is on or before `due_by` (default: today, local), oldest first."""
    day = due_by or local_date(db, db.clock())
    with db.read() as s:
        q = (
            select(Referral, Incident)
            .join(Incident, Incident.id == Referral.incident_id)
            .where(Referral.follow_up_on.is_not(None), Referral.follow_up_on <= day)
            .order_by(Referral.follow_up_on, Referral.id)
        )
        if not include_done:
            q = q.where(Referral.followed_up_at.is_(None))
        return follow_up_records(s, db.pack, s.execute(q).all())


def complete_follow_up(db: Database, actor: Actor, referral_id: int, *, note: str = "") -> FollowUpRecord:
    """Record that a referral was followed up; the note goes into the incident's timeline."""
    body = validate.text("note", note, limit=2000)
    with work(db, actor) as w:
        row = w.session.get(Referral, referral_id)
        if row is None:
            raise NotFoundError(f"No referral with id {referral_id}.")
        if row.follow_up_on is None:
            raise InvalidTransitionError("That referral has no follow-up date.")
        if row.followed_up_at is not None:
            raise InvalidTransitionError(f"That follow-up was already done by {row.followed_up_by}.")
        agency = w.session.get(DirectoryAgency, row.agency_id)
        incident = w.session.get(Incident, row.incident_id)
        assert agency is not None and incident is not None
        row.followed_up_at = w.now
        row.followed_up_by = actor.username
        w.event(incident.id, "referral", f"Referral follow-up done ({agency.name})" + (f": {body}" if body else ""))
        w.session.flush()
        w.audit(
            "complete_follow_up",
            "referral",
            row.id,
            {"followed_up_at": None},
            snapshot(row, "followed_up_at", "followed_up_by") | ({"note": body} if body else {}),
        )
        w.changed("referral", row.id)
        w.changed("incident", incident.id, incident.version)
        return follow_up_records(w.session, db.pack, [(row, incident)])[0]


__all__ = [
    "REFERRAL_OUTCOMES",
    "FollowUpRecord",
    "ReferralForm",
    "add_referral",
    "complete_follow_up",
    "follow_up_records",
    "referral_follow_ups",
    "referral_form",
    "referral_records",
    "referrals_for_incident",
    "referrals_for_shift",
]
