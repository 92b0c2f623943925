"""Dispatch rules: state machines and what each status allows, timers, duplicates, recommendations. No I/O."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from data.pack import CallType
from data.permissions import role_allowed
from data.records import OPEN_STATUSES, DuplicateCandidate, IncidentRecord, UnitRecord

SCREENING_QUESTIONS = {
    "weapon": "Is a weapon involved or mentioned?",
    "violence": "Is anyone being violent or threatening violence?",
    "medical": "Is there a medical emergency?",
    "crime": "Is a crime in progress?",
}

# Incident lifecycle. Progress along the first four is driven by the assigned units.
INCIDENT_TRANSITIONS: dict[str, frozenset[str]] = {
    "pending": frozenset({"dispatched", "enroute", "onscene", "cleared", "cancelled", "transferred", "merged"}),
    "dispatched": frozenset({"pending", "enroute", "onscene", "cleared", "cancelled", "transferred", "merged"}),
    "enroute": frozenset({"pending", "dispatched", "onscene", "cleared", "cancelled", "transferred"}),
    "onscene": frozenset({"pending", "dispatched", "enroute", "cleared", "transferred"}),
    "cleared": frozenset({"pending"}),  # reopen, supervisors only
    "cancelled": frozenset({"pending"}),
    "transferred": frozenset({"pending"}),
    "merged": frozenset(),
}

UNIT_STATUSES = ("available", "dispatched", "enroute", "onscene", "busy", "break", "meal", "out_of_service", "off_duty")
ASSIGNED_STATUSES = ("dispatched", "enroute", "onscene")

UNIT_TRANSITIONS: dict[str, frozenset[str]] = {
    "available": frozenset({"dispatched", "onscene", "busy", "break", "meal", "out_of_service", "off_duty"}),
    "dispatched": frozenset({"enroute", "onscene", "available", "busy"}),
    "enroute": frozenset({"onscene", "available", "busy"}),
    "onscene": frozenset({"available", "busy"}),
    "busy": frozenset({"available", "dispatched", "break", "meal", "out_of_service", "off_duty"}),
    "break": frozenset({"available", "out_of_service", "off_duty"}),
    "meal": frozenset({"available", "out_of_service", "off_duty"}),
    "out_of_service": frozenset({"available", "off_duty"}),
    "off_duty": frozenset({"available"}),
}

# Statuses from which a unit can take a new incident (busy units may be pulled off reports).
DISPATCHABLE = frozenset({"available", "busy"})

STATUS_LABELS = {
    "pending": "Pending",
    "dispatched": "Dispatched",
    "enroute": "En route",
    "onscene": "On scene",
    "cleared": "Cleared",
    "cancelled": "Cancelled",
    "transferred": "Transferred",  # to the pack's law-enforcement agency
    "merged": "Merged",
    "available": "Available",
    "busy": "Busy",
    "break": "Break",
    "meal": "Meal",
    "out_of_service": "Out of service",
    "off_duty": "Off duty",
}

MAX_LOCATION = 300
MAX_NAME = 120
MAX_PHONE = 40
# A callback number has 3 (a short code such as 911) to 15 (E.164's longest) digits, whatever punctuation.
MIN_PHONE_DIGITS = 3
MAX_PHONE_DIGITS = 15
MAX_REASON = 2000  # an override reason, a transfer note
MAX_NARRATIVE = 20_000


def can_move_incident(current: str, new: str) -> bool:
    return new in INCIDENT_TRANSITIONS.get(current, frozenset())


def can_move_unit(current: str, new: str) -> bool:
    return new in UNIT_TRANSITIONS.get(current, frozenset())


def incident_status_for(unit_statuses: Iterable[str]) -> str:
    """An open incident's status follows the most advanced unit on it; no unit means pending."""
    rank = {"dispatched": 1, "enroute": 2, "onscene": 3}
    best = max((rank.get(s, 0) for s in unit_statuses), default=0)
    return {0: "pending", 1: "dispatched", 2: "enroute", 3: "onscene"}[best]


