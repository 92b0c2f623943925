"""After a failover: what the server lost, as the console reports it to its dispatcher and supervisor.

The failover is played on the SQLite file: a copy taken earlier (the standby that stopped receiving)
is put back in place of the live file. Expected descriptions and audit rows are written out.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import insert, select

from data import services
from data.db import Database
from data.ledger import LedgerEntry
from data.models import AuditEntry, Incident
from data.services.resync import record_lost_actions, resync
from tests.conftest import sqlite_database
from tests.data.helpers import SUPERVISOR, small_shift, welfare_call

START = dt.datetime(2026, 11, 26, 16, 0, tzinfo=dt.UTC)  # the controlled clock's start (tests/conftest.py)


@pytest.fixture
def primary(tmp_path, clock, sqlite_template) -> Iterator[Database]:
    database = sqlite_database(sqlite_template, tmp_path, clock)
    yield database
    database.dispose()


def standby_copy(db: Database, tmp_path: Path) -> Path:
    """A copy of the live file: the standby that stops receiving from here on."""
    live_path = Path(db.engine.url.database or "")
    stale = tmp_path / "standby.sqlite3"
    with sqlite3.connect(live_path) as live, sqlite3.connect(stale) as copy:
        live.backup(copy)
    return stale


def fail_over(db: Database, stale: Path) -> None:
    """The stale standby is promoted: the live file becomes the copy."""
    db.engine.dispose()
    db.read_engine.dispose()
    with sqlite3.connect(stale) as copy, sqlite3.connect(Path(db.engine.url.database or "")) as live:
        copy.backup(live)


def said(lost) -> list[str]:
    return [e.describe("UTC") for e in lost]


def other_position(db: Database) -> Database:
    """Another dispatcher's console on the same server: its own ledger."""
    return Database(str(db.engine.url), clock=db.clock)


def add_incident_copy(db: Database, source_id: int, new_id: int, number: str) -> None:
    """A row with the given id and number, as a copy of another (ids far apart without creating hundreds of calls)."""
    columns = [c for c in Incident.__table__.columns if c.name not in ("id", "number")]
    with db.engine.begin() as conn:
        row = conn.execute(select(*columns).where(Incident.id == source_id)).one()
        conn.execute(insert(Incident), [{**row._asdict(), "id": new_id, "number": number}])


# What the server lost -----------------------------------------------------------------------------


def test_actions_acknowledged_after_the_standby_stopped_are_reported_lost_oldest_first(
    primary, clock, dispatcher, tmp_path
):
    db = primary
    unit_id, *_ = small_shift(db, units=1)
    kept = welfare_call(db, dispatcher)
    stale = standby_copy(db, tmp_path)
    clock.advance(minutes=1)
    services.dispatch_units(db, dispatcher, kept.id, [unit_id])
    clock.advance(minutes=1)
    services.add_note(db, dispatcher, kept.id, "caller called back")
    # An action acknowledged earlier than both, recorded last (a worker thread that finished late).
    db.ledger.record(LedgerEntry("k-late", START + dt.timedelta(seconds=30), "clear_incident", "incident", 77, "X-77"))
    before = len(db.ledger)

    fail_over(db, stale)
    found = resync(db, {})

    assert said(found.lost) == [
        "X-77 cleared at 16:00:30",
        f"{kept.number} units dispatched at 16:01:00",
        f"{kept.number} note added at 16:02:00",
    ]
    # Reported once: they leave the ledger, what the server has stays in it.
    assert len(db.ledger) == before - 3
    assert resync(db, {}).lost == ()


def test_the_board_after_a_resync_is_the_servers(primary, clock, dispatcher, tmp_path):
    db = primary
    unit_id, *_ = small_shift(db, units=1)
    kept = welfare_call(db, dispatcher)
    stale = standby_copy(db, tmp_path)
    services.dispatch_units(db, dispatcher, kept.id, [unit_id])
    welfare_call(db, dispatcher, location="8500 Sunset Blvd")

    fail_over(db, stale)
    board = resync(db, {}).board

    assert [(i.number, i.status, i.units) for i in board.incidents] == [(kept.number, "pending", ())]
    assert [(u.call_sign, u.status) for u in board.units] == [("CSO11", "available")]


def test_nothing_is_lost_when_the_server_has_every_action(primary, dispatcher):
    db = primary
    small_shift(db, units=1)
    call = welfare_call(db, dispatcher)
    before = len(db.ledger)

    found = resync(db, {call.id: LedgerEntry("k-shown", START, "create_incident", "incident", call.id, call.number)})

    assert found.lost == ()
    assert len(db.ledger) == before


def test_an_incident_another_position_created_and_the_server_lost_is_reported(primary, clock, dispatcher, tmp_path):
    db = primary
    small_shift(db, units=1)
    stale = standby_copy(db, tmp_path)
    clock.advance(minutes=3)
    other = other_position(db)
    theirs = welfare_call(other, dispatcher)
    other.dispose()
    shown = {
        theirs.id: LedgerEntry(
            "k-theirs", START + dt.timedelta(minutes=3), "create_incident", "incident", theirs.id, theirs.number
        )
    }

    fail_over(db, stale)
    found = resync(db, shown)

    assert said(found.lost) == [f"{theirs.number} created at 16:03:00"]


