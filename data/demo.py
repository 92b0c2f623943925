"""The demo shift: a realistic day shift in the pack's city, clearly marked as demo data."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import heapq
import itertools
import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from data import rules, services
from data.clock import to_ms
from data.db import Database
from data.errors import DispatchError
from data.permissions import Actor
from data.records import DEMO_MARK
from data.services.cautions import add_caution
from data.services.citations import issue_citation
from data.services.referrals import add_referral
from data.services.self_initiated import start_self_initiated
from data.services.welfare import record_welfare_check

OFFICERS = [
    ("C-101", "Marisol Vega", ["crisis intervention", "first aid"], ["Spanish"]),
    ("C-102", "Daniel Okafor", ["mediation", "first aid"], []),
    ("C-103", "Irina Petrova", ["outreach", "crisis intervention"], ["Russian"]),
    ("C-104", "Jamal Whitaker", ["youth", "mediation"], []),
    ("C-105", "Lena Hovsepian", ["first aid", "outreach"], ["Armenian"]),
    ("C-106", "Tomás Alvarez", ["outreach"], ["Spanish"]),
    ("C-107", "Priya Raman", ["crisis intervention", "mediation"], []),
    ("C-108", "Sam Castillo", ["first aid"], ["Spanish"]),
    ("C-109", "Noah Feldman", ["mediation"], ["Hebrew"]),
    ("C-110", "Keiko Tanaka", ["crisis intervention", "youth"], ["Japanese"]),
    ("C-111", "Rafael Moreno", ["outreach", "first aid"], ["Spanish"]),
    ("C-112", "Dana Brooks", ["crisis intervention"], []),
    ("C-113", "Arash Karimi", ["mediation", "outreach"], ["Farsi"]),
    ("C-114", "Olga Sidorenko", ["first aid", "youth"], ["Russian", "Ukrainian"]),
]
# Call sign -> badges of its crew and its zone (Sheriff's reporting districts).
UNITS = [
    ("CSO11", ["C-101", "C-102"], "0971"),
    ("CSO12", ["C-103"], "0972"),
    ("CSO13", ["C-104", "C-105"], "0973"),
    ("CSO14", ["C-106"], "0974"),
    ("CSO15", ["C-107"], "0975"),
    ("CSO16", ["C-108", "C-109"], "0976"),
    ("CSO17", ["C-110"], "0977"),
    ("CSO18", ["C-111"], "0978"),
    ("CSO21", ["C-112", "C-113"], "0986"),
    ("CSO22", ["C-114"], "0987"),
]

CALLERS = [
    "Alicia Gomez",
    "Brian Cho",
    "Carmen Ruiz",
    "David Levin",
    "Elena Sokolova",
    "Frank Nguyen",
    "Gloria Pierce",
    "Hector Salas",
    "Ivy Chen",
    "Jordan Blake",
    "Karen Mills",
    "Luis Ortega",
    "Maya Patel",
    "Nick Anders",
    "Olivia Grant",
    "Paul Kim",
    "Rosa Delgado",
    "Steve Marsh",
    "Tanya Ivanova",
    "Victor Hale",
    "",
    "",
]

# (call type, narrative, notes while on scene, disposition)
SCENARIOS: list[tuple[str, str, list[str], str]] = [
    (
        "WELFARE",
        "Caller's elderly neighbour has not answered the door for two days; mail piling up.",
        ["Contact made through the window; resident OK, phone was off.", "Resident accepted a Care Team call-back."],
        "18",
    ),
    (
        "WELFARE",
        "Man lying on the bus bench, not moving much, about 50s, no shoes.",
        [
            "Subject responsive and oriented, declined medical.",
            "Offered shelter bed through LA-HOP; accepted water and socks.",
        ],
        "15",
    ),
    (
        "MNTL",
        "Woman shouting at passers-by, talking to herself, not threatening anyone.",
        [
            "Calmer after talking with CSOs; says she lost her medication.",
            "DMH Help Line called; field team to follow up.",
        ],
        "15",
    ),
    (
        "OUTREACH",
        "Person sleeping in the doorway of a closed shop, business owner asks for help.",
        ["Subject accepted a hygiene kit and a list of drop-in centres."],
        "15",
    ),
    (
        "ENCAMP",
        "Tent and belongings on the sidewalk blocking wheelchair access.",
        ["Two people at the tent; agreed to move belongings off the walkway.", "Public works notified for the debris."],
        "18",
    ),
    (
        "NOISE",
        "Loud music from a rooftop party, ongoing for two hours.",
        ["Host turned the music down; advised of WHMC 9.08."],
        "18",
    ),
    (
        "MEDIATE",
        "Neighbours arguing over a shared parking space, voices raised, no violence.",
        ["Both parties agreed to talk with the building manager tomorrow."],
        "18",
    ),
    (
        "DISORD",
        "Group arguing loudly outside the bar after closing, no weapons seen.",
        ["Group dispersed on arrival of CSOs."],
        "14",
    ),
    (
        "PHANDLE",
        "Man following diners on the patio asking for money, won't take no.",
        ["Subject moved on; referred to outreach for services."],
        "18",
    ),
    (
        "INTOX",
        "Intoxicated man unsteady on his feet near the bus stop.",
        ["Subject's friend arrived to walk him home."],
        "16",
    ),
    (
        "SLMP",
        "Person slumped against the wall in the alley, breathing.",
        ["Subject woke, says he is fine; declined medical and services."],
        "18",
    ),
    (
        "EXPOSURE",
        "Older woman sitting in the sun for hours, looks confused, very hot day.",
        ["Given water and shade; accepted a ride to the cooling centre."],
        "16",
    ),
    (
        "JUV",
        "Group of teenagers skateboarding on the library steps, a patron fell earlier.",
        ["Youths moved to the skate area; talked about the library rules."],
        "18",
    ),
    (
        "RUNAWAY",
        "Parent reports 15-year-old did not come home, may be near the park.",
        ["Youth located at the park, parent on the way."],
        "18",
    ),
    (
        "SMOKING",
        "Customers smoking in the outdoor dining area despite requests.",
        ["Second time this month at this patio; citation issued."],
        "04",
    ),
    (
        "DOG",
        "Large dog off leash in the park chasing children.",
        ["Owner leashed the dog; citation issued for repeat violation."],
        "04",
    ),
    (
        "VENDING",
        "Sidewalk vendor cart set up at 1 a.m. on the nightlife strip.",
        ["Vendor informed of hours; packed up."],
        "18",
    ),
    (
        "STR",
        "Short-term rental guests with suitcases every weekend, constant turnover.",
        ["Information passed to code compliance for investigation."],
        "13",
    ),
    ("DUMPING", "Mattress and furniture dumped next to the dumpsters.", ["Public works service request made."], "13"),
    (
        "VEHABND",
        "Car with flat tyres parked in the same spot for three weeks.",
        ["Vehicle tagged; referred to parking enforcement."],
        "15",
    ),
    ("PARKING", "Car blocking a driveway, owner unknown.", ["Referred to parking enforcement."], "15"),
    (
        "THAZ",
        "Traffic signal out at the intersection, cars confused.",
        ["Deputies and public works notified; stayed on scene until deputies arrived."],
        "15",
    ),
    (
        "PUBWKS",
        "Broken water line bubbling up through the sidewalk.",
        ["Public works on the way; area coned off."],
        "15",
    ),
    ("PROPFND", "Wallet found on the bench at the bus stop.", ["Wallet collected for return to the owner."], "12"),
    (
        "SUSP",
        "Someone trying car door handles along the street, walked away.",
        ["Area checked, nobody matching the description."],
        "14",
    ),
    (
        "ESCORT",
        "Resident asks for a walk home after a late shift, felt followed earlier.",
        ["Resident escorted home safely."],
        "16",
    ),
    (
        "ASSIST",
        "Deputies ask CSOs to stay with a lost older man until family arrives.",
        ["Family arrived, handed over."],
        "16",
    ),
]

# Code sections a call type leads to when the officer cites (the pack's municipal-code table).
CITED_SECTIONS = {"SMOKING": "Ord. 11-863", "DOG": "9.48 / LACC 10.32.010", "NOISE": "9.08.050", "VENDING": "5.122.050"}
# What the officer saw, in the officer's words: a citation never carries the caller's narrative.
OFFICER_ACCOUNTS = {
    "SMOKING": "Observed the person smoking a cigarette at a patio table of the outdoor dining area; "
    "staff had asked them to stop. Advised of the ordinance before citing.",
    "DOG": "Observed the dog off leash in the public right-of-way with the owner present; "
    "owner advised of the leash law before citing.",
    "NOISE": "Amplified music audible from the sidewalk across the street; asked to lower it, "
    "the volume was raised again within minutes.",
    "VENDING": "Observed food being sold from a cart on the sidewalk during prohibited hours; "
    "vendor advised of the hours and of the permit process.",
}


@dataclass(frozen=True)
class WelfareFacts:
    """What the officer's welfare-check form says for a demo scenario (agreeing with its narrative and notes)."""

    name: str
    declined_name: bool
    age: str
    housing: str
    description: str
    condition: str
    oriented: bool
    services: str
    accepted: bool
    follow_up: str = ""


