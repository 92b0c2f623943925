"""UI benchmark: the incident queue and unit board with 2,000 open incidents and 100 units on the board."""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

from data import rules
from data.clock import utc_now
from data.db import Database
from data.models import Incident, Officer, RosterEntry, Shift, Unit

INCIDENTS = 2_000
UNITS = 100
ROUNDS = 200
WINDOW_RUNS = 3
SEED = 20261126
START_ENV = "CSO_BENCH_STARTED_AT"  # the parent's time.time() just before it starts the window process

STREETS = (
    "Santa Monica Blvd",
    "Sunset Blvd",
    "Melrose Ave",
    "Fountain Ave",
    "La Brea Ave",
    "N San Vicente Blvd",
    "Robertson Blvd",
    "N Fairfax Ave",
    "Willoughby Ave",
    "Romaine St",
)
CALL_TYPES = ("WELFARE", "NOISE", "OUTREACH", "MEDIATE", "DISORD", "INTOX", "TRESPASS", "SLMP", "PARKING", "SUSP")
ZONES = ("0971", "0972", "0973", "0974", "0975", "0976", "0977", "0978", "0986", "0987", "0988", "0989")
SEARCH_TYPED = "sunset 84"  # a place a dispatcher types, one key at a time, then erases


def _options(args: argparse.Namespace | Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m console.benchmarks.ui", description=__doc__)
    parser.add_argument("--incidents", type=int, default=INCIDENTS)
    parser.add_argument("--units", type=int, default=UNITS)
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument("--window-runs", type=int, default=WINDOW_RUNS)
    parser.add_argument("--window-child", metavar="DB", help=argparse.SUPPRESS)
    if isinstance(args, argparse.Namespace):
        # From `cso-console bench ui`: take what the shared parser has, defaults for the rest.
        defaults = vars(parser.parse_args([]))
        return argparse.Namespace(**{k: getattr(args, k, v) for k, v in defaults.items()})
    return parser.parse_args(list(args) if args is not None else [])


# Building the board ------------------------------------------------------------------------------
def build_board(db: Database, *, incidents: int = INCIDENTS, units: int = UNITS, seed: int = SEED) -> None:
    """An active shift, `units` crewed units and `incidents` open incidents, inserted in bulk."""
    rng = random.Random(seed)
    now = utc_now()
    pack = db.pack
    with db.writer() as s, s.begin():
        shift_id = s.execute(
            insert(Shift).returning(Shift.id),
            [
                {
                    "name": "Bench day shift",
                    "status": "active",
                    "supervisor": "Bench",
                    "starts_at": now - dt.timedelta(hours=6),
                    "ends_at": now + dt.timedelta(hours=4),
                    "started_at": now - dt.timedelta(hours=6),
                    "ended_at": None,
                    "handoff_note": "",
                }
            ],
        ).scalar_one()
        rows = []
        for n in range(incidents):
            received = now - dt.timedelta(seconds=rng.uniform(20, 6 * 3600))
            status = rng.choice(("pending", "pending", "dispatched", "enroute", "onscene"))
            call_type = pack.call_types[rng.choice(CALL_TYPES)]
            changed = received + (now - received) * rng.uniform(0.1, 0.6) if status != "pending" else received
            rows.append(
                {
                    "number": f"{now.year}-{n + 1:06d}",
                    "kind": "call",
                    "call_type": call_type.code,
                    "apco_code": call_type.apco,
                    "priority": call_type.priority if rng.random() > 0.1 else 1,
                    "status": status,
                    "location": f"{rng.randint(600, 9200)} {rng.choice(STREETS)}",
                    "latitude": 34.09 + rng.uniform(-0.01, 0.01),
                    "longitude": -118.36 + rng.uniform(-0.03, 0.03),
                    "zone": rng.choice(ZONES),
                    "in_city": True,
                    "caller_name": f"Caller {n}",
                    "caller_phone": f"310-555-{n % 10000:04d}",
                    "narrative": "Benchmark call",
                    "screening": rules.caller_said_no(),
                    "response": "cso",
                    "override_reason": "",
                    "received_at": received,
                    "entered_at": received,
                    "dispatched_at": changed if status != "pending" else None,
                    "enroute_at": changed if status in ("enroute", "onscene") else None,
                    "onscene_at": changed if status == "onscene" else None,
                    "cleared_at": None,
                    "status_changed_at": changed,
                    "disposition_code": None,
                    "disposition_note": "",
                    "merged_into_id": None,
                    "shift_id": shift_id,
                    "created_by": "bench",
                    "version": 1,
                }
            )
        s.execute(insert(Incident), rows)
        active = [
            (row.id, row.status)
            for row in s.execute(
                select(Incident.id, Incident.status).where(Incident.status != "pending").limit(units // 2)
            )
        ]
        officer_ids = (
            s.execute(
                insert(Officer).returning(Officer.id),
                [
                    {
                        "badge": f"BN-{n}",
                        "name": f"Officer {n:03d}",
                        "skills": ["crisis intervention"] if n % 3 == 0 else ["first aid"],
                        "languages": ["Spanish"] if n % 4 == 0 else [],
                        "active": True,
                    }
                    for n in range(units)
                ],
            )
            .scalars()
            .all()
        )
        unit_rows = []
        for n in range(units):
            incident_id, status = active[n] if n < len(active) else (None, rng.choice(("available", "busy", "break")))
            since = now - dt.timedelta(seconds=rng.uniform(30, 3600))
            unit_rows.append(
                {
                    "call_sign": f"CSO{n + 1}",
                    "status": status,
                    "status_since": since,
                    "check_started_at": since if status in pack.timers else None,
                    "incident_id": incident_id,
                    "latitude": 34.09,
                    "longitude": -118.36,
                    "position_at": since,
                    "zone": ZONES[n % len(ZONES)],
                    "on_shift": True,
                    "version": 1,
                }
            )
        unit_ids = s.execute(insert(Unit).returning(Unit.id), unit_rows).scalars().all()
        s.execute(
            insert(RosterEntry),
            [
                {
                    "shift_id": shift_id,
                    "officer_id": officer_id,
                    "unit_id": unit_id,
                    "zone": None,
                    "signed_on_at": now - dt.timedelta(hours=6),
                    "signed_off_at": None,
                }
                for officer_id, unit_id in zip(officer_ids, unit_ids, strict=True)
            ],
        )


# In-process figures ------------------------------------------------------------------------------
def _ms(seconds: float) -> float:
    return seconds * 1000.0


def _panes(db: Database) -> tuple[Any, ...]:
    """The queue and board in a plain window over a loaded store (the main window adds the map)."""
    from PySide6.QtWidgets import QApplication, QMainWindow, QSplitter

    from data import services
    from data.permissions import Actor
    from widgets import theme
    from widgets.actions import DispatchActions
    from widgets.incident_queue import IncidentQueue
    from widgets.operations import Operations
    from widgets.store import BoardStore
    from widgets.tasks import TaskRunner
    from widgets.unit_board import UnitBoard

    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication([])
    theme.apply_theme(app, theme.DEFAULT_THEME)
    runner = TaskRunner()
    store = BoardStore(db, Operations(runner))
    actions = DispatchActions(store, Actor("bench", workstation="bench"), Operations(runner))
    store.set_board(services.load_board(db))
    window = QMainWindow()
    split = QSplitter()
    queue = IncidentQueue(store)
    board = UnitBoard(store, actions)
    split.addWidget(queue)
    split.addWidget(board)
    window.setCentralWidget(split)
    window.resize(1600, 1000)
    window.show()
    for model in (queue.model, board.model):
        model.tick_timer.stop()  # the benchmark ticks by hand
    queue.set_view_filter("all")
    return app, runner, store, window, queue, board


def measure(db: Database, rounds: int = ROUNDS) -> dict[str, float]:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    _app, runner, store, window, queue, board = _panes(db)
    rng = random.Random(SEED)
    assert queue.model.rowCount() >= 1 and board.model.rowCount() >= 1

    # One incident changed: store.put -> model dataChanged -> proxy re-sorts that row -> view.
    seen: list[int] = []
    queue.model.dataChanged.connect(lambda tl, _br, _roles: seen.append(tl.row()))
    ids = list(store.incidents)
    statuses = ("pending", "dispatched", "enroute", "onscene")
    updates = []
    for n in range(rounds):
        old = store.incidents[rng.choice(ids)]
        changed = dataclasses.replace(
            old,
            status=statuses[(statuses.index(old.status) + 1) % len(statuses)] if n % 2 else old.status,
            location=f"{rng.randint(600, 9200)} {rng.choice(STREETS)}",
            priority=rng.randint(1, 4),
            version=old.version + 1,
        )
        seen.clear()
        t0 = time.perf_counter()
        store.put(incidents=[changed])
        updates.append(_ms(time.perf_counter() - t0))
        assert seen == [queue.model.row_of(changed.id)]

    # The per-second tick of both models.
    ticks = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        queue.model.tick()
        board.model.tick()
        ticks.append(_ms(time.perf_counter() - t0))

    # Painting the visible rows of both tables through the delegates, for reference.
    paints = []
    for _ in range(max(5, rounds // 10)):
        t0 = time.perf_counter()
        queue.table.viewport().grab()
        board.table.viewport().grab()
        paints.append(_ms(time.perf_counter() - t0))

    # One keystroke in the search box -> proxy refiltered; typed, then erased, a key at a time.
    queue.search.setFocus()
    filters = []
    shown = []
    for _ in range(max(1, rounds // (2 * len(SEARCH_TYPED)))):
        for char in SEARCH_TYPED:
            t0 = time.perf_counter()
            QTest.keyClicks(queue.search, char)
            filters.append(_ms(time.perf_counter() - t0))
            shown.append(queue.proxy.rowCount())
        for _char in SEARCH_TYPED:
            t0 = time.perf_counter()
            QTest.keyClick(queue.search, Qt.Key.Key_Backspace)
            filters.append(_ms(time.perf_counter() - t0))
    assert queue.proxy.rowCount() == queue.model.rowCount()

    window.close()
    runner.shutdown()
    store.close()
    return {
        "row_update_ms_median": round(statistics.median(updates), 3),
        "row_update_ms_p95": round(sorted(updates)[int(len(updates) * 0.95) - 1], 3),
        "tick_ms_median": round(statistics.median(ticks), 3),
        "filter_ms_median": round(statistics.median(filters), 3),
        "filter_ms_max": round(max(filters), 3),
        "paint_both_ms_median": round(statistics.median(paints), 3),
        "search_matches_min": float(min(shown)),
    }


# Window ready, in a fresh process ------------------------------------------------------------------
def window_ready(path: Path, runs: int = WINDOW_RUNS) -> float:
    """Median seconds from process start to the models filled and the window shown."""
    times = []
    for _ in range(runs):
        env = dict(os.environ)
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
        env[START_ENV] = repr(time.time())
        out = subprocess.run(
            [sys.executable, "-m", "console.benchmarks.ui", "--window-child", str(path)],
            env=env,
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        )
        times.append(float(json.loads(out.stdout.strip().splitlines()[-1])["window_ready_s"]))
    return round(statistics.median(times), 3)


def _window_child(path: str) -> None:
    """Start like `cso-console run --no-map`: app, theme, the one loop, the real main window, board loaded."""
    started = float(os.environ.get(START_ENV) or _process_start())
    import asyncio
    import tempfile as _tempfile

    from PySide6.QtCore import QSettings, QTimer

    from console.app import create_application, prepare_environment

    prepare_environment()
    app = create_application()
    import qasync

    from console.main_window import MainWindow
    from console.settings import Settings
    from data.permissions import Actor
    from widgets import theme

    theme.apply_theme(app, theme.DEFAULT_THEME)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    db = Database(f"sqlite:///{path}")
    scratch = _tempfile.mkdtemp()
    settings = Settings(QSettings(f"{scratch}/settings.ini", QSettings.Format.IniFormat))
    window = MainWindow(db, Actor("bench", workstation="bench"), with_map=False, settings=settings)
    window.resize(1600, 1000)
    window.show()
    result: dict[str, float] = {}

    def finished() -> None:
        window.repaint()  # the filled tables are on screen, not merely scheduled
        result["window_ready_s"] = round(time.time() - started, 3)
        result["rows"] = float(window.queue.model.rowCount())
        result["units"] = float(window.board.model.rowCount())
        loop.stop()

    window.store.board_loaded.connect(lambda: QTimer.singleShot(0, finished))
    loop.run_forever()
    window.close()
    window.runner.shutdown()
    db.dispose()
    print(json.dumps(result))


def _process_start() -> float:
    """This process's start time from /proc (Linux), as a fallback when the parent gave none."""
    with open("/proc/self/stat", encoding="ascii") as fh:
        start_ticks = int(fh.read().rsplit(")", 1)[1].split()[19])
    with open("/proc/stat", encoding="ascii") as fh:
        boot = next(float(line.split()[1]) for line in fh if line.startswith("btime"))
    return boot + start_ticks / os.sysconf("SC_CLK_TCK")


# Entry points --------------------------------------------------------------------------------------
def run(args: argparse.Namespace | Sequence[str] | None = None) -> dict[str, float]:
    opts = _options(args)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before Qt is first imported
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench-ui.sqlite3"
        db = Database(f"sqlite:///{path}")
        build_board(db, incidents=opts.incidents, units=opts.units)
        figures = measure(db, opts.rounds)
        db.dispose()
        figures["window_ready_s"] = window_ready(path, opts.window_runs)
    figures["incidents"] = float(opts.incidents)
    figures["units"] = float(opts.units)
    return figures


def main(argv: Sequence[str] | None = None) -> int:
    opts = _options(argv if argv is not None else sys.argv[1:])
    if opts.window_child:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        _window_child(opts.window_child)
        return 0
    print(json.dumps(run(argv if argv is not None else sys.argv[1:])))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
