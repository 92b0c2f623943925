"""One user action = one transaction: the change, its timeline event, its audit entry, then the feed."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

from sqlalchemy import insert, text
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from data.audit_chain import append
from data.db import Database
from data.errors import DatabaseUnavailableError, PermissionDeniedError, StaleWriteError
from data.feed import CHANNEL, Change
from data.ledger import LedgerEntry
from data.models import ChangeLog, Incident, Unit
from data.permissions import Actor, current_actor, record_refusal

# Deadlock, serialization failure: another workstation changed the same rows at the same moment.
CONTENTION_SQLSTATES = {"40P01", "40001"}
LOCK_TIMEOUT = "55P03"  # the rows stayed locked past lock_timeout (data.centre.Limits): an action that does not finish
INSUFFICIENT_PRIVILEGE = "42501"
QUERY_CANCELED = "57014"  # the statement timeout, or the watchdog's cancel request (data.watchdog)
VERSIONED: dict[str, type[Incident] | type[Unit]] = {"incident": Incident, "unit": Unit}


def row_lock(db: Database) -> dict[str, bool] | None:
    """Lock mode for rows an action will change: FOR NO KEY UPDATE on PostgreSQL (SQLite: BEGIN IMMEDIATE).

    Not FOR UPDATE: that also blocks the key-share locks a timeline insert takes on its incident and
    unit, which deadlocks an acknowledge (unit, then incident) against a clear (incident, then units).
    """
    return {"key_share": True} if db.dialect == "postgresql" else None


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
        self.key = uuid.uuid4().hex  # on every audit row of this action (data.ledger)
        self.changes: list[Change] = []
        # Append-only rows, written with one plain INSERT each at the end of the action: they need
        # none of the ORM's change tracking, and skipping it is most of an action's cost.
        self.events: list[dict[str, Any]] = []
        self.audits: list[dict[str, Any]] = []
        # A transferred call's agency is owed an EIDO update for every action on it (data.services.answer_back),
        # except the import of their own document.
        self.answer_back = True

    @property
    def audited(self) -> bool:
        return bool(self.audits)

    def event(self, incident_id: int, kind: str, text_: str, unit_id: int | None = None) -> None:
        self.events.append(
            {
                "incident_id": incident_id,
                "at": self.now,
                "kind": kind,
                "text": text_,
                "unit_id": unit_id,
                "author": self.actor.username,
                "workstation": self.actor.workstation,
            }
        )
        self.changed("timeline", incident_id)

    def audit(
        self,
        action: str,
        entity: str,
        entity_id: int | None,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
        *,
        outcome: str = "ok",
    ) -> None:
        self.audits.append(
            {
                "at": self.now,
                "username": self.actor.username,
                "workstation": self.actor.workstation,
                "action": action,
                "entity": entity,
                "entity_id": entity_id,
                "outcome": outcome,
                "before": jsonable(before) if before is not None else None,
                "after": jsonable(after) if after is not None else None,
                "action_key": self.key,
            }
        )

    def changed(self, kind: str, ident: int, version: int = 0) -> None:
        self.changes.append(Change(kind, ident, version))

    def ledger_entry(self, *, confirmed: bool = True) -> LedgerEntry:
        """This action as the console's ledger keeps it (its first audit row names it)."""
        first = self.audits[0]
        number = None
        if first["entity"] == "incident" and first["entity_id"] is not None:
            row = self.session.get(Incident, first["entity_id"])  # already in the session: no query
            number = row.number if row is not None else None
        return LedgerEntry(
            self.key, self.now, first["action"], first["entity"], first["entity_id"], number, confirmed=confirmed
        )

    def settled_changes(self) -> list[Change]:
        """One change per record, with the version this commit leaves it at (consoles skip what they hold)."""
        latest: dict[tuple[str, int], Change] = {}
        for change in self.changes:
            model = VERSIONED.get(change.kind)
            if model is not None:
                row = self.session.get(model, change.id)  # already in the session: no query
                if isinstance(row, Incident | Unit):
                    change = Change(change.kind, change.id, row.version)
            latest[(change.kind, change.id)] = change
        return list(latest.values())


