"""Map benchmark: time to a drawn map, incremental marker updates against a full rebuild, geocoding."""

from __future__ import annotations

import os

# Qt reads these when it starts: headless, and root needs Chromium's sandbox off.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")

import argparse
import dataclasses
import datetime as dt
import json
import random
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import QEventLoop, QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication

from data.pack import load_pack
from data.records import IncidentRecord, UnitRecord
from maps.geodata import load_geodata
from maps.page import build_page, incident_payload, unit_payload

STATUSES = ("pending", "dispatched", "enroute", "onscene")
UNIT_STATUSES = ("available", "dispatched", "enroute", "onscene", "busy")
WAIT_S = 60.0


class _Board(QObject):
    """The parts of the board store the map view reads, filled with synthetic records."""

    board_loaded = Signal()
    incidents_changed = Signal(list)
    units_changed = Signal(list)

    def __init__(self) -> None:
        super().__init__()
        self.incidents: dict[int, IncidentRecord] = {}
        self.units: dict[int, UnitRecord] = {}


def _wait(start: Callable[[Callable[..., None]], object], what: str) -> None:
    """Run Qt's loop until `start`'s callback fires (a benchmark may spin a local loop)."""
    loop = QEventLoop()
    done: list[bool] = []

    def finish(*_: Any) -> None:
        done.append(True)
        loop.quit()

    start(finish)
    if not done:
        QTimer.singleShot(int(WAIT_S * 1000), loop.quit)
        loop.exec()
    if not done:
        raise TimeoutError(f"map benchmark: no {what} within {WAIT_S:.0f} s")


def _points(count: int, rng: random.Random) -> list[tuple[float, float]]:
    import shapely

    boundary = load_geodata().boundary
    min_lon, min_lat, max_lon, max_lat = boundary.bounds
    out: list[tuple[float, float]] = []
    while len(out) < count:
        lon, lat = rng.uniform(min_lon, max_lon), rng.uniform(min_lat, max_lat)
        if shapely.intersects_xy(boundary, lon, lat):
            out.append((lat, lon))
    return out


def _records(incidents: int, units: int, rng: random.Random) -> tuple[list[IncidentRecord], list[UnitRecord]]:
    now = dt.datetime(2026, 11, 26, 16, 0, tzinfo=dt.UTC)
    places = _points(incidents + units, rng)
    incs = [
        IncidentRecord(
            id=i + 1, number=f"2026-{i + 1:06d}", kind="call", call_type="WELFARE", call_type_label="Welfare check",
            apco_code="WELFARE", priority=rng.randint(1, 4), status=rng.choice(STATUSES), location=f"Place {i + 1}",
            latitude=places[i][0], longitude=places[i][1], zone="0976", in_city=True, caller_name="", caller_phone="",
            narrative="", screening={}, response="cso", override_reason="", received_at=now, entered_at=now,
            dispatched_at=None, enroute_at=None, onscene_at=None, cleared_at=None, status_changed_at=now,
            disposition_code=None, disposition_note="", merged_into_id=None, shift_id=None, created_by="bench", version=1,
        )
        for i in range(incidents)
    ]  # fmt: skip
    uns = [
        UnitRecord(
            id=u + 1, call_sign=f"CSO{u + 11}", status=rng.choice(UNIT_STATUSES), status_since=now,
            check_started_at=None, incident_id=None, incident_number=None, incident_location=None,
            latitude=places[incidents + u][0], longitude=places[incidents + u][1], zone="0976", on_shift=True, version=1,
        )
        for u in range(units)
    ]  # fmt: skip
    return incs, uns


def _changed(
    incs: list[IncidentRecord], uns: list[UnitRecord], rng: random.Random
) -> tuple[list[IncidentRecord], list[UnitRecord]]:
    """Every record changed: a new status and a small move, as a busy minute would bring."""
    new_incs = [
        dataclasses.replace(i, status=rng.choice(STATUSES), priority=rng.randint(1, 4), version=i.version + 1)
        for i in incs
    ]
    new_units = [
        dataclasses.replace(
            u,
            status=rng.choice(UNIT_STATUSES),
            latitude=(u.latitude or 0) + rng.uniform(-0.0005, 0.0005),
            longitude=(u.longitude or 0) + rng.uniform(-0.0005, 0.0005),
            version=u.version + 1,
        )
        for u in uns
    ]
    return new_incs, new_units


def _addresses(count: int, rng: random.Random) -> list[str]:
    points = [p for p in load_geodata().address_points if p.in_city and p.street]
    return [f"{p.housenumber} {p.street}" for p in rng.sample(points, min(count, len(points)))]


