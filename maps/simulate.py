"""Demo simulation: units drive the real streets to their calls, work them and clear; new calls come in."""

from __future__ import annotations

import bisect
import datetime as dt
import heapq
import itertools
import json
import logging
import math
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from data import rules, services
from data.clock import Clock
from data.db import Database
from data.demo import CALLERS, SCENARIOS
from data.errors import DispatchError
from data.permissions import Actor
from data.records import IncidentRecord, UnitRecord
from maps.geodata import GeoData, LocalFrame, load_geodata
from maps.jurisdiction import Jurisdiction

log = logging.getLogger(__name__)

SIMULATION_ACTOR = Actor("demo.simulation", role="dispatcher", workstation="SIMULATION", display_name="Demo simulation")
# Units drive; footpaths are no route for a car.
NOT_DRIVABLE = frozenset({"pedestrian"})
# Steps further apart than this (a paused or busy machine) are not driven through in one jump.
MAX_STEP_S = 60.0


# ----------------------------------------------------------------------------- streets


@dataclass(frozen=True)
class Route:
    """A path along the streets: points (lat, lon) with the distance driven to reach each."""

    points: tuple[tuple[float, float], ...]
    distances: tuple[float, ...]

    @property
    def length_m(self) -> float:
        return self.distances[-1] if self.distances else 0.0

    def position_at(self, metres: float) -> tuple[float, float]:
        """Where a unit is after driving `metres` along the route (clamped to its ends)."""
        if metres <= 0 or len(self.points) == 1:
            return self.points[0]
        if metres >= self.length_m:
            return self.points[-1]
        i = bisect.bisect_right(self.distances, metres)
        d0, d1 = self.distances[i - 1], self.distances[i]
        t = (metres - d0) / (d1 - d0) if d1 > d0 else 0.0
        (a_lat, a_lon), (b_lat, b_lon) = self.points[i - 1], self.points[i]
        return a_lat + (b_lat - a_lat) * t, a_lon + (b_lon - a_lon) * t


