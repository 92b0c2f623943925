"""Following other workstations' commits: PostgreSQL LISTEN with reconnect, change_log polling, echo filter."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Executor
from typing import Any
from urllib.request import pathname2url

import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo
from sqlalchemy import Engine, func, or_, select
from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg
from sqlalchemy.engine import make_url

from data.feed import CHANNEL, Change
from data.models import ChangeLog

log = logging.getLogger(__name__)

OnChanges = Callable[[list[Change]], None]
OnState = Callable[[bool], None]  # True: following live again; False: the link to the database is down

# TCP keepalives notice a dead server or a pulled cable even while no notification is due.
KEEPALIVES: dict[str, Any] = {"keepalives": 1, "keepalives_idle": 5, "keepalives_interval": 2, "keepalives_count": 2}


class Backoff:
    """Delays between reconnect attempts: doubling from `initial`, never above `cap` seconds."""

    def __init__(self, initial: float = 0.1, factor: float = 2.0, cap: float = 2.0) -> None:
        self.initial = initial
        self.factor = factor
        self.cap = cap
        self._next = initial

    def next(self) -> float:
        delay = self._next
        self._next = min(self.cap, self._next * self.factor)
        return delay

    def reset(self) -> None:
        self._next = self.initial


def libpq_conninfo(url: str) -> str:
    """The SQLAlchemy URL (postgresql+psycopg://...) as the libpq conninfo the engine itself would use.

    Through the dialect, so several hosts (?host=a:5432&host=b:5432&target_session_attrs=read-write,
    a primary and its standby) mean the same to the change feed as to the engine.
    """
    cargs, cparams = PGDialect_psycopg().create_connect_args(make_url(url))
    return make_conninfo(*cargs, **cparams)


def sqlite_path(url: str) -> str | None:
    """The file behind a SQLite URL, or None for another database or an in-memory one."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return parsed.database


class _StateReporter:
    """Calls on_state only when the state changes (the first report always goes through)."""

    def __init__(self, on_state: OnState) -> None:
        self._on_state = on_state
        self.state: bool | None = None

    def __call__(self, connected: bool) -> None:
        if self.state is connected:
            return
        self.state = connected
        self._on_state(connected)


async def listen_changes(
    url: str,
    on_changes: OnChanges,
    on_state: OnState,
    *,
    channel: str = CHANNEL,
    backoff: Backoff | None = None,
    heartbeat: float = 5.0,
    timeout: float = 2.0,
) -> None:
    """LISTEN on `channel` until cancelled; reconnect with backoff whenever the connection drops.

    on_changes gets each packet's notifications as one list; on_state(True) is called once the LISTEN
    is in place (anything committed before may have been missed: resynchronise then), on_state(False)
    when a connection attempt fails or the connection breaks. Both run on the event loop's thread.
    """
    backoff = backoff or Backoff()
    report = _StateReporter(on_state)
    loop = asyncio.get_running_loop()
    conninfo = libpq_conninfo(url)
    pending: list[Change] = []

    def deliver() -> None:
        batch = list(dict.fromkeys(pending))
        pending.clear()
        if batch:
            on_changes(batch)

    while True:
        try:
            conn = await psycopg.AsyncConnection.connect(
                conninfo,
                autocommit=True,
                connect_timeout=max(1, round(timeout)),
                application_name="cso-console change feed",
                **KEEPALIVES,
            )
        except (psycopg.Error, OSError) as exc:
            log.info("change feed: cannot connect (%s)", exc)
            report(False)
            await asyncio.sleep(backoff.next())
            continue
        try:
            async with conn:
                await conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))
                backoff.reset()
                report(True)
                while True:
                    async for note in conn.notifies(timeout=heartbeat):
                        try:
                            change = Change.from_payload(note.payload)
                        except (ValueError, TypeError):
                            log.warning("change feed: ignoring malformed payload %r", note.payload)
                            continue
                        if not pending:
                            # Runs once the generator waits again, i.e. after this packet's notifications.
                            loop.call_soon(deliver)
                        pending.append(change)
                    # Quiet for a while: make sure the server is still there (a dead peer sends nothing).
                    await asyncio.wait_for(conn.execute("SELECT 1"), timeout)
        except (psycopg.Error, OSError, TimeoutError) as exc:
            log.info("change feed: connection lost (%s)", exc)
            deliver()
            report(False)
            await asyncio.sleep(backoff.next())


async def poll_changes(
    poll: Callable[[], list[Change]],
    on_changes: OnChanges,
    on_state: OnState,
    *,
    interval: float = 0.25,
    executor: Executor | None = None,
    backoff: Backoff | None = None,
) -> None:
    """Run the blocking `poll` off the loop's thread every `interval` seconds until cancelled."""
    backoff = backoff or Backoff()
    report = _StateReporter(on_state)
    loop = asyncio.get_running_loop()
    while True:
        try:
            changes = await loop.run_in_executor(executor, poll)
        except Exception as exc:  # a locked, moved or unreachable database: keep trying
            log.info("change poll failed (%s)", exc)
            report(False)
            await asyncio.sleep(backoff.next())
            continue
        backoff.reset()
        report(True)
        if changes:
            on_changes(changes)
        await asyncio.sleep(interval)


