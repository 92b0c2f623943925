"""The demo simulation: street routes, unit progress, dispatching and new calls, stepped by hand."""

from __future__ import annotations

import datetime as dt
import itertools
import math

import pytest
import shapely

from data import services
from data.permissions import Actor
from data.rules import distance_m
from maps.geodata import load_geodata
from maps.simulate import Simulation, SimulationConfig, StreetGraph, load_places
from maps.simulation_driver import SimulationDriver
from tests.data.helpers import NO_SCREENING
from widgets.operations import Operations

SUPERVISOR = Actor("sup.sim", role="supervisor", workstation="ws-sup")
CITY_HALL = (34.090435, -118.370701)
SHERIFF_STATION = (34.08449, -118.383361)
PLUMMER_PARK = (34.09274, -118.351099)
QUIET = SimulationConfig(turnout_s=(10, 10), scene_minutes=(5, 5), dispatch_delay_s=(30, 30), call_gap_s=None)


@pytest.fixture(scope="module")
def graph() -> StreetGraph:
    return StreetGraph.from_geodata(load_geodata())


def start_shift(db) -> None:
    now = db.clock()
    services.start_shift(
        db, SUPERVISOR, name="Sim test shift", supervisor="Sgt. Sim", starts_at=now, ends_at=now + dt.timedelta(hours=8)
    )


def sign_on(db, call_sign: str, where: tuple[float, float]) -> int:
    officer = services.create_officer(db, SUPERVISOR, badge=f"S-{call_sign}", name=f"Officer {call_sign}")
    unit = services.create_unit(db, SUPERVISOR, call_sign=call_sign)
    services.sign_on_unit(db, SUPERVISOR, unit.id, officer_ids=[officer.id], latitude=where[0], longitude=where[1])
    return unit.id


def call(db, actor, call_type: str = "WELFARE", where: tuple[float, float] = CITY_HALL, **extra):
    return services.create_incident(
        db,
        actor,
        screening=NO_SCREENING,
        call_type=call_type,
        location="8300 Santa Monica Blvd",
        latitude=where[0],
        longitude=where[1],
        **extra,
    )


def test_route_runs_along_the_streets(graph):
    route = graph.route(SHERIFF_STATION, CITY_HALL)
    straight = distance_m(*SHERIFF_STATION, *CITY_HALL)
    assert route.points[0] == SHERIFF_STATION and route.points[-1] == CITY_HALL
    assert straight <= route.length_m <= 1.6 * straight
    assert route.position_at(0) == SHERIFF_STATION
    assert route.position_at(route.length_m + 50) == CITY_HALL
    streets = shapely.MultiLineString([seg.geometry for seg in load_geodata().streets])
    for metres in range(50, int(route.length_m) - 50, 100):
        lat, lon = route.position_at(metres)
        # Points between street vertices lie on the centreline (well under a metre off).
        assert streets.distance(shapely.Point(lon, lat)) < 1e-5


def test_dispatched_unit_drives_works_the_call_and_clears(db, clock, dispatcher):
    start_shift(db)
    unit_id = sign_on(db, "CSO41", SHERIFF_STATION)
    incident = call(db, dispatcher)
    services.dispatch_units(db, dispatcher, incident.id, [unit_id])
    sim = Simulation(db, seed=7, config=QUIET)
    sim.step()
    clock.advance(seconds=15)
    assert sim.step().actions == [f"CSO41 en route to {incident.number}"]

    positions = []
    for _ in range(40):
        clock.advance(seconds=10)
        sim.step()
        unit = services.get_units(db, [unit_id])[0]
        positions.append((unit.latitude, unit.longitude))
        if unit.status == "onscene":
            break
    assert unit.status == "onscene"
    assert positions[-1] == pytest.approx(CITY_HALL)
    assert len(set(positions)) >= 5  # moved a bit each step, not teleported
    hops = [distance_m(*a, *b) for a, b in itertools.pairwise(positions)]
    assert max(hops) <= QUIET.speed_mps * 10 + 1
    assert distance_m(*positions[-2], *CITY_HALL) < distance_m(*positions[0], *CITY_HALL)
    assert services.get_incident(db, incident.id).status == "onscene"

    clock.advance(minutes=4)
    sim.step()
    assert services.get_incident(db, incident.id).status == "onscene"
    clock.advance(minutes=2)
    report = sim.step()
    cleared = services.get_incident(db, incident.id)
    assert cleared.status == "cleared"
    assert cleared.disposition_code in db.pack.dispositions
    assert report.actions == [f"{incident.number} cleared {cleared.disposition_code} by CSO41"]
    assert services.get_units(db, [unit_id])[0].status == "available"


