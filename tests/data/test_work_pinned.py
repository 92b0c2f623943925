"""One action, one transaction: what it writes, and what a dispatcher reads when the database says no.

Database failures are raised inside the action (or at its commit) with the SQLSTATE a server would
give; the dispatcher's wording of each refusal is written out, as it is what they act on.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from types import SimpleNamespace

import pytest
from sqlalchemy import event, select
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.orm.exc import StaleDataError

from data import auth
from data.errors import AccountChangedError, DatabaseUnavailableError, PermissionDeniedError, StaleWriteError
from data.models import AuditEntry, ChangeLog, IncidentEvent
from data.permissions import Actor
from data.services._work import _refusal, jsonable, row_lock, snapshot, work
from tests.data.helpers import ADMIN, FAST_HASHER, PASSWORD, small_shift, welfare_call

START = dt.datetime(2026, 11, 26, 16, 0, tzinfo=dt.UTC)  # the controlled clock's start (tests/conftest.py)

NOT_IN_TIME = "The database did not answer in time, so the action was stopped; it was not applied. Try again."
HELD_TOO_LONG = (
    "Another action has held the same records for too long (the database may be waiting for its standby "
    "server); yours was not applied. Try again."
)
SIMULTANEOUS = (
    "Another workstation was changing the same records at the same moment; your action was not "
    "applied. Check the board and try again."
)
BUSY = "The database is busy; the action was not applied. Try again."
MAY_HAVE_SAVED = (
    "The connection to the database was lost while the action was being saved; it may not have been "
    "applied. The board shows the outcome once the connection is back."
)
LINK_LOST = "The connection to the database was lost; the action was not applied."


class ServerError(Exception):
    """What the PostgreSQL driver raises: a message and a SQLSTATE."""

    def __init__(self, message: str = "", sqlstate: str | None = None) -> None:
        super().__init__(message)
        self.sqlstate = sqlstate


def operational(message: str = "server closed the connection", sqlstate: str | None = None, **kw) -> OperationalError:
    return OperationalError("UPDATE units SET status = 'x'", {}, ServerError(message, sqlstate), **kw)


def audit_rows(db, action: str) -> list[tuple]:
    with db.read() as s:
        rows = s.execute(
            select(AuditEntry.username, AuditEntry.action, AuditEntry.outcome, AuditEntry.after)
            .where(AuditEntry.action == action)
            .order_by(AuditEntry.id)
        ).all()
    return [tuple(r) for r in rows]


# The readable refusal for each database answer ----------------------------------------------------

REFUSALS = [
    # (SQLSTATE, message, committing, error type, text the dispatcher reads)
    ("57014", "canceling statement due to statement timeout", False, DatabaseUnavailableError, NOT_IN_TIME),
    ("57014", "canceling statement due to statement timeout", True, DatabaseUnavailableError, MAY_HAVE_SAVED),
    ("55P03", "could not obtain lock on row", False, DatabaseUnavailableError, HELD_TOO_LONG),
    ("55P03", "could not obtain lock on row", True, DatabaseUnavailableError, MAY_HAVE_SAVED),
    ("40P01", "deadlock detected", False, StaleWriteError, SIMULTANEOUS),
    ("40P01", "deadlock detected", True, StaleWriteError, SIMULTANEOUS),
    ("40001", "could not serialize access", False, StaleWriteError, SIMULTANEOUS),
    ("40001", "could not serialize access", True, StaleWriteError, SIMULTANEOUS),
    (None, "database is locked", False, DatabaseUnavailableError, BUSY),
    (None, "Database Is LOCKED", True, DatabaseUnavailableError, BUSY),
    (None, "server closed the connection", True, DatabaseUnavailableError, MAY_HAVE_SAVED),
    (
        "08006",
        "connection failure",
        False,
        DatabaseUnavailableError,
        "The database cannot be reached; the action was not applied. (connection failure)",
    ),
]


@pytest.mark.parametrize(("state", "message", "committing", "kind", "text"), REFUSALS)
def test_each_database_refusal_reads_as_the_dispatcher_needs(state, message, committing, kind, text):
    refusal = _refusal(operational(message, state), committing=committing)
    assert (type(refusal), str(refusal)) == (kind, text)


def test_a_busy_sqlite_file_reads_as_busy():
    # SQLite's errors carry no SQLSTATE at all.
    locked = OperationalError("BEGIN IMMEDIATE", {}, sqlite3.OperationalError("database is locked"))
    assert str(_refusal(locked, committing=False)) == BUSY


def test_a_simultaneous_change_names_another_workstation():
    refusal = _refusal(operational("deadlock detected", "40P01"), committing=False)
    assert isinstance(refusal, StaleWriteError)
    assert (refusal.changed_by, refusal.changes) == ("another workstation", "a simultaneous change")


def test_an_unreachable_server_is_named_by_the_first_line_of_its_answer():
    error = operational('  could not connect to server: Connection refused\n\tIs the server running on "db1"?\n ')
    assert str(_refusal(error, committing=False)) == (
        "The database cannot be reached; the action was not applied. (could not connect to server: Connection refused)"
    )


def test_an_unreachable_server_with_no_words_is_named_by_the_kind_of_error():
    assert str(_refusal(operational("   "), committing=False)) == (
        "The database cannot be reached; the action was not applied. (ServerError)"
    )


def test_a_link_cut_outside_the_commit_was_not_applied():
    cut = operational("terminating connection", connection_invalidated=True)
    broken = InterfaceError("SELECT 1", {}, ServerError("connection already closed"))
    assert [str(_refusal(e, committing=False)) for e in (cut, broken)] == [LINK_LOST, LINK_LOST]


# The same, through an action ----------------------------------------------------------------------


def test_a_database_failure_inside_an_action_is_refused_in_words_and_writes_nothing(db, dispatcher):
    with pytest.raises(DatabaseUnavailableError) as refused, work(db, dispatcher) as w:
        w.audit("add_note", "incident", 1)
        raise operational("canceling statement due to statement timeout", "57014")
    assert str(refused.value) == NOT_IN_TIME
    assert audit_rows(db, "add_note") == []
    assert len(db.ledger) == 0


def test_a_cut_link_inside_an_action_is_refused_as_not_applied(db, dispatcher):
    cut = DBAPIError(
        "SELECT 1", {}, ServerError("SSL connection has been closed unexpectedly"), connection_invalidated=True
    )
    with pytest.raises(DatabaseUnavailableError) as refused, work(db, dispatcher) as w:
        w.audit("add_note", "incident", 1)
        raise cut
    assert str(refused.value) == LINK_LOST


def test_a_link_lost_at_the_commit_may_have_saved_the_action(db, dispatcher):
    def lost(_session):
        raise operational("canceling statement due to statement timeout", "57014")

    event.listen(db._writer, "before_commit", lost)
    try:
        with pytest.raises(DatabaseUnavailableError) as refused, work(db, dispatcher) as w:
            w.audit("add_note", "incident", 1)
    finally:
        event.remove(db._writer, "before_commit", lost)
    assert str(refused.value) == MAY_HAVE_SAVED
    assert len(db.ledger) == 0


def test_a_write_the_workstations_database_account_may_not_make_is_a_permission_refusal(db, dispatcher):
    denied = DBAPIError(
        "INSERT INTO audit_log", {}, ServerError("permission denied for table audit_log\nDETAIL: role cso_ws", "42501")
    )
    with pytest.raises(PermissionDeniedError) as refused, work(db, dispatcher) as w:
        w.audit("add_note", "incident", 1)
        raise denied
    assert str(refused.value) == (
        "This workstation's database account is not allowed to make that change; nothing was written. "
        "(permission denied for table audit_log)"
    )


def test_any_other_database_error_is_raised_as_it_is(db, dispatcher):
    other = DBAPIError("INSERT INTO x", {}, ServerError("value too long", "22001"))
    with pytest.raises(DBAPIError) as raised, work(db, dispatcher) as w:
        w.audit("add_note", "incident", 1)
        raise other
    assert raised.value is other


def test_a_row_changed_by_someone_else_is_a_stale_write(db, dispatcher):
    with pytest.raises(StaleWriteError) as refused, work(db, dispatcher) as w:
        w.audit("add_note", "incident", 1)
        raise StaleDataError("UPDATE statement on table 'incidents' expected to update 1 row(s); 0 were matched.")
    assert str(refused.value) == "Someone else changed this record while you were working on it. Reload and try again."


def test_an_action_without_an_audit_entry_is_a_programming_error(db, dispatcher):
    with pytest.raises(AssertionError, match="every action must write an audit entry"), work(db, dispatcher):
        pass


# Who may act --------------------------------------------------------------------------------------


def test_a_role_without_the_privilege_is_refused_and_the_refusal_audited(db, dispatcher):
    with pytest.raises(PermissionDeniedError), work(db, dispatcher, privilege="manage_users") as w:
        w.audit("create_user", "user", None)
    assert audit_rows(db, "manage_users") == [("dispatcher1", "manage_users", "refused", {"role": "dispatcher"})]
    assert audit_rows(db, "create_user") == []


def test_a_disabled_account_is_refused_its_next_action_and_that_is_audited(db, monkeypatch):
    monkeypatch.setattr(auth, "HASHER", FAST_HASHER)
    auth.create_user(db, ADMIN, "ana", role="dispatcher", password=PASSWORD)
    auth.disable_user(db, ADMIN, "ana")
    ana = Actor("ana", role="dispatcher", workstation="ws-1")
    with pytest.raises(AccountChangedError), work(db, ana) as w:
        w.audit("add_note", "incident", 1)
    assert audit_rows(db, "action") == [("ana", "action", "refused", {"role": "dispatcher"})]


def test_an_account_check_can_be_left_to_the_caller(db, monkeypatch):
    monkeypatch.setattr(auth, "HASHER", FAST_HASHER)
    auth.create_user(db, ADMIN, "ana", role="dispatcher", password=PASSWORD)
    auth.disable_user(db, ADMIN, "ana")
    ana = Actor("ana", role="dispatcher", workstation="ws-1")
    with work(db, ana, check_account=False) as w:
        w.audit("sign_out", "user", None)
    assert audit_rows(db, "sign_out") == [("ana", "sign_out", "ok", None)]


def test_the_role_acted_with_is_the_one_the_database_has_now(db, monkeypatch):
    monkeypatch.setattr(auth, "HASHER", FAST_HASHER)
    auth.create_user(db, ADMIN, "ana", role="supervisor", password=PASSWORD)
    with work(db, Actor("ana", role="dispatcher", workstation="ws-1")) as w:
        assert w.actor.role == "supervisor"
        w.audit("add_note", "incident", 1)


def test_a_refusal_raised_by_the_action_itself_is_not_audited_as_an_account_refusal(db, dispatcher):
    with pytest.raises(PermissionDeniedError), work(db, dispatcher) as w:
        w.audit("void_citation", "citation", 3)
        raise PermissionDeniedError("Only a supervisor may void a citation.")
    with db.read() as s:
        assert s.execute(select(AuditEntry.action).where(AuditEntry.outcome == "refused")).all() == []


# What an action writes ----------------------------------------------------------------------------


def test_an_action_writes_its_timeline_audit_and_changes_and_enters_the_ledger(db, clock, dispatcher):
    (unit_id,) = small_shift(db, units=1)
    call = welfare_call(db, dispatcher)
    clock.advance(minutes=4)
    db.ledger.forget([e.key for e in db.ledger.entries()])
    with db.read() as s:
        last = s.scalar(select(ChangeLog.id).order_by(ChangeLog.id.desc()).limit(1))
    with work(db, dispatcher) as w:
        w.event(call.id, "note", "caller called back", unit_id=unit_id)
        w.audit("add_note", "incident", call.id, {"at": START}, {"seen": dt.date(2026, 11, 26)}, outcome="ok")
        w.changed("unit", unit_id, version=99)
        key = w.key
    with db.read() as s:
        (note,) = s.execute(select(IncidentEvent).where(IncidentEvent.kind == "note")).scalars()
        (audit,) = s.execute(select(AuditEntry).where(AuditEntry.action == "add_note")).scalars()
        changes = s.execute(
            select(ChangeLog.at, ChangeLog.kind, ChangeLog.entity_id, ChangeLog.version).where(ChangeLog.id > last)
        ).all()
    assert (note.incident_id, note.at, note.text, note.unit_id, note.author, note.workstation) == (
        call.id,
        START + dt.timedelta(minutes=4),
        "caller called back",
        unit_id,
        "dispatcher1",
        "ws-1",
    )
    assert (
        audit.at,
        audit.username,
        audit.workstation,
        audit.entity,
        audit.entity_id,
        audit.outcome,
        audit.before,
        audit.after,
        audit.action_key,
    ) == (
        START + dt.timedelta(minutes=4),
        "dispatcher1",
        "ws-1",
        "incident",
        call.id,
        "ok",
        {"at": "2026-11-26T16:00:00+00:00"},
        {"seen": "2026-11-26"},
        key,
    )
    # The unit is announced at the version its row has, not the one given.
    unit_version = 2
    assert sorted(tuple(c) for c in changes) == sorted(
        [
            (START + dt.timedelta(minutes=4), "timeline", call.id, 0),
            (START + dt.timedelta(minutes=4), "unit", unit_id, unit_version),
        ]
    )
    (entry,) = db.ledger.entries()
    assert (entry.key, entry.at, entry.action, entry.entity, entry.entity_id, entry.number, entry.confirmed) == (
        key,
        START + dt.timedelta(minutes=4),
        "add_note",
        "incident",
        call.id,
        call.number,
        True,
    )


def test_every_audit_row_of_one_action_carries_its_key_and_no_other_action_shares_it(db, dispatcher):
    keys = []
    for _ in range(2):
        with work(db, dispatcher) as w:
            w.audit("add_note", "incident", 1)
            w.audit("add_note", "incident", 2)
    with db.read() as s:
        keys = [k for (k,) in s.execute(select(AuditEntry.action_key).order_by(AuditEntry.id))]
    assert [len(k) for k in keys] == [32, 32, 32, 32]
    assert keys[0] == keys[1] != keys[2] == keys[3]
    assert [e.key for e in db.ledger.entries()] == [keys[0], keys[2]]


def test_an_action_on_something_other_than_an_incident_enters_the_ledger_without_a_number(db, dispatcher):
    small_shift(db, units=1)
    call = welfare_call(db, dispatcher)  # an incident with the same id as the shift below
    db.ledger.forget([e.key for e in db.ledger.entries()])
    with work(db, dispatcher) as w:
        w.audit("start_shift", "shift", call.id)
        w.audit("add_note", "incident", call.id)
    (entry,) = db.ledger.entries()
    assert (entry.action, entry.entity, entry.entity_id, entry.number) == ("start_shift", "shift", call.id, None)


def test_an_incident_action_without_an_incident_id_enters_the_ledger_without_a_number(db, dispatcher):
    with work(db, dispatcher) as w:
        w.audit("create_incident", "incident", None, outcome="refused")
    (entry,) = db.ledger.entries()
    assert (entry.action, entry.entity_id, entry.number) == ("create_incident", None, None)


def test_an_audit_without_before_or_after_stores_neither(db, dispatcher):
    with work(db, dispatcher) as w:
        w.audit("add_note", "incident", 1)
    with db.read() as s:
        assert s.execute(select(AuditEntry.before, AuditEntry.after, AuditEntry.outcome)).all() == [(None, None, "ok")]


# Values as the audit log keeps them -----------------------------------------------------------------


def test_dates_and_times_are_kept_as_iso_text_at_any_depth():
    value = {
        "at": dt.datetime(2026, 11, 26, 8, 5, tzinfo=dt.UTC),
        "on": dt.date(2026, 11, 26),
        "units": ("CSO11", {"since": dt.date(2026, 1, 2)}),
        "list": [dt.datetime(2026, 1, 1, 0, 0)],
        "count": 3,
        "none": None,
    }
    assert jsonable(value) == {
        "at": "2026-11-26T08:05:00+00:00",
        "on": "2026-11-26",
        "units": ["CSO11", {"since": "2026-01-02"}],
        "list": ["2026-01-01T00:00:00"],
        "count": 3,
        "none": None,
    }


def test_a_snapshot_keeps_the_named_fields_only():
    row = SimpleNamespace(status="available", since=dt.date(2026, 11, 26), zone="0971")
    assert snapshot(row, "status", "since") == {"status": "available", "since": "2026-11-26"}


def test_rows_an_action_changes_are_locked_without_blocking_key_share_locks_on_postgresql():
    assert row_lock(SimpleNamespace(dialect="postgresql")) == {"key_share": True}
    assert (
        row_lock(SimpleNamespace(dialect="sqlite")) is None
    )  # SQLite: the write transaction itself (BEGIN IMMEDIATE) holds the lock
