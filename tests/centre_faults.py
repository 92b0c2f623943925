"""Four dispatch positions writing create → dispatch → clear while a test breaks the servers under them.

Each writer is a console as far as the database can tell: its own ``Database`` (bounded waits,
fence, ledger) and its own ``ActionLane`` with the action deadline, exactly what the console's task
runner uses. Every action is recorded with when it was asked, when it was answered and how. The
checks the fault tests (and ``cso-console bench failover``) make:

- ``acknowledged_lost(url)``: actions a writer was told were saved that the server does not have;
- ``longest_wait()``: no action waited longer than the deadline for its answer;
- ``first_success_after(t)``: how long the centre took to take actions again after a fault.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import Counter
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from sqlalchemy import func, select

from data import services
from data.centre import Limits
from data.db import Database
from data.errors import DispatchError
from data.lane import ActionLane
from data.ledger import keys_on_server
from data.models import Incident
from data.permissions import Actor
from tests.data.helpers import NO_SCREENING, small_shift

STEPS = ("create", "dispatch", "clear")


@dataclass(frozen=True)
class Outcome:
    writer: int
    step: str
    asked: float  # time.monotonic()
    answered: float
    ok: bool
    error: str = ""
    kind: str = ""  # the exception's class name when refused

    @property
    def waited(self) -> float:
        return self.answered - self.asked


def prepare(url: str) -> list[int]:
    """Schema, an active shift and eight units on the centre's primary; returns the unit ids."""
    setup = Database(url)
    try:
        return small_shift(setup, units=8)
    finally:
        setup.dispose()


class Writer:
    """One position: create an incident, dispatch its own unit, clear it; again, until stopped."""

    def __init__(
        self, index: int, url: str, units: list[int], limits: Limits, pace_s: float, fence_file: Path | None = None
    ) -> None:
        self.index = index
        self.db = Database(url, upgrade=False, limits=limits, fence_file=fence_file)
        self.lane = ActionLane(deadline_s=limits.deadline_s, interrupt=self.db.interrupt_thread, name=f"writer{index}")
        self.actor = Actor(f"position{index}", workstation=f"ws-{index}")
        self.units = units
        self.pace_s = pace_s
        self.outcomes: list[Outcome] = []
        self.numbers: dict[int, str] = {}  # acknowledged creates: incident id -> number
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name=f"writer{index}", daemon=True)

    def _act(self, step: str, call) -> object | None:
        asked = time.monotonic()
        try:
            result = self.lane.submit(call).result()
        except DispatchError as exc:
            self.outcomes.append(
                Outcome(self.index, step, asked, time.monotonic(), False, str(exc), type(exc).__name__)
            )
            return None
        except Exception as exc:  # a crash would fail the test: keep it visible
            self.outcomes.append(Outcome(self.index, step, asked, time.monotonic(), False, repr(exc), "crash"))
            return None
        self.outcomes.append(Outcome(self.index, step, asked, time.monotonic(), True))
        return result

    def _run(self) -> None:
        n = 0
        while not self._stop.is_set():
            n += 1
            unit = self.units[n % len(self.units)]
            created = self._act(
                "create",
                lambda n=n: services.create_incident(
                    self.db,
                    self.actor,
                    screening=NO_SCREENING,
                    call_type="WELFARE",
                    location=f"{8000 + n} Santa Monica Blvd",
                ),
            )
            if created is None:
                self._stop.wait(self.pace_s)
                continue
            self.numbers[created.id] = created.number  # type: ignore[attr-defined]
            incident_id = created.id  # type: ignore[attr-defined]
            self._act("dispatch", partial(services.dispatch_units, self.db, self.actor, incident_id, [unit]))
            self._act("clear", partial(services.clear_incident, self.db, self.actor, incident_id, disposition="18"))
            self._stop.wait(self.pace_s)

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self._stop.set()

    def join(self, timeout: float) -> None:
        self.thread.join(timeout)

    def close(self) -> None:
        self.lane.shutdown(wait=False)
        self.db.dispose()


