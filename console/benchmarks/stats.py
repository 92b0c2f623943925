"""Benchmark of the statistics dashboard: a year of calls (about 50,000) on SQLite and on PostgreSQL."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import statistics as pystats
import tempfile
import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select, text

from console.benchmarks._scratch import PG_ADMIN_URL, scratch_postgresql
from data import rules
from data.db import Database
from data.models import DirectoryAgency, Incident, Referral, WelfareCheck
from data.pack import load_pack
from data.statistics import statistics

YEAR_INCIDENTS = 50_000
RUNS = 3
YEAR = 2025

# Relative call volume by local hour: quiet before dawn, busiest late afternoon and evening.
HOUR_WEIGHTS = (2, 1, 1, 1, 1, 1, 2, 3, 5, 6, 7, 7, 8, 8, 8, 9, 9, 9, 8, 7, 6, 5, 4, 3)
ZONES = ("0971", "0972", "0973", "0974", "0975", "0976", "0977", "0978", "0986", "0987", "0988", "0989")
FIRST = ("Alex", "Maria", "Jordan", "Sam", "Chris", "Dana", "Luis", "Ivy", "Noah", "Olga", "Priya", "Tomás")
LAST = ("Garcia", "Kim", "Levin", "Okafor", "Petrova", "Nguyen", "Brooks", "Moreno", "Tanaka", "Hale", "Cho")


def year_rows(pack: Any, count: int, seed: int = 2025) -> tuple[list[dict[str, Any]], list[dict], list[dict]]:
    """Incidents, welfare checks and referrals for one year, with realistic mixes and intervals."""
    rng = random.Random(seed)
    tz = ZoneInfo(pack.timezone)
    calls = [c for c in pack.call_types.values() if c.kind == "call"]
    proactive = [c for c in pack.call_types.values() if c.kind == "self_initiated"]
    call_weights = [6 if c.code in ("WELFARE", "NOISE", "OUTREACH", "ENCAMP") else 1 for c in calls]
    places = [
        f"{rng.randint(600, 9400)} {rng.choice(('Santa Monica Blvd', 'Sunset Blvd', 'Melrose Ave', 'Fountain Ave', 'La Cienega Blvd', 'N Kings Rd'))}"
        for _ in range(2500)
    ]
    people = [f"{rng.choice(FIRST)} {rng.choice(LAST)}{rng.randint(1, 300)}" for _ in range(4000)]
    dispositions = ("18", "18", "18", "15", "13", "04", "14", "16", "02")
    days = 365
    incidents: list[dict[str, Any]] = []
    welfare: list[dict[str, Any]] = []
    referrals: list[dict[str, Any]] = []
    start = dt.datetime(YEAR, 1, 1, tzinfo=tz)
    moments = []
    for _ in range(count):
        day = start + dt.timedelta(days=rng.randrange(days))
        local = day.replace(hour=rng.choices(range(24), HOUR_WEIGHTS)[0], minute=rng.randrange(60))
        moments.append(
            local.astimezone(dt.UTC) + dt.timedelta(seconds=rng.randrange(60), milliseconds=rng.randrange(1000))
        )
    # Ids and numbers follow the time calls came in, as they do in a live database.
    moments.sort()
    for n, received in enumerate(moments, start=1):
        self_initiated = rng.random() < 0.08
        ct = rng.choice(proactive) if self_initiated else rng.choices(calls, call_weights)[0]
        fate = rng.random()
        status, disposition, response = "cleared", rng.choice(dispositions), "cso"
        dispatched = received + dt.timedelta(seconds=0 if self_initiated else rng.lognormvariate(4.3, 0.6))
        enroute: dt.datetime | None = None
        if not self_initiated:
            enroute = dispatched + dt.timedelta(seconds=rng.randint(20, 120))
        onscene: dt.datetime | None = dispatched
        if enroute is not None:
            onscene = enroute + dt.timedelta(seconds=rng.lognormvariate(6.0, 0.4))
        assert onscene is not None
        cleared = onscene + dt.timedelta(seconds=rng.lognormvariate(7.3, 0.5))
        if not self_initiated and fate < 0.03:
            status, disposition, enroute, onscene = "merged", "22", None, None
            cleared = dispatched
        elif not self_initiated and fate < 0.07:
            status, disposition, enroute, onscene = "cancelled", "32", None, None
            cleared = dispatched + dt.timedelta(seconds=rng.randint(60, 400))
        elif not self_initiated and fate < 0.10:
            status, disposition, response = "transferred", "15", "sheriff"
        incidents.append(
            {
                "id": n,
                "number": f"{YEAR}-{n:06d}",
                "kind": ct.kind,
                "call_type": ct.code,
                "apco_code": ct.apco,
                "priority": ct.priority,
                "status": status,
                "location": rng.choice(places),
                "zone": rng.choice(ZONES),
                "in_city": True,
                "caller_name": "" if self_initiated or rng.random() < 0.3 else rng.choice(people),
                "caller_phone": "",
                "narrative": "",
                "screening": rules.caller_said_no(),
                "response": response,
                "override_reason": "",
                "received_at": received,
                "entered_at": received,
                "dispatched_at": dispatched,
                "enroute_at": enroute,
                "onscene_at": onscene,
                "cleared_at": cleared,
                "status_changed_at": cleared,
                "disposition_code": disposition,
                "disposition_note": "",
                "created_by": "bench",
                "version": 5,
            }
        )
        if ct.code == "WELFARE" and status == "cleared":
            declined = rng.random() < 0.2
            welfare.append(
                {
                    "incident_id": n,
                    "recorded_at": cleared,
                    "subject_name": "" if declined else rng.choice(people),
                    "subject_declined": declined,
                    "observations": {},
                    "escalation": [],
                }
            )
        if status == "cleared" and not self_initiated and rng.random() < 0.12:
            referrals.append(
                {
                    "incident_id": n,
                    "agency_id": rng.randint(1, len(pack.referrals)),
                    "outcome": rng.choice(("offered", "accepted", "accepted", "declined")),
                    "follow_up_on": None,
                    "note": "",
                    "created_at": cleared,
                    "created_by": "bench",
                }
            )
    return incidents, welfare, referrals


def fill(db: Database, count: int) -> tuple[dt.datetime, dt.datetime]:
    """Bulk-insert a year of data; returns the year's [start, end)."""
    incidents, welfare, referrals = year_rows(db.pack, count)
    with db.writer() as s, s.begin():
        s.execute(
            insert(DirectoryAgency),
            [
                {"id": i, "key": e.key, "name": e.name, "phone": e.phone, "description": e.description, "active": True}
                for i, e in enumerate(db.pack.referrals, start=1)
            ],
        )
        for offset in range(0, len(incidents), 5000):
            s.execute(insert(Incident), incidents[offset : offset + 5000])
        s.execute(insert(WelfareCheck), welfare)
        s.execute(insert(Referral), referrals)
    with db.writer() as s, s.begin():
        s.execute(text("ANALYZE"))
        assert s.execute(select(Incident.id).where(Incident.id == count)).scalar_one() == count
    tz = ZoneInfo(db.pack.timezone)
    return dt.datetime(YEAR, 1, 1, tzinfo=tz), dt.datetime(YEAR + 1, 1, 1, tzinfo=tz)


