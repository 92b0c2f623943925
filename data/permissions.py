"""Who may do what. Checked inside the services, not only by hiding buttons."""

from __future__ import annotations

import logging
import socket
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from data.audit_chain import append
from data.errors import AccountChangedError, PermissionDeniedError
from data.models import User

if TYPE_CHECKING:
    from data.db import Database

log = logging.getLogger(__name__)

ROLES = ("dispatcher", "supervisor", "admin")

# Actions that need more than a dispatcher; everything else is open to every signed-in role.
PRIVILEGED: dict[str, frozenset[str]] = {
    "reopen_incident": frozenset({"supervisor", "admin"}),
    "void_citation": frozenset({"supervisor", "admin"}),
    "edit_roster": frozenset({"supervisor", "admin"}),
    "read_audit": frozenset({"supervisor", "admin"}),
    "manage_shift": frozenset({"supervisor", "admin"}),
    "manage_users": frozenset({"admin"}),
    "edit_directory": frozenset({"admin"}),
    "read_statistics": frozenset({"supervisor", "admin"}),
    "apply_retention": frozenset({"admin"}),
    "match_people": frozenset({"supervisor", "admin"}),
}

ACTION_NAMES = {
    "reopen_incident": "reopen a closed incident",
    "void_citation": "void a citation",
    "edit_roster": "edit the roster",
    "read_audit": "read the audit log",
    "manage_shift": "start or end a shift",
    "manage_users": "manage users",
    "edit_directory": "edit the referral directory",
    "read_statistics": "read the statistics dashboard",
    "apply_retention": "remove personal details past retention",
    "match_people": "merge or split people's contacts",
}


@dataclass(frozen=True)
class Actor:
    """The signed-in person and the workstation an action comes from."""

    username: str
    role: str = "dispatcher"
    workstation: str = field(default_factory=socket.gethostname)
    display_name: str = ""


def role_allowed(role: str, action: str) -> bool:
    """Whether a role may take an action: the matrix alone, without the account (views ask this to mirror it)."""
    roles = PRIVILEGED.get(action)
    return roles is None or role in roles


def allowed(actor: Actor, action: str) -> bool:
    return role_allowed(actor.role, action)


def require(actor: Actor, action: str) -> None:
    if not allowed(actor, action):
        what = ACTION_NAMES.get(action, action)
        raise PermissionDeniedError(f"A {actor.role} cannot {what}; ask a supervisor.")


def current_actor(session: Session, actor: Actor, action: str | None = None) -> Actor:
    """The actor as the database has the account now: its role, and refused if disabled or locked.

    Every action reads this in its own transaction (``data.services._work.work``), so an administrator's
    demotion or disable takes effect on the next action of a session signed in before it. An actor
    without an account row (the command line's local administrator, a demo or test actor) is taken as
    given: sign-in is what checks those.
    """
    row = session.execute(
        select(User.role, User.active, User.locked).where(User.username == actor.username)
    ).one_or_none()
    if row is None:
        if action is not None and not allowed(actor, action):
            require(actor, action)
        return actor
    role, active, locked = row
    if not active:
        raise AccountChangedError(
            f"The account {actor.username} was disabled by an administrator; nothing was changed. Sign out.",
            role=role,
            usable=False,
        )
    if locked:
        raise AccountChangedError(
            f"The account {actor.username} is locked; nothing was changed. Sign out and ask an administrator.",
            role=role,
            usable=False,
        )
    now = replace(actor, role=role) if role != actor.role else actor
    if action is not None and not allowed(now, action):
        what = ACTION_NAMES.get(action, action)
        if role != actor.role:
            raise AccountChangedError(
                f"Your role is now {role} (it was {actor.role} when you signed in): a {role} cannot {what}. "
                "Sign out and in again to work with your current role.",
                role=role,
            )
        require(now, action)
    return now


def authorize(db: Database, actor: Actor, action: str, *, entity: str = "", entity_id: int | None = None) -> None:
    """``require`` inside a service, with the account as the database has it now: a refusal also leaves an
    audit row (outcome "refused").

    Call it before the action's transaction opens: the refusal row is written in its own small
    transaction (a second writer inside an open one would wait on SQLite's lock), and nothing
    else is written. The action's own transaction checks the account again (``work(privilege=...)``).
    """
    try:
        with db.read() as session:
            current_actor(session, actor, action)
    except PermissionDeniedError:
        record_refusal(db, actor, action, entity=entity, entity_id=entity_id)
        raise


def record_refusal(db: Database, actor: Actor, action: str, *, entity: str = "", entity_id: int | None = None) -> None:
    """Audit a refused action; a failure to write the row is logged, never raised over the refusal."""
    try:
        with db.writer() as session, session.begin():
            append(
                session,
                "audit_log",
                [
                    {
                        "at": db.clock(),
                        "username": actor.username,
                        "workstation": actor.workstation,
                        "action": action,
                        "entity": entity,
                        "entity_id": entity_id,
                        "outcome": "refused",
                        "before": None,
                        "after": {"role": actor.role},
                        "action_key": None,
                    }
                ],
            )
    except DBAPIError:
        log.exception("could not audit the refusal of %s for %s", action, actor.username)
