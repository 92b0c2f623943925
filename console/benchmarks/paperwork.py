"""Paperwork speed: one citation PDF, and the shift report of a 300-incident shift."""

from __future__ import annotations

import argparse
import datetime as dt
import heapq
import json
import math
import random
import statistics
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from data import rules, services
from data.clock import ManualClock
from data.db import Database
from data.permissions import Actor
from data.services.citations import RepeatOffenseError, get_citation, issue_citation, proposed_disposition
from data.services.referrals import add_referral
from data.services.welfare import record_welfare_check
from maps.geodata import load_geodata

SHIFT_START = dt.datetime(2026, 11, 26, 15, 0, tzinfo=dt.UTC)  # 07:00 local time (America/Los_Angeles)
OFFICERS: tuple[tuple[str, str, list[str], list[str]], ...] = (
    ("C101", "Ana Díaz", ["crisis intervention", "first aid"], ["Spanish"]),
    ("C102", "Marcus Webb", ["outreach"], []),
    ("C103", "Priya Raman", ["crisis intervention"], ["Tamil"]),
    ("C104", "Dmitri Volkov", ["first aid"], ["Russian"]),
    ("C105", "Lena Hoffmann", ["outreach", "first aid"], ["German"]),
    ("C106", "Jamal Price", ["crisis intervention"], []),
    ("C107", "Sofía Márquez", ["outreach"], ["Spanish"]),
    ("C108", "Kenji Watanabe", ["first aid"], ["Japanese"]),
)
CALLERS = (
    ("Robin Castillo", "323-555-0148"),
    ("Front desk, Kimpton La Peer", "310-555-0190"),
    ("Terrence Ng", "424-555-0112"),
    ("Manager, Pavilions", "323-555-0177"),
    ("Olga Petrova", "323-555-0135"),
    ("", ""),
)
CALLS = {
    "WELFARE": ("Caller reports a man lying on the sidewalk near the bus stop, not moving much.", "18"),
    "OUTREACH": ("Woman with belongings in a doorway asked for help finding a shelter bed.", "15"),
    "NOISE": ("Amplified music from a rooftop terrace past 11 pm, ongoing for an hour.", "04"),
    "SMOKING": ("Patrons smoking in the outdoor dining area after being asked to stop.", "04"),
    "MEDIATE": ("Neighbours arguing over a shared parking space; no threats reported.", "18"),
    "INTOX": ("Person unsteady on their feet outside a bar, friends nearby.", "16"),
    "DOG": ("Dog off leash in the park approaching children.", "04"),
    "PUBWKS": ("Broken water line flooding the sidewalk.", "13"),
    "PROPFND": ("Wallet found on a bench, turned in at the counter.", "12"),
    "ESCORT": ("Resident asks for an escort to their car after a late shift.", "16"),
    "MNTL": ("Person talking to themselves and pacing in traffic median, not aggressive.", "15"),
    "AUDIT": ("Safety audit of the Plummer Park lighting.", "13"),
}


@dataclass(order=True)
class _Step:
    at: dt.datetime
    order: int
    action: str = field(compare=False)
    incident_id: int = field(compare=False, default=0)
    unit_id: int = field(compare=False, default=0)


@dataclass(frozen=True)
class PopulatedShift:
    shift_id: int
    incident_ids: tuple[int, ...]
    citation_numbers: tuple[str, ...]
    officer_ids: tuple[int, ...]