def time_statistics(db: Database, start: dt.datetime, end: dt.datetime) -> tuple[float, float, int]:
    """Median wall time, median CPU time of this process (SQLite's work; not the PostgreSQL server's), calls."""
    timings, cpu = [], []
    calls = 0
    for _ in range(RUNS):
        t0, c0 = time.perf_counter(), time.process_time()
        stats = statistics(db, start, end)
        timings.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
        calls = stats.calls + stats.self_initiated
    return pystats.median(timings), pystats.median(cpu), calls


def bench_sqlite(count: int) -> tuple[float, float, int]:
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{Path(tmp) / 'stats.sqlite3'}", pack=load_pack())
        try:
            start, end = fill(db, count)
            return time_statistics(db, start, end)
        finally:
            db.dispose()


def bench_postgresql(count: int, admin_url: str = PG_ADMIN_URL) -> tuple[float, float, int]:
    with scratch_postgresql(admin_url) as url:
        db = Database(url, pack=load_pack())
        try:
            start, end = fill(db, count)
            return time_statistics(db, start, end)
        finally:
            db.dispose()


def run(args: argparse.Namespace | None = None) -> dict[str, float]:
    """A year of calls on both databases; ``args.incidents`` (tests) makes the year smaller."""
    count = int(getattr(args, "incidents", None) or YEAR_INCIDENTS)
    sqlite_s, sqlite_cpu, total = bench_sqlite(count)
    pg_s, _pg_client_cpu, pg_total = bench_postgresql(count)
    assert total == pg_total == count
    return {
        "stats_year_s": round(sqlite_s, 3),
        "stats_year_cpu_s": round(sqlite_cpu, 3),
        "stats_year_s_postgresql": round(pg_s, 3),
        "stats_year_incidents": count,
        "target_s": 1.0,
    }


if __name__ == "__main__":
    print(json.dumps(run()))