def test_waiting_call_gets_the_nearest_free_unit(db, clock, dispatcher):
    start_shift(db)
    far = sign_on(db, "CSO51", PLUMMER_PARK)
    near = sign_on(db, "CSO52", SHERIFF_STATION)
    incident = call(db, dispatcher)
    sim = Simulation(db, seed=3, config=QUIET)
    clock.advance(seconds=20)
    sim.step()
    assert services.get_incident(db, incident.id).status == "pending"
    clock.advance(seconds=15)
    sim.step()
    dispatched = services.get_incident(db, incident.id)
    assert dispatched.status == "dispatched"
    assert dispatched.units == ("CSO52",)
    units = {u.id: u for u in services.get_units(db, [far, near])}
    assert units[far].status == "available" and units[near].status == "dispatched"


def test_call_that_needs_the_sheriff_goes_to_lasd(db, clock, dispatcher):
    start_shift(db)
    sign_on(db, "CSO61", SHERIFF_STATION)
    incident = call(db, dispatcher, call_type="MTLV")
    sim = Simulation(db, seed=3, config=QUIET)
    clock.advance(seconds=40)
    sim.step()
    assert services.get_incident(db, incident.id).status == "transferred"


def test_new_calls_come_from_real_places(db, clock):
    sim = Simulation(db, seed=11, config=SimulationConfig(call_gap_s=60.0))
    places = {p.label: p for p in load_places(db, sim.geodata)}
    for _ in range(60):
        clock.advance(seconds=30)
        sim.step()
    incidents = services.load_board(db).incidents
    assert 10 <= len(incidents) <= 60  # about one a minute over half an hour
    for inc in incidents:
        place = places[inc.location]
        assert (inc.latitude, inc.longitude) == (place.lat, place.lon)
        assert inc.zone == place.zone and inc.in_city is True
        assert inc.call_type in db.pack.call_types
        assert inc.received_at <= clock()
        assert inc.narrative


def test_same_seed_same_shift(tmp_path, clock):
    from data.db import Database

    def run(name: str) -> list[str]:
        database = Database(f"sqlite:///{tmp_path / name}", clock=clock)
        try:
            sim = Simulation(database, seed=5, config=SimulationConfig(call_gap_s=45.0))
            lines = []
            for i in range(30):
                lines += sim.step(clock() + dt.timedelta(seconds=20 * i)).actions
            return lines
        finally:
            database.dispose()

    first = run("a.sqlite3")
    assert first and first == run("b.sqlite3")


def test_route_between_far_corners_follows_the_streets(graph):
    route = graph.route((34.0985, -118.3955), (34.0768, -118.3445))
    assert math.isfinite(route.length_m) and route.length_m > 4000


def test_driver_steps_on_the_task_runner(qtbot, db, store, clock):
    sim = Simulation(db, seed=2, config=SimulationConfig(call_gap_s=1.0))
    driver = SimulationDriver(db, Operations(store.runner), simulation=sim, interval_ms=20)
    with qtbot.waitSignal(driver.stepped, timeout=10_000) as stepped:
        driver.start()
    clock.advance(minutes=5)
    with qtbot.waitSignal(driver.stepped, timeout=10_000, check_params_cb=lambda r: bool(r.actions)) as stepped:
        pass
    driver.stop()
    assert not driver.running
    assert stepped.args[0].actions[0].startswith("new ")


def test_driver_builds_its_simulation_off_the_gui_thread(qtbot, db, store):
    driver = SimulationDriver(db, Operations(store.runner), interval_ms=20)
    assert driver.simulation is None
    with qtbot.waitSignal(driver.stepped, timeout=20_000):
        driver.start()
    driver.stop()
    assert isinstance(driver.simulation, Simulation)
