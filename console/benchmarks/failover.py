"""Failover benchmark: four positions on a private primary + synchronous standby, through two faults.

- ``failover_resume_s``: the primary's machine dies, the standby is promoted at once (what Patroni
  does after the leader key expires; that wait is not counted), until the first action succeeds.
- ``frozen_primary_refusal_s``: the primary freezes (SIGSTOP), until the first action is refused.

Runs from a repository checkout (it starts servers with tests/pg_cluster.py, as the tests do), with
the system's PostgreSQL 15 binaries; nothing touches the server at 127.0.0.1:5432.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from types import ModuleType

from data.centre import DEFAULT_DEADLINE_S

ROOT = Path(__file__).resolve().parents[2]


def _helpers() -> tuple[ModuleType, ModuleType]:
    if not (ROOT / "tests" / "pg_cluster.py").exists():
        raise SystemExit("bench failover runs from a repository checkout (it needs tests/pg_cluster.py)")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from tests import centre_faults, pg_cluster

    return centre_faults, pg_cluster


def _scenario(fault: str, deadline_s: float) -> dict[str, float]:
    centre_faults, pg_cluster = _helpers()
    with pg_cluster.workspace() as space:
        pair = pg_cluster.ReplicatedPair(space)
        pair.primary.execute("CREATE DATABASE cso")
        units = centre_faults.prepare(pair.primary.url("cso"))
        with centre_faults.Writers(pair.multi_host_url("cso"), units, deadline_s=deadline_s) as writers:
            writers.wait_for_successes(20)
            start = time.monotonic()
            if fault == "crash":
                pair.primary.crash()
                start = time.monotonic()  # the server is dead from here on
                pair.standby.promote()
                writers.wait_for_successes(4, after=start)
                # The first action asked after the crash that was saved.
                first = min(o.answered for o in writers.outcomes if o.ok and o.asked >= start)
            else:
                pair.primary.freeze()
                writers.wait_for_failures(1, after=start)
                # The first refusal any position saw after the freeze (actions in flight included).
                first = min(o.answered for o in writers.outcomes if not o.ok and o.answered >= start)
                pair.primary.thaw()
        lost = writers.acknowledged_lost(pair.standby.url("cso") if fault == "crash" else pair.primary.url("cso"))
        return {"seconds": first - start, "lost": float(len(lost)), "longest_wait": writers.longest_wait()}


def run(args: argparse.Namespace | None = None) -> dict[str, float | int]:
    deadline = float(getattr(args, "deadline", None) or DEFAULT_DEADLINE_S)
    crash = _scenario("crash", deadline)
    frozen = _scenario("freeze", deadline)
    return {
        "deadline_s": deadline,
        "failover_resume_s": round(crash["seconds"], 2),
        "frozen_primary_refusal_s": round(frozen["seconds"], 2),
        "acknowledged_lost": int(crash["lost"] + frozen["lost"]),
        "longest_wait_s": round(max(crash["longest_wait"], frozen["longest_wait"]), 2),
    }


if __name__ == "__main__":
    import json

    print(json.dumps(run()))