def _options(args: Sequence[str] | argparse.Namespace | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m console.benchmarks.map", description=__doc__)
    parser.add_argument("--incidents", type=int, default=500)
    parser.add_argument("--units", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=7, help="incremental update rounds (median reported)")
    parser.add_argument("--addresses", type=int, default=200)
    parser.add_argument("--seed", type=int, default=90069)
    if isinstance(args, argparse.Namespace):
        # From `cso-console bench map`: that parser knows none of these, so defaults apply.
        defaults = parser.parse_args([])
        return argparse.Namespace(**{k: getattr(args, k, v) for k, v in vars(defaults).items()})
    return parser.parse_args(list(args) if args is not None else [])


def run(args: Sequence[str] | argparse.Namespace | None = None) -> dict[str, float]:
    """Measure the map; figures in seconds (_s) and milliseconds (_ms)."""
    opts = _options(args)
    rng = random.Random(opts.seed)

    from maps.map_view import MapView  # after the environment above is in place

    _app = QApplication.instance() or QApplication([])  # kept referenced for the whole run
    results: dict[str, float] = {}
    pack = load_pack()
    with tempfile.TemporaryDirectory(prefix="cso-map-bench-") as tmp:
        cache = Path(tmp)
        start = time.perf_counter()
        build_page(pack.geo_dir, cache_dir=cache / "base", statuses=pack.unit_statuses)
        results["page_build_s"] = round(time.perf_counter() - start, 3)

        board = _Board()
        start = time.perf_counter()
        view = MapView(board, pack=pack, cache_dir=cache / "base")
        view.update_timer.setInterval(0)
        view.resize(1200, 900)
        view.show()
        _wait(lambda done: view.ready.connect(done), "map ready")
        results["map_ready_s"] = round(time.perf_counter() - start, 3)

        incs, uns = _records(opts.incidents, opts.units, rng)

        def push(new_incs: list[IncidentRecord], new_units: list[UnitRecord]) -> float:
            board.incidents = {i.id: i for i in new_incs}
            board.units = {u.id: u for u in new_units}
            begin = time.perf_counter()

            def start_update(done: Callable[..., None]) -> None:
                board.incidents_changed.emit(new_incs)
                board.units_changed.emit(new_units)
                # Queued after the view's flush, so its answer means the update ran in the page.
                QTimer.singleShot(1, lambda: view.page().runJavaScript("1", 0, done))

            _wait(start_update, "marker update")
            return (time.perf_counter() - begin) * 1000.0

        results["initial_markers_ms"] = round(push(incs, uns), 1)
        timings = []
        for _ in range(opts.rounds):
            incs, uns = _changed(incs, uns, rng)
            timings.append(push(incs, uns))
        results["incremental_update_ms"] = round(statistics.median(timings), 1)

        drawn: dict[str, Any] = {}

        def read_state(done: Callable[..., None]) -> None:
            def keep(state: Any) -> None:
                drawn.update(state or {})
                done()

            view.evaluate("cso.state()", keep)

        _wait(read_state, "page state")
        if len(drawn.get("incidents", {})) != len(incs) or len(drawn.get("units", {})) != len(uns):
            raise RuntimeError("map benchmark: the page does not show every marker it was sent")

        # The same picture drawn the other way: a folium page with the markers baked in, reloaded.
        start = time.perf_counter()
        page = build_page(
            pack.geo_dir,
            cache_dir=cache / "rebuild",
            incidents=[incident_payload(i) for i in incs],
            units=[unit_payload(u, pack.unit_statuses) for u in uns],
            statuses=pack.unit_statuses,
        )

        def reload(done: Callable[..., None]) -> None:
            view.bridge.page_ready.connect(done)
            view._load(page)  # as the view loads its own page: qwebchannel.js beside it

        _wait(reload, "rebuilt page")
        results["full_rebuild_ms"] = round((time.perf_counter() - start) * 1000.0, 1)
        results["rebuild_to_incremental_ratio"] = round(
            results["full_rebuild_ms"] / results["incremental_update_ms"], 1
        )
        view.close()
        # Delete now: a page outliving the web profile at exit makes QtWebEngine complain.
        shiboken6.delete(view)

    from maps.geocoder import default_geocoder

    start = time.perf_counter()
    geocoder = default_geocoder()
    results["geocoder_build_s"] = round(time.perf_counter() - start, 3)
    queries = _addresses(opts.addresses, rng)
    for q in queries[:10]:
        geocoder.geocode(q)  # warm caches: the figure is the steady state a dispatcher sees
    per_call = []
    found = 0
    for q in queries:
        begin = time.perf_counter()
        found += bool(geocoder.geocode(q))
        per_call.append((time.perf_counter() - begin) * 1000.0)
    results["geocode_ms_median"] = round(statistics.median(per_call), 3)
    results["geocode_found_ratio"] = round(found / len(queries), 3) if queries else 0.0
    results["markers"] = float(opts.incidents + opts.units)
    return results


if __name__ == "__main__":
    import sys

    print(json.dumps(run(sys.argv[1:])))
