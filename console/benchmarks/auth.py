"""Sign-in and audit figures: argon2 sign-in time, refusals that take the same time, audit-log view, idle-filter cost."""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from data import auth, services
from data.audit_chain import append
from data.clock import utc_now
from data.db import Database
from data.errors import SignInError
from data.permissions import Actor

ROUNDS = 7
AUDIT_ROWS = 50_000
PASSWORD = "Bench password 8300 Santa Monica"


def _median_ms(fn: Callable[[], object], rounds: int = ROUNDS, setup: Callable[[], object] | None = None) -> float:
    times = []
    for _ in range(rounds):
        if setup is not None:
            setup()
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return round(statistics.median(times), 1)


def _failing(db: Database, name: str, password: str = "not the password") -> None:
    with contextlib.suppress(SignInError):
        auth.authenticate(db, name, password, workstation="bench")


def _refusals(db: Database, admin: Actor, rounds: int = ROUNDS) -> dict[str, float]:
    """Sign-in refusals: wrong password, unknown name, locked and disabled accounts must all take the same time."""
    auth.create_user(db, admin, "bench.locked", role="dispatcher", password=PASSWORD)
    auth.create_user(db, admin, "bench.disabled", role="dispatcher", password=PASSWORD)
    auth.create_user(db, admin, "bench.spare", role="admin", password=PASSWORD)
    for _ in range(auth.MAX_FAILURES):
        _failing(db, "bench.locked")
    auth.disable_user(db, admin, "bench.disabled")
    names = (f"no.such.user{n}" for n in itertools.count())
    right = lambda: auth.authenticate(db, "bench.user", PASSWORD, workstation="bench")  # noqa: E731
    figures = {
        "wrong_password_ms_median": _median_ms(lambda: _failing(db, "bench.user"), rounds, setup=right),
        "unknown_user_ms_median": _median_ms(lambda: _failing(db, next(names)), rounds),
        "locked_user_ms_median": _median_ms(lambda: _failing(db, "bench.locked", PASSWORD), rounds),
        "disabled_user_ms_median": _median_ms(lambda: _failing(db, "bench.disabled"), rounds),
    }
    wrong = figures["wrong_password_ms_median"] or 1.0
    figures["unknown_vs_wrong_ratio"] = round(figures["unknown_user_ms_median"] / wrong, 2)
    figures["locked_vs_wrong_ratio"] = round(figures["locked_user_ms_median"] / wrong, 2)
    return figures


def _idle_filter_us() -> float:
    """Cost of the application-wide idle filter for one mouse move, in microseconds."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QEvent, QPointF, Qt
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtWidgets import QApplication, QWidget

    from widgets.idle_lock import IdleLock
    from widgets.operations import Operations
    from widgets.tasks import TaskRunner

    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{Path(tmp) / 'idle.sqlite3'}")
        window = QWidget()
        runner = TaskRunner()
        lock = IdleLock(window, db, Actor("bench"), Operations(runner))
        event = QMouseEvent(
            QEvent.Type.MouseMove,
            QPointF(5, 5),
            QPointF(5, 5),
            Qt.MouseButton.NoButton,
            Qt.MouseButton.NoButton,
            Qt.KeyboardModifier.NoModifier,
        )
        count = 100_000
        t0 = time.perf_counter()
        for _ in range(count):
            lock.eventFilter(window, event)
        per_event = (time.perf_counter() - t0) / count * 1e6
        runner.shutdown()
        db.dispose()
        del app
    return round(per_event, 2)


def run(args: argparse.Namespace | None = None) -> dict[str, float]:
    rounds = int(getattr(args, "rounds", None) or ROUNDS)
    audit_rows = int(getattr(args, "audit_rows", None) or AUDIT_ROWS)
    admin = auth.local_admin("bench")
    supervisor = Actor("bench.sup", role="supervisor", workstation="bench")
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{Path(tmp) / 'auth.sqlite3'}")
        auth.create_user(db, admin, "bench.user", role="dispatcher", password=PASSWORD)
        sign_in = _median_ms(lambda: auth.authenticate(db, "bench.user", PASSWORD, workstation="bench"), rounds)

        def wrong_then_right() -> None:
            _failing(db, "bench.user")
            auth.authenticate(db, "bench.user", PASSWORD, workstation="bench")

        wrong = _median_ms(wrong_then_right, rounds)
        refusals = _refusals(db, admin, rounds)
        now = utc_now()
        rows = [
            {
                "at": now,
                "username": f"user{n % 40}",
                "workstation": "ws",
                "action": "create_incident",
                "entity": "incident",
                "entity_id": n,
                "outcome": "ok",
                "before": None,
                "after": {"status": "pending"},
                "action_key": None,
            }
            for n in range(audit_rows)
        ]
        with db.writer() as s, s.begin():
            append(s, "audit_log", rows)
        view = _median_ms(lambda: services.audit_entries(db, supervisor, limit=2000), rounds)
        filtered = _median_ms(lambda: services.audit_entries(db, supervisor, username="user7", limit=2000), rounds)
        db.dispose()
    return {
        "sign_in_ms_median": sign_in,
        "failed_then_right_ms_median": wrong,
        **refusals,
        "audit_view_2000_of_50000_ms_median": view,
        "audit_view_by_user_ms_median": filtered,
        "idle_filter_us_per_event": _idle_filter_us(),
    }


if __name__ == "__main__":
    print(json.dumps(run()))