class ChangeLogPoller:
    """Reads change_log rows committed since a cursor (any database).

    On PostgreSQL ids come from a sequence and commit out of order, so an id skipped by a read may
    still appear; such gaps are re-read for `gap_grace` seconds before they are written off.
    """

    def __init__(self, engine: Engine, *, cursor: int | None = None, gap_grace: float = 10.0) -> None:
        self.engine = engine
        self.cursor = cursor if cursor is not None else 0
        self.primed = cursor is not None
        self.gap_grace = gap_grace
        self._gaps: dict[int, float] = {}
        self._lock = threading.Lock()

    def prime(self) -> int:
        """Start following from the newest committed row (what came before is in the loaded board)."""
        with self.engine.connect() as conn:
            newest = conn.execute(select(func.max(ChangeLog.id))).scalar_one_or_none()
        with self._lock:
            self.cursor = int(newest or 0)
            self._gaps.clear()
            self.primed = True
            return self.cursor

    def poll(self, limit: int = 5000) -> list[Change]:
        with self._lock:
            cursor, gaps = self.cursor, sorted(self._gaps)
        query = select(ChangeLog.id, ChangeLog.kind, ChangeLog.entity_id, ChangeLog.version)
        newer = ChangeLog.id > cursor
        query = query.where(or_(newer, ChangeLog.id.in_(gaps)) if gaps else newer)
        with self.engine.connect() as conn:
            rows = conn.execute(query.order_by(ChangeLog.id).limit(limit)).all()
        now = time.monotonic()
        changes = []
        with self._lock:
            for row_id, kind, entity_id, version in rows:
                if row_id > self.cursor:
                    if row_id - self.cursor <= 1000:  # a huge jump is a sequence restart, not commits in flight
                        for missing in range(self.cursor + 1, row_id):
                            self._gaps.setdefault(missing, now + self.gap_grace)
                    self.cursor = row_id
                elif self._gaps.pop(row_id, None) is None:
                    continue  # read already
                changes.append(Change(kind, entity_id, version))
            for gap, deadline in list(self._gaps.items()):
                if deadline < now:
                    del self._gaps[gap]
        return list(dict.fromkeys(changes))


class DataVersionWatch:
    """`PRAGMA data_version` on a connection of its own: has any other connection committed since?

    The connection is created by and used from one thread only (run it in a one-thread executor).
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self._conn: sqlite3.Connection | None = None
        self._version: int | None = None

    def changed(self) -> bool:
        if self._conn is None:
            # mode=rw: a moved or deleted file is an error, not a new empty database.
            uri = f"file:{pathname2url(self.path)}?mode=rw"
            self._conn = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=5)
        version = int(self._conn.execute("PRAGMA data_version").fetchone()[0])
        changed = version != self._version
        self._version = version
        return changed

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


class SQLiteFollower:
    """One poll of a shared SQLite file: cheap when nothing changed, change_log rows when it did."""

    def __init__(self, engine: Engine, path: str, poller: ChangeLogPoller | None = None) -> None:
        self.watch = DataVersionWatch(path)
        self.poller = poller or ChangeLogPoller(engine)

    def __call__(self) -> list[Change]:
        if not self.poller.primed:
            self.poller.prime()
        if not self.watch.changed():
            return []
        return self.poller.poll()

    def close(self) -> None:
        self.watch.close()


class EchoFilter:
    """Drops the copies of this process's own commits that come back through NOTIFY or change_log.

    The in-process feed already refreshed the board for them. Each remembered change cancels one
    returning copy, within `ttl` seconds. Thread-safe: remember() is called on the committing thread,
    foreign() on the loop's.
    """

    def __init__(self, ttl: float = 30.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self._clock = clock  # seconds, monotonic; tests pass their own
        self._pending: dict[Change, deque[float]] = {}
        self._lock = threading.Lock()

    def remember(self, changes: Iterable[Change]) -> None:
        now = self._clock()
        with self._lock:
            for change in changes:
                self._pending.setdefault(change, deque()).append(now)
            if len(self._pending) > 1000:
                for change in list(self._pending):
                    self._fresh(change, now)

    def foreign(self, changes: Iterable[Change]) -> list[Change]:
        now = self._clock()
        kept = []
        with self._lock:
            for change in changes:
                stamps = self._fresh(change, now)
                if stamps:
                    stamps.popleft()
                    if not stamps:
                        del self._pending[change]
                else:
                    kept.append(change)
        return kept

    def clear(self) -> None:
        with self._lock:
            self._pending.clear()

    def _fresh(self, change: Change, now: float) -> deque[float] | None:
        stamps = self._pending.get(change)
        if stamps is None:
            return None
        while stamps and stamps[0] < now - self.ttl:
            stamps.popleft()
        if not stamps:
            del self._pending[change]
            return None
        return stamps
