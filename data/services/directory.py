"""The referral directory: the agencies a person can be referred to (administrators edit it)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select

from data.db import Database
from data.errors import NotFoundError, ValidationError
from data.models import DirectoryAgency
from data.permissions import Actor, authorize
from data.services import validate
from data.services._work import snapshot, work

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


__all__ = [
    "DirectoryRecord",
    "add_directory_entry",
    "directory_entries",
    "update_directory_entry",
]
