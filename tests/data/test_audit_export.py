"""Audit CSV: every column, times to the millisecond with offsets, formulas defused, the export audited."""

from __future__ import annotations

import csv
import datetime as dt

import pytest
from sqlalchemy import select

from data import auth
from data.audit_export import COLUMNS, export_audit, write_audit_csv
from data.errors import PermissionDeniedError, WrongPasswordError
from data.models import AuditEntry
from data.records import AuditRecord


def read(path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_columns_times_and_json(tmp_path):
    record = AuditRecord(
        id=7,
        at=dt.datetime(2026, 11, 26, 16, 0, 1, 234000, tzinfo=dt.UTC),
        username="ana",
        workstation="ws-1",
        action="reopen_incident",
        entity="incident",
        entity_id=12,
        outcome="ok",
        before={"status": "cleared"},
        after={"status": "pending", "note": "Café, 2nd floor"},
    )
    path = tmp_path / "a.csv"
    assert write_audit_csv([record], path, timezone="America/Los_Angeles") == 1
    (row,) = read(path)
    assert tuple(row) == COLUMNS
    assert row["at_utc"] == "2026-11-26T16:00:01.234+00:00"
    assert row["at_local"] == "2026-11-26T08:00:01.234-08:00"
    assert row["entity_id"] == "12"
    assert row["after"] == '{"note": "Café, 2nd floor", "status": "pending"}'


def test_cells_that_would_run_as_formulas_are_defused(db, clock, tmp_path, supervisor):
    # A user name typed at a failed sign-in reaches the audit log as it was typed.
    with pytest.raises(WrongPasswordError):
        auth.authenticate(db, '=HYPERLINK("http://x","y")', "whatever1", workstation="+ws")
    path = tmp_path / "audit.csv"
    assert export_audit(db, supervisor, path) == 1
    (row,) = read(path)
    assert row["username"] == '\'=hyperlink("http://x","y")'
    assert row["workstation"] == "'+ws"


def test_export_needs_read_audit_and_is_audited(db, tmp_path, dispatcher, supervisor):
    with pytest.raises(PermissionDeniedError):
        export_audit(db, dispatcher, tmp_path / "no.csv")
    assert not (tmp_path / "no.csv").exists()
    count = export_audit(db, supervisor, tmp_path / "yes.csv", since=db.clock() - dt.timedelta(days=1))
    assert count == 1  # the refusal
    with db.read() as s:
        rows = s.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars().all()
    assert [(r.username, r.action, r.outcome) for r in rows] == [
        ("dispatcher1", "read_audit", "refused"),
        ("supervisor1", "read_audit", "ok"),
    ]
    assert rows[1].after["purpose"] == "export to yes.csv"
