"""Roles are current: every action reads the account in its own transaction, not the role cached at sign-in."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from data import auth, services
from data.errors import AccountChangedError, PermissionDeniedError
from data.models import AuditEntry, Citation, User
from data.permissions import Actor
from data.services import citations
from tests.data.helpers import welfare_call

ADMIN = Actor("root.admin", role="admin", workstation="ws-admin")
PASSWORD = "Melrose Place 1994 rain"


@pytest.fixture
def signed_in(any_db):
    """A supervisor signed in at ws-sup (the actor the window holds), with a citation to void."""
    auth.create_user(any_db, ADMIN, "maria", role="supervisor", password=PASSWORD)
    maria = auth.authenticate(any_db, "maria", PASSWORD, workstation="ws-sup")
    officer = services.create_officer(any_db, maria, badge="C7", name="Ana Díaz")
    cited = citations.issue_citation(
        any_db,
        maria,
        officer_id=officer.id,
        violator_name="John Smith",
        violations=["9.08.050"],
        location="Plummer Park",
    )
    return maria, cited


def refusals(db, username: str) -> list[str]:
    with db.read() as s:
        query = select(AuditEntry.action).where(AuditEntry.username == username, AuditEntry.outcome == "refused")
        return list(s.scalars(query))


def test_a_supervisor_demoted_and_disabled_while_signed_in_cannot_void(any_db, signed_in):
    maria, cited = signed_in
    assert maria.role == "supervisor"
    auth.set_role(any_db, ADMIN, "maria", "dispatcher")
    with pytest.raises(AccountChangedError, match="Your role is now dispatcher \\(it was supervisor") as refused:
        citations.void_citation(any_db, maria, cited.number, "Wrong person")
    assert refused.value.role == "dispatcher" and refused.value.usable
    auth.disable_user(any_db, ADMIN, "maria")
    with pytest.raises(AccountChangedError, match="maria was disabled by an administrator") as disabled:
        citations.void_citation(any_db, maria, cited.number, "Wrong person")
    assert not disabled.value.usable
    with any_db.read() as s:
        assert s.execute(select(Citation.status).where(Citation.number == cited.number)).scalar_one() == "issued"
    assert refusals(any_db, "maria") == ["void_citation", "void_citation"]


def test_a_disabled_dispatcher_is_refused_every_action_but_signing_out(any_db, signed_in):
    maria, _ = signed_in
    inc = welfare_call(any_db, maria)
    auth.disable_user(any_db, ADMIN, "maria")
    with pytest.raises(AccountChangedError, match="disabled"):
        services.add_note(any_db, maria, inc.id, "still here")
    with pytest.raises(AccountChangedError, match="disabled"):
        welfare_call(any_db, maria)
    auth.sign_out(any_db, maria)  # the end of the session is still recorded
    assert len(services.timeline(any_db, inc.id)) == 1


def test_a_locked_account_is_refused_and_an_unlocked_one_works_again(any_db, signed_in):
    maria, _ = signed_in
    inc = welfare_call(any_db, maria)
    with any_db.writer() as s, s.begin():
        s.execute(User.__table__.update().where(User.username == "maria").values(locked=True))
    with pytest.raises(AccountChangedError, match="locked"):
        services.add_note(any_db, maria, inc.id, "x")
    auth.unlock_user(any_db, ADMIN, "maria")
    assert services.add_note(any_db, maria, inc.id, "back").id == inc.id


def test_a_promotion_takes_effect_without_signing_in_again(any_db):
    auth.create_user(any_db, ADMIN, "leo", role="dispatcher", password=PASSWORD)
    leo = auth.authenticate(any_db, "leo", PASSWORD, workstation="ws-1")
    inc = welfare_call(any_db, leo)
    services.cancel_incident(any_db, leo, inc.id, reason="caller called back")
    with pytest.raises(PermissionDeniedError, match="A dispatcher cannot reopen"):
        services.reopen_incident(any_db, leo, inc.id, reason="called again")
    auth.set_role(any_db, ADMIN, "leo", "supervisor")
    assert services.reopen_incident(any_db, leo, inc.id, reason="called again").status == "pending"
    # The audit row of a dispatcher-level action done after the change names the same person.
    assert refusals(any_db, "leo") == ["reopen_incident"]
