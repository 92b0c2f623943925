"""On a centre's server set up as the README says, a workstation's login can do what a dispatcher does, no more.

Each attack of issue 12 is made with raw SQL as the workstation login and refused by the database; the same
actions succeed for a supervisor or administrator signed in through the console's services.
"""

from __future__ import annotations

import shutil
import subprocess

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from data import auth, services
from data.audit_chain import verify
from data.db import Database
from data.errors import PermissionDeniedError, WrongPasswordError
from data.permissions import Actor
from data.services import citations
from tests.data.helpers import FAST_HASHER, small_shift, welfare_call
from tests.data.test_postgres_sync import as_role, centre_roles  # noqa: F401  (a fixture)

pytestmark = pytest.mark.postgres

PASSWORD = {"alice": "Admin 8300 Santa Monica", "sam": "Supervisor on Sweetzer", "dave": "Dispatch from Fairfax"}
D = Actor("dave", role="dispatcher", workstation="Dispatch 1")


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch):
    monkeypatch.setattr(auth, "HASHER", FAST_HASHER)


@pytest.fixture
def centre(pg_empty_url, centre_roles):  # noqa: F811
    """The owner migrates and adds three accounts; the roles script is applied; a workstation connects."""
    names, script = centre_roles
    psql = shutil.which("psql")
    if psql is None:
        pytest.skip("psql is not installed")
    owner = Database(as_role(pg_empty_url, names["cso_owner"]))
    admin = auth.local_admin("server")
    for user, role in (("alice", "admin"), ("sam", "supervisor"), ("dave", "dispatcher")):
        auth.create_user(owner, admin, user, role=role, password=PASSWORD[user])
    url = make_url(pg_empty_url)
    subprocess.run(
        [
            psql,
            "-X",
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            url.host,
            "-p",
            str(url.port),
            "-U",
            "postgres",
            "-d",
            url.database,
        ],
        input=script,
        text=True,
        check=True,
        capture_output=True,
    )
    station = Database(as_role(pg_empty_url, names["cso_ws_dispatch1"]))
    # A day's work done from the workstation without anyone special signed in.
    small_shift(station, units=1)
    call = welfare_call(station, D)
    services.clear_incident(station, D, call.id, disposition="18")
    officer = services.get_units(station)[0]
    with station.read() as s:
        officer_id = s.execute(text("SELECT id FROM officers LIMIT 1")).scalar_one()
    citation = citations.issue_citation(
        station, D, officer_id=officer_id, violator_name="John Smith", violations=["9.08.050"], location="Fairfax Ave"
    )
    yield {"owner": owner, "station": station, "incident": call.id, "citation": citation.number, "unit": officer.id}
    station.dispose()
    owner.dispose()


def raw(db: Database, statement: str, **params: object):
    with db.engine.begin() as conn:
        result = conn.execute(text(statement), params)
        return result.all() if result.returns_rows else None


ATTACKS = {
    "void a citation": ("UPDATE citations SET status = 'void', void_reason = 'x'", "void a citation"),
    "reopen an incident": ("UPDATE incidents SET status = 'pending' WHERE status = 'cleared'", "reopen a closed"),
    "make dave an admin": ("UPDATE users SET role = 'admin' WHERE username = 'dave'", "change a user"),
    "take over alice": ("UPDATE users SET password_hash = 'x' WHERE username = 'alice'", "another user's password"),
    "unlock an account": (
        "UPDATE users SET locked = false, unlocked_at = now() WHERE username = 'sam'",
        "change a user",
    ),
    "add an admin": (
        "INSERT INTO users (username, display_name, role, locked, active, created_at) "
        "VALUES ('mallory', '', 'admin', false, true, now())",
        "add a user",
    ),
    "skip five numbers": ("UPDATE counters SET value = value + 5", "one at a time"),
    "take a number without an incident": ("UPDATE counters SET value = value + 1", "without an incident"),
    "back-date an audit entry": (
        "INSERT INTO audit_log (at, username, workstation, action, entity, outcome) "
        "VALUES (now() - interval '3 days', 'dave', 'Dispatch 1', 'void_citation', 'citation', 'ok')",
        "not now",
    ),
    "audit in alice's name": (
        "INSERT INTO audit_log (at, username, workstation, action, entity, outcome) "
        "VALUES (now(), 'alice', 'Dispatch 1', 'void_citation', 'citation', 'ok')",
        "needs alice signed in",
    ),
    "back-date a timeline entry": (
        "INSERT INTO incident_events (incident_id, at, kind, text, author, workstation) "
        "SELECT id, now() - interval '1 day', 'note', 'was never said', 'dave', 'x' FROM incidents LIMIT 1",
        "not now",
    ),
    "a timeline entry in sam's name": (
        "INSERT INTO incident_events (incident_id, at, kind, text, author, workstation) "
        "SELECT id, now(), 'note', 'approved', 'sam', 'x' FROM incidents LIMIT 1",
        "needs sam signed in",
    ),
    "read the password hashes": ("SELECT password_hash FROM users", "permission denied"),
    "read the sessions": ("SELECT * FROM cso_sessions", "permission denied"),
    "move the chain's head": ("UPDATE chain_heads SET seq = 0", "permission denied"),
    "fake sign-in attempts": (
        "INSERT INTO login_attempts (username, at, workstation, success) VALUES ('sam', now(), 'x', false)",
        "permission denied",
    ),
    "delete an outbox row": ("DELETE FROM eido_outbox", "permission denied"),
    "rewrite a transfer's identifiers": ("DELETE FROM eido_identifiers", "permission denied"),
    "rewrite the audit": ("UPDATE audit_log SET username = 'x'", "permission denied"),
}


