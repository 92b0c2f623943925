"""Who may do what. Checked inside the services, not only by hiding buttons."""

from __future__ import annotations

import socket
from dataclasses import dataclass, field

from data.errors import PermissionDeniedError

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
}

ACTION_NAMES = {
    "reopen_incident": "reopen a closed incident",
    "void_citation": "void a citation",
    "edit_roster": "edit the roster",
    "read_audit": "read the audit log",
    "manage_shift": "start or end a shift",
    "manage_users": "manage users",
    "edit_directory": "edit the referral directory",
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