def populate_shift(
    db: Database,
    clock: ManualClock,
    *,
    incidents: int = 40,
    hours: float = 10.0,
    units: int | None = None,
    seed: int = 7,
    leave_open: int = 3,
) -> PopulatedShift:
    """Simulate a shift through the real services: calls, dispatch, arrival, paperwork and clearing.

    The clock must be the database's ManualClock; it is moved forward as the shift plays out.
    """
    rng = random.Random(seed)
    supervisor = Actor("sgt.alvarez", role="supervisor", workstation="sup-1", display_name="Sgt. Maria Alvarez")
    dispatcher = Actor("dispatch.kim", role="dispatcher", workstation="disp-1", display_name="Jordan Kim")
    clock.now = SHIFT_START - dt.timedelta(minutes=10)
    services.seed_directory(db, Actor("admin.bench", role="admin", workstation="sup-1"))  # an admin's action
    shift = services.start_shift(
        db,
        supervisor,
        name="Day shift, Thursday November 26",
        supervisor="Sgt. Maria Alvarez",
        starts_at=SHIFT_START,
        ends_at=SHIFT_START + dt.timedelta(hours=hours),
    )
    unit_count = units if units is not None else max(4, math.ceil(incidents / 22))
    roster = list(OFFICERS)
    for n in range(len(roster), 2 * unit_count):
        first, last = _EXTRA_FIRST[n % len(_EXTRA_FIRST)], _EXTRA_LAST[(n // len(_EXTRA_FIRST)) % len(_EXTRA_LAST)]
        roster.append((f"C{101 + n}", f"{first} {last}", ["first aid"], []))
    officer_ids = [
        services.create_officer(db, supervisor, badge=b, name=n, skills=s, languages=lang).id
        for b, n, s, lang in roster
    ]
    geo = load_geodata()
    homes = [p for p in geo.address_points if p.in_city and p.street]
    unit_ids = []
    for n in range(unit_count):
        unit = services.create_unit(db, supervisor, call_sign=f"CSO{n + 1}")
        post = rng.choice(homes)
        services.sign_on_unit(
            db,
            supervisor,
            unit.id,
            officer_ids=officer_ids[2 * n : 2 * n + 2],
            latitude=post.point.y,
            longitude=post.point.x,
        )
        unit_ids.append(unit.id)
    clock.now = SHIFT_START
    end = SHIFT_START + dt.timedelta(hours=hours)
    arrivals = sorted(SHIFT_START + dt.timedelta(seconds=rng.uniform(0, hours * 3600 * 0.92)) for _ in range(incidents))
    steps: list[_Step] = []
    order = 0
    for at in arrivals:
        order += 1
        heapq.heappush(steps, _Step(at, order, "arrive"))
    free = list(unit_ids)
    open_at_end = set()
    created: list[int] = []
    citations: list[str] = []
    types = list(CALLS)
    while steps:
        step = heapq.heappop(steps)
        if step.at >= end:
            break
        clock.now = max(clock.now, step.at)
        order += 1
        if step.action == "arrive":
            code = rng.choice(types)
            place = rng.choice(homes)
            caller, phone = rng.choice(CALLERS)
            inc = services.create_incident(
                db,
                dispatcher,
                call_type=code,
                location=f"{place.housenumber} {place.street}",
                latitude=place.point.y,
                longitude=place.point.x,
                in_city=True,
                caller_name=caller,
                caller_phone=phone,
                screening=rules.caller_said_no(),
                narrative=CALLS[code][0],
            )
            created.append(inc.id)
            if len(created) > incidents - leave_open:
                open_at_end.add(inc.id)
            heapq.heappush(
                steps, _Step(clock.now + dt.timedelta(seconds=rng.uniform(15, 140)), order, "dispatch", inc.id)
            )
        elif step.action == "dispatch":
            if not free:
                heapq.heappush(steps, _Step(clock.now + dt.timedelta(seconds=60), order, "dispatch", step.incident_id))
                continue
            unit_id = free.pop(rng.randrange(len(free)))
            services.dispatch_units(db, dispatcher, step.incident_id, [unit_id])
            heapq.heappush(
                steps,
                _Step(
                    clock.now + dt.timedelta(seconds=rng.uniform(20, 90)), order, "enroute", step.incident_id, unit_id
                ),
            )
        elif step.action == "enroute":
            services.set_unit_status(db, dispatcher, step.unit_id, "enroute")
            heapq.heappush(
                steps,
                _Step(
                    clock.now + dt.timedelta(minutes=rng.uniform(2, 9)),
                    order,
                    "onscene",
                    step.incident_id,
                    step.unit_id,
                ),
            )
        elif step.action == "onscene":
            services.set_unit_status(db, dispatcher, step.unit_id, "onscene")
            services.add_note(db, dispatcher, step.incident_id, rng.choice(_NOTES))
            if step.incident_id in open_at_end:
                continue
            heapq.heappush(
                steps,
                _Step(
                    clock.now + dt.timedelta(minutes=rng.uniform(6, 28)), order, "clear", step.incident_id, step.unit_id
                ),
            )
        elif step.action == "clear":
            citations += _paperwork(db, dispatcher, rng, step.incident_id, officer_ids, homes)
            inc = services.get_incident(db, step.incident_id)
            usual = CALLS[inc.call_type][1]
            disposition = proposed_disposition(db, inc.id) or ("18" if usual == "04" else usual)
            services.clear_incident(db, dispatcher, inc.id, disposition=disposition, note="Cleared by the unit.")
            free.append(step.unit_id)
    clock.now = max(clock.now, end - dt.timedelta(minutes=5))
    return PopulatedShift(shift.id, tuple(created), tuple(citations), tuple(officer_ids))


_EXTRA_FIRST = ("Alex", "Bea", "Carlos", "Dana", "Eli", "Fatima", "Grace", "Hugo", "Iris", "Jonah")
_EXTRA_LAST = ("Nguyen", "Okafor", "Brennan", "Sato", "Haddad", "Kowalski")
_NOTES = (
    "Unit on scene, making contact.",
    "Subject cooperative; talking through options.",
    "Spoke with the caller; situation calm.",
    "Gave resource card with 988 and DMH numbers.",
)


def _paperwork(
    db: Database, actor: Actor, rng: random.Random, incident_id: int, officer_ids: Sequence[int], homes: Sequence
) -> list[str]:
    inc = services.get_incident(db, incident_id)
    issued: list[str] = []
    officer = rng.choice(officer_ids)
    if inc.call_type in ("NOISE", "SMOKING", "DOG"):
        section = {"NOISE": "9.08.050", "SMOKING": "Ord. 11-863", "DOG": "9.48 / LACC 10.32.010"}[inc.call_type]
        try:
            cit = issue_citation(
                db,
                actor,
                officer_id=officer,
                violator_name=rng.choice(("Chris Morgan", "Alexei Ivanov", "Dana Whitfield", "Sam Okafor")),
                violator_dob=rng.choice(("1988-03-14", "")),
                violations=[section],
                location=inc.location,
                incident_id=inc.id,
                description=inc.narrative + " Warned first; the violation continued.",
            )
            issued.append(cit.number)
        except RepeatOffenseError:
            services.add_note(db, actor, inc.id, "Repeat violator past the fine schedule: referred to deputies.")
    if inc.call_type in ("WELFARE", "MNTL", "OUTREACH", "INTOX"):
        declined = rng.random() < 0.3
        record_welfare_check(
            db,
            actor,
            incident_id=inc.id,
            officer_id=officer,
            subject_name="" if declined else rng.choice(("Luis", "Margaret H.", "Tyrell", "Nadia")),
            subject_declined=declined,
            approx_age=rng.choice(("30s", "about 55", "20s", "70s")),
            description="Wearing a grey hoodie, backpack, sitting on the kerb.",
            observations={
                "responsive": True,
                "oriented": rng.random() > 0.2,
                "injuries": rng.random() < 0.1,
                "needs_medical": False,
                "housing_status": rng.choice(("unhoused", "housed", "at risk", "unknown")),
                "safety_cautions": "",
                "condition": "Tired and cold, otherwise well.",
            },
            services_offered="Water, blanket, shelter bed through LA-HOP, DMH help line",
            services_accepted=rng.random() > 0.4,
            follow_up_needed=rng.random() < 0.3,
            follow_up_note="Check the same corner tomorrow morning.",
        )
        add_referral(
            db,
            actor,
            incident_id=inc.id,
            agency_key=rng.choice(("dmh", "la_hop", "care_team", "lgbt_center")),
            outcome=rng.choice(("accepted", "declined", "offered")),
        )
    return issued


def _citation_timing(db: Database, number: str, repeats: int) -> float:
    from console.paperwork.citation import build_citation

    citation = get_citation(db, number)
    build_citation(citation, db.pack)  # first build registers fonts and warms caches
    timings = []
    for _ in range(repeats):
        start = time.perf_counter()
        build_citation(citation, db.pack)
        timings.append((time.perf_counter() - start) * 1000.0)
    return statistics.median(timings)


def run(args: argparse.Namespace | Sequence[str] | None = None) -> dict[str, float]:
    """Build a 300-incident shift in a scratch database, then time a citation PDF and the shift report.

    `args` is the `cso-console bench` namespace, or command-line words when run as a module.
    """
    from console.paperwork.shift_report import shift_report_pdf

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--incidents", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=15)
    if isinstance(args, argparse.Namespace):
        opts = parser.parse_args([])
        opts.incidents = getattr(args, "incidents", opts.incidents)
        opts.repeats = getattr(args, "repeats", opts.repeats)
    else:
        opts = parser.parse_args(list(args) if args is not None else [])
    with tempfile.TemporaryDirectory() as tmp:
        clock = ManualClock(SHIFT_START)
        db = Database(f"sqlite:///{Path(tmp) / 'bench.sqlite3'}", clock=clock)
        try:
            start = time.perf_counter()
            populated = populate_shift(db, clock, incidents=opts.incidents, hours=12)
            setup_s = time.perf_counter() - start
            citation_ms = _citation_timing(db, populated.citation_numbers[0], opts.repeats)
            shift_report_pdf(db, populated.shift_id)  # warm: fonts, chart code
            start = time.perf_counter()
            pdf = shift_report_pdf(db, populated.shift_id)
            report_s = time.perf_counter() - start
        finally:
            db.dispose()
    return {
        "citation_ms_median": round(citation_ms, 2),
        "shift_report_300_s": round(report_s, 3),
        "shift_report_bytes": float(len(pdf)),
        "incidents": float(len(populated.incident_ids)),
        "setup_s": round(setup_s, 1),
    }


if __name__ == "__main__":
    import sys

    print(json.dumps(run(sys.argv[1:])))