# What a dispatcher can do on one incident or with one unit. Views enable their buttons and rank their
# suggestions by these sets and never re-encode a status; the services check the same tables again when
# the action runs, so a view that offers too much is refused, never obeyed.
INCIDENT_ACTIONS = (
    "dispatch",  # send a unit (another one when units are already on it)
    "enroute",  # an assigned unit en route
    "onscene",  # an assigned unit on scene
    "clear",
    "cancel",
    "transfer",  # to the pack's law-enforcement agency, or a joint response
    "reopen",
    "edit",
    "note",
    "cite",  # issue a citation on it
    "welfare",  # record or correct its welfare-check form
    "referral",
    "print",  # the handoff sheet
    "export",  # the EIDO document
)
UNIT_ACTIONS = (
    "dispatch",  # give it an incident: a dispatch or officer-initiated work
    "enroute",
    "onscene",
    "available",
    "busy",
    "break",
    "meal",
    "out_of_service",
    "off_duty",
    "acknowledge",  # its status check
)


def unit_actions(
    status: str, *, on_shift: bool = True, has_incident: bool = False, timed_statuses: Collection[str] = ()
) -> frozenset[str]:
    """What a dispatcher can do with a unit in this status: "dispatch", each status it can be set to, and
    "acknowledge" when its status has a check timer (the pack's ``timers``).

    Dispatched is reached only by a dispatch; en route and on scene only with an incident; a unit not
    signed on to the shift can only be put off duty.
    """
    actions = set()
    for target in UNIT_TRANSITIONS.get(status, frozenset()):
        if target == "dispatched" or (target in ASSIGNED_STATUSES and not has_incident):
            continue
        if on_shift or target == "off_duty":
            actions.add(target)
    if on_shift and status in DISPATCHABLE:
        actions.add("dispatch")
    if status in timed_statuses:
        actions.add("acknowledge")
    return frozenset(actions)


def incident_actions(status: str, assigned_unit_statuses: Iterable[str], role: str) -> frozenset[str]:
    """What a person in this role can do on an incident in this status, with units in these statuses on it.

    Open incidents take units, notes, edits and the way out (clear, cancel before anyone is on scene,
    transfer); closed ones are reopened by a supervisor; a merged one lives on only as a pointer to the
    incident it went into, so it takes no paperwork and is never reopened.
    """
    if status not in INCIDENT_TRANSITIONS:
        return frozenset()
    actions = {"note", "print", "export", "referral"}
    if status != "merged":
        actions |= {"cite", "welfare"}
    if status in OPEN_STATUSES:
        actions |= {"dispatch", "edit"}
        for action, new_status in (("clear", "cleared"), ("cancel", "cancelled"), ("transfer", "transferred")):
            if can_move_incident(status, new_status):
                actions.add(action)
        for unit_status in assigned_unit_statuses:
            actions |= unit_actions(unit_status, has_incident=True) & {"enroute", "onscene"}
    elif can_move_incident(status, "pending") and role_allowed(role, "reopen_incident"):
        actions.add("reopen")
    return frozenset(actions)


# Set in an incident's screening when a Sheriff-first caution was active at its place when it was created.
CAUTION_SCREENING_KEY = "caution"

# A screening question has three answers: True (yes), False (no) and None or absent (not asked).
# Nobody's silence is a "no": a call saved before every question was asked, or transferred in by
# another agency, keeps its unanswered questions unanswered.
ANSWER_WORDS = {True: "yes", False: "no", None: "not asked"}


def caller_said_no() -> dict[str, bool]:
    """Every question asked and answered no: what simulated and demo callers say; never a real call's default."""
    return dict.fromkeys(SCREENING_QUESTIONS, False)


def screening_answer(screening: Mapping[str, Any] | None, question: str) -> bool | None:
    """The recorded answer: True, False, or None when the question was not asked."""
    value = (screening or {}).get(question)
    return value if isinstance(value, bool) else None


def clean_screening(screening: Mapping[str, Any] | None) -> dict[str, bool]:
    """Only real answers are stored: a question without a True/False answer is left out (not asked)."""
    unknown = set(screening or {}) - set(SCREENING_QUESTIONS) - {CAUTION_SCREENING_KEY}
    if unknown:
        raise ValueError(f"Unknown screening question {sorted(unknown)[0]!r}.")
    answers = {}
    for question in SCREENING_QUESTIONS:
        answer = screening_answer(screening, question)
        if answer is not None:
            answers[question] = answer
    if (screening or {}).get(CAUTION_SCREENING_KEY) is True:  # set by the service, kept through edits
        answers[CAUTION_SCREENING_KEY] = True
    return answers