class Writers:
    """Four positions on one URL (the centre's multi-host URL)."""

    def __init__(
        self,
        url: str,
        units: list[int],
        *,
        deadline_s: float = 3.0,
        count: int = 4,
        pace_s: float = 0.05,
        fence_file: Path | None = None,
    ) -> None:
        """``fence_file``: where the first position keeps its timelines (as a console does across restarts)."""
        self.limits = Limits(deadline_s)
        per = max(1, len(units) // count)
        self.writers = [
            Writer(k, url, units[k * per : (k + 1) * per] or units, self.limits, pace_s, fence_file if k == 0 else None)
            for k in range(count)
        ]

    def __enter__(self) -> Writers:
        for w in self.writers:
            w.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        for w in self.writers:
            w.stop()
        for w in self.writers:
            w.join(self.limits.deadline_s * 4)
        for w in self.writers:
            w.close()

    @property
    def outcomes(self) -> list[Outcome]:
        return sorted((o for w in self.writers for o in w.outcomes), key=lambda o: o.answered)

    def successes(self) -> int:
        return sum(1 for o in self.outcomes if o.ok)

    def wait_for_successes(self, count: int, *, after: float | None = None, timeout: float = 60) -> float:
        """Block until ``count`` more actions answered after ``after`` succeeded; returns when the first did."""
        since = time.monotonic() if after is None else after
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ok = [o.answered for o in self.outcomes if o.ok and o.answered > since]
            if len(ok) >= count:
                return ok[0]
            time.sleep(0.05)
        raise TimeoutError(f"fewer than {count} actions succeeded within {timeout} s; {self.summary()}")

    def wait_for_failures(self, count: int, *, after: float, timeout: float = 30) -> float:
        """Block until ``count`` actions asked after ``after`` were refused; returns when the first was."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            bad = [o.answered for o in self.outcomes if not o.ok and o.asked >= after and o.kind != "NotFoundError"]
            if len(bad) >= count:
                return bad[0]
            time.sleep(0.05)
        raise TimeoutError(f"fewer than {count} actions were refused within {timeout} s; {self.summary()}")

    def longest_wait(self) -> float:
        return max((o.waited for o in self.outcomes), default=0.0)

    def crashes(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.kind == "crash"]

    def summary(self) -> str:
        kinds = Counter("ok" if o.ok else o.kind for o in self.outcomes)
        return f"{dict(kinds)}, longest wait {self.longest_wait():.2f} s"

    def acknowledged_lost(self, url: str) -> list[str]:
        """Acknowledged actions the server at ``url`` lacks, and acknowledged incident numbers it gave to another."""
        check = Database(url, upgrade=False)
        try:
            keys = [e.key for w in self.writers for e in w.db.ledger.entries() if e.confirmed]
            numbers = {i: n for w in self.writers for i, n in w.numbers.items()}
            with check.read() as s:
                present = keys_on_server(s, keys)
                stored = dict(
                    s.execute(select(Incident.id, Incident.number).where(Incident.id.in_(list(numbers)))).all()
                )
                duplicates = (
                    s.execute(select(Incident.number).group_by(Incident.number).having(func.count() > 1))
                    .scalars()
                    .all()
                )
        finally:
            check.dispose()
        lost = [f"action {k} missing" for k in keys if k not in present]
        lost += [f"incident {i} {n} is now {stored.get(i)}" for i, n in numbers.items() if stored.get(i) != n]
        lost += [f"number {n} given twice" for n in duplicates]
        return lost

    def refusals(self, kind: str) -> list[Outcome]:
        return [o for o in self.outcomes if not o.ok and o.kind == kind]


def rows_since(url: str, since: dt.datetime) -> int:
    """Incidents entered at or after ``since`` on one server (the old primary must have none)."""
    check = Database(url, upgrade=False)
    try:
        with check.read() as s:
            return int(s.scalar(select(func.count()).select_from(Incident).where(Incident.entered_at >= since)) or 0)
    finally:
        check.dispose()
