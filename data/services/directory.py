"""The referral directory (admins edit it) and the supervisors' list of referral follow-ups due."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.db import Database
from data.errors import InvalidTransitionError, NotFoundError, ValidationError
from data.models import DirectoryAgency, Incident, Referral
from data.pack import Pack
from data.permissions import Actor, authorize
from data.records import ReferralRecord
from data.services import validate
from data.services._work import snapshot, work
from data.services.paperwork import _referral_records, local_date

DIRECTORY_FIELDS = ("key", "name", "phone", "description", "active")
_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
_PHONE = re.compile(r"^[0-9A-Za-z+()\-. x#*]*$")


@dataclass(frozen=True)
class DirectoryRecord:
    id: int
    key: str
    name: str
    phone: str
    description: str
    active: bool


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


def _record(row: DirectoryAgency) -> DirectoryRecord:
    return DirectoryRecord(row.id, row.key, row.name, row.phone, row.description, row.active)


def directory_entries(db: Database, *, include_inactive: bool = False) -> list[DirectoryRecord]:
    """Directory entries by name (active ones only unless asked)."""
    with db.read() as s:
        q = select(DirectoryAgency).order_by(DirectoryAgency.name, DirectoryAgency.id)
        if not include_inactive:
            q = q.where(DirectoryAgency.active.is_(True))
        return [_record(r) for r in s.execute(q).scalars()]


def _phone(value: str | None) -> str:
    phone = validate.text("phone", value, limit=40)
    if not _PHONE.match(phone):
        raise ValidationError("phone", f"The phone number {phone!r} has characters a phone number cannot.")
    return phone


def add_directory_entry(
    db: Database, actor: Actor, *, key: str, name: str, phone: str = "", description: str = ""
) -> DirectoryRecord:
    """Add an agency to the referral directory (admins)."""
    authorize(db, actor, "edit_directory", entity="directory")
    key_ = validate.text("key", key, limit=40, required=True).lower()
    if not _KEY.match(key_):
        raise ValidationError("key", "A directory key is lower-case letters, digits, - and _ (for example dmh).")
    name_ = validate.text("name", name, limit=160, required=True, label="agency name")
    phone_ = _phone(phone)
    about = validate.text("description", description, limit=2000)
    with work(db, actor, privilege="edit_directory") as w:
        if w.session.execute(select(DirectoryAgency.id).where(DirectoryAgency.key == key_)).first():
            raise ValidationError("key", f"The key {key_} is taken; choose another.")
        row = DirectoryAgency(key=key_, name=name_, phone=phone_, description=about, active=True)
        w.session.add(row)
        w.session.flush()
        w.audit("add_directory_entry", "directory", row.id, None, snapshot(row, *DIRECTORY_FIELDS))
        w.changed("directory", row.id)
        return _record(row)


def update_directory_entry(
    db: Database,
    actor: Actor,
    entry_id: int,
    *,
    name: str | None = None,
    phone: str | None = None,
    description: str | None = None,
    active: bool | None = None,
) -> DirectoryRecord:
    """Change an entry's name, phone, description or whether it is offered (admins). Keys never change."""
    authorize(db, actor, "edit_directory", entity="directory")
    changes: dict[str, object] = {}
    if name is not None:
        changes["name"] = validate.text("name", name, limit=160, required=True, label="agency name")
    if phone is not None:
        changes["phone"] = _phone(phone)
    if description is not None:
        changes["description"] = validate.text("description", description, limit=2000)
    if active is not None:
        changes["active"] = bool(active)
    with work(db, actor, privilege="edit_directory") as w:
        row = w.session.get(DirectoryAgency, entry_id)
        if row is None:
            raise NotFoundError(f"No directory entry with id {entry_id}.")
        before = snapshot(row, *DIRECTORY_FIELDS)
        changed = {k: v for k, v in changes.items() if getattr(row, k) != v}
        if not changed:
            raise ValidationError("directory", "Nothing changed.")
        for key, value in changed.items():
            setattr(row, key, value)
        w.session.flush()
        w.audit("update_directory_entry", "directory", row.id, before, snapshot(row, *DIRECTORY_FIELDS))
        w.changed("directory", row.id)
        return _record(row)


def _follow_ups(session: Session, pack: Pack, rows: Sequence[tuple[Referral, Incident]]) -> list[FollowUpRecord]:
    referrals = _referral_records(session, [r for r, _i in rows]) if rows else []
    out = []
    for record, (row, incident) in zip(referrals, rows, strict=True):
        ct = pack.call_types.get(incident.call_type)
        out.append(
            FollowUpRecord(
                referral=record,
                incident_number=incident.number,
                incident_location=incident.location,
                call_type_label=ct.label if ct else incident.call_type,
                # Both queries ask for a follow-up date; the fallback is the local day it was recorded.
                due_on=row.follow_up_on or record.created_at.astimezone(ZoneInfo(pack.timezone)).date(),
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
        return _follow_ups(s, db.pack, s.execute(q).all())


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
        return _follow_ups(w.session, db.pack, [(row, incident)])[0]


__all__ = [
    "DirectoryRecord",
    "FollowUpRecord",
    "add_directory_entry",
    "complete_follow_up",
    "directory_entries",
    "referral_follow_ups",
    "update_directory_entry",
]
