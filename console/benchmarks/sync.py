"""Sync benchmark: a commit on console A until the row is new in console B's store, NOTIFY against a 1 s poll.

Without --db it creates and drops its own database on the local PostgreSQL server. With --db it
writes benchmark incidents into that database: give it a scratch one.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import statistics
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from console.benchmarks._scratch import scratch_postgresql
from data import rules, services
from data.db import Database
from data.listen import ChangeLogPoller
from data.permissions import Actor
from data.records import IncidentRecord

CHANGES = 500
INTERVAL_MS = 20.0  # one commit every 20 ms: a very busy centre, not an idle one
INCIDENTS = 50  # updated round-robin, so one incident changes once a second
POLL_S = 1.0
WRITER = Actor("bench.a", role="dispatcher", workstation="bench-a")


def _options(args: argparse.Namespace | Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m console.benchmarks.sync", description=__doc__)
    parser.add_argument("--db", help="database URL (default: a fresh database on the local PostgreSQL server)")
    parser.add_argument("--changes", type=int, default=CHANGES)
    parser.add_argument("--interval-ms", type=float, default=INTERVAL_MS)
    if isinstance(args, argparse.Namespace):
        # From `cso-console bench sync`: take what the shared parser has, defaults for the rest.
        defaults = vars(parser.parse_args([]))
        return argparse.Namespace(**{k: getattr(args, k, None) or v for k, v in defaults.items()})
    return parser.parse_args(args)


@contextmanager
def _scratch_database(url: str | None) -> Iterator[str]:
    if url:
        yield url
        return
    with scratch_postgresql() as scratch:
        yield scratch


def _percentile(values: list[float], pct: int) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[pct - 1]


class _Stream:
    """Commits on A at a fixed pace (off the loop's thread) and times each until B's store has it."""

    def __init__(self, a: Database, versions: dict[int, int], store: Any) -> None:
        self.a = a
        self.versions = versions  # incident id -> version; shared between runs, updated here
        self.order = sorted(versions)
        self.committed: dict[tuple[int, int], float] = {}
        # Every (id, version) B's store showed, with when: B may show a change before the writer
        # thread has noted it as committed, so arrivals are matched to commits afterwards.
        self.arrivals: list[tuple[int, int, float]] = []
        self._commit_at = threading.local()
        self._lock = threading.Lock()
        event.listen(a.writer, "after_commit", self._on_commit)
        store.incidents_changed.connect(self._on_store_incidents_changed)
        self._store = store

    def close(self) -> None:
        event.remove(self.a.writer, "after_commit", self._on_commit)
        self._store.incidents_changed.disconnect(self._on_store_incidents_changed)

    def _on_commit(self, _session: Any) -> None:
        self._commit_at.value = time.perf_counter()

    def _on_store_incidents_changed(self, records: list[IncidentRecord]) -> None:
        now = time.perf_counter()
        with self._lock:
            self.arrivals.extend((rec.id, rec.version, now) for rec in records)

    def seen(self) -> dict[tuple[int, int], float]:
        """When B first showed each committed change (that version or a later one of the incident)."""
        with self._lock:
            committed, arrivals = list(self.committed), list(self.arrivals)
        by_id: dict[int, list[tuple[int, float]]] = {}
        for ident, version, at in arrivals:
            by_id.setdefault(ident, []).append((version, at))
        first: dict[tuple[int, int], float] = {}
        for ident, version in committed:
            times = [at for v, at in by_id.get(ident, ()) if v >= version]
            if times:
                first[(ident, version)] = min(times)
        return first

    def write(self, count: int, interval: float) -> None:
        start = time.perf_counter()
        for n in range(count):
            due = start + n * interval
            pause = due - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            ident = self.order[n % len(self.order)]
            rec = services.update_incident(
                self.a,
                WRITER,
                ident,
                expected_version=self.versions[ident],
                narrative=f"bench change {n} ({time.perf_counter_ns()})",
            )
            self.versions[ident] = rec.version
            with self._lock:
                self.committed[(ident, rec.version)] = self._commit_at.value

    async def run(self, count: int, interval: float, settle: float) -> list[float]:
        loop = asyncio.get_running_loop()
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="bench-writer") as pool:
            await loop.run_in_executor(pool, self.write, count, interval)
        deadline = time.perf_counter() + settle
        seen = self.seen()
        while len(seen) < len(self.committed) and time.perf_counter() < deadline:
            await asyncio.sleep(0.01)
            seen = self.seen()
        missing = len(self.committed) - len(seen)
        if missing:
            raise RuntimeError(f"{missing} of {len(self.committed)} changes never reached the second console")
        return [max(0.0, (seen[k] - t) * 1000) for k, t in self.committed.items()]


async def _measure(url: str, changes: int, interval: float) -> dict[str, float]:
    from widgets.operations import Operations
    from widgets.store import BoardStore
    from widgets.sync import SyncMonitor
    from widgets.tasks import TaskRunner

    loop = asyncio.get_running_loop()
    a = Database(url)
    incidents = []
    for n in range(INCIDENTS):
        incidents.append(
            await loop.run_in_executor(
                None,
                functools.partial(
                    services.create_incident,
                    a,
                    WRITER,
                    call_type="NOISE",
                    location=f"{900 + n} N Kings Rd",
                    narrative="bench",
                    screening=rules.caller_said_no(),
                ),
            )
        )
    b = Database(url, upgrade=False)
    runner = TaskRunner()
    store = BoardStore(b, Operations(runner))  # the console's own 30 ms coalescing of feed bursts stays in
    loaded = asyncio.Event()
    store.board_loaded.connect(loaded.set)
    monitor = SyncMonitor(store)
    monitor.start()
    store.load()
    await loaded.wait()
    while not monitor.running:
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.3)  # the LISTEN (or the first poll) is in place

    versions = {rec.id: rec.version for rec in incidents}
    stream = _Stream(a, versions, store)
    try:
        pushed = await stream.run(changes, interval, settle=10.0)
    finally:
        stream.close()
        task = monitor.stop()
        if task is not None:
            await asyncio.gather(task, return_exceptions=True)

    # The same stream, followed by a plain 1 s poll of change_log instead of NOTIFY.
    poller = ChangeLogPoller(b.read_engine)
    await loop.run_in_executor(None, poller.prime)

    async def poll_forever() -> None:
        while True:
            await asyncio.sleep(POLL_S)
            store.apply_changes(await loop.run_in_executor(None, poller.poll))

    polling = asyncio.ensure_future(poll_forever())
    stream = _Stream(a, versions, store)
    try:
        polled = await stream.run(min(changes, 200), interval, settle=POLL_S * 3)
    finally:
        stream.close()
        polling.cancel()
        await asyncio.gather(polling, return_exceptions=True)

    store.close()
    runner.shutdown()
    a.dispose()
    b.dispose()
    return {
        "propagation_ms_median": round(statistics.median(pushed), 1),
        "propagation_ms_p95": round(_percentile(pushed, 95), 1),
        "propagation_ms_max": round(max(pushed), 1),
        "polling_ms_median": round(statistics.median(polled), 1),
        "polling_ms_p95": round(_percentile(polled, 95), 1),
        "changes": float(len(pushed)),
        "polled_changes": float(len(polled)),
        "interval_ms": interval * 1000,
    }


def run(args: argparse.Namespace | Sequence[str] | None = None) -> dict[str, float]:
    import qasync
    from PySide6.QtCore import QCoreApplication

    opts = _options(args)
    app = QCoreApplication.instance() or QCoreApplication([])
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    try:
        with _scratch_database(opts.db) as url:
            return loop.run_until_complete(_measure(url, opts.changes, opts.interval_ms / 1000))
    finally:
        asyncio.set_event_loop(None)
        loop.close()


if __name__ == "__main__":
    print(json.dumps(run()))
