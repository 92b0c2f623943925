"""cso-console users and audit export: first admin, administration as the local admin, all audited."""

from __future__ import annotations

import csv
import getpass
import io
import socket
import subprocess
import sys

import pytest
from sqlalchemy import select

from console.cli import main
from data import auth
from data.db import Database
from data.errors import AccountDisabledError, AccountLockedError, WrongPasswordError
from data.models import AuditEntry, User
from tests.data.helpers import FAST_HASHER

PASSWORD = "Sweetzer Ave 1031 quiet"


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch):
    monkeypatch.setattr(auth, "HASHER", FAST_HASHER)


@pytest.fixture
def db_file(tmp_path):
    return str(tmp_path / "cso.sqlite3")


def run(db_file: str, *args: str, stdin: str | None = None, monkeypatch=None) -> int:
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    return main(["users", *args, "--db", db_file])


def add(db_file: str, name: str, role: str, monkeypatch) -> int:
    return run(db_file, "add", "--role", role, name, "--password-stdin", stdin=PASSWORD + "\n", monkeypatch=monkeypatch)


def typed(monkeypatch, *answers: str) -> list[str]:
    """Answer getpass prompts in order; returns the prompts seen."""
    prompts: list[str] = []
    queue = list(answers)

    def fake(prompt: str = "") -> str:
        prompts.append(prompt)
        return queue.pop(0)

    monkeypatch.setattr("getpass.getpass", fake)
    return prompts


def audit(db_file: str) -> list[tuple[str, str, str, str]]:
    db = Database(db_file)
    try:
        with db.read() as s:
            rows = s.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars()
            return [(a.username, a.workstation, a.action, a.outcome) for a in rows]
    finally:
        db.dispose()


def test_first_admin_is_added_with_the_password_typed_twice(db_file, monkeypatch, capsys):
    prompts = typed(monkeypatch, PASSWORD, PASSWORD)
    assert run(db_file, "add", "--role", "admin", "Boss", "--display-name", "Sgt. Boss") == 0
    assert prompts == ["New password for boss: ", "Type it again: "]
    assert capsys.readouterr().out == "Added boss (admin).\n"
    db = Database(db_file)
    try:
        actor = auth.authenticate(db, "boss", PASSWORD, workstation="ws-1")
        assert (actor.role, actor.display_name) == ("admin", "Sgt. Boss")
        with db.read() as s:
            stored = s.execute(select(User.password_hash)).scalar_one()
        assert stored.startswith("$argon2id$") and PASSWORD not in stored
    finally:
        db.dispose()
    host = f"{socket.gethostname()} ({getpass.getuser()})"  # the computer and the system account that ran it
    assert audit(db_file)[0] == ("console-admin", host, "create_user", "ok")


def test_mismatched_or_weak_passwords_change_nothing(db_file, monkeypatch, capsys):
    typed(monkeypatch, PASSWORD, PASSWORD + "x")
    assert run(db_file, "add", "--role", "admin", "boss") == 1
    assert "the two passwords differ" in capsys.readouterr().err
    prompts = typed(monkeypatch, "password1")
    assert run(db_file, "add", "--role", "admin", "boss") == 1
    assert "common passwords" in capsys.readouterr().err
    assert len(prompts) == 1  # refused before asking again
    assert (
        run(db_file, "add", "--role", "admin", "boss", "--password-stdin", stdin="short\n", monkeypatch=monkeypatch)
        == 1
    )
    assert "at least 8 characters" in capsys.readouterr().err
    assert run(db_file, "list") == 0
    assert "No accounts yet" in capsys.readouterr().out


def test_administration_unlock_set_role_disable_enable_passwd(db_file, monkeypatch, capsys):
    for name, role in (("boss", "admin"), ("ana", "dispatcher")):
        assert add(db_file, name, role, monkeypatch) == 0
    db = Database(db_file)
    try:
        for _ in range(auth.MAX_FAILURES):
            with pytest.raises((WrongPasswordError, AccountLockedError)):
                auth.authenticate(db, "ana", "wrong password", workstation="ws-1")
        capsys.readouterr()
        assert run(db_file, "list") == 0
        listing = capsys.readouterr().out
        assert "ana" in listing and "locked since" in listing and "dispatcher" in listing

        assert run(db_file, "unlock", "ana") == 0
        assert capsys.readouterr().out == "ana unlocked.\n"
        assert auth.authenticate(db, "ana", PASSWORD, workstation="ws-1").role == "dispatcher"
        assert run(db_file, "unlock", "ana") == 1
        assert "not locked" in capsys.readouterr().err

        assert run(db_file, "set-role", "ana", "supervisor") == 0
        assert capsys.readouterr().out == "ana is now a supervisor.\n"
        assert auth.authenticate(db, "ana", PASSWORD, workstation="ws-1").role == "supervisor"

        assert run(db_file, "disable", "ana") == 0
        with pytest.raises(AccountDisabledError):
            auth.authenticate(db, "ana", PASSWORD, workstation="ws-1")
        assert run(db_file, "enable", "ana") == 0

        new = "Havenhurst Dr 7500 evening"
        assert run(db_file, "passwd", "ana", "--password-stdin", stdin=new + "\n", monkeypatch=monkeypatch) == 0
        assert auth.authenticate(db, "ana", new, workstation="ws-1").username == "ana"

        assert run(db_file, "disable", "boss") == 1
        assert "last administrator" in capsys.readouterr().err
        assert run(db_file, "set-role", "ghost", "admin") == 1
        assert "No user 'ghost'" in capsys.readouterr().err
    finally:
        db.dispose()
    admin_actions = [action for user, _, action, outcome in audit(db_file) if user == "console-admin"]
    assert admin_actions == [
        "create_user",
        "create_user",
        "list_users",
        "unlock_user",
        "set_role",
        "disable_user",
        "enable_user",
        "change_password",
    ]


def test_audit_export_cli(db_file, tmp_path, monkeypatch, capsys):
    assert add(db_file, "boss", "admin", monkeypatch) == 0
    capsys.readouterr()
    out = tmp_path / "audit.csv"
    assert main(["audit", "export", "--out", str(out), "--since", "2000-01-01", "--db", db_file]) == 0
    assert capsys.readouterr().out == f"1 audit entries written to {out}\n"
    with out.open(encoding="utf-8", newline="") as fh:
        (row,) = list(csv.DictReader(fh))
    assert (row["username"], row["action"]) == ("console-admin", "create_user")
    assert main(["audit", "export", "--out", str(out), "--since", "yesterday", "--db", db_file]) == 2
    assert "not a date" in capsys.readouterr().err
    assert audit(db_file)[-1][2:] == ("read_audit", "ok")


def test_the_installed_command_reads_the_password_from_stdin(db_file):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "console",
            "users",
            "add",
            "--role",
            "admin",
            "root.admin",
            "--password-stdin",
            "--db",
            db_file,
        ],
        input=PASSWORD + "\n",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "Added root.admin (admin).\n"
    listed = subprocess.run(
        [sys.executable, "-m", "console", "users", "list", "--db", db_file], capture_output=True, text=True, timeout=120
    )
    assert listed.returncode == 0 and "root.admin" in listed.stdout
