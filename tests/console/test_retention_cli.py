"""cso-console retention apply [--dry-run]: as the owner or an admin; lists, then removes, exactly the same records."""

from __future__ import annotations

import datetime as dt
import io
import json
import sys

import pytest
from sqlalchemy import select

from console.cli import main
from data import auth, services
from data.clock import ManualClock
from data.db import Database
from data.models import AuditEntry, WelfareCheck
from data.permissions import Actor
from data.services import welfare
from tests.data.helpers import FAST_HASHER

ADMIN = Actor("admin1", role="admin", workstation="ws-admin")
CLERK = Actor("clerk", role="dispatcher", workstation="ws-1")
PASSWORD = "Sweetzer Ave 1031 quiet"


@pytest.fixture
def db_file(tmp_path, monkeypatch):
    """A welfare check closed thirty months ago and one closed today, and a dispatcher's account."""
    monkeypatch.setattr(auth, "HASHER", FAST_HASHER)
    path = str(tmp_path / "cso.sqlite3")
    clock = ManualClock(dt.datetime.now(dt.UTC) - dt.timedelta(days=30 * 31))
    db = Database(f"sqlite:///{path}", clock=clock)
    try:
        officer = services.create_officer(db, ADMIN, badge="C7", name="Priya Raman")
        for name in ("Dana Old", "Dana New"):
            inc = services.create_incident(db, CLERK, call_type="WELFARE", location="Plummer Park")
            welfare.record_welfare_check(
                db, CLERK, incident_id=inc.id, officer_id=officer.id, subject_name=name, services_accepted=None
            )
            services.cancel_incident(db, CLERK, inc.id, reason="Handled on scene")
            clock.now = dt.datetime.now(dt.UTC)
        auth.create_user(db, ADMIN, "ana", role="dispatcher", password=PASSWORD)
    finally:
        db.dispose()
    return path


def names(path: str) -> list[str]:
    db = Database(path)
    try:
        with db.read() as s:
            return list(s.execute(select(WelfareCheck.subject_name).order_by(WelfareCheck.id)).scalars())
    finally:
        db.dispose()


def test_dry_run_lists_apply_removes_the_same_and_is_audited(db_file, capsys):
    assert main(["retention", "apply", "--dry-run", "--db", db_file]) == 0
    out = capsys.readouterr().out
    assert "welfare check" in out and "subject_name" in out and "would remove personal details from 1 record." in out
    assert "Dana" not in out  # the listing names records, not people
    assert names(db_file) == ["Dana Old", "Dana New"]

    assert main(["retention", "apply", "--json", "--db", db_file]) == 0
    done = json.loads(capsys.readouterr().out)
    assert done["months"] == 24 and [r["kind"] for r in done["records"]] == ["welfare check"]
    assert names(db_file) == ["", "Dana New"]

    assert main(["retention", "apply", "--dry-run", "--db", db_file]) == 0
    assert "from 0 records." in capsys.readouterr().out
    db = Database(db_file)
    try:
        with db.read() as s:
            actions = list(s.execute(select(AuditEntry.action).order_by(AuditEntry.id)).scalars())[-4:]
    finally:
        db.dispose()
    assert actions == ["retention_dry_run", "retention_apply", "retention_remove", "retention_dry_run"]


def test_a_dispatcher_signing_in_is_refused_and_nothing_changes(db_file, capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["retention", "apply", "--as", "ana", "--password-stdin", "--db", db_file]) == 2
    assert "needs an administrator" in capsys.readouterr().err
    assert names(db_file) == ["Dana Old", "Dana New"]