@contextmanager
def work(db: Database, actor: Actor, *, privilege: str | None = None, check_account: bool = True) -> Iterator[Work]:
    """Run one action in one transaction; on any refusal nothing is written.

    The account is read first, in the same transaction: a disabled or locked account is refused, the
    role is the one the database has now (not the one cached at sign-in), and ``privilege`` (a
    ``data.permissions.PRIVILEGED`` action) must still be allowed to it.

    On a dispatch centre's server the commit is checked twice (data.centre): before, that the server
    is not an old primary; after, that it is durable where the centre requires. An acknowledged
    action goes into the console's ledger (data.ledger).
    """
    committing = False
    check = None
    refused: PermissionDeniedError | None = None
    try:
        with db.writer() as session, session.begin():
            w = Work(db, session, actor)
            if check_account:
                try:
                    w.actor = current_actor(session, actor, privilege)
                except PermissionDeniedError as exc:
                    refused = exc
                    raise
            yield w
            session.flush()
            if not w.audited:
                raise AssertionError("every action must write an audit entry")
            if w.events:
                append(session, "incident_events", w.events)
            if w.answer_back:
                # Imported late: answers are EIDO documents, built with the services this module serves.
                from data.services.answer_back import queue_answers

                queue_answers(w)
            append(session, "audit_log", w.audits)
            changes = w.settled_changes()
            if changes:  # one multi-row insert, not one ORM flush per row
                session.execute(
                    insert(ChangeLog),
                    [{"at": w.now, "kind": c.kind, "entity_id": c.id, "version": c.version} for c in changes],
                )
            if db.dialect == "postgresql":
                # NOTIFY inside the transaction: delivered only if the action commits.
                for change in changes:
                    session.execute(
                        text("SELECT pg_notify(:channel, :payload)"),
                        {"channel": CHANNEL, "payload": change.to_payload()},
                    )
            if db.centre is not None:
                check = db.centre.before_commit(session)
            entry = w.ledger_entry()
            committing = True
    except PermissionDeniedError as exc:
        if exc is refused:  # the account changed since sign-in: audited, in a transaction of its own
            record_refusal(db, actor, privilege or "action")
        raise
    except StaleDataError as exc:
        raise StaleWriteError(
            "Someone else changed this record while you were working on it. Reload and try again."
        ) from exc
    except (OperationalError, InterfaceError) as exc:
        raise _refusal(exc, committing=committing) from exc
    except DBAPIError as exc:
        if exc.connection_invalidated:
            raise _refusal(exc, committing=committing) from exc
        if getattr(exc.orig, "sqlstate", None) == INSUFFICIENT_PRIVILEGE:
            # The workstation's database role (docs/postgresql-roles.sql) does not allow this write.
            raise PermissionDeniedError(
                "This workstation's database account is not allowed to make that change; nothing was written. "
                f"({str(exc.orig).splitlines()[0]})"
            ) from exc
        raise
    unconfirmed = db.centre.after_commit(check) if db.centre is not None and check is not None else None
    db.feed.publish(changes)  # committed on the server either way: the boards show it
    if unconfirmed is not None:
        db.ledger.record(replace(entry, confirmed=False))
        raise unconfirmed
    db.ledger.record(entry)


def _refusal(exc: DBAPIError, *, committing: bool) -> Exception:
    """The readable refusal for a database error; the transaction was rolled back (or never reached)."""
    state = getattr(exc.orig, "sqlstate", None)
    if state == QUERY_CANCELED and not committing:
        return DatabaseUnavailableError(
            "The database did not answer in time, so the action was stopped; it was not applied. Try again."
        )
    if state == LOCK_TIMEOUT and not committing:
        return DatabaseUnavailableError(
            "Another action has held the same records for too long (the database may be waiting for its standby "
            "server); yours was not applied. Try again."
        )
    if state in CONTENTION_SQLSTATES:
        return StaleWriteError(
            "Another workstation was changing the same records at the same moment; your action was not "
            "applied. Check the board and try again.",
            changed_by="another workstation",
            changes="a simultaneous change",
        )
    if "locked" in str(exc).lower():
        return DatabaseUnavailableError("The database is busy; the action was not applied. Try again.")
    if committing:
        # The server may have committed before the link broke; only it knows.
        return DatabaseUnavailableError(
            "The connection to the database was lost while the action was being saved; it may not have been "
            "applied. The board shows the outcome once the connection is back."
        )
    if isinstance(exc, OperationalError) and not exc.connection_invalidated:
        reason = str(exc.orig).strip().splitlines()[0] if str(exc.orig).strip() else type(exc.orig).__name__
        return DatabaseUnavailableError(f"The database cannot be reached; the action was not applied. ({reason})")
    return DatabaseUnavailableError("The connection to the database was lost; the action was not applied.")