def test_each_escalation_is_refused_to_the_workstation_login(centre):
    station = centre["station"]
    with station.read() as s:
        before = s.execute(text("SELECT status FROM citations")).scalars().all()
        counters = dict(s.execute(text("SELECT name, value FROM counters")).all())
    for what, (statement, reason) in ATTACKS.items():
        with pytest.raises(DBAPIError, match=reason):
            raw(station, statement)
            pytest.fail(f"{what}: not refused")
    with station.read() as s:
        assert s.execute(text("SELECT status FROM citations")).scalars().all() == before
        assert dict(s.execute(text("SELECT name, value FROM counters")).all()) == counters
        assert s.execute(text("SELECT role FROM users WHERE username = 'dave'")).scalar_one() == "dispatcher"
        assert (
            s.execute(text("SELECT status FROM incidents WHERE id = :i"), {"i": centre["incident"]}).scalar()
            == "cleared"
        )
    # The workstation's own services still work as a dispatcher's, and the audit chain holds.
    welfare_call(station, D)
    with centre["owner"].read() as s:
        assert all(r.intact for r in verify(s))


def test_a_signed_in_dispatcher_token_does_not_raise_the_workstation(centre):
    station = centre["station"]
    actor = auth.authenticate(station, "dave", PASSWORD["dave"], workstation="Dispatch 1")
    assert station.session_token
    with pytest.raises(PermissionDeniedError):
        citations.void_citation(station, actor, centre["citation"], "wrong person")
    with pytest.raises(DBAPIError, match="a dispatcher cannot void a citation"):
        raw(station, "UPDATE citations SET status = 'void'")
    with pytest.raises(DBAPIError, match="names the signed-in user dave"):
        raw(
            station,
            "INSERT INTO audit_log (at, username, workstation, action, entity, outcome) "
            "VALUES (now(), 'sam', 'x', 'note', '', 'ok')",
        )


def test_supervisor_and_admin_signed_in_through_the_services_succeed(centre):
    station = centre["station"]
    sam = auth.authenticate(station, "sam", PASSWORD["sam"], workstation="Supervisor desk")
    assert sam.role == "supervisor"
    voided = citations.void_citation(station, sam, centre["citation"], "wrong address")
    assert voided.status == "void" and voided.voided_by == "sam"
    reopened = services.reopen_incident(station, sam, centre["incident"], reason="caller rang again")
    assert reopened.status == "pending"
    auth.sign_out(station, sam)
    assert station.session_token is None
    # Signed out: the same token no longer works, even replayed by hand.
    with pytest.raises(DBAPIError, match="only a signed-in supervisor or admin"):
        raw(station, "UPDATE incidents SET status = 'cleared' WHERE id = :i", i=centre["incident"])
        raw(station, "UPDATE incidents SET status = 'pending' WHERE id = :i", i=centre["incident"])
    alice = auth.authenticate(station, "alice", PASSWORD["alice"], workstation="Admin desk")
    assert auth.set_role(station, alice, "dave", "supervisor").role == "supervisor"
    auth.change_password(station, alice, "sam", new_password="A new one for 1031")
    auth.sign_out(station, alice)
    with centre["owner"].read() as s:
        rows = s.execute(
            text(
                "SELECT username, workstation FROM audit_log WHERE action IN ('void_citation', 'set_role') ORDER BY id"
            )
        ).all()
        assert rows == [("sam", "Supervisor desk"), ("alice", "Admin desk")]
        assert all(r.intact for r in verify(s))


