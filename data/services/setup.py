"""Setting up a centre: units, officers, shifts, the referral directory."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import select

from data.db import Database
from data.errors import InvalidTransitionError, ValidationError
from data.models import DirectoryAgency, Officer, Shift, Unit
from data.permissions import Actor, authorize
from data.records import OfficerRecord, ShiftRecord, UnitRecord
from data.services import validate
from data.services._work import snapshot, work
from data.services.convert import officer_record, shift_record, unit_records


def create_unit(db: Database, actor: Actor, *, call_sign: str, zone: str | None = None) -> UnitRecord:
    authorize(db, actor, "edit_roster", entity="unit")
    sign = validate.text("call_sign", call_sign, limit=20, required=True, label="call sign").upper()
    with work(db, actor, privilege="edit_roster") as w:
        if w.session.execute(select(Unit.id).where(Unit.call_sign == sign)).first():
            raise ValidationError("call_sign", f"Call sign {sign} is taken.")
        unit = Unit(call_sign=sign, status="off_duty", status_since=w.now, zone=zone, on_shift=False)
        w.session.add(unit)
        w.session.flush()
        w.audit("create_unit", "unit", unit.id, None, snapshot(unit, "call_sign", "zone"))
        w.changed("unit", unit.id, unit.version)
        return unit_records(w.session, [unit])[0]


def create_officer(
    db: Database,
    actor: Actor,
    *,
    badge: str,
    name: str,
    skills: Sequence[str] = (),
    languages: Sequence[str] = (),
) -> OfficerRecord:
    authorize(db, actor, "edit_roster", entity="officer")
    badge_ = validate.text("badge", badge, limit=20, required=True)
    name_ = validate.text("name", name, limit=120, required=True)
    with work(db, actor, privilege="edit_roster") as w:
        if w.session.execute(select(Officer.id).where(Officer.badge == badge_)).first():
            raise ValidationError("badge", f"Badge {badge_} is taken.")
        officer = Officer(badge=badge_, name=name_, skills=list(skills), languages=list(languages))
        w.session.add(officer)
        w.session.flush()
        w.audit("create_officer", "officer", officer.id, None, snapshot(officer, "badge", "name", "skills"))
        return officer_record(officer)


def start_shift(
    db: Database,
    actor: Actor,
    *,
    name: str,
    supervisor: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
) -> ShiftRecord:
    """Make a new shift the active one; the previous active shift closes."""
    authorize(db, actor, "manage_shift", entity="shift")
    name_ = validate.text("name", name, limit=80, required=True, label="shift name")
    if ends_at <= starts_at:
        raise ValidationError("ends_at", "A shift must end after it starts.")
    with work(db, actor, privilege="manage_shift") as w:
        for old in w.session.execute(select(Shift).where(Shift.status == "active")).scalars():
            old.status = "closed"
            old.ended_at = w.now
            w.changed("shift", old.id)
        shift = Shift(
            name=name_, status="active", supervisor=supervisor, starts_at=starts_at, ends_at=ends_at, started_at=w.now
        )
        w.session.add(shift)
        w.session.flush()
        w.audit("start_shift", "shift", shift.id, None, snapshot(shift, "name", "supervisor", "starts_at", "ends_at"))
        w.changed("shift", shift.id)
        return shift_record(shift)


def seed_directory(db: Database, actor: Actor) -> int:
    """Copy the pack's referral directory into the database (entries not there yet)."""
    authorize(db, actor, "edit_directory", entity="directory")
    with work(db, actor, privilege="edit_directory") as w:
        have = set(w.session.execute(select(DirectoryAgency.key)).scalars())
        added = 0
        for entry in db.pack.referrals:
            if entry.key not in have:
                w.session.add(
                    DirectoryAgency(key=entry.key, name=entry.name, phone=entry.phone, description=entry.description)
                )
                added += 1
        w.audit("seed_directory", "directory", None, None, {"added": added})
        return added


def close_shift(db: Database, actor: Actor, shift_id: int) -> ShiftRecord:
    authorize(db, actor, "manage_shift", entity="shift", entity_id=shift_id)
    with work(db, actor, privilege="manage_shift") as w:
        shift = w.session.get(Shift, shift_id)
        if shift is None or shift.status != "active":
            raise InvalidTransitionError("That shift is not active.")
        shift.status = "closed"
        shift.ended_at = w.now
        w.audit("close_shift", "shift", shift.id, None, {"status": "closed"})
        w.changed("shift", shift.id)
        return shift_record(shift)
