"""Who may do what. Checked inside the services, not only by hiding buttons."""

from __future__ import annotations

import logging
import socket
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy.exc import DBAPIError

from data.audit_chain import append
from data.errors import PermissionDeniedError

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
}


@dataclass(frozen=True)
class Actor:
    """The signed-in person and the workstation an action comes from."""

    username: str
    role: str = "dispatcher"
    workstation: str = field(default_factory=socket.gethostname)
    display_name: str = ""


def allowed(actor: Actor, action: str) -> bool:
    roles = PRIVILEGED.get(action)
    return roles is None or actor.role in roles


def require(actor: Actor, action: str) -> None:
    if not allowed(actor, action):
        what = ACTION_NAMES.get(action, action)
        raise PermissionDeniedError(f"A {actor.role} cannot {what}; ask a supervisor.")


def authorize(db: Database, actor: Actor, action: str, *, entity: str = "", entity_id: int | None = None) -> None:
    """``require`` inside a service: a refusal also leaves an audit row (outcome "refused").

    Call it before the action's transaction opens: the refusal row is written in its own small
    transaction (a second writer inside an open one would wait on SQLite's lock), and nothing
    else is written.
    """
    if not allowed(actor, action):
        record_refusal(db, actor, action, entity=entity, entity_id=entity_id)
        require(actor, action)


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
