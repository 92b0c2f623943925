"""Several workstations on one database: change feed, conflicts, lost connections, gapless numbers, audit guard."""

from __future__ import annotations

import asyncio
import random
import re
import shutil
import subprocess
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from psycopg.conninfo import conninfo_to_dict
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from data import services
from data.clock import ManualClock
from data.db import Database
from data.errors import DatabaseUnavailableError, DispatchError, StaleWriteError, UnitBusyError
from data.feed import Change
from data.listen import Backoff, ChangeLogPoller, EchoFilter, SQLiteFollower, libpq_conninfo, listen_changes
from data.models import AuditEntry, ChangeLog, Incident, Unit
from data.permissions import Actor
from data.services.incidents import next_counter
from tests.conftest import PG_ADMIN_URL, terminate_connections
from tests.data.helpers import NO_SCREENING, small_shift, welfare_call

ROOT = Path(__file__).resolve().parents[2]
A = Actor("dispatcher.a", workstation="ws-a")
B = Actor("dispatcher.b", workstation="ws-b")


def admin_execute(sql: str, **params: Any) -> list[Any]:
    engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            result = conn.execute(text(sql), params)
            return list(result) if result.returns_rows else []
    finally:
        engine.dispose()


def run_async(coro_fn: Callable[[], Any], timeout: float = 20.0) -> Any:
    return asyncio.run(asyncio.wait_for(coro_fn(), timeout))


# Pure parts ------------------------------------------------------------------------------------
def test_backoff_doubles_up_to_the_cap_and_resets():
    backoff = Backoff(initial=0.1, cap=2.0)
    assert [round(backoff.next(), 2) for _ in range(7)] == [0.1, 0.2, 0.4, 0.8, 1.6, 2.0, 2.0]
    backoff.reset()
    assert backoff.next() == 0.1


def test_echo_filter_drops_one_copy_per_own_commit():
    echo = EchoFilter()
    mine = [Change("incident", 1, 3), Change("timeline", 1)]
    echo.remember(mine)
    theirs = Change("incident", 2, 5)
    assert echo.foreign([*mine, theirs]) == [theirs]
    # A second copy (say another workstation's note on the same incident) is not an echo.
    assert echo.foreign([Change("timeline", 1)]) == [Change("timeline", 1)]


def test_echo_filter_forgets_after_its_ttl():
    now = [100.0]
    echo = EchoFilter(ttl=30.0, clock=lambda: now[0])
    echo.remember([Change("unit", 4, 2), Change("unit", 5, 1)])
    now[0] += 30.0  # exactly the ttl: still an echo
    assert echo.foreign([Change("unit", 4, 2)]) == []
    now[0] += 0.001  # past it: a copy that comes back now is another workstation's
    assert echo.foreign([Change("unit", 5, 1)]) == [Change("unit", 5, 1)]


def test_conninfo_keeps_credentials_options_and_standby_hosts():
    single = conninfo_to_dict(libpq_conninfo("postgresql+psycopg://ws1:s3cret@db.example:5433/cso?sslmode=require"))
    assert single == {
        "host": "db.example",
        "port": "5433",
        "dbname": "cso",
        "user": "ws1",
        "password": "s3cret",
        "sslmode": "require",
    }
    pair = conninfo_to_dict(
        libpq_conninfo(
            "postgresql+psycopg://ws1@/cso?host=db1.cso.local:5432&host=db2.cso.local:5432"
            "&target_session_attrs=read-write"
        )
    )
    assert (pair["host"], pair["port"], pair["target_session_attrs"]) == (
        "db1.cso.local,db2.cso.local",
        "5432,5432",
        "read-write",
    )


# Change versions -------------------------------------------------------------------------------
def test_every_change_carries_the_version_the_commit_left(db, dispatcher):
    unit_id, *_ = small_shift(db, units=1)
    inc = welfare_call(db, dispatcher)
    seen: list[list[Change]] = []
    db.feed.subscribe(seen.append)
    after = services.dispatch_units(db, dispatcher, inc.id, [unit_id])
    unit = services.get_units(db, [unit_id])[0]
    assert Change("unit", unit_id, unit.version) in seen[-1]
    assert Change("incident", inc.id, after.version) in seen[-1]
    with db.read() as s:
        logged = s.execute(select(ChangeLog.kind, ChangeLog.entity_id, ChangeLog.version).order_by(ChangeLog.id)).all()
    assert logged[-len(seen[-1]) :] == [(c.kind, c.id, c.version) for c in seen[-1]]


