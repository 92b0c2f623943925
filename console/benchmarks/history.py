"""Benchmark of the location history: 200,000 incidents over three years, looked up at 200 places on SQLite and PostgreSQL."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text

from console.benchmarks._scratch import PG_ADMIN_URL, scratch_postgresql
from data.db import Database
from data.models import Incident
from data.pack import Pack, load_pack
from data.services.history import location_history

INCIDENTS = 200_000
LOOKUPS = 200
YEARS = 3
TARGET_MS = 20.0
END = dt.datetime(2026, 11, 30, 20, 0, tzinfo=dt.UTC)
# The city's extent (West Hollywood), where generated calls fall.
SOUTH, NORTH, WEST, EAST = 34.0780, 34.1020, -118.3950, -118.3440
STREETS = ("Santa Monica Blvd", "Sunset Blvd", "Melrose Ave", "Fountain Ave", "La Cienega Blvd", "N Kings Rd")


def places(count: int, rng: random.Random) -> list[tuple[str, float, float]]:
    """Addresses with points spread over the city."""
    return [
        (
            f"{rng.randint(600, 9400)} {rng.choice(STREETS)}",
            round(rng.uniform(SOUTH, NORTH), 6),
            round(rng.uniform(WEST, EAST), 6),
        )
        for _ in range(count)
    ]


def incident_rows(
    pack: Pack, count: int, seed: int = 90069
) -> tuple[list[dict[str, Any]], list[tuple[str, float, float]]]:
    """Three years of calls: most at known addresses (a tenth of them hot spots), some at loose points, a few without one."""
    rng = random.Random(seed)
    spots = places(4000, rng)
    hot = spots[:400]
    codes = [c for c in pack.call_types.values() if c.kind == "call"]
    start = END - dt.timedelta(days=365 * YEARS)
    span = (END - start).total_seconds()
    rows = []
    for n in range(1, count + 1):
        received = start + dt.timedelta(seconds=span * n / (count + 1))
        pick = rng.random()
        if pick < 0.3:
            location, lat, lon = rng.choice(hot)
        elif pick < 0.85:
            location, lat, lon = rng.choice(spots)
        else:
            location, lat, lon = "", round(rng.uniform(SOUTH, NORTH), 6), round(rng.uniform(WEST, EAST), 6)
            location = f"{lat:.5f}, {lon:.5f}"
        point: tuple[float | None, float | None] = (lat, lon) if rng.random() > 0.03 else (None, None)
        ct = rng.choice(codes)
        cleared = received + dt.timedelta(minutes=rng.randint(10, 120))
        is_open = n > count - 30
        rows.append(
            {
                "id": n,
                "number": f"{received.year}-{n:07d}",
                "kind": "call",
                "call_type": ct.code,
                "apco_code": ct.apco,
                "priority": ct.priority,
                "status": "pending" if is_open else rng.choice(("cleared", "cleared", "cleared", "cancelled")),
                "location": location,
                "latitude": point[0],
                "longitude": point[1],
                "zone": None,
                "in_city": True,
                "caller_name": "",
                "caller_phone": "",
                "narrative": "",
                "screening": {},
                "response": "cso",
                "override_reason": "",
                "received_at": received,
                "entered_at": received,
                "status_changed_at": cleared,
                "cleared_at": None if is_open else cleared,
                "disposition_code": None if is_open else rng.choice(("18", "15", "02", "14")),
                "disposition_note": "",
                "created_by": "bench",
                "version": 3,
            }
        )
    return rows, spots


def fill(db: Database, count: int) -> list[tuple[str, float, float]]:
    """Bulk-insert the incidents; returns the addresses they were placed at."""
    rows, spots = incident_rows(db.pack, count)
    with db.writer() as s, s.begin():
        for offset in range(0, len(rows), 10_000):
            s.execute(insert(Incident), rows[offset : offset + 10_000])
    if db.dialect == "postgresql":
        # What autovacuum does to a table that keeps receiving calls: statistics, and the visibility map
        # that lets the history read its band from the index alone.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE incidents"))
    else:
        with db.writer() as s, s.begin():
            s.execute(text("ANALYZE"))
    return spots


def time_lookups(db: Database, spots: list[tuple[str, float, float]], lookups: int) -> tuple[float, float, float, int]:
    """Median and 95th percentile (ms) of one place's history, median CPU ms of this process, the largest history.

    The CPU time is this process's share (all of SQLite's work; PostgreSQL's server work is not in it): on a
    machine busy with other work the wall time also counts the wait for a core.
    """
    rng = random.Random(2026)
    targets = [rng.choice(spots) for _ in range(lookups)]
    location_history(db, latitude=targets[0][1], longitude=targets[0][2], location=targets[0][0], now=END)  # warm
    timings, cpu = [], []
    largest = 0
    for location, lat, lon in targets:
        t0, c0 = time.perf_counter(), time.process_time()
        found = location_history(db, latitude=lat, longitude=lon, location=location, now=END)
        timings.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
        largest = max(largest, found.total)
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.95) - 1], statistics.median(cpu), largest


def bench_sqlite(count: int, lookups: int) -> tuple[float, float, float, int]:
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{Path(tmp) / 'history.sqlite3'}", pack=load_pack())
        try:
            return time_lookups(db, fill(db, count), lookups)
        finally:
            db.dispose()


def bench_postgresql(count: int, lookups: int, admin_url: str = PG_ADMIN_URL) -> tuple[float, float, float, int]:
    with scratch_postgresql(admin_url) as url:
        db = Database(url, pack=load_pack())
        try:
            return time_lookups(db, fill(db, count), lookups)
        finally:
            db.dispose()


def run(args: argparse.Namespace | None = None) -> dict[str, float]:
    """The figures on both databases; ``args.incidents`` and ``args.lookups`` (tests) make it smaller."""
    count = int(getattr(args, "incidents", None) or INCIDENTS)
    lookups = int(getattr(args, "lookups", None) or LOOKUPS)
    load_before = os.getloadavg()[0]
    sqlite_ms, sqlite_p95, sqlite_cpu, sqlite_largest = bench_sqlite(count, lookups)
    pg_ms, pg_p95, pg_cpu, pg_largest = bench_postgresql(count, lookups)
    assert sqlite_largest == pg_largest, "both databases must find the same histories"
    return {
        "location_history_ms_median_sqlite": round(sqlite_ms, 2),
        "location_history_ms_p95_sqlite": round(sqlite_p95, 2),
        "location_history_cpu_ms_median_sqlite": round(sqlite_cpu, 2),
        "location_history_ms_median_postgresql": round(pg_ms, 2),
        "location_history_ms_p95_postgresql": round(pg_p95, 2),
        "location_history_client_cpu_ms_median_postgresql": round(pg_cpu, 2),
        "load_average_1m": round(max(load_before, os.getloadavg()[0]), 2),
        "location_history_largest": sqlite_largest,
        "incidents": count,
        "lookups": lookups,
        "target_ms": TARGET_MS,
    }


if __name__ == "__main__":
    print(json.dumps(run()))
