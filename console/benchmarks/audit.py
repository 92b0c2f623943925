"""Audit chain figures: sealing rows, and verifying a chain of 100,000 audit rows."""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from data.audit_chain import append, verify_table
from data.clock import utc_now
from data.db import Database

ROWS = 100_000
BATCH = 5_000


def _rows(start: int, count: int) -> list[dict[str, object]]:
    now = utc_now()
    return [
        {
            "at": now,
            "username": f"user{n % 40}",
            "workstation": "ws",
            "action": "create_incident",
            "entity": "incident",
            "entity_id": n,
            "outcome": "ok",
            "before": None,
            "after": {"status": "pending", "note": f"row {n}"},
            "action_key": None,
        }
        for n in range(start, start + count)
    ]


def run(args: argparse.Namespace | None = None) -> dict[str, float]:
    """The figures for ``args.rows`` rows (tests make it smaller), reported per 100,000."""
    rows = int(getattr(args, "rows", None) or ROWS)
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{Path(tmp) / 'audit.sqlite3'}")
        t0 = time.perf_counter()
        for start in range(0, rows, BATCH):
            with db.writer() as s, s.begin():
                append(s, "audit_log", _rows(start, min(BATCH, rows - start)))
        sealed = time.perf_counter() - t0
        t0 = time.perf_counter()
        with db.read() as s:
            report = verify_table(s, "audit_log")
        verified = time.perf_counter() - t0
        db.dispose()
    if not report.intact or report.rows != rows:
        raise RuntimeError(f"the benchmark's own chain did not verify: {report.first}")
    return {
        "audit_seal_100k_s": round(sealed * ROWS / rows, 2),
        "audit_verify_100k_s": round(verified * ROWS / rows, 2),
        "audit_verify_rows_per_s": round(rows / verified),
    }


if __name__ == "__main__":
    print(json.dumps(run()))