# SQLite: two consoles on one file ---------------------------------------------------------------
def test_sqlite_follower_sees_other_connections_commits_cheaply(tmp_path, clock, dispatcher):
    url = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    a = Database(url, clock=clock)
    b = Database(url, clock=clock, upgrade=False)
    small_shift(a, units=1)
    follower = SQLiteFollower(b.read_engine, str(tmp_path / "shared.sqlite3"))
    assert follower() == []  # primes at the newest row: the board load has the rest
    assert follower() == []
    inc = welfare_call(a, dispatcher)
    changes = follower()
    assert Change("incident", inc.id, inc.version) in changes
    assert follower() == []  # data_version unchanged: not even a change_log query
    follower.close()
    a.dispose()
    b.dispose()


# PostgreSQL: LISTEN/NOTIFY -----------------------------------------------------------------------
@pytest.mark.postgres
def test_listener_delivers_commits_of_another_workstation(pg_url, clock):
    a = Database(pg_url, clock=clock)
    unit_id, *_ = small_shift(a, units=1)
    received: list[Change] = []
    states: list[bool] = []

    async def scenario() -> Any:
        task = asyncio.ensure_future(listen_changes(pg_url, received.extend, states.append))
        while states != [True]:
            await asyncio.sleep(0.005)
        loop = asyncio.get_running_loop()
        inc = await loop.run_in_executor(None, lambda: welfare_call(a, A))
        done = await loop.run_in_executor(None, lambda: services.dispatch_units(a, A, inc.id, [unit_id]))
        while Change("incident", inc.id, done.version) not in received:
            await asyncio.sleep(0.005)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        return done

    done = run_async(scenario)
    assert Change("incident", done.id, 1) in received
    assert Change("timeline", done.id) in received
    assert any(c.kind == "unit" and c.id == unit_id and c.version > 1 for c in received)
    a.dispose()


@pytest.mark.postgres
def test_listener_reconnects_after_its_backend_is_terminated(pg_url, clock):
    a = Database(pg_url, clock=clock)
    small_shift(a, units=1)
    received: list[Change] = []
    states: list[bool] = []

    async def scenario() -> None:
        task = asyncio.ensure_future(listen_changes(pg_url, received.extend, states.append))
        while len(states) < 1:
            await asyncio.sleep(0.005)
        await asyncio.get_running_loop().run_in_executor(None, terminate_connections, pg_url)
        while len(states) < 3:
            await asyncio.sleep(0.005)
        inc = await asyncio.get_running_loop().run_in_executor(None, lambda: welfare_call(a, A))
        while Change("incident", inc.id, 1) not in received:
            await asyncio.sleep(0.005)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    run_async(scenario)
    assert states == [True, False, True]
    a.dispose()


@pytest.mark.postgres
def test_listener_reports_an_unreachable_server_and_backs_off():
    states: list[bool] = []
    delays: list[float] = []
    five_waits = asyncio.Event()

    class CountingBackoff(Backoff):
        def next(self) -> float:
            delays.append(super().next())
            if len(delays) == 5:
                five_waits.set()
            return delays[-1]

    async def scenario() -> None:
        url = "postgresql+psycopg://postgres@127.0.0.1:1/none"  # nothing listens on port 1
        backoff = CountingBackoff(initial=0.01, cap=0.04)
        task = asyncio.ensure_future(listen_changes(url, lambda _: None, states.append, backoff=backoff))
        await asyncio.wait_for(five_waits.wait(), timeout=60)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    run_async(scenario)
    assert states == [False]  # reported once, not on every retry
    # Each failed attempt waits twice as long as the one before, up to the cap.
    assert delays[:5] == [0.01, 0.02, 0.04, 0.04, 0.04]


@pytest.mark.postgres
def test_change_log_poller_returns_rows_committed_out_of_id_order(pg_url, clock):
    db = Database(pg_url, clock=clock)
    poller = ChangeLogPoller(db.read_engine)
    poller.prime()
    slow = db.writer()
    slow.begin()
    slow.add(ChangeLog(at=clock(), kind="incident", entity_id=1, version=7))
    slow.flush()  # takes the lower id, commits last
    with db.writer() as fast, fast.begin():
        fast.add(ChangeLog(at=clock(), kind="incident", entity_id=2, version=3))
    assert poller.poll() == [Change("incident", 2, 3)]
    slow.commit()
    slow.close()
    assert poller.poll() == [Change("incident", 1, 7)]
    assert poller.poll() == []
    db.dispose()


