"""Intake drafts: a call being typed, kept per user and workstation until it is saved or discarded."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from data.db import Database
from data.errors import ValidationError
from data.models import IntakeDraft
from data.permissions import Actor

# What a draft may hold: the intake's fields as typed (text), the screening answers and the response chosen.
TEXT_FIELDS = {
    "call_type": 40,
    "location": 300,
    "caller_name": 120,
    "caller_phone": 40,
    "narrative": 20_000,
    "override_reason": 2000,
}
OTHER_FIELDS = {"priority", "screening", "response", "received_at"}
MAX_DRAFTS = 50  # per user and workstation: a dispatcher keeps a few, not a backlog


@dataclass(frozen=True)
class DraftRecord:
    key: str
    updated_at: dt.datetime
    created_at: dt.datetime
    fields: dict[str, Any]

    @property
    def summary(self) -> str:
        """'WELFARE · 8300 Santa Monica Blvd · Neighbour not seen…' as the draft list shows it."""
        parts = [str(self.fields.get(k) or "").strip() for k in ("call_type", "location", "caller_name")]
        story = " ".join(str(self.fields.get("narrative") or "").split())
        if story:
            parts.append(story[:60] + ("…" if len(story) > 60 else ""))
        return " · ".join(p for p in parts if p) or "(empty)"


def _clean(fields: dict[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - set(TEXT_FIELDS) - OTHER_FIELDS
    if unknown:
        raise ValidationError(sorted(unknown)[0], f"A draft does not keep {sorted(unknown)[0]!r}.")
    out: dict[str, Any] = {}
    for key, limit in TEXT_FIELDS.items():
        if key in fields:
            # Kept as typed (even a bad phone number: the dispatcher fixes it on reopening), within the limits.
            value = str(fields[key] or "")
            if len(value) > limit:
                raise ValidationError(
                    key, f"The {key.replace('_', ' ')} is {len(value):,} characters; the limit is {limit:,}."
                )
            out[key] = value.replace("\x00", "")
    if "priority" in fields:
        out["priority"] = int(fields["priority"]) if fields["priority"] in (1, 2, 3, 4) else None
    if "screening" in fields:
        answers = fields["screening"] or {}
        out["screening"] = {q: a for q, a in answers.items() if isinstance(a, bool) and isinstance(q, str)}
    if "response" in fields:
        out["response"] = fields["response"] if fields["response"] in ("transfer", "joint", "cso") else None
    if "received_at" in fields:
        out["received_at"] = str(fields["received_at"] or "")[:40]
    return out


def _record(row: IntakeDraft) -> DraftRecord:
    return DraftRecord(key=row.key, updated_at=row.updated_at, created_at=row.created_at, fields=dict(row.fields))


def save_draft(db: Database, actor: Actor, key: str, fields: dict[str, Any]) -> DraftRecord:
    """Keep what is typed now under the form's key (insert or replace); only its owner's workstation sees it.

    Not an audited action: a draft is the dispatcher's own scratch, saved as they type.
    """
    if not key or len(key) > 32 or not key.isalnum():
        raise ValidationError("key", "A draft key is up to 32 letters and digits.")
    clean = _clean(fields)
    now = db.clock()
    with db.writer() as session, session.begin():
        owned = _owned(session, actor, key)
        if owned is None and _count(session, actor) >= MAX_DRAFTS:
            raise ValidationError("draft", f"{MAX_DRAFTS} drafts are kept already; discard some first.")
        insert = pg_insert if db.dialect == "postgresql" else sqlite_insert
        statement = (
            insert(IntakeDraft)
            .values(
                key=key,
                username=actor.username,
                workstation=actor.workstation,
                created_at=now,
                updated_at=now,
                fields=clean,
            )
            .on_conflict_do_update(
                index_elements=["key"],
                set_={"updated_at": now, "fields": clean},
                # Never over another person's draft that happens to share the key.
                where=(IntakeDraft.username == actor.username) & (IntakeDraft.workstation == actor.workstation),
            )
        )
        session.execute(statement)
        session.expire_all()  # the row read above is stale after the upsert
        row = _owned(session, actor, key)
        if row is None:
            raise ValidationError("key", "That draft belongs to someone else.")
        return _record(row)


def _owned(session: Session, actor: Actor, key: str) -> IntakeDraft | None:
    query = select(IntakeDraft).where(
        IntakeDraft.key == key, IntakeDraft.username == actor.username, IntakeDraft.workstation == actor.workstation
    )
    return session.execute(query).scalar_one_or_none()


def _count(session: Session, actor: Actor) -> int:
    query = select(IntakeDraft.id).where(
        IntakeDraft.username == actor.username, IntakeDraft.workstation == actor.workstation
    )
    return len(session.execute(query).all())


def list_drafts(db: Database, actor: Actor) -> list[DraftRecord]:
    """This user's drafts at this workstation, the newest first."""
    with db.read() as session:
        query = (
            select(IntakeDraft)
            .where(IntakeDraft.username == actor.username, IntakeDraft.workstation == actor.workstation)
            .order_by(IntakeDraft.updated_at.desc(), IntakeDraft.id.desc())
        )
        return [_record(row) for row in session.execute(query).scalars()]


def discard_draft(db: Database, actor: Actor, key: str) -> bool:
    """Drop a draft (the dispatcher said discard); True when there was one."""
    with db.writer() as session, session.begin():
        return bool(delete_draft(session, actor, key))


def delete_draft(session: Session, actor: Actor, key: str) -> int:
    """Inside the caller's transaction: the call was saved, so its draft goes with the same commit."""
    result = session.execute(
        delete(IntakeDraft).where(
            IntakeDraft.key == key,
            IntakeDraft.username == actor.username,
            IntakeDraft.workstation == actor.workstation,
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)