class StreetGraph:
    """Street centrelines as a graph of their vertices, for shortest driving routes (A*)."""

    def __init__(self, lines: Iterable[Sequence[tuple[float, float]]], frame: LocalFrame) -> None:
        """`lines` are (lon, lat) vertex sequences; segments sharing an end vertex are connected."""
        self.frame = frame
        index: dict[tuple[float, float], int] = {}
        coords: list[tuple[float, float]] = []
        self._edges: list[dict[int, float]] = []

        def node(lon: float, lat: float) -> int:
            key = (round(lon, 7), round(lat, 7))
            n = index.get(key)
            if n is None:
                n = index[key] = len(coords)
                coords.append(key)
                self._edges.append({})
            return n

        for line in lines:
            previous: int | None = None
            for lon, lat in line:
                current = node(lon, lat)
                if previous is not None and previous != current:
                    a_lon, a_lat = coords[previous]
                    ax, ay = frame.to_xy(a_lon, a_lat)
                    bx, by = frame.to_xy(lon, lat)
                    d = math.hypot(bx - ax, by - ay)
                    self._edges[previous][current] = min(d, self._edges[previous].get(current, math.inf))
                    self._edges[current][previous] = self._edges[previous][current]
                previous = current
        self._lonlat = np.array(coords, dtype=float)
        x, y = frame.to_xy(self._lonlat[:, 0], self._lonlat[:, 1])
        self._xy = np.column_stack([x, y])
        # Snap only to the largest connected piece: an isolated driveway would be a dead end.
        self._main = self._largest_component()

    @classmethod
    def from_geodata(cls, geodata: GeoData) -> StreetGraph:
        lines = [
            list(seg.geometry.coords) for seg in geodata.streets if seg.road_class not in NOT_DRIVABLE and seg.name
        ]
        return cls(lines, geodata.frame)

    def _largest_component(self) -> np.ndarray:
        seen = np.full(len(self._edges), -1)
        best, best_size = 0, 0
        for start in range(len(self._edges)):
            if seen[start] >= 0:
                continue
            stack, size = [start], 0
            seen[start] = start
            while stack:
                n = stack.pop()
                size += 1
                for m in self._edges[n]:
                    if seen[m] < 0:
                        seen[m] = start
                        stack.append(m)
            if size > best_size:
                best, best_size = start, size
        return np.flatnonzero(seen == best)

    def nearest_node(self, lat: float, lon: float) -> int:
        x, y = self.frame.to_xy(lon, lat)
        candidates = self._xy[self._main]
        i = int(np.argmin((candidates[:, 0] - x) ** 2 + (candidates[:, 1] - y) ** 2))
        return int(self._main[i])

    def route(self, start: tuple[float, float], end: tuple[float, float]) -> Route:
        """Shortest path over the streets from one (lat, lon) to another, with both ends included."""
        a = self.nearest_node(*start)
        b = self.nearest_node(*end)
        nodes = self._astar(a, b)
        points = [start] + [(float(self._lonlat[n, 1]), float(self._lonlat[n, 0])) for n in nodes] + [end]
        distances = [0.0]
        for (lat0, lon0), (lat1, lon1) in itertools.pairwise(points):
            x0, y0 = self.frame.to_xy(lon0, lat0)
            x1, y1 = self.frame.to_xy(lon1, lat1)
            distances.append(distances[-1] + math.hypot(x1 - x0, y1 - y0))
        return Route(tuple(points), tuple(distances))

    def _astar(self, a: int, b: int) -> list[int]:
        goal = self._xy[b]

        def h(n: int) -> float:
            return float(math.hypot(self._xy[n, 0] - goal[0], self._xy[n, 1] - goal[1]))

        best = {a: 0.0}
        came: dict[int, int] = {}
        queue = [(h(a), 0.0, a)]
        while queue:
            _, cost, n = heapq.heappop(queue)
            if n == b:
                path = [b]
                while path[-1] != a:
                    path.append(came[path[-1]])
                return path[::-1]
            if cost > best.get(n, math.inf):
                continue
            for m, d in self._edges[n].items():
                c = cost + d
                if c < best.get(m, math.inf):
                    best[m] = c
                    came[m] = n
                    heapq.heappush(queue, (c + h(m), c, m))
        return [a, b] if a != b else [a]  # unreachable only for a broken graph: drive straight


# ----------------------------------------------------------------------------- simulation


@dataclass(frozen=True)
class SimulationConfig:
    """How the simulated shift behaves; ranges are (low, high) and drawn uniformly."""

    speed_mps: float = 8.0  # about 18 mph through city traffic
    turnout_s: tuple[float, float] = (20.0, 60.0)  # dispatched -> en route
    scene_minutes: tuple[float, float] = (5.0, 16.0)  # on scene -> cleared
    dispatch_delay_s: tuple[float, float] = (30.0, 120.0)  # call waiting -> a unit is sent
    call_gap_s: float | None = 240.0  # mean time between new calls; None: no new calls


@dataclass(frozen=True)
class Place:
    """A real spot a call can come from."""

    label: str
    lat: float
    lon: float
    zone: str | None


@dataclass
class StepReport:
    """What one step did, one line per action (for logs and tests)."""

    at: dt.datetime
    actions: list[str] = field(default_factory=list)


@dataclass
class _Trip:
    incident_id: int
    route: Route
    driven_m: float = 0.0


