"""Child process for the crash test: writes actions and reports each one after it commits."""

from __future__ import annotations

import sys

from data import services
from data.db import Database
from data.permissions import Actor
from tests.data.helpers import NO_SCREENING


def main(url: str) -> None:
    db = Database(url)
    actor = Actor("crash.child", workstation="ws-crash")
    units = [u.id for u in services.get_units(db) if u.on_shift]
    # A restarted workstation first finishes the call a kill interrupted, as its dispatcher would.
    for unit in services.get_units(db):
        if unit.incident_id is not None:
            services.clear_incident(db, actor, unit.incident_id, disposition="18", note="finished after restart")
    n = 0
    while True:
        inc = services.create_incident(
            db, actor, screening=NO_SCREENING, call_type="NOISE", location=f"{8000 + n} Santa Monica Blvd"
        )
        print(f"created {inc.id} {inc.number}", flush=True)
        if units:
            unit = units[n % len(units)]
            services.dispatch_units(db, actor, inc.id, [unit])
            print(f"dispatched {inc.id}", flush=True)
            services.clear_incident(db, actor, inc.id, disposition="18", note="quiet now")
            print(f"cleared {inc.id}", flush=True)
        n += 1


if __name__ == "__main__":
    main(sys.argv[1])