def unanswered(screening: Mapping[str, Any] | None) -> list[str]:
    """The screening questions nobody answered, in the order they are asked."""
    return [q for q in SCREENING_QUESTIONS if screening_answer(screening, q) is None]


def screening_summary(screening: Mapping[str, Any] | None) -> str:
    """'weapon no · violence YES · medical not asked · crime no', for the timeline and the detail pane."""
    parts = []
    for question in SCREENING_QUESTIONS:
        answer = screening_answer(screening, question)
        parts.append(f"{question} {'YES' if answer else ANSWER_WORDS[answer]}")
    return " · ".join(parts)


def needs_sheriff(*, sheriff_first: bool, screening: Mapping[str, Any]) -> bool:
    """Any violent, armed, medical or in-progress-crime answer, a Sheriff-first type or a Sheriff-first caution."""
    return (
        sheriff_first
        or any(screening_answer(screening, q) is True for q in SCREENING_QUESTIONS)
        or screening.get(CAUTION_SCREENING_KEY) is True
    )


class ScreenedCall(Protocol):
    """What the Sheriff-first rule reads of an incident (a record or its row)."""

    @property
    def call_type(self) -> str: ...
    @property
    def screening(self) -> dict[str, Any]: ...
    @property
    def response(self) -> str: ...
    @property
    def override_reason(self) -> str: ...


# What a call type allows, whatever the screening says: law enforcement first (transfer, joint
# response, or CSOs alone on a recorded reason), CSOs only alongside law enforcement (a joint response,
# or CSOs alone on a recorded reason), or CSOs on their own.
ResponseRule = Literal["sheriff_first", "with_agency", "cso_alone"]


def response_rule(ct: CallType | None) -> ResponseRule:
    """The response the pack's call type allows (an unknown type forbids nothing)."""
    if ct is None:
        return "cso_alone"
    if ct.sheriff_first:
        return "sheriff_first"
    return "cso_alone" if ct.cso_alone else "with_agency"


def csos_may_go_alone(ct: CallType | None) -> bool:
    """Whether CSOs may answer the call type without law enforcement and without a recorded reason."""
    return response_rule(ct) == "cso_alone"


def incident_needs_sheriff(incident: ScreenedCall, call_types: Mapping[str, CallType]) -> bool:
    ct = call_types.get(incident.call_type)
    return needs_sheriff(sheriff_first=bool(ct and ct.sheriff_first), screening=incident.screening)


def csos_alone_need_override(incident: ScreenedCall, call_types: Mapping[str, CallType]) -> bool:
    """Sending CSOs alone needs a reason on record: the Sheriff-first rule applies, the call type does not
    let CSOs respond alone (``cso_alone = false`` in the pack), or a screening question was never asked
    (unknown is not "no": unarmed officers are not sent into an unknown alone without a word).
    A joint response or an override already on record answers all three."""
    if incident.response == "joint" or incident.override_reason:
        return False
    return (
        incident_needs_sheriff(incident, call_types)
        or not csos_may_go_alone(call_types.get(incident.call_type))
        or bool(unanswered(incident.screening))
    )


def override_question(incident: ScreenedCall, call_types: Mapping[str, CallType], agency: str) -> str:
    """Why CSOs alone need a recorded reason, as the dispatcher reads it."""
    if incident_needs_sheriff(incident, call_types):
        return f"needs {agency} first"
    ct = call_types.get(incident.call_type)
    if ct is not None and not csos_may_go_alone(ct):
        return f"is a {ct.label.lower()} call: CSOs respond with {agency}"
    return f"screening was not asked ({', '.join(unanswered(incident.screening))})"


