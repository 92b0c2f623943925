"""One user action = one transaction: the change, its timeline event, its audit entry, then the feed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from data.db import Database
from data.errors import DatabaseUnavailableError, StaleWriteError
from data.feed import CHANNEL, Change
from data.models import AuditEntry, ChangeLog, IncidentEvent
from data.permissions import Actor


def jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def snapshot(obj: Any, *fields: str) -> dict[str, Any]:
    return {f: jsonable(getattr(obj, f)) for f in fields}


class Work:
    """What one action is writing; collected so the commit step can audit and announce it."""

    def __init__(self, db: Database, session: Session, actor: Actor) -> None:
        self.db = db
        self.session = session
        self.actor = actor
        self.now = db.clock()
        self.changes: list[Change] = []
        self.audited = False

    def event(self, incident_id: int, kind: str, text_: str, unit_id: int | None = None) -> None:
        self.session.add(
            IncidentEvent(
                incident_id=incident_id,
                at=self.now,
                kind=kind,
                text=text_,
                unit_id=unit_id,
                author=self.actor.username,
                workstation=self.actor.workstation,
            )
        )
        self.changed("timeline", incident_id)

    def audit(
        self,
        action: str,
        entity: str,
        entity_id: int | None,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
    ) -> None:
        self.session.add(
            AuditEntry(
                at=self.now,
                username=self.actor.username,
                workstation=self.actor.workstation,
                action=action,
                entity=entity,
                entity_id=entity_id,
                outcome="ok",
                before=jsonable(before) if before is not None else None,
                after=jsonable(after) if after is not None else None,
            )
        )
        self.audited = True

    def changed(self, kind: str, ident: int, version: int = 0) -> None:
        self.changes.append(Change(kind, ident, version))


@contextmanager
def work(db: Database, actor: Actor) -> Iterator[Work]:
    """Run one action in one transaction; on any refusal nothing is written."""
    try:
        with db.writer() as session, session.begin():
            w = Work(db, session, actor)
            yield w
            session.flush()
            if not w.audited:
                raise AssertionError("every action must write an audit entry")
            for change in dict.fromkeys(w.changes):
                session.add(ChangeLog(at=w.now, kind=change.kind, entity_id=change.id, version=change.version))
            if db.dialect == "postgresql":
                # NOTIFY inside the transaction: delivered only if the action commits.
                for change in dict.fromkeys(w.changes):
                    session.execute(
                        text("SELECT pg_notify(:channel, :payload)"),
                        {"channel": CHANNEL, "payload": change.to_payload()},
                    )
    except StaleDataError as exc:
        raise StaleWriteError(
            "Someone else changed this record while you were working on it. Reload and try again."
        ) from exc
    except OperationalError as exc:
        if "locked" in str(exc).lower():
            raise DatabaseUnavailableError("The database is busy; the action was not applied. Try again.") from exc
        raise DatabaseUnavailableError(
            f"The database cannot be reached; the action was not applied. ({exc.orig})"
        ) from exc
    except DBAPIError as exc:
        if exc.connection_invalidated:
            raise DatabaseUnavailableError(
                "The connection to the database was lost; the action was not applied."
            ) from exc
        raise
    db.feed.publish(w.changes)