WELFARE_FACTS = {
    "Caller's elderly neighbour has not answered the door for two days; mail piling up.": WelfareFacts(
        "Dorothy Kaplan",
        False,
        "80s",
        "housed",
        "Resident of the apartment, in a dressing gown; answered through the window.",
        "Well; her phone had been switched off",
        True,
        "Care Team call-back",
        True,
    ),
    "Man lying on the bus bench, not moving much, about 50s, no shoes.": WelfareFacts(
        "Eddie Walker",
        False,
        "50s",
        "unhoused",
        "Man on the bus bench, no shoes, blanket.",
        "Responsive and oriented; declined medical",
        True,
        "Shelter bed through LA-HOP, water, socks",
        True,
        "Check back at the bench tomorrow morning",
    ),
    "Woman shouting at passers-by, talking to herself, not threatening anyone.": WelfareFacts(
        "Maria Lopez",
        False,
        "40s",
        "unknown",
        "Woman on the sidewalk, agitated at first, calmer after talking.",
        "Says she lost her medication",
        True,
        "DMH Help Line field team",
        True,
        "DMH field team to follow up",
    ),
    "Person sleeping in the doorway of a closed shop, business owner asks for help.": WelfareFacts(
        "Chris Dunn",
        False,
        "30s",
        "unhoused",
        "Man sleeping in the shop doorway with a backpack.",
        "Tired, calm",
        True,
        "Hygiene kit, list of drop-in centres",
        True,
        "Check back at the same doorway tomorrow morning",
    ),
    "Intoxicated man unsteady on his feet near the bus stop.": WelfareFacts(
        "John (last name not given)",
        False,
        "30s",
        "housed",
        "Man unsteady on his feet at the bus stop; lives nearby.",
        "Intoxicated, steady once seated",
        True,
        "Water; waited with him until his friend arrived",
        True,
    ),
    "Person slumped against the wall in the alley, breathing.": WelfareFacts(
        "",
        True,
        "60s",
        "unknown",
        "Man sitting against the alley wall, woke when spoken to.",
        "Says he is fine",
        True,
        "Medical check, shelter list",
        False,
    ),
    "Older woman sitting in the sun for hours, looks confused, very hot day.": WelfareFacts(
        "Svetlana K.",
        False,
        "70s",
        "unknown",
        "Older woman on a bench in full sun, hot and thirsty.",
        "Confused at first, better after water and shade",
        False,
        "Water, shade, a ride to the cooling centre",
        True,
        "Care Team to check on her tomorrow",
    ),
}
WELFARE_TYPES = ("WELFARE", "MNTL", "SLMP", "EXPOSURE", "OUTREACH", "INTOX")
REFERRED = {
    "WELFARE": ("care_team",),
    "MNTL": ("dmh",),
    "OUTREACH": ("la_hop",),
    "ENCAMP": ("la_hop",),
    "EXPOSURE": ("la_hop",),
    "RUNAWAY": ("trevor",),
    "INTOX": ("friends",),
}
VIOLATORS = ["Marcus Reed", "Julia Hartmann", "Kevin O'Brien", "Sofia Marquez", "Brandon Lee", "Nadia Petrosyan"]
SUBJECTS = ["John (last name not given)", "Maria Lopez", "Eddie Walker", "Svetlana K.", "Chris Dunn"]