def check_state(status: str, started: dt.datetime | None, now: dt.datetime, timers: dict[str, tuple[int, int]]) -> str:
    """Status-check timer state of a unit: 'ok', 'warning' or 'critical'."""
    if started is None or status not in timers:
        return "ok"
    warning, critical = timers[status]
    minutes = (now - started).total_seconds() / 60
    if minutes >= critical:
        return "critical"
    if minutes >= warning:
        return "warning"
    return "ok"


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine); straight-line distance is all the rules need."""
    r = 6_371_008.8
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


def same_address(a: str, b: str) -> bool:
    """The same location as typed, ignoring case, spacing and punctuation ('8300 Santa Monica Blvd.')."""

    def norm(text: str) -> str:
        return " ".join("".join(ch if ch.isalnum() else " " for ch in text.lower()).split())

    return bool(norm(a)) and norm(a) == norm(b)


def find_duplicates(
    *,
    latitude: float | None,
    longitude: float | None,
    received_at: dt.datetime,
    open_incidents: Iterable[IncidentRecord],
    radius_m: float,
    window_minutes: float,
    location: str,
) -> list[DuplicateCandidate]:
    """Incidents the new call may repeat: every OPEN one at the same address or within the radius, whatever
    its age (a call still being worked is never too old to repeat); a closed one only if it closed within
    the window. Open first, then nearest."""
    found = []
    for inc in open_incidents:
        if inc.latitude is not None and inc.longitude is not None and latitude is not None and longitude is not None:
            d: float | None = distance_m(latitude, longitude, inc.latitude, inc.longitude)
        else:
            d = None
        if same_address(location, inc.location):
            d = 0.0 if d is None else d
        elif d is None or d > radius_m:
            continue
        is_open = inc.status in OPEN_STATUSES
        # A closed call counts from its closing; an open one from the call (it has no closing time:
        # reopening clears it).
        since = inc.cleared_at or inc.received_at
        minutes = abs((received_at - since).total_seconds()) / 60
        if not is_open and (inc.status == "merged" or minutes > window_minutes):
            continue
        found.append(DuplicateCandidate(incident=inc, distance_m=d, minutes_apart=minutes))
    return sorted(found, key=lambda c: (c.incident.status not in OPEN_STATUSES, c.distance_m, c.minutes_apart))


@dataclass(frozen=True)
class Recommendation:
    unit: UnitRecord
    distance_m: float | None
    matching_skills: tuple[str, ...]
    reason: str


def recommend_units(
    incident: IncidentRecord, units: Sequence[UnitRecord], wanted_skills: Sequence[str], limit: int = 5
) -> list[Recommendation]:
    """Available units first, then busy ones; within that, a skill match ranks up, then nearest."""
    out = []
    for unit in units:
        if not unit.on_shift or unit.status not in DISPATCHABLE:
            continue
        d = None
        if None not in (incident.latitude, incident.longitude, unit.latitude, unit.longitude):
            d = distance_m(incident.latitude, incident.longitude, unit.latitude, unit.longitude)  # type: ignore[arg-type]
        skills = tuple(s for s in wanted_skills if s in unit.skills)
        parts = [unit.status]
        if d is not None:
            parts.append(f"{d / 1000:.1f} km")
        if skills:
            parts.append(", ".join(skills))
        out.append(Recommendation(unit=unit, distance_m=d, matching_skills=skills, reason=" · ".join(parts)))

    def key(r: Recommendation) -> tuple[int, float]:
        # A skill match is worth about a kilometre of extra travel in a 1.9 sq mi city.
        skill_bonus = 1000.0 * len(r.matching_skills)
        dist = r.distance_m if r.distance_m is not None else 5000.0
        return (0 if r.unit.status == "available" else 1, dist - skill_bonus)

    return sorted(out, key=key)[:limit]


def shift_label(start_local: dt.datetime) -> str:
    """Day, Swing or Night by the local hour a shift starts."""
    hour = start_local.hour
    return "Day" if 5 <= hour < 13 else "Swing" if 13 <= hour < 21 else "Night"


def shift_name(start_local: dt.datetime) -> str:
    """The name a new shift is given by default, e.g. "Day shift Thu 26 Nov 2026"."""
    return f"{shift_label(start_local)} shift {start_local:%a %d %b %Y}"


def disposition_code(typed: str) -> str:
    """A disposition code as the pack writes it: "4" is 04 (codes are two digits); anything else as typed."""
    code = typed.strip()
    return f"0{code}" if code.isdigit() and len(code) == 1 else code


def next_incident_number(year: int, seq: int, prefix: str = "") -> str:
    return f"{prefix}{year}-{seq:06d}"


def interval_seconds(start: dt.datetime | None, end: dt.datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return (end - start).total_seconds()