class Simulation:
    """Advances a demo shift each `step(now)`; every change goes through data.services."""

    def __init__(
        self,
        db: Database,
        actor: Actor = SIMULATION_ACTOR,
        *,
        clock: Clock | None = None,
        seed: int | None = None,
        config: SimulationConfig | None = None,
        geodata: GeoData | None = None,
        places: Sequence[Place] | None = None,
    ) -> None:
        self.db = db
        self.actor = actor
        self.clock: Clock = clock or db.clock
        self.config = config or SimulationConfig()
        self.rng = random.Random(seed)
        self.geodata = geodata or load_geodata(db.pack.geo_dir)
        self.graph = StreetGraph.from_geodata(self.geodata)
        self.places = list(places) if places is not None else load_places(db, self.geodata)
        self._garage = _garage(self.geodata)
        self._trips: dict[int, _Trip] = {}
        self._waits: dict[tuple[str, int, int], float] = {}
        self._last: dt.datetime | None = None
        self._next_call: dt.datetime | None = None

    def step(self, now: dt.datetime | None = None) -> StepReport:
        """One tick of the shift at `now` (default: the clock). Blocking: run it off the GUI thread."""
        now = now or self.clock()
        elapsed = 0.0 if self._last is None else min(MAX_STEP_S, max(0.0, (now - self._last).total_seconds()))
        self._last = now
        report = StepReport(now)
        board = services.load_board(self.db)
        incidents = {i.id: i for i in board.incidents}
        units = [u for u in board.units if u.on_shift]
        for unit in units:
            self._advance_unit(unit, incidents.get(unit.incident_id or -1), now, elapsed, report)
        self._dispatch_waiting(incidents.values(), units, now, report)
        self._maybe_new_call(now, report)
        return report

    # Units -----------------------------------------------------------------------------------
    def _advance_unit(
        self, unit: UnitRecord, incident: IncidentRecord | None, now: dt.datetime, elapsed: float, report: StepReport
    ) -> None:
        if incident is None:
            self._trips.pop(unit.id, None)
            return
        in_status = (now - unit.status_since).total_seconds()
        if unit.status == "dispatched" and in_status >= self._draw("turnout", unit.id, incident.id):
            self._act(
                report, f"{unit.call_sign} en route to {incident.number}", services.set_unit_status, unit.id, "enroute"
            )
        elif unit.status == "enroute":
            self._drive(unit, incident, elapsed, report)
        elif unit.status == "onscene" and in_status >= 60 * self._draw("scene", unit.id, incident.id):
            self._clear(unit, incident, report)

    def _drive(self, unit: UnitRecord, incident: IncidentRecord, elapsed: float, report: StepReport) -> None:
        if incident.latitude is None or incident.longitude is None:
            return
        trip = self._trips.get(unit.id)
        if trip is None or trip.incident_id != incident.id:
            start = (
                (unit.latitude, unit.longitude)
                if unit.latitude is not None and unit.longitude is not None
                else self._garage
            )
            trip = self._trips[unit.id] = _Trip(
                incident.id, self.graph.route(start, (incident.latitude, incident.longitude))
            )
        trip.driven_m += self.config.speed_mps * elapsed
        lat, lon = trip.route.position_at(trip.driven_m)
        if trip.driven_m >= trip.route.length_m:
            self._trips.pop(unit.id, None)
            self._act(report, f"{unit.call_sign} arrived", services.move_unit, unit.id, latitude=lat, longitude=lon)
            self._act(
                report, f"{unit.call_sign} on scene at {incident.number}", services.set_unit_status, unit.id, "onscene"
            )
        elif elapsed > 0:
            self._act(report, "", services.move_unit, unit.id, latitude=lat, longitude=lon)

    def _clear(self, unit: UnitRecord, incident: IncidentRecord, report: StepReport) -> None:
        scenario = self._scenario_for(incident)
        notes = scenario[2] if scenario else []
        disposition = scenario[3] if scenario else "18"
        note = notes[-1] if notes else "Handled on scene."
        self._act(
            report,
            f"{incident.number} cleared {disposition} by {unit.call_sign}",
            services.clear_incident,
            incident.id,
            disposition=disposition,
            note=note,
        )

    # Dispatching -----------------------------------------------------------------------------
    def _dispatch_waiting(
        self, incidents: Iterable[IncidentRecord], units: list[UnitRecord], now: dt.datetime, report: StepReport
    ) -> None:
        free = [u for u in units if u.status == "available" and u.incident_id is None]
        for incident in sorted(incidents, key=lambda i: (i.priority, i.received_at)):
            if incident.status != "pending" or incident.latitude is None:
                continue
            waited = (now - incident.received_at).total_seconds()
            if waited < self._draw("dispatch", incident.id, 0):
                continue
            call_type = self.db.pack.call_types.get(incident.call_type)
            if rules.csos_alone_need_override(incident, self.db.pack.call_types):
                self._act(
                    report,
                    f"{incident.number} transferred to {self.db.pack.agency}",
                    services.transfer_to_sheriff,
                    incident.id,
                    note=f"Needs {self.db.pack.agency} first (simulated dispatcher).",
                )
                continue
            picks = rules.recommend_units(incident, free, call_type.skills if call_type else (), limit=1)
            if not picks:
                return  # nobody free: the rest keep waiting, as on a real busy shift
            unit = picks[0].unit
            free.remove(unit)
            self._act(
                report,
                f"{unit.call_sign} dispatched to {incident.number}",
                services.dispatch_units,
                incident.id,
                [unit.id],
            )

    # New calls -------------------------------------------------------------------------------
    def _maybe_new_call(self, now: dt.datetime, report: StepReport) -> None:
        gap = self.config.call_gap_s
        if gap is None or not self.places:
            return
        if self._next_call is None:
            self._next_call = now + dt.timedelta(seconds=self.rng.expovariate(1 / gap))
            return
        if now < self._next_call:
            return
        self._next_call = now + dt.timedelta(seconds=self.rng.expovariate(1 / gap))
        code, story, _, _ = self.rng.choice(SCENARIOS)
        place = self.rng.choice(self.places)
        caller = self.rng.choice(CALLERS)
        self._act(
            report,
            f"new {code} call at {place.label}",
            services.create_incident,
            call_type=code,
            location=place.label,
            latitude=place.lat,
            longitude=place.lon,
            zone=place.zone,
            in_city=True,
            caller_name=caller,
            caller_phone=f"310-555-{self.rng.randint(100, 199):04d}" if caller else "",
            narrative=story,
            screening=rules.caller_said_no(),
            received_at=now - dt.timedelta(seconds=self.rng.randint(15, 60)),
        )

    # Helpers ---------------------------------------------------------------------------------
    def _draw(self, what: str, a: int, b: int) -> float:
        """A random duration drawn once per (what, unit or incident, incident) and then kept."""
        key = (what, a, b)
        if key not in self._waits:
            low, high = {
                "turnout": self.config.turnout_s,
                "scene": self.config.scene_minutes,
                "dispatch": self.config.dispatch_delay_s,
            }[what]
            self._waits[key] = self.rng.uniform(low, high)
        return self._waits[key]

    def _scenario_for(self, incident: IncidentRecord) -> tuple[str, str, list[str], str] | None:
        matching = [s for s in SCENARIOS if s[0] == incident.call_type]
        if not matching:
            return None
        return next((s for s in matching if s[1] == incident.narrative), matching[0])

    def _act(self, report: StepReport, line: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        try:
            result = fn(self.db, self.actor, *args, **kwargs)
        except DispatchError as exc:
            # A dispatcher at a real workstation may have got there first; the next step catches up.
            log.debug("simulation step skipped: %s", exc)
            return None
        if line:
            report.actions.append(line)
        return result


def load_places(db: Database, geodata: GeoData) -> list[Place]:
    """Real places for new calls: the pack's demo places, else the city's OSM address points."""
    path: Path = db.pack.directory / "demo_places.json"
    if path.is_file():
        raw = json.loads(path.read_text(encoding="utf-8"))["places"]
        return [Place(str(p["label"]), float(p["lat"]), float(p["lon"]), p.get("zone")) for p in raw]
    jurisdiction = Jurisdiction(geodata)
    return [
        Place(f"{p.housenumber} {p.street}", p.point.y, p.point.x, jurisdiction.zone_at(p.point.y, p.point.x))
        for p in geodata.address_points
        if p.in_city and p.street
    ]


def _garage(geodata: GeoData) -> tuple[float, float]:
    """Where a unit with no reported position starts driving from: City Hall, else the city's middle."""
    for landmark in geodata.landmarks:
        if landmark.category == "government":
            return landmark.point.y, landmark.point.x
    centre = geodata.boundary.representative_point()
    return centre.y, centre.x
