"""Builders for a small shift: officers, units, an active shift, through the services."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

from argon2 import PasswordHasher
from sqlalchemy import select

from data import services
from data.db import Database
from data.models import ChangeLog
from data.permissions import Actor

SUPERVISOR = Actor("sup.setup", role="supervisor", workstation="ws-sup")
ADMIN = Actor("admin1", role="admin", workstation="ws-adm")
# Cheap hashing parameters keep sign-in tests fast; the real parameters are checked in test_auth.py.
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
PASSWORD = "Plummer Park at dusk 7"
CITY_HALL = (34.0900, -118.3661)
# The caller was asked every screening question and said no (an unasked question is not a no).
NO_SCREENING = {"weapon": False, "violence": False, "medical": False, "crime": False}


def small_shift(db: Database, units: int = 3) -> list[int]:
    """An active shift with `units` signed-on units (one officer each); returns unit ids."""
    now = db.clock()
    services.start_shift(
        db,
        SUPERVISOR,
        name="Test day shift",
        supervisor="Sgt. Test",
        starts_at=now,
        ends_at=now + dt.timedelta(hours=10),
    )
    ids = []
    for n in range(units):
        officer = services.create_officer(
            db, SUPERVISOR, badge=f"T-{n}", name=f"Officer {n}", skills=["crisis intervention"] if n == 0 else []
        )
        unit = services.create_unit(db, SUPERVISOR, call_sign=f"CSO{11 + n}")
        services.sign_on_unit(
            db,
            SUPERVISOR,
            unit.id,
            officer_ids=[officer.id],
            zone="0971",
            latitude=CITY_HALL[0],
            longitude=CITY_HALL[1],
        )
        ids.append(unit.id)
    return ids


def welfare_call(db: Database, actor: Actor, **extra: object):
    fields: dict[str, Any] = {
        "call_type": "WELFARE",
        "location": "8300 Santa Monica Blvd",
        "latitude": CITY_HALL[0],
        "longitude": CITY_HALL[1],
        "caller_name": "Ana Caller",
        "caller_phone": "310-555-0100",
        "screening": dict(NO_SCREENING),
    }
    fields.update(extra)
    return services.create_incident(db, actor, **fields)


def at_once(*calls: Callable[[], Any]) -> list[Any]:
    """Run the calls in threads released together (two workstations at the same moment); their results in order.

    An exception in any of them is raised here, after all have finished.
    """
    results: list[Any] = [None] * len(calls)
    errors: list[BaseException] = []
    start = threading.Barrier(len(calls))

    def run(index: int) -> None:
        start.wait()
        try:
            results[index] = calls[index]()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return results


def last_change_id(db: Database) -> int:
    """The newest row of the change log other consoles follow (0 when empty)."""
    with db.read() as s:
        return s.scalar(select(ChangeLog.id).order_by(ChangeLog.id.desc()).limit(1)) or 0


def changes_after(db: Database, last_id: int) -> list[tuple[str, int, int]]:
    """The changes other consoles follow (kind, id, version), written after change row ``last_id``."""
    with db.read() as s:
        rows = s.execute(
            select(ChangeLog.kind, ChangeLog.entity_id, ChangeLog.version)
            .where(ChangeLog.id > last_id)
            .order_by(ChangeLog.id)
        ).all()
    return [(kind, entity_id, version) for kind, entity_id, version in rows]
