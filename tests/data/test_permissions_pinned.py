"""Who may do what, written out: each privileged action, the roles that may take it, and the refusal."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from data import auth
from data.errors import AccountChangedError, PermissionDeniedError
from data.models import AuditEntry
from data.permissions import (
    ACTION_NAMES,
    PRIVILEGED,
    Actor,
    allowed,
    authorize,
    current_actor,
    record_refusal,
    require,
)
from tests.data.helpers import ADMIN, FAST_HASHER

# action: (roles allowed, what a refusal calls it)
PRIVILEGES = {
    "reopen_incident": ({"supervisor", "admin"}, "reopen a closed incident"),
    "void_citation": ({"supervisor", "admin"}, "void a citation"),
    "edit_roster": ({"supervisor", "admin"}, "edit the roster"),
    "read_audit": ({"supervisor", "admin"}, "read the audit log"),
    "manage_shift": ({"supervisor", "admin"}, "start or end a shift"),
    "manage_users": ({"admin"}, "manage users"),
    "edit_directory": ({"admin"}, "edit the referral directory"),
    "read_statistics": ({"supervisor", "admin"}, "read the statistics dashboard"),
    "apply_retention": ({"admin"}, "remove personal details past retention"),
    "match_people": ({"supervisor", "admin"}, "merge or split people's contacts"),
}


def test_the_privileged_actions_and_their_names():
    assert {a: set(r) for a, r in PRIVILEGED.items()} == {a: roles for a, (roles, _) in PRIVILEGES.items()}
    assert {a: name for a, (_, name) in PRIVILEGES.items()} == ACTION_NAMES


@pytest.mark.parametrize(("action", "roles", "name"), [(a, r, n) for a, (r, n) in PRIVILEGES.items()])
@pytest.mark.parametrize("role", ["dispatcher", "supervisor", "admin"])
def test_a_refusal_names_the_role_and_the_action_in_words(action, roles, name, role):
    actor = Actor("someone", role=role, workstation="ws-1")
    assert allowed(actor, action) is (role in roles)
    if role in roles:
        require(actor, action)
    else:
        with pytest.raises(PermissionDeniedError) as refused:
            require(actor, action)
        assert str(refused.value) == f"A {role} cannot {name}; ask a supervisor."


def test_every_other_action_is_open_to_every_role():
    for role in ("dispatcher", "supervisor", "admin"):
        assert allowed(Actor("someone", role=role, workstation="ws-1"), "dispatch_units")
        require(Actor("someone", role=role, workstation="ws-1"), "dispatch_units")


def test_a_refusal_in_a_service_leaves_one_audit_row(db, clock):
    dispatcher = Actor("dana", role="dispatcher", workstation="ws-7")
    with pytest.raises(PermissionDeniedError):
        authorize(db, dispatcher, "void_citation", entity="citation", entity_id=12)
    authorize(db, Actor("sam", role="supervisor", workstation="ws-8"), "void_citation", entity="citation")
    with pytest.raises(PermissionDeniedError):
        authorize(db, dispatcher, "read_statistics")
    record_refusal(db, dispatcher, "manage_users")
    with db.read() as s:
        rows = s.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars().all()
    assert [
        (r.at, r.username, r.workstation, r.action, r.entity, r.entity_id, r.outcome, r.before, r.after) for r in rows
    ] == [
        (clock(), "dana", "ws-7", "void_citation", "citation", 12, "refused", None, {"role": "dispatcher"}),
        (clock(), "dana", "ws-7", "read_statistics", "", None, "refused", None, {"role": "dispatcher"}),
        (clock(), "dana", "ws-7", "manage_users", "", None, "refused", None, {"role": "dispatcher"}),
    ]


@pytest.mark.parametrize(("action", "name"), [(a, name) for a, (_, name) in PRIVILEGES.items()])
def test_a_supervisor_demoted_since_sign_in_is_told_the_new_role_and_what_it_cannot_do(db, action, name):
    auth.create_user(db, ADMIN, "sup.ana", role="dispatcher", password="a long enough pass phrase", hasher=FAST_HASHER)
    signed_in_as_supervisor = Actor("sup.ana", role="supervisor", workstation="ws-3")
    with db.writer() as s, pytest.raises(AccountChangedError) as refused:
        current_actor(s, signed_in_as_supervisor, action)
    assert str(refused.value) == (
        f"Your role is now dispatcher (it was supervisor when you signed in): a dispatcher cannot {name}. "
        "Sign out and in again to work with your current role."
    )


def test_an_account_with_its_role_unchanged_is_taken_as_it_signed_in(db):
    auth.create_user(db, ADMIN, "sup.ben", role="supervisor", password="a long enough pass phrase", hasher=FAST_HASHER)
    ben = Actor("sup.ben", role="supervisor", workstation="ws-3")
    with db.writer() as s:
        assert current_actor(s, ben, "void_citation") == ben
        assert current_actor(s, ben, None) == ben