def test_a_shown_incident_whose_id_now_belongs_to_another_incident_is_reported(primary, clock, dispatcher, tmp_path):
    db = primary
    small_shift(db, units=1)
    kept = welfare_call(db, dispatcher)
    stale = standby_copy(db, tmp_path)
    other = other_position(db)
    theirs = welfare_call(other, dispatcher)
    other.dispose()
    shown = {theirs.id: LedgerEntry("k-theirs", START, "create_incident", "incident", theirs.id, theirs.number)}
    fail_over(db, stale)
    add_incident_copy(db, kept.id, theirs.id, "26-OTHER")  # the server gave the id to another call since

    found = resync(db, shown)

    assert said(found.lost) == [f"{theirs.number} created at 16:00:00"]


def test_an_incident_this_console_created_and_also_showed_is_reported_once(primary, clock, dispatcher, tmp_path):
    db = primary
    small_shift(db, units=1)
    stale = standby_copy(db, tmp_path)
    clock.advance(minutes=2)
    mine = welfare_call(db, dispatcher)
    (created,) = [e for e in db.ledger.entries() if e.action == "create_incident"]

    fail_over(db, stale)
    found = resync(db, {mine.id: created})

    assert said(found.lost) == [f"{mine.number} created at 16:02:00"]


def test_a_lost_dispatch_does_not_stand_for_the_lost_creation_of_the_incident(primary, clock, dispatcher, tmp_path):
    # Another position created the call; this console dispatched it. Both are gone: both are reported.
    db = primary
    unit_id, *_ = small_shift(db, units=1)
    stale = standby_copy(db, tmp_path)
    other = other_position(db)
    theirs = welfare_call(other, dispatcher)
    other.dispose()
    clock.advance(minutes=1)
    services.dispatch_units(db, dispatcher, theirs.id, [unit_id])
    shown = {theirs.id: LedgerEntry("k-theirs", START, "create_incident", "incident", theirs.id, theirs.number)}

    fail_over(db, stale)
    found = resync(db, shown)

    assert said(found.lost) == [
        f"{theirs.number} created at 16:00:00",
        f"{theirs.number} units dispatched at 16:01:00",
    ]


def test_more_than_a_thousand_shown_incidents_are_all_checked(primary, dispatcher):
    # The server is asked in chunks of 1000 ids: the 1st, 1001st and 2001st shown incidents are all found.
    db = primary
    small_shift(db, units=1)
    first = welfare_call(db, dispatcher)
    add_incident_copy(db, first.id, first.id + 1000, "26-CHUNK-2")
    add_incident_copy(db, first.id, first.id + 2000, "26-CHUNK-3")
    # Ids the server never had, shown without a number: nothing to compare, nothing reported.
    shown = {
        i: LedgerEntry(f"k-{i}", START, "create_incident", "incident", i, None)
        for i in range(first.id, first.id + 2002)
    }
    shown[first.id] = LedgerEntry("k-1st", START, "create_incident", "incident", first.id, first.number)
    shown[first.id + 1000] = LedgerEntry(
        "k-1001st", START, "create_incident", "incident", first.id + 1000, "26-CHUNK-2"
    )
    shown[first.id + 2000] = LedgerEntry(
        "k-2001st", START, "create_incident", "incident", first.id + 2000, "26-CHUNK-3"
    )
    shown[first.id + 2001] = LedgerEntry("k-gone", START, "create_incident", "incident", first.id + 2001, "26-GONE")

    found = resync(db, shown)

    assert said(found.lost) == ["26-GONE created at 16:00:00"]


# The supervisor's record --------------------------------------------------------------------------


def lost_rows(db: Database) -> list[tuple]:
    with db.read() as s:
        rows = s.execute(
            select(
                AuditEntry.action,
                AuditEntry.entity,
                AuditEntry.entity_id,
                AuditEntry.before,
                AuditEntry.after,
                AuditEntry.outcome,
                AuditEntry.username,
            )
            .where(AuditEntry.action == "action_lost")
            .order_by(AuditEntry.id)
        ).all()
    return [tuple(r) for r in rows]


def test_each_lost_action_is_one_audit_row_for_the_supervisor(db):
    lost = [
        LedgerEntry("k1", START, "dispatch_units", "incident", 7, "26-000007"),
        LedgerEntry("", START + dt.timedelta(seconds=5), "start_shift", "shift", None, None, confirmed=False),
    ]

    assert record_lost_actions(db, SUPERVISOR, lost) == 2

    assert lost_rows(db) == [
        (
            "action_lost",
            "incident",
            7,
            None,
            {
                "action": "dispatch_units",
                "number": "26-000007",
                "at": "2026-11-26T16:00:00+00:00",
                "action_key": "k1",
                "saved_on_primary_only": False,
            },
            "lost",
            "sup.setup",
        ),
        (
            "action_lost",
            "shift",
            None,
            None,
            {
                "action": "start_shift",
                "number": None,
                "at": "2026-11-26T16:00:05+00:00",
                "action_key": None,
                "saved_on_primary_only": True,
            },
            "lost",
            "sup.setup",
        ),
    ]


def test_a_resync_that_lost_nothing_is_recorded_once_as_nothing_lost(db):
    assert record_lost_actions(db, SUPERVISOR, []) == 0

    assert lost_rows(db) == [("action_lost", "", None, None, {"count": 0}, "ok", "sup.setup")]
