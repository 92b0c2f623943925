"""Benchmark of the dispatch core: one call's life, and loading the board over a long history."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert

from data import rules, services
from data.clock import utc_now
from data.db import Database
from data.models import Incident
from data.permissions import Actor

HISTORY = 20_000
ROUNDS = 200


def _shift(db: Database, actor: Actor, units: int) -> list[int]:
    now = db.clock()
    services.start_shift(
        db, actor, name="Bench shift", supervisor="Bench", starts_at=now, ends_at=now + dt.timedelta(hours=10)
    )
    ids = []
    for n in range(units):
        officer = services.create_officer(db, actor, badge=f"B-{n}", name=f"Bench Officer {n}")
        unit = services.create_unit(db, actor, call_sign=f"CSO{100 + n}")
        services.sign_on_unit(db, actor, unit.id, officer_ids=[officer.id], latitude=34.09, longitude=-118.36)
        ids.append(unit.id)
    return ids


def _history(db: Database, count: int) -> None:
    """Closed incidents from the past year, inserted in bulk (the board must not load them)."""
    start = utc_now() - dt.timedelta(days=365)
    rows = []
    for n in range(count):
        t = start + dt.timedelta(minutes=26 * n)
        rows.append(
            {
                "number": f"2025-{n + 1:06d}",
                "kind": "call",
                "call_type": "NOISE",
                "apco_code": "NOISE",
                "priority": 3,
                "status": "cleared",
                "location": f"{8000 + n % 900} Santa Monica Blvd",
                "caller_name": "",
                "caller_phone": "",
                "narrative": "Loud music",
                "screening": rules.caller_said_no(),
                "response": "cso",
                "override_reason": "",
                "received_at": t,
                "entered_at": t,
                "dispatched_at": t + dt.timedelta(minutes=1),
                "onscene_at": t + dt.timedelta(minutes=8),
                "cleared_at": t + dt.timedelta(minutes=30),
                "status_changed_at": t + dt.timedelta(minutes=30),
                "disposition_code": "18",
                "disposition_note": "",
                "created_by": "bench",
                "version": 4,
            }
        )
    with db.writer() as s, s.begin():
        s.execute(insert(Incident), rows)


def run(args: argparse.Namespace | None = None) -> dict[str, float]:
    rounds = int(getattr(args, "rounds", None) or ROUNDS)
    history = int(getattr(args, "history", None) or HISTORY)
    actor = Actor("bench", role="supervisor", workstation="bench")
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{Path(tmp) / 'bench.sqlite3'}")
        unit_id, *_ = _shift(db, actor, units=100)
        cycle = []
        for n in range(rounds):
            t0 = time.perf_counter()
            inc = services.create_incident(
                db,
                actor,
                call_type="WELFARE",
                location=f"{8300 + n} Santa Monica Blvd",
                screening=rules.caller_said_no(),
            )
            services.dispatch_units(db, actor, inc.id, [unit_id])
            services.clear_incident(db, actor, inc.id, disposition="18")
            cycle.append((time.perf_counter() - t0) * 1000)
        _history(db, history)
        for n in range(60):  # a busy afternoon's open calls
            services.create_incident(
                db, actor, call_type="NOISE", location=f"{900 + n} N Kings Rd", screening=rules.caller_said_no()
            )
        loads = []
        for _ in range(15):
            t0 = time.perf_counter()
            board = services.load_board(db)
            loads.append((time.perf_counter() - t0) * 1000)
        assert len(board.units) == 100
        db.dispose()
    return {
        "create_dispatch_clear_ms_median": round(statistics.median(cycle), 2),
        "load_board_ms": round(statistics.median(loads), 2),
        "history_incidents": history,
        "board_units": 100,
    }


if __name__ == "__main__":
    print(json.dumps(run()))