def test_guessing_straight_at_the_server_counts_towards_the_lockout(centre):
    station = centre["station"]
    for _ in range(5):
        assert raw(station, "SELECT cso_sign_in('sam', 'guess', 'x')")[0][0] == "wrong"
    # The right password no longer helps: the account locks at the next sign-in.
    assert auth.server_sign_in(station, "sam", PASSWORD["sam"], workstation="x") == "locked"
    with pytest.raises(auth.AccountLockedError):
        auth.authenticate(station, "sam", PASSWORD["sam"], workstation="x")


def test_unknown_names_get_a_salt_like_a_real_one(centre):
    station = centre["station"]
    real = raw(station, "SELECT cso_password_salt('sam')")[0][0]
    unknown = raw(station, "SELECT cso_password_salt('nobody.here')")[0][0]
    assert unknown == raw(station, "SELECT cso_password_salt('nobody.here')")[0][0]
    assert real.rsplit("$", 2)[0] == unknown.rsplit("$", 2)[0]  # same parameters
    assert len(real) == len(unknown)
    with pytest.raises(WrongPasswordError):
        auth.authenticate(station, "nobody.here", "anything at all 123", workstation="x")


# The command line's doors ---------------------------------------------------------------------
def cli(monkeypatch, *argv: str, stdin: str = "") -> int:
    import io
    import sys

    from console.cli import main

    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    return main(list(argv))


def test_users_and_audit_commands_need_an_administrator_on_a_workstation_login(centre, monkeypatch, capsys):
    url = centre["station"].url
    assert cli(monkeypatch, "users", "set-role", "dave", "admin", "--db", url) == 2
    assert "not the database owner's: sign in as an administrator with --as NAME" in capsys.readouterr().err
    assert cli(monkeypatch, "users", "passwd", "alice", "--password-stdin", "--db", url, stdin="Taken over 1234\n") == 2
    assert cli(monkeypatch, "audit", "verify", "--db", url) == 2
    # A dispatcher's password is not enough; a wrong administrator's password neither.
    assert (
        cli(
            monkeypatch,
            "users",
            "set-role",
            "dave",
            "admin",
            "--as",
            "dave",
            "--password-stdin",
            "--db",
            url,
            stdin=PASSWORD["dave"] + "\n",
        )
        == 2
    )
    assert "dave is a dispatcher; this needs an administrator" in capsys.readouterr().err
    assert (
        cli(
            monkeypatch,
            "users",
            "set-role",
            "dave",
            "admin",
            "--as",
            "alice",
            "--password-stdin",
            "--db",
            url,
            stdin="not her password\n",
        )
        == 2
    )
    assert "sign-in as alice refused: Wrong user name or password" in capsys.readouterr().err
    with centre["owner"].read() as s:
        assert s.execute(text("SELECT role FROM users WHERE username = 'dave'")).scalar_one() == "dispatcher"
    # Alice signs in: the change is made and the audit names her and this computer.
    monkeypatch.setenv("CSO_WORKSTATION", "Admin desk")
    assert (
        cli(
            monkeypatch,
            "users",
            "set-role",
            "dave",
            "supervisor",
            "--as",
            "alice",
            "--password-stdin",
            "--db",
            url,
            stdin=PASSWORD["alice"] + "\n",
        )
        == 0
    )
    new = "Fresh one for Sweetzer"
    assert (
        cli(
            monkeypatch,
            "users",
            "passwd",
            "sam",
            "--as",
            "alice",
            "--password-stdin",
            "--db",
            url,
            stdin=f"{PASSWORD['alice']}\n{new}\n",
        )
        == 0
    )
    assert cli(monkeypatch, "audit", "verify", "--as", "sam", "--password-stdin", "--db", url, stdin=new + "\n") == 0
    assert "chain intact" in capsys.readouterr().out
    with centre["owner"].read() as s:
        rows = s.execute(
            text(
                "SELECT username, workstation FROM audit_log WHERE action IN ('set_role', 'change_password') ORDER BY id"
            )
        ).all()
    assert rows == [("alice", "Admin desk"), ("alice", "Admin desk")]
    # The owner's own connection needs no sign-in.
    assert cli(monkeypatch, "users", "list", "--db", centre["owner"].url) == 0