SELF_INITIATED = [("BIZCHK", "The Abbey"), ("AUDIT", "Plummer Park")]

PENDING = [
    ("WELFARE", "Caller worried about her brother, not answering the phone since yesterday.", 2),
    ("NOISE", "Construction noise before 8 a.m. again.", 3),
    ("OUTREACH", "Young person with a backpack sleeping behind the library, asked for help before.", 3),
    ("PROPLOST", "Tourist lost a passport near the bus stop.", 4),
]


@dataclass
class DemoSummary:
    units: int = 0
    officers: int = 0
    incidents: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    citations: int = 0
    welfare_checks: int = 0
    referrals: int = 0
    cautions: int = 0

    def lines(self) -> list[str]:
        status = ", ".join(f"{n} {s}" for s, n in sorted(self.by_status.items()))
        return [
            f"Demo shift created (marked {DEMO_MARK}):",
            f"  {self.units} units, {self.officers} officers on shift",
            f"  {self.incidents} incidents: {status}",
            f"  {self.citations} citations, {self.welfare_checks} welfare checks, {self.referrals} referrals",
            f"  {self.cautions} cautions at places (and earlier calls at 8286 Santa Monica Blvd for its history)",
            f"  {REPEAT_PERSON}: {len(REPEAT_PERSON_CHECKS)} earlier welfare checks with referrals (repeat contacts)",
        ]