# Conflicts -------------------------------------------------------------------------------------
def race(*calls: Callable[[], Any]) -> list[Any]:
    """Run the calls at the same moment on their own threads; each result or the exception raised."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int, call: Callable[[], Any]) -> None:
        barrier.wait()
        try:
            results[i] = call()
        except Exception as exc:
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def test_simultaneous_dispatch_of_one_unit_one_wins_the_other_is_told(any_db, clock):
    unit_id, *_ = small_shift(any_db, units=1)
    first = welfare_call(any_db, A)
    second = welfare_call(any_db, B, location="Plummer Park")
    other = Database(any_db.url, clock=clock, upgrade=False)
    for _round in range(3):
        outcomes = race(
            lambda: services.dispatch_units(any_db, A, first.id, [unit_id]),
            lambda: services.dispatch_units(other, B, second.id, [unit_id]),
        )
        won = [o for o in outcomes if not isinstance(o, Exception)]
        lost = [o for o in outcomes if isinstance(o, Exception)]
        assert len(won) == 1 and len(lost) == 1, outcomes
        assert isinstance(lost[0], UnitBusyError)
        winner = A if won[0].id == first.id else B
        assert re.search(
            rf"CSO11 is already assigned to {won[0].number} \(dispatched by {winner.username} at 08:00:00\)",
            str(lost[0]),
        )
        unit = services.get_units(any_db, [unit_id])[0]
        assert unit.incident_id == won[0].id
        with any_db.read() as s:
            dispatches = s.scalar(
                select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "dispatch_units")
            )
        assert dispatches == _round + 1
        services.clear_incident(any_db, A, won[0].id, disposition="18")
        services.reopen_incident(any_db, Actor("sup", role="supervisor"), won[0].id, reason="test round")
    other.dispose()


def test_stale_unit_status_names_who_changed_it(any_db, clock):
    unit_id, *_ = small_shift(any_db, units=1)
    inc = welfare_call(any_db, A)
    seen = services.get_units(any_db, [unit_id])[0]
    services.dispatch_units(any_db, A, inc.id, [unit_id])
    with pytest.raises(StaleWriteError, match=r"CSO11 was changed by dispatcher\.a \(dispatch units") as err:
        services.set_unit_status(any_db, B, unit_id, "busy", expected_version=seen.version)
    assert err.value.changed_by == "dispatcher.a"
    assert services.get_units(any_db, [unit_id])[0].status == "dispatched"


# Connection loss -------------------------------------------------------------------------------
@pytest.mark.postgres
def test_unreachable_server_refuses_the_write_clearly():
    db = Database("postgresql+psycopg://postgres@127.0.0.1:1/none", upgrade=False)
    with pytest.raises(DatabaseUnavailableError, match="cannot be reached; the action was not applied"):
        services.create_incident(db, A, screening=NO_SCREENING, call_type="WELFARE", location="8300 Santa Monica Blvd")
    db.dispose()


@pytest.mark.postgres
def test_connection_killed_mid_action_writes_nothing(pg_url, clock):
    db = Database(pg_url, clock=clock)
    inc = welfare_call(db, A)
    before = (services.timeline(db, inc.id), _audit_count(db))
    holder = db.writer()
    holder.begin()
    holder.get(Incident, inc.id, with_for_update=True)  # the note must wait for this lock
    worker = Database(pg_url, clock=clock, upgrade=False)
    outcome: list[Any] = []
    thread = threading.Thread(
        target=lambda: outcome.append(_attempt(lambda: services.add_note(worker, B, inc.id, "x")))
    )
    thread.start()
    name = make_url(pg_url).database
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        waiting = admin_execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = :name AND wait_event_type = 'Lock'", name=name
        )
        if waiting:
            break
        time.sleep(0.02)
    assert waiting, "the note never waited for the lock"
    admin_execute("SELECT pg_terminate_backend(:pid)", pid=waiting[0][0])
    thread.join(10)
    holder.rollback()
    holder.close()
    assert isinstance(outcome[0], DatabaseUnavailableError)
    assert "not applied" in str(outcome[0])
    after = (services.timeline(db, inc.id), _audit_count(db))
    assert after == before
    worker.dispose()
    db.dispose()


def _audit_count(db: Database) -> int:
    with db.read() as s:
        return int(s.scalar(select(func.count()).select_from(AuditEntry)) or 0)


def _attempt(call: Callable[[], Any]) -> Any:
    try:
        return call()
    except Exception as exc:
        return exc


# Numbers ---------------------------------------------------------------------------------------
def test_incident_numbers_are_unique_and_gapless_across_workers(any_db, clock):
    workers = 4
    per_worker = 15
    numbers: list[str] = []
    lock = threading.Lock()
    dbs = [Database(any_db.url, clock=clock, upgrade=False) for _ in range(workers)]

    def work(db: Database) -> Callable[[], None]:
        def run() -> None:
            for n in range(per_worker):
                rec = services.create_incident(
                    db, A, screening=NO_SCREENING, call_type="NOISE", location=f"{900 + n} N Kings Rd"
                )
                with lock:
                    numbers.append(rec.number)

        return run

    outcomes = race(*(work(d) for d in dbs))
    assert all(o is None for o in outcomes), outcomes
    assert sorted(numbers) == [f"2026-{n:06d}" for n in range(1, workers * per_worker + 1)]
    for d in dbs:
        d.dispose()


def test_a_rolled_back_action_gives_its_number_back(any_db):
    with any_db.writer() as s, s.begin():
        assert next_counter(s, "citation") == 1
    s = any_db.writer()
    s.begin()
    assert next_counter(s, "citation") == 2
    s.rollback()  # the action was refused after taking a number
    s.close()
    with any_db.writer() as s, s.begin():
        assert next_counter(s, "citation") == 2


# Append-only tables ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_log SET username = 'someone else'",
        "DELETE FROM audit_log",
        "UPDATE incident_events SET text = 'rewritten'",
        "DELETE FROM incident_events",
    ],
)
def test_audit_and_timeline_refuse_update_and_delete(any_db, statement):
    welfare_call(any_db, A)
    with pytest.raises(DBAPIError, match="append-only"), any_db.engine.begin() as conn:
        conn.execute(text(statement))
    with any_db.read() as s:
        assert s.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.username == A.username)) == 1


@pytest.mark.postgres
def test_truncate_of_the_audit_log_is_refused(pg_url):
    db = Database(pg_url)
    welfare_call(db, A)
    for table in ("audit_log", "incident_events"):
        with pytest.raises(DBAPIError, match="append-only: TRUNCATE refused"), db.engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {table} CASCADE"))
    db.dispose()


# Roles -----------------------------------------------------------------------------------------
ROLES_SQL = ROOT / "docs" / "postgresql-roles.sql"
ROLE_NAMES = re.compile(r"\bcso_(owner|workstation|reports|ws_[a-z0-9_]+|reader_[a-z0-9_]+)\b")


@pytest.fixture
def centre_roles(pg_empty_url):
    pg_url = pg_empty_url
    """The documented roles, renamed for this test (roles are cluster-wide), dropped afterwards."""
    suffix = uuid.uuid4().hex[:6]
    names: dict[str, str] = {}

    def rename(match: re.Match[str]) -> str:
        names[match.group(0)] = f"{match.group(0)}_{suffix}"
        return names[match.group(0)]

    script = ROLE_NAMES.sub(rename, ROLES_SQL.read_text())
    database = make_url(pg_url).database
    try:
        admin_execute(f'CREATE ROLE "cso_owner_{suffix}" LOGIN')
        names["cso_owner"] = f"cso_owner_{suffix}"
        admin_execute(f'ALTER DATABASE "{database}" OWNER TO "cso_owner_{suffix}"')
        yield names, script
    finally:
        owner_engine = create_engine(pg_url, isolation_level="AUTOCOMMIT")
        with owner_engine.connect() as conn:
            existing = {r[0] for r in conn.execute(text("SELECT rolname FROM pg_roles"))}
            mine = [n for n in names.values() if n in existing]
            if mine:
                listed = ", ".join(f'"{n}"' for n in mine)
                conn.execute(text(f"REASSIGN OWNED BY {listed} TO postgres"))
                conn.execute(text(f"DROP OWNED BY {listed}"))
                for n in mine:
                    conn.execute(text(f'DROP ROLE "{n}"'))
        owner_engine.dispose()


def as_role(url: str, role: str) -> str:
    return make_url(url).set(username=role).render_as_string(hide_password=False)


@pytest.mark.postgres
def test_workstation_role_runs_the_services_but_cannot_rewrite_audit_or_change_schema(
    pg_empty_url, clock, centre_roles
):
    pg_url = pg_empty_url
    names, script = centre_roles
    psql = shutil.which("psql")
    if psql is None:
        pytest.skip("psql is not installed")
    owner = Database(as_role(pg_url, names["cso_owner"]), clock=clock)  # the owner runs the migrations
    with owner.read() as s:
        assert s.scalar(text("SELECT tableowner FROM pg_tables WHERE tablename = 'audit_log'")) == names["cso_owner"]
    owner.dispose()
    url = make_url(pg_url)
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
    # At head: no DDL attempted. The real clock: the server refuses audit entries dated other than now.
    station = Database(as_role(pg_url, names["cso_ws_dispatch1"]))
    # A supervisor position sets up the shift; a dispatcher position takes calls.
    small_shift(station, units=1)
    inc = welfare_call(station, A)
    unit_id = services.get_units(station)[0].id
    services.dispatch_units(station, A, inc.id, [unit_id])
    services.clear_incident(station, A, inc.id, disposition="18")
    assert services.get_incident(station, inc.id).status == "cleared"
    refused = {
        "UPDATE audit_log SET username = 'x'": "permission denied",
        "DELETE FROM audit_log": "permission denied",
        "DELETE FROM incident_events": "permission denied",
        "UPDATE change_log SET version = 0": "permission denied",
        "DELETE FROM incidents": "permission denied",
        "DROP TABLE incidents": "must be owner",
        "CREATE TABLE sneaky (id int)": "permission denied for schema public",
        "ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only": "must be owner",
    }
    for statement, reason in refused.items():
        with pytest.raises(DBAPIError, match=reason), station.engine.begin() as conn:
            conn.execute(text(statement))
    # Even the owner cannot rewrite history: the trigger refuses whoever asks.
    owner = Database(as_role(pg_url, names["cso_owner"]), clock=clock, upgrade=False)
    with pytest.raises(DBAPIError, match="append-only"), owner.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_log"))
    owner.dispose()
    reports = Database(as_role(pg_url, names["cso_reader_stats"]), clock=clock, upgrade=False)
    assert services.get_incident(reports, inc.id).disposition_code == "18"
    with pytest.raises(DispatchError):
        services.add_note(reports, A, inc.id, "read-only role")
    reports.dispose()
    station.dispose()


# 1,000 concurrent actions ----------------------------------------------------------------------
@dataclass
class Done:
    """A successful action: what was called, with what, and the version it produced."""

    name: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    result_id: int
    version: int


@dataclass
class Worker:
    index: int
    db: Database
    actor: Actor
    rng: random.Random
    done: list[Done] = field(default_factory=list)
    refused: Counter[str] = field(default_factory=Counter)


def _state(db: Database) -> tuple[list[tuple[int, int, str]], list[tuple[int, str, int | None]]]:
    with db.read() as s:
        incidents = s.execute(
            select(Incident.id, Incident.version, Incident.status).where(
                Incident.status.in_(("pending", "dispatched", "enroute", "onscene"))
            )
        ).all()
        units = s.execute(select(Unit.id, Unit.status, Unit.incident_id).where(Unit.on_shift.is_(True))).all()
    return [tuple(r) for r in incidents], [tuple(r) for r in units]


def _choose(w: Worker, step: int) -> tuple[str, tuple[Any, ...], dict[str, Any]]:
    incidents, units = _state(w.db)
    rng = w.rng
    token = f"w{w.index}-{step}"
    roll = rng.random()
    if roll < 0.12 or not incidents:
        return "create_incident", (), {"call_type": "WELFARE", "location": f"{8000 + step} Santa Monica Blvd"}
    inc_id, inc_version, _status = rng.choice(incidents)
    if roll < 0.30:
        return "update_incident", (inc_id,), {"expected_version": inc_version, "narrative": f"update {token}"}
    if roll < 0.50:
        free = [u for u in units if u[1] in ("available", "busy") and u[2] is None] or units
        return "dispatch_units", (inc_id, [rng.choice(free)[0]]), {}
    if roll < 0.70:
        assigned = [u for u in units if u[2] is not None] or units
        unit = rng.choice(assigned)
        nxt = {"dispatched": "enroute", "enroute": "onscene", "onscene": "available"}.get(unit[1], "busy")
        return "set_unit_status", (unit[0], nxt), {"note": token}
    if roll < 0.80:
        return "clear_incident", (inc_id,), {"disposition": "18", "note": token}
    if roll < 0.90:
        return "add_note", (inc_id, f"note {token}"), {}
    unit = rng.choice(units)
    return "acknowledge_check", (unit[0],), {"note": token}


def _run_worker(w: Worker, steps: int) -> None:
    for step in range(steps):
        name, args, kwargs = _choose(w, step)
        try:
            result = getattr(services, name)(w.db, w.actor, *args, **kwargs)
        except DispatchError as exc:
            w.refused[type(exc).__name__] += 1
            continue
        w.done.append(Done(name, args, kwargs, result.id, result.version))


@pytest.mark.postgres
@pytest.mark.slow
def test_a_thousand_concurrent_actions_lose_no_update(pg_url, tmp_path, clock):
    setup = Database(pg_url, clock=clock)
    small_shift(setup, units=8)
    for n in range(6):
        welfare_call(setup, A, location=f"{7000 + n} Sunset Blvd")
    with setup.read() as s:
        setup_audit = s.scalar(select(func.max(AuditEntry.id)))
    workers = [
        Worker(
            k,
            Database(pg_url, clock=clock, upgrade=False),
            Actor(f"worker{k}", workstation=f"ws-{k}"),
            random.Random(k),
        )
        for k in range(4)
    ]
    outcomes = race(*(lambda w=w: _run_worker(w, 250) for w in workers))
    assert all(o is None for o in outcomes), outcomes
    done = sum(len(w.done) for w in workers)
    refused = sum(sum(w.refused.values()) for w in workers)
    assert done + refused == 1000
    assert done > 400, [w.refused for w in workers]

    # One audit row per successful action, in each worker's own order; none for refusals.
    with setup.read() as s:
        audit = s.execute(
            select(AuditEntry.id, AuditEntry.username, AuditEntry.action)
            .where(AuditEntry.id > setup_audit)
            .order_by(AuditEntry.id)
        ).all()
    assert len(audit) == done
    by_user = {w.actor.username: w for w in workers}
    for w in workers:
        assert [a.action for a in audit if a.username == w.actor.username] == [d.name for d in w.done]

    # Replay the successes one at a time, in the order the server committed them (audit order: a
    # later transaction that touched the same rows waited for the earlier one's locks).
    replay = Database(f"sqlite:///{tmp_path / 'replay.sqlite3'}", clock=ManualClock(clock()))
    small_shift(replay, units=8)
    for n in range(6):
        welfare_call(replay, A, location=f"{7000 + n} Sunset Blvd")
    next_done = {name: iter(w.done) for name, w in by_user.items()}
    ids: dict[int, int] = {}  # incident id on the server -> in the replay
    for n in range(1, 7):
        ids[n] = n
    for row in audit:
        d = next(next_done[row.username])
        args = list(d.args)
        if d.name in ("update_incident", "dispatch_units", "clear_incident", "add_note"):
            args[0] = ids[args[0]]
        result = getattr(services, d.name)(replay, by_user[row.username].actor, *args, **d.kwargs)
        if d.name == "create_incident":
            ids[d.result_id] = result.id
        assert result.version == d.version, (row, d)

    served = {i.number: i for i in _all_incidents(setup)}
    replayed = {i.number: i for i in _all_incidents(replay)}
    assert set(served) == set(replayed)
    for number, rec in served.items():
        other = replayed[number]
        assert (rec.status, rec.version, rec.units, rec.narrative, rec.disposition_code) == (
            other.status,
            other.version,
            other.units,
            other.narrative,
            other.disposition_code,
        ), number
    served_units = {u.call_sign: (u.status, u.version, u.incident_number) for u in services.get_units(setup)}
    replayed_units = {u.call_sign: (u.status, u.version, u.incident_number) for u in services.get_units(replay)}
    assert served_units == replayed_units
    for w in workers:
        w.db.dispose()
    replay.dispose()
    setup.dispose()


def _all_incidents(db: Database) -> list[Any]:
    with db.read() as s:
        ids = list(s.scalars(select(Incident.id)))
    return services.get_incidents(db, ids)
