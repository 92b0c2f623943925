"""The audit log and the timelines are hash chains: `verify` names the first altered, inserted or deleted row."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from data import services
from data.audit_chain import describe, verify
from data.db import Database
from data.models import AuditEntry, ChainHead
from data.permissions import Actor
from tests.data.helpers import small_shift, welfare_call

A = Actor("dispatcher1", role="dispatcher", workstation="ws-1")


def _busy(db: Database) -> int:
    """A few actions: a shift, two calls, a dispatch, a clear, hostile text included. Returns an incident id."""
    units = small_shift(db, units=2)
    first = welfare_call(db, A, narrative='Caller says: "he\'s | 3:ok"\nline two\t\u00e9\u4e2d\U0001f6a8')
    welfare_call(db, A)
    services.dispatch_units(db, A, first.id, [units[0]])
    services.clear_incident(db, A, first.id, disposition="18", note="gone | -")
    return first.id


def _reports(db: Database):
    with db.read() as s:
        return {r.table: r for r in verify(s)}


def _owner_sql(db: Database, *statements: str) -> None:
    """Run statements as the owner with the append-only triggers off, as someone erasing a trace would."""
    if db.dialect == "sqlite":
        path = make_url(db.url).database
        conn = sqlite3.connect(path)
        for trigger in ("audit_log_no_update", "audit_log_no_delete", "audit_log_sealed"):
            conn.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        for statement in statements:
            conn.execute(statement)
        conn.commit()
        conn.close()
        return
    engine = create_engine(db.url)
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
        for statement in statements:
            conn.execute(text(statement))
        conn.execute(text("ALTER TABLE audit_log ENABLE TRIGGER USER"))
    engine.dispose()


def _row_ids(db: Database) -> list[int]:
    with db.read() as s:
        return list(s.scalars(select(AuditEntry.id).order_by(AuditEntry.chain_seq)))


def test_a_clean_log_verifies(any_db):
    _busy(any_db)
    reports = _reports(any_db)
    for table in ("audit_log", "incident_events"):
        assert reports[table].intact, describe(reports[table])
        assert reports[table].rows > 3
    with any_db.read() as s:
        head = s.get(ChainHead, "audit_log")
        last = s.execute(select(AuditEntry).order_by(AuditEntry.chain_seq.desc()).limit(1)).scalar_one()
    assert (head.seq, head.hash) == (last.chain_seq, last.row_hash)
    assert "chain intact" in describe(reports["audit_log"])


def test_an_edit_with_the_triggers_off_is_named(any_db):
    _busy(any_db)
    target = _row_ids(any_db)[3]
    _owner_sql(any_db, f"UPDATE audit_log SET username = 'someone.else' WHERE id = {target}")
    report = _reports(any_db)["audit_log"]
    assert report.first is not None and report.first.kind == "altered"
    assert report.first.row_id == target
    assert f"id {target}" in describe(report) and "altered" in describe(report)


def test_a_deleted_row_is_named(any_db):
    _busy(any_db)
    ids = _row_ids(any_db)
    _owner_sql(any_db, f"DELETE FROM audit_log WHERE id = {ids[2]}")
    report = _reports(any_db)["audit_log"]
    assert report.first is not None and report.first.kind == "missing"
    assert report.first.row_id == ids[3]  # the row after the gap
    assert "missing" in describe(report)


def test_deleting_the_newest_rows_is_caught_by_the_head(any_db):
    _busy(any_db)
    ids = _row_ids(any_db)
    _owner_sql(any_db, f"DELETE FROM audit_log WHERE id IN ({ids[-1]}, {ids[-2]})")
    report = _reports(any_db)["audit_log"]
    assert report.first is not None and report.first.kind == "missing"
    assert "newest" in report.first.message


def test_an_inserted_row_is_named(any_db):
    _busy(any_db)
    _owner_sql(
        any_db,
        "INSERT INTO audit_log (at, username, workstation, action, entity, outcome) "
        "VALUES ('2026-11-01 09:00:00.000000', 'alice', 'ws-9', 'void_citation', 'citation', 'ok')",
    )
    report = _reports(any_db)["audit_log"]
    assert report.first is not None and report.first.kind == "unsealed"
    with any_db.read() as s:
        forged = s.scalar(select(AuditEntry.id).where(AuditEntry.username == "alice"))
    assert report.first.row_id == forged


def test_an_inserted_row_with_a_copied_seal_is_named(any_db):
    _busy(any_db)
    ids = _row_ids(any_db)
    with any_db.read() as s:
        victim = s.get(AuditEntry, ids[1])
        seq, seal = victim.chain_seq, victim.row_hash
    # The unique number is dropped first, as someone copying a seal onto a new row would.
    _owner_sql(
        any_db,
        "DROP INDEX ix_audit_log_chain_seq",
        "INSERT INTO audit_log (at, username, workstation, action, entity, outcome, chain_seq, row_hash) "
        f"VALUES ('2026-11-26 16:00:00.000000', 'alice', 'ws-9', 'set_role', 'user', 'ok', {seq}, '{seal}')",
    )
    report = _reports(any_db)["audit_log"]
    assert report.first is not None and report.first.kind in ("inserted", "altered")
    assert report.first.seq == seq


def test_sqlite_refuses_an_unsealed_insert(tmp_path, clock):
    db = Database(f"sqlite:///{tmp_path / 'cso.sqlite3'}", clock=clock)
    _busy(db)
    with pytest.raises(Exception, match="sealed by the console"), db.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO audit_log (at, username, workstation, action, entity, outcome) "
                "VALUES ('2026-11-26 16:00:00', 'x', 'y', 'z', '', 'ok')"
            )
        )
    db.dispose()


@pytest.mark.postgres
def test_postgres_seals_what_a_client_sends_itself(pg_url, clock):
    db = Database(pg_url, clock=clock)
    _busy(db)
    with db.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO audit_log (at, username, workstation, action, entity, outcome, chain_seq, row_hash) "
                "VALUES (now(), 'x', 'y', 'z', '', 'ok', 1, 'forged')"
            )
        )
    assert _reports(db)["audit_log"].intact  # the trigger overwrote the forged seal and number
    db.dispose()


def test_audit_verify_command_names_an_edit(tmp_path, clock, capsys):
    from console.cli import main

    path = tmp_path / "cso.sqlite3"
    db = Database(f"sqlite:///{path}", clock=clock)
    _busy(db)
    target = _row_ids(db)[2]
    assert main(["audit", "verify", "--db", str(path)]) == 0
    assert "audit_log:" in capsys.readouterr().out
    _owner_sql(db, f'UPDATE audit_log SET after = \'{{"status": "void"}}\' WHERE id = {target}')
    db.dispose()
    assert main(["audit", "verify", "--db", str(path)]) == 1
    out = capsys.readouterr().out
    assert f"audit_log: BROKEN at audit row id {target}" in out and "altered" in out
    assert "incident_events:" in out and "chain intact" in out