def _places(db: Database) -> list[dict[str, Any]]:
    data = json.loads((db.pack.directory / "demo_places.json").read_text(encoding="utf-8"))
    return list(data["places"])


def _identity(moment: dt.datetime) -> dt.datetime:
    return moment


class _Scheduler:
    """Runs demo actions in time order, moving the database's clock to each action's moment."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.queue: list[tuple[dt.datetime, int, Callable[[], object]]] = []
        self.counter = itertools.count()

    def at(self, when: dt.datetime, action: Callable[[], object]) -> None:
        heapq.heappush(self.queue, (to_ms(when), next(self.counter), action))

    def run(self, until: dt.datetime) -> None:
        while self.queue and self.queue[0][0] <= until:
            when, _, action = heapq.heappop(self.queue)
            self.db.clock = functools.partial(_identity, when)
            # The demo, like a real shift, sometimes finds a unit already gone: skip that action.
            with contextlib.suppress(DispatchError):
                action()


def seed_demo(db: Database, *, seed: int = 90069) -> DemoSummary:
    """Fill an empty database with a day shift that ends at the database clock's 'now'.

    All of it in one transaction: a seed stopped half-way (killed, a refusal, a lost server) leaves the
    database as empty as it was, and the next seed starts again.
    """
    with db.one_transaction():
        return _seed_demo(db, seed=seed)


def _seed_demo(db: Database, *, seed: int) -> DemoSummary:
    if not services.is_empty(db):
        raise DispatchError("The database already has units; the demo shift only goes into an empty database.")
    rng = random.Random(seed)
    real_clock = db.clock
    now = real_clock()
    tz = ZoneInfo(db.pack.timezone)
    local_now = now.astimezone(tz)
    start_local = local_now.replace(minute=0, second=0, microsecond=0) - dt.timedelta(hours=6)
    start = start_local.astimezone(dt.UTC)
    sup = Actor("demo.supervisor", role="supervisor", workstation="DEMO", display_name="Demo Supervisor")
    disp = Actor("demo.dispatcher", role="dispatcher", workstation="DEMO", display_name="Demo Dispatcher")
    places = _places(db)
    summary = DemoSummary()
    try:
        summary.cautions = _place_knowledge(db, sup, disp, start, places)
        db.clock = lambda: start - dt.timedelta(minutes=5)
        services.start_shift(
            db,
            sup,
            name=f"{DEMO_MARK} {rules.shift_name(start_local)}",
            supervisor="Sgt. Renée Lambert (demo)",
            starts_at=start,
            ends_at=start + dt.timedelta(hours=10),
        )
        badge_ids = {}
        for badge, name, skills, langs in OFFICERS:
            officer = services.create_officer(db, sup, badge=badge, name=name, skills=skills, languages=langs)
            badge_ids[badge] = officer.id
        unit_ids: dict[str, int] = {}
        crew_of: dict[int, int] = {}
        landmarks = [p for p in places if p["kind"] == "landmark"]
        for call_sign, crew, zone in UNITS:
            unit = services.create_unit(db, sup, call_sign=call_sign, zone=zone)
            post = next((p for p in places if p["zone"] == zone and p["kind"] == "intersection"), rng.choice(landmarks))
            services.sign_on_unit(
                db,
                sup,
                unit.id,
                officer_ids=[badge_ids[b] for b in crew],
                zone=zone,
                latitude=float(post["lat"]),
                longitude=float(post["lon"]),
            )
            unit_ids[call_sign] = unit.id
            crew_of[unit.id] = badge_ids[crew[0]]
        summary.units, summary.officers = len(UNITS), len(OFFICERS)

        sched = _Scheduler(db)
        created: list[int] = []
        addresses = [p for p in places if p["kind"] != "landmark"] + landmarks

        def self_initiated(code: str, label: str) -> None:
            place = next(p for p in places if p["label"] == label)
            unit_id = free_unit(place["zone"], ())
            if unit_id is not None:
                start_self_initiated(
                    db,
                    disp,
                    unit_id=unit_id,
                    call_type=code,
                    location=label,
                    latitude=place["lat"],
                    longitude=place["lon"],
                    zone=place["zone"],
                )

        def free_unit(zone: str | None, skills: tuple[str, ...]) -> int | None:
            units = [u for u in services.get_units(db) if u.on_shift and u.status == "available"]
            if not units:
                return None
            units.sort(key=lambda u: (u.zone != zone, -len(set(skills) & set(u.skills)), u.call_sign))
            return units[0].id

        def lifecycle(when: dt.datetime, scenario: tuple[str, str, list[str], str], final: str) -> None:
            code, story, notes, disposition = scenario
            place = rng.choice(addresses)
            caller = rng.choice(CALLERS)
            phone = f"310-555-{rng.randint(100, 999):04d}" if caller else ""

            def create() -> None:
                rec = services.create_incident(
                    db,
                    disp,
                    call_type=code,
                    location=str(place["label"]),
                    latitude=float(place["lat"]),
                    longitude=float(place["lon"]),
                    zone=place["zone"],
                    in_city=True,
                    screening=rules.caller_said_no(),
                    caller_name=caller,
                    caller_phone=phone,
                    narrative=story,
                    received_at=when - dt.timedelta(seconds=rng.randint(20, 90)),
                )
                created.append(rec.id)
                if final == "pending":
                    return
                if final == "cancelled":
                    sched.at(
                        when + dt.timedelta(minutes=rng.randint(2, 6)),
                        lambda: services.cancel_incident(
                            db, disp, rec.id, reason="Caller called back: the person left and no help is needed."
                        ),
                    )
                    return
                sched.at(when + dt.timedelta(seconds=rng.randint(30, 150)), lambda: dispatch(rec.id, rec.zone, code))

            def dispatch(incident_id: int, zone: str | None, code: str) -> None:
                ct = db.pack.call_types[code]
                unit_id = free_unit(zone, ct.skills)
                if unit_id is None:  # nobody free: try again in a few minutes, as a dispatcher would
                    sched.at(db.clock() + dt.timedelta(minutes=4), lambda: dispatch(incident_id, zone, code))
                    return
                services.dispatch_units(db, disp, incident_id, [unit_id])
                if final == "dispatched":
                    return
                t = db.clock() + dt.timedelta(seconds=rng.randint(40, 120))
                sched.at(t, lambda: services.set_unit_status(db, disp, unit_id, "enroute"))
                if final == "enroute":
                    return
                t += dt.timedelta(minutes=rng.randint(3, 9))
                sched.at(t, lambda: arrive(incident_id, unit_id))
                if final == "onscene":
                    return
                for i, note in enumerate(notes):
                    sched.at(
                        t + dt.timedelta(minutes=4 + 6 * i),
                        functools.partial(services.add_note, db, disp, incident_id, note),
                    )
                t += dt.timedelta(minutes=8 + 6 * len(notes) + rng.randint(0, 15))
                sched.at(t - dt.timedelta(minutes=2), lambda: paperwork(incident_id, unit_id, code))
                sched.at(
                    t, lambda: services.clear_incident(db, disp, incident_id, disposition=disposition, note=notes[-1])
                )

            def paperwork(incident_id: int, unit_id: int, code: str) -> None:
                """What the officer files before clearing: citation, welfare-check log, referrals."""
                officer_id = crew_of[unit_id]
                inc = services.get_incident(db, incident_id)
                if code in CITED_SECTIONS and disposition == "04":
                    issue_citation(
                        db,
                        disp,
                        officer_id=officer_id,
                        violator_name=rng.choice(VIOLATORS),
                        violations=[CITED_SECTIONS[code]],
                        location=inc.location,
                        incident_id=incident_id,
                        description=OFFICER_ACCOUNTS[code],
                    )
                    summary.citations += 1
                if code in WELFARE_TYPES:
                    # The same random draws as always (the rest of the demo stays the same shift); the
                    # scenario's own facts win, so a form agrees with its incident's narrative and notes.
                    declined = rng.random() < 0.3
                    unhoused = code in ("OUTREACH", "EXPOSURE") or rng.random() < 0.4
                    drawn_name = "" if declined else rng.choice(SUBJECTS)
                    drawn_age = f"{rng.randint(2, 7)}0s"
                    oriented = rng.random() < 0.8
                    w = WELFARE_FACTS.get(inc.narrative)
                    if w is not None:
                        declined, housing, age = w.declined_name, w.housing, w.age
                        name = "" if declined else w.name
                    else:
                        housing = "unhoused" if unhoused else "unknown"
                        name, age = drawn_name, drawn_age
                    record_welfare_check(
                        db,
                        disp,
                        incident_id=incident_id,
                        officer_id=officer_id,
                        subject_name=name,
                        subject_declined=declined,
                        approx_age=age,
                        description=w.description if w else "Spoke with the person on scene.",
                        observations={
                            "responsive": True,
                            "oriented": w.oriented if w else oriented,
                            "injuries": False,
                            "needs_medical": False,
                            "housing_status": housing,
                            "safety_cautions": "",
                            "condition": w.condition if w else "Calm, talking with officers",
                        },
                        services_offered=w.services if w else "Water, referral list",
                        services_accepted=w.accepted if w else True,
                        escalation=["care_team"] if code == "MNTL" else [],
                        follow_up_needed=bool(w.follow_up) if w else False,
                        follow_up_note=w.follow_up if w else "",
                    )
                    summary.welfare_checks += 1
                for agency in REFERRED.get(code, ()):
                    outcome = rng.choice(("accepted", "accepted", "offered", "declined"))
                    add_referral(
                        db,
                        disp,
                        incident_id=incident_id,
                        agency_key=agency,
                        outcome=outcome,
                        follow_up_on=(now + dt.timedelta(days=2)).date() if outcome != "declined" else None,
                    )
                    summary.referrals += 1

            def arrive(incident_id: int, unit_id: int) -> None:
                services.set_unit_status(db, disp, unit_id, "onscene")
                inc = services.get_incident(db, incident_id)
                if inc.latitude is not None and inc.longitude is not None:
                    services.move_unit(db, disp, unit_id, latitude=inc.latitude, longitude=inc.longitude)

            sched.at(when, create)

        # Closed calls through the morning, then the calls still running now.
        span = (now - start).total_seconds()
        closed = [rng.choice(SCENARIOS) for _ in range(34)]
        for i, scenario in enumerate(closed):
            when = start + dt.timedelta(seconds=span * 0.82 * (i + rng.random()) / len(closed))
            lifecycle(when, scenario, "cleared")
        for final, minutes_ago in (
            ("onscene", 40),
            ("onscene", 22),
            ("onscene", 12),
            ("enroute", 7),
            ("enroute", 5),
            ("dispatched", 3),
            ("dispatched", 2),
        ):
            lifecycle(now - dt.timedelta(minutes=minutes_ago), rng.choice(SCENARIOS[:14]), final)
        for minutes_ago in (95, 50):
            lifecycle(now - dt.timedelta(minutes=minutes_ago), rng.choice(SCENARIOS), "cancelled")
        sched.run(now)

        # Calls waiting for a unit right now.
        def pending_call(code: str, story: str, prio: int) -> None:
            rec = services.create_incident(
                db,
                disp,
                call_type=code,
                priority=prio,
                narrative=story,
                screening=rules.caller_said_no(),
                caller_name=rng.choice(CALLERS),
                **_place_fields(rng.choice(addresses)),
            )
            created.append(rec.id)

        for (code, story, prio), minutes_ago in zip(PENDING, (9, 6, 3, 1), strict=True):
            sched.at(now - dt.timedelta(minutes=minutes_ago), functools.partial(pending_call, code, story, prio))
        # Officer-initiated work by units that are free right now.
        for (code, label), minutes_ago in zip(SELF_INITIATED, (14, 6), strict=True):
            sched.at(now - dt.timedelta(minutes=minutes_ago), functools.partial(self_initiated, code, label))
        sched.run(now)
        _special_calls(db, disp, sched, now, rng, addresses, created)
        sched.run(now)
    finally:
        db.clock = real_clock
    board = services.load_board(db, closed_within=dt.timedelta(days=2))
    summary.incidents = len(board.incidents)
    for inc in board.incidents:
        summary.by_status[inc.status] = summary.by_status.get(inc.status, 0) + 1
    return summary


# Cautions at demo places: (place label, category, Sheriff first, text, days it lasts).
CAUTIONS = (
    ("8286 Santa Monica Blvd", "safety", True, "Prior assault on staff by a resident (demo)", 60),
    ("936 Hammond St", "access", False, "Gate code 4411#; manager on site until 10 pm (demo)", 90),
    ("948 Palm Ave", "medical", False, "Resident on oxygen: no open flame, no smoking near the unit (demo)", 30),
    ("Plummer Park", "safety", False, "Two dogs off leash reported aggressive near the community garden (demo)", 14),
)
# A person contacted again and again (data.services.contacts): (days ago, place, services accepted, referral
# agency, its outcome, follow-up in days).
REPEAT_PERSON = "Jordan Reyes (demo)"
REPEAT_PERSON_CHECKS = (
    (75, "West Hollywood Park", False, "la_hop", "declined", None),
    (33, "Plummer Park", False, "dmh", "declined", None),
    (6, "8286 Santa Monica Blvd", True, "la_hop", "accepted", 10),
)
# Earlier calls at the first caution's address, so its history shows at intake: (days ago, type, disposition).
EARLIER_CALLS = ((200, "WELFARE", "18"), (41, "DISORD", "15"), (9, "NOISE", "18"))


def _place_knowledge(db: Database, sup: Actor, disp: Actor, start: dt.datetime, places: list[dict[str, Any]]) -> int:
    """Cautions at a few demo places, and earlier calls at the first one (before the shift starts)."""
    by_label = {str(p["label"]): p for p in places}
    db.clock = lambda: start - dt.timedelta(days=365)
    # Copying the pack's referral directory is an administrator's action.
    services.seed_directory(db, Actor("demo.admin", role="admin", workstation="DEMO", display_name="Demo Admin"))
    for days, code, disposition in EARLIER_CALLS:
        db.clock = lambda days=days: start - dt.timedelta(days=days)  # type: ignore[misc]
        rec = services.create_incident(
            db,
            disp,
            call_type=code,
            narrative=f"{DEMO_MARK} earlier call at this address.",
            caller_name=f"{DEMO_MARK} neighbour",
            **_place_fields(by_label[CAUTIONS[0][0]]),
        )
        services.clear_incident(db, disp, rec.id, disposition=disposition, note="demo")
    for days, label, accepted, agency, outcome, follow_up in REPEAT_PERSON_CHECKS:
        db.clock = lambda days=days: start - dt.timedelta(days=days)  # type: ignore[misc]
        rec = services.create_incident(
            db,
            disp,
            call_type="WELFARE",
            narrative=f"{DEMO_MARK} person sitting on the sidewalk, asked for water.",
            **_place_fields(by_label[label]),
        )
        record_welfare_check(
            db,
            disp,
            incident_id=rec.id,
            subject_name=REPEAT_PERSON,
            approx_age="40s",
            services_offered="Water, shelter bed, outreach",
            services_accepted=accepted,
            follow_up_needed=follow_up is not None,
        )
        due = (db.clock() + dt.timedelta(days=follow_up)).date() if follow_up is not None else None
        add_referral(db, disp, incident_id=rec.id, agency_key=agency, outcome=outcome, follow_up_on=due)
        services.clear_incident(db, disp, rec.id, disposition="15", note="demo")
    db.clock = lambda: start - dt.timedelta(days=2)
    for label, category, first, text, days in CAUTIONS:
        place = by_label[label]
        add_caution(
            db,
            sup,
            location=label,
            latitude=float(place["lat"]),
            longitude=float(place["lon"]),
            text=text,
            category=category,
            sheriff_first=first,
            expires_at=start + dt.timedelta(days=days),
        )
    return len(CAUTIONS)


def _place_fields(place: dict[str, Any]) -> dict[str, Any]:
    return {
        "location": str(place["label"]),
        "latitude": float(place["lat"]),
        "longitude": float(place["lon"]),
        "zone": place["zone"],
        "in_city": True,
    }


def _special_calls(
    db: Database,
    disp: Actor,
    sched: _Scheduler,
    now: dt.datetime,
    rng: random.Random,
    addresses: list[dict[str, Any]],
    created: list[int],
) -> None:
    """Calls that show the Sheriff rules and duplicate merging."""
    place = rng.choice(addresses)
    t1 = now - dt.timedelta(minutes=140)

    def sheriff() -> None:
        rec = services.create_incident(
            db,
            disp,
            call_type="MNTL",
            narrative="Man yelling and swinging a metal bar at parked cars.",
            screening={"weapon": True, "violence": True, "medical": False, "crime": False},
            caller_name="Hotel front desk",
            **_place_fields(place),
        )
        created.append(rec.id)
        services.transfer_to_sheriff(db, disp, rec.id, note="Weapon reported; deputies took the call.")

    sched.at(t1, sheriff)
    place2 = rng.choice(addresses)
    t2 = now - dt.timedelta(minutes=30)

    def first_call() -> None:
        rec = services.create_incident(
            db,
            disp,
            call_type="WELFARE",
            narrative="Woman crying on the curb, says she was evicted today.",
            screening=rules.caller_said_no(),
            caller_name="Ivy Chen",
            caller_phone="310-555-0142",
            **_place_fields(place2),
        )
        created.append(rec.id)
        services.transfer_to_sheriff(
            db, disp, rec.id, joint=True, note="Caller unsure whether the landlord is still there."
        )

    def duplicate() -> None:
        first = created[-1]
        dup = services.create_incident(
            db,
            disp,
            call_type="WELFARE",
            narrative="Same woman on the curb, now with her belongings on the sidewalk.",
            screening=rules.caller_said_no(),
            caller_name="Paul Kim",
            caller_phone="310-555-0177",
            **_place_fields(place2),
        )
        services.merge_duplicate(db, disp, duplicate_id=dup.id, into_id=first)

    sched.at(t2, first_call)
    sched.at(t2 + dt.timedelta(minutes=4), duplicate)
