"""Each dispatch rule stated in the dispatcher's words, with its expected values written out.

The expected values here are tables, never the rule under test: a changed rule disagrees with its
test. Every threshold is tested at its boundary and one step either side of it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from data import rules
from data.pack import load_pack
from data.records import IncidentRecord, UnitRecord

T0 = dt.datetime(2026, 11, 26, 16, 0, tzinfo=dt.UTC)
MS = dt.timedelta(milliseconds=1)
CITY_HALL = (34.0900, -118.3661)
PACK = load_pack()


def incident(**fields: object) -> IncidentRecord:
    base: dict[str, object] = {
        "id": 1,
        "number": "2026-000001",
        "kind": "call",
        "call_type": "WELFARE",
        "call_type_label": "Welfare check",
        "apco_code": "WELFARE",
        "priority": 2,
        "status": "pending",
        "location": "8300 Santa Monica Blvd",
        "latitude": CITY_HALL[0],
        "longitude": CITY_HALL[1],
        "zone": None,
        "in_city": True,
        "caller_name": "",
        "caller_phone": "",
        "narrative": "",
        "screening": {},
        "response": "cso",
        "override_reason": "",
        "received_at": T0,
        "entered_at": T0,
        "dispatched_at": None,
        "enroute_at": None,
        "onscene_at": None,
        "cleared_at": None,
        "status_changed_at": T0,
        "disposition_code": None,
        "disposition_note": "",
        "merged_into_id": None,
        "shift_id": None,
        "created_by": "dispatcher1",
        "version": 1,
    }
    base.update(fields)
    return IncidentRecord(**base)  # type: ignore[arg-type]


def unit(call_sign: str, status: str = "available", **fields: object) -> UnitRecord:
    base: dict[str, object] = {
        "id": int(call_sign[-2:]),
        "call_sign": call_sign,
        "status": status,
        "status_since": T0,
        "check_started_at": None,
        "incident_id": None,
        "incident_number": None,
        "incident_location": None,
        "latitude": CITY_HALL[0],
        "longitude": CITY_HALL[1],
        "zone": None,
        "on_shift": True,
        "version": 1,
    }
    base.update(fields)
    return UnitRecord(**base)  # type: ignore[arg-type]


# Screening and the Sheriff-first rule ------------------------------------------------------------

SCREENING = ["weapon", "violence", "medical", "crime"]


@pytest.mark.parametrize("question", SCREENING)
def test_a_yes_to_any_screening_question_routes_the_call_to_the_sheriff(question):
    # "Is there a medical emergency?" yes sends the Sheriff (or a joint response), as do the others.
    assert rules.needs_sheriff(sheriff_first=False, screening={question: True}) is True
    assert rules.needs_sheriff(sheriff_first=False, screening={question: False}) is False


def test_the_screening_questions_are_the_four_a_call_taker_asks():
    assert rules.SCREENING_QUESTIONS == {
        "weapon": "Is a weapon involved or mentioned?",
        "violence": "Is anyone being violent or threatening violence?",
        "medical": "Is there a medical emergency?",
        "crime": "Is a crime in progress?",
    }


def test_no_to_every_question_on_an_ordinary_call_lets_csos_go_alone():
    assert rules.needs_sheriff(sheriff_first=False, screening=dict.fromkeys(SCREENING, False)) is False
    assert rules.needs_sheriff(sheriff_first=False, screening={}) is False
    assert rules.needs_sheriff(sheriff_first=False, screening={"unasked": True}) is False


def test_a_sheriff_first_call_type_needs_the_sheriff_whatever_the_answers():
    assert rules.needs_sheriff(sheriff_first=True, screening={}) is True
    assert rules.needs_sheriff(sheriff_first=True, screening=dict.fromkeys(SCREENING, False)) is True


# call type, screening, response, override reason -> CSOs alone need an override
# (an unasked screening question needs a reason on record too: unknown is not "no")
ALL_NO = dict.fromkeys(("weapon", "violence", "medical", "crime"), False)
OVERRIDE_TABLE = [
    ("WELFARE", ALL_NO, "cso", "", False),
    ("WELFARE", {}, "cso", "", True),
    ("WELFARE", ALL_NO | {"crime": None}, "cso", "", True),
    ("WELFARE", {}, "joint", "", False),
    ("WELFARE", {}, "cso", "Caller hung up; officer assesses from the car", False),
    ("WELFARE", {"medical": True}, "cso", "", True),
    ("WELFARE", {"medical": True}, "joint", "", False),
    ("WELFARE", {"medical": True}, "cso", "LASD cleared the scene", False),
    ("MTLV", {}, "cso", "", True),
    ("MTLV", {}, "joint", "", False),
    ("MTLV", {}, "cso", "Deputies on scene, asked for CSOs", False),
    ("SUICTHRT", {}, "cso", "", True),
    ("UNKNOWN-TYPE", ALL_NO, "cso", "", False),
    ("UNKNOWN-TYPE", {}, "cso", "", True),
]


@pytest.mark.parametrize(("call_type", "screening", "response", "override", "needs"), OVERRIDE_TABLE)
def test_csos_alone_on_a_sheriff_call_need_a_joint_response_or_an_override_reason(
    call_type, screening, response, override, needs
):
    call = incident(call_type=call_type, screening=screening, response=response, override_reason=override)
    assert rules.csos_alone_need_override(call, PACK.call_types) is needs


def test_the_sheriff_first_call_types_of_the_pack():
    sheriff_first = sorted(code for code, ct in PACK.call_types.items() if ct.sheriff_first)
    assert {"MTLV", "SUICTHRT"} <= set(sheriff_first)
    assert "WELFARE" not in sheriff_first and "NOISE" not in sheriff_first


# Status-check timers -----------------------------------------------------------------------------

# status: (warning minutes, critical minutes) in the West Hollywood pack
TIMERS = {"dispatched": (10, 20), "enroute": (20, 30), "onscene": (15, 25), "busy": (45, 60)}


def test_the_pack_sets_the_status_check_timers():
    assert PACK.timers == TIMERS


@pytest.mark.parametrize(("status", "warning", "critical"), [(s, w, c) for s, (w, c) in TIMERS.items()])
def test_status_check_turns_warning_then_critical_at_exactly_its_minutes(status, warning, critical):
    def state(elapsed: dt.timedelta) -> str:
        return rules.check_state(status, T0, T0 + elapsed, PACK.timers)

    w, c = dt.timedelta(minutes=warning), dt.timedelta(minutes=critical)
    assert state(dt.timedelta(0)) == "ok"
    assert state(w - MS) == "ok"
    assert state(w) == "warning"
    assert state(w + MS) == "warning"
    assert state(c - MS) == "warning"
    assert state(c) == "critical"
    assert state(c + MS) == "critical"
    assert state(dt.timedelta(hours=8)) == "critical"


@pytest.mark.parametrize("status", ["available", "break", "meal", "out_of_service", "off_duty"])
def test_statuses_without_a_timer_are_never_overdue(status):
    assert rules.check_state(status, T0, T0 + dt.timedelta(hours=8), PACK.timers) == "ok"


def test_a_unit_whose_timer_is_not_running_is_never_overdue():
    assert rules.check_state("onscene", None, T0 + dt.timedelta(hours=8), PACK.timers) == "ok"


# Distance ------------------------------------------------------------------------------------------

# (from, to, metres) on a sphere of the mean Earth radius 6,371,008.8 m, worked out by the chord formula
DISTANCES = [
    ((0.0, 0.0), (0.0, 0.0), 0.0),
    ((0.0, 0.0), (1.0, 0.0), 111_195.080),  # one degree along a meridian
    ((0.0, 0.0), (0.0, 90.0), 10_007_557.221),  # a quarter of the equator
    (CITY_HALL, (34.0905, -118.3661), 55.598),  # half a block north
    (CITY_HALL, (34.0950, -118.3661), 555.975),
    (CITY_HALL, (34.0900, -118.3561), 920.871),  # 0.01 degree east at this latitude
    (CITY_HALL, (34.0917, -118.3495), 1_540.274),  # to Plummer Park
]


@pytest.mark.parametrize(("a", "b", "metres"), DISTANCES)
def test_distance_is_the_great_circle_distance(a, b, metres):
    assert rules.distance_m(*a, *b) == pytest.approx(metres, abs=0.001)
    assert rules.distance_m(*b, *a) == pytest.approx(metres, abs=0.001)


# Duplicates ----------------------------------------------------------------------------------------

# One degree of latitude is 111,195.08 m: these are 149.9 m and 150.1 m north of City Hall.
LAT_149_9 = CITY_HALL[0] + 149.9 / 111_195.080
LAT_150_1 = CITY_HALL[0] + 150.1 / 111_195.080


def duplicates(lat, lon, received_at, *open_incidents, radius_m=150, window_minutes=10):
    return rules.find_duplicates(
        latitude=lat,
        longitude=lon,
        received_at=received_at,
        open_incidents=open_incidents,
        radius_m=radius_m,
        window_minutes=window_minutes,
        location="",
    )


def test_the_pack_sets_the_duplicate_radius_and_window():
    assert PACK.duplicates == {"radius_m": 150, "window_minutes": 10}


def test_a_call_within_the_radius_is_a_possible_duplicate_and_just_outside_it_is_not():
    first = incident()
    (near,) = duplicates(LAT_149_9, CITY_HALL[1], T0, first)
    assert near.incident is first
    assert near.distance_m == pytest.approx(149.9, abs=0.001)
    assert duplicates(LAT_150_1, CITY_HALL[1], T0, first) == []


def test_a_call_exactly_on_the_radius_counts():
    # A zero radius still finds a call at the very same point: the radius is inclusive.
    (same,) = duplicates(*CITY_HALL, T0, incident(), radius_m=0)
    assert same.distance_m == 0.0


@pytest.mark.parametrize(
    ("apart", "found"),
    [
        (dt.timedelta(0), True),
        (dt.timedelta(minutes=10) - MS, True),
        (dt.timedelta(minutes=10), True),
        (dt.timedelta(minutes=10) + MS, False),
        (-dt.timedelta(minutes=10), True),  # an earlier-received call entered late
        (-dt.timedelta(minutes=10) - MS, False),
    ],
)
def test_the_duplicate_window_is_ten_minutes_either_side_of_closing_inclusive(apart, found):
    # The window applies to closed incidents (measured from when they closed); an open one is never too old.
    closed = incident(status="cleared", cleared_at=T0, received_at=T0 - dt.timedelta(hours=1))
    result = duplicates(*CITY_HALL, T0 + apart, closed)
    assert [c.incident.id for c in result] == ([closed.id] if found else [])
    if found:
        assert result[0].minutes_apart == abs(apart.total_seconds()) / 60
    still_open = incident(received_at=T0 - dt.timedelta(hours=1))
    assert [c.incident.id for c in duplicates(*CITY_HALL, T0 + apart, still_open)] == [still_open.id]


@pytest.mark.parametrize(("status", "found"), [("pending", True), ("dispatched", True), ("enroute", True),
                                               ("onscene", True), ("cleared", False), ("cancelled", False),
                                               ("transferred", False), ("merged", False)])  # fmt: skip
def test_open_incidents_are_offered_whatever_their_age_closed_ones_only_within_the_window(status, found):
    long_ago = T0 - dt.timedelta(hours=3)
    result = duplicates(*CITY_HALL, T0, incident(status=status, received_at=long_ago, cleared_at=long_ago))
    assert bool(result) is found
    just_closed = incident(status=status, received_at=long_ago, cleared_at=T0 - dt.timedelta(minutes=5))
    assert bool(duplicates(*CITY_HALL, T0, just_closed)) is (status != "merged")


def test_duplicates_without_a_place_are_not_looked_for():
    assert duplicates(None, CITY_HALL[1], T0, incident()) == []
    assert duplicates(CITY_HALL[0], None, T0, incident()) == []
    assert duplicates(*CITY_HALL, T0, incident(latitude=None, longitude=None)) == []
    assert duplicates(*CITY_HALL, T0, incident(latitude=None)) == []
    assert duplicates(*CITY_HALL, T0, incident(longitude=None)) == []


def test_an_incident_passed_over_does_not_hide_the_ones_after_it():
    closed = incident(id=1, status="cleared", cleared_at=T0 - dt.timedelta(hours=1))
    placeless = incident(id=2, latitude=None, longitude=None, location="elsewhere")
    old = incident(id=3, received_at=T0 - dt.timedelta(hours=1))  # still open: offered whatever its age
    far = incident(id=4, latitude=CITY_HALL[0] + 0.01, location="elsewhere")
    near = incident(id=5)
    found = duplicates(*CITY_HALL, T0, closed, placeless, old, far, near)
    assert [c.incident.id for c in found] == [5, 3]


def test_duplicates_come_nearest_first_then_closest_in_time():
    far = incident(id=1, latitude=CITY_HALL[0] + 100 / 111_195.080)
    near_late = incident(id=2, received_at=T0 - dt.timedelta(minutes=5))
    near_soon = incident(id=3, received_at=T0 - dt.timedelta(minutes=1))
    found = duplicates(*CITY_HALL, T0, far, near_late, near_soon)
    assert [c.incident.id for c in found] == [3, 2, 1]


# Incident and unit status machines ----------------------------------------------------------------

# Every move an incident may make; anything not listed is refused.
INCIDENT_MOVES = {
    "pending": "dispatched enroute onscene cleared cancelled transferred merged",
    "dispatched": "pending enroute onscene cleared cancelled transferred merged",
    "enroute": "pending dispatched onscene cleared cancelled transferred",
    "onscene": "pending dispatched enroute cleared transferred",
    "cleared": "pending",
    "cancelled": "pending",
    "transferred": "pending",
    "merged": "",
}
INCIDENT_STATUSES = list(INCIDENT_MOVES)


@pytest.mark.parametrize("current", INCIDENT_STATUSES)
def test_incident_moves_allowed_and_refused(current):
    allowed = {new for new in INCIDENT_STATUSES if rules.can_move_incident(current, new)}
    assert allowed == set(INCIDENT_MOVES[current].split())


def test_a_closed_incident_goes_nowhere_but_back_to_pending():
    for closed in ("cleared", "cancelled", "transferred"):
        for new in ("dispatched", "enroute", "onscene", "cleared", "cancelled", "transferred", "merged"):
            assert not rules.can_move_incident(closed, new), (closed, new)
    assert not rules.can_move_incident("unknown", "pending")
    assert not rules.can_move_unit("unknown", "available")


UNIT_MOVES = {
    "available": "dispatched onscene busy break meal out_of_service off_duty",
    "dispatched": "enroute onscene available busy",
    "enroute": "onscene available busy",
    "onscene": "available busy",
    "busy": "available dispatched break meal out_of_service off_duty",
    "break": "available out_of_service off_duty",
    "meal": "available out_of_service off_duty",
    "out_of_service": "available off_duty",
    "off_duty": "available",
}


@pytest.mark.parametrize("current", list(UNIT_MOVES))
def test_unit_moves_allowed_and_refused(current):
    allowed = {new for new in UNIT_MOVES if rules.can_move_unit(current, new)}
    assert allowed == set(UNIT_MOVES[current].split())


def test_unit_statuses_and_labels():
    assert tuple(UNIT_MOVES) == rules.UNIT_STATUSES
    assert rules.ASSIGNED_STATUSES == ("dispatched", "enroute", "onscene")
    assert rules.STATUS_LABELS["enroute"] == "En route"
    assert rules.STATUS_LABELS["out_of_service"] == "Out of service"
    assert rules.STATUS_LABELS["off_duty"] == "Off duty"


@pytest.mark.parametrize(
    ("units_on_it", "incident_status"),
    [
        ([], "pending"),
        (["dispatched"], "dispatched"),
        (["enroute"], "enroute"),
        (["onscene"], "onscene"),
        (["dispatched", "enroute"], "enroute"),
        (["onscene", "dispatched"], "onscene"),
        (["dispatched", "onscene", "enroute"], "onscene"),
        (["dispatched", "dispatched"], "dispatched"),
        (["available"], "pending"),
        (["busy", "dispatched"], "dispatched"),
    ],
)
def test_an_incident_follows_its_most_advanced_unit(units_on_it, incident_status):
    assert rules.incident_status_for(units_on_it) == incident_status


# Which units can take a call ---------------------------------------------------------------------

DISPATCHABLE = {
    "available": True,
    "busy": True,  # pulled off a report for a new call
    "dispatched": False,
    "enroute": False,
    "onscene": False,
    "break": False,
    "meal": False,
    "out_of_service": False,
    "off_duty": False,
}


def test_available_and_busy_units_are_dispatchable_and_no_others():
    assert {s for s, yes in DISPATCHABLE.items() if yes} == set(rules.DISPATCHABLE)


@pytest.mark.parametrize(("status", "offered"), DISPATCHABLE.items())
def test_recommendations_offer_only_dispatchable_units(status, offered):
    recs = rules.recommend_units(incident(), [unit("CSO11", status)], [])
    assert [r.unit.call_sign for r in recs] == (["CSO11"] if offered else [])


def test_a_unit_off_shift_is_never_recommended():
    assert rules.recommend_units(incident(), [unit("CSO11", on_shift=False)], []) == []


def test_a_unit_passed_over_does_not_hide_the_ones_after_it():
    units = [unit("CSO11", "break"), unit("CSO12", on_shift=False), unit("CSO13")]
    assert [r.unit.call_sign for r in rules.recommend_units(incident(), units, [])] == ["CSO13"]


def test_the_reason_gives_kilometres_to_one_decimal_and_every_matching_skill():
    skills = ("crisis intervention", "first aid", "Spanish")
    far = unit("CSO11", latitude=CITY_HALL[0] + 4953 / 111_195.080, skills=skills)
    (rec,) = rules.recommend_units(incident(), [far], ["first aid", "crisis intervention", "outreach"])
    assert rec.distance_m == pytest.approx(4953, abs=0.01)
    assert rec.matching_skills == ("first aid", "crisis intervention")
    assert rec.reason == "available · 5.0 km · first aid, crisis intervention"


def test_available_units_come_before_busy_ones_even_when_farther():
    busy_here = unit("CSO11", "busy")
    available_far = unit("CSO12", latitude=CITY_HALL[0] + 0.02)  # 2.2 km north
    recs = rules.recommend_units(incident(), [busy_here, available_far], [])
    assert [r.unit.call_sign for r in recs] == ["CSO12", "CSO11"]
    assert recs[0].reason == "available · 2.2 km"
    assert recs[1].reason == "busy · 0.0 km"


def test_a_skill_is_worth_about_a_kilometre_of_travel():
    one_skill = ["crisis intervention"]
    skilled_900_m = unit("CSO11", latitude=CITY_HALL[0] + 900 / 111_195.080, skills=("crisis intervention",))
    plain_here = unit("CSO12")
    recs = rules.recommend_units(incident(), [plain_here, skilled_900_m], one_skill)
    assert [r.unit.call_sign for r in recs] == ["CSO11", "CSO12"]
    assert recs[0].matching_skills == ("crisis intervention",)
    assert recs[0].reason == "available · 0.9 km · crisis intervention"
    # Exactly a kilometre of difference: half a metre either way decides.
    for metres, first in ((999.5, "CSO11"), (1000.5, "CSO12")):
        skilled = unit("CSO11", latitude=CITY_HALL[0] + metres / 111_195.080, skills=("crisis intervention",))
        recs = rules.recommend_units(incident(), [plain_here, skilled], one_skill)
        assert recs[0].unit.call_sign == first, metres


def test_a_unit_with_no_position_counts_as_five_kilometres_away():
    lost = unit("CSO11", latitude=None, longitude=None)
    at_4_9_km = unit("CSO12", latitude=CITY_HALL[0] + 4999.5 / 111_195.080)
    at_5_1_km = unit("CSO13", latitude=CITY_HALL[0] + 5000.5 / 111_195.080)
    recs = rules.recommend_units(incident(), [at_5_1_km, lost, at_4_9_km], [])
    assert [r.unit.call_sign for r in recs] == ["CSO12", "CSO11", "CSO13"]
    assert recs[1].distance_m is None and recs[1].reason == "available"
    placeless = rules.recommend_units(incident(latitude=None, longitude=None), [at_4_9_km], [])
    assert placeless[0].distance_m is None


def test_recommendations_stop_at_the_limit():
    units = [unit(f"CSO{n}", latitude=CITY_HALL[0] + n / 111_195.080) for n in range(10, 20)]
    assert [r.unit.call_sign for r in rules.recommend_units(incident(), units, [])] == [
        "CSO10",
        "CSO11",
        "CSO12",
        "CSO13",
        "CSO14",
    ]
    assert len(rules.recommend_units(incident(), units, [], limit=2)) == 2


# Numbers and intervals -----------------------------------------------------------------------------


def test_incident_numbers_are_the_year_and_six_digits():
    assert rules.next_incident_number(2026, 1) == "2026-000001"
    assert rules.next_incident_number(2027, 123456, "WH") == "WH2027-123456"


def test_an_interval_is_seconds_between_two_known_times():
    assert rules.interval_seconds(T0, T0 + dt.timedelta(minutes=2, milliseconds=500)) == 120.5
    assert rules.interval_seconds(None, T0) is None
    assert rules.interval_seconds(T0, None) is None


def test_text_limits():
    assert (rules.MAX_LOCATION, rules.MAX_NAME, rules.MAX_PHONE, rules.MAX_NARRATIVE) == (300, 120, 40, 20_000)


def test_a_record_with_the_same_fields_is_the_same_incident():
    # The builders above make real records (a guard against the helpers drifting from the dataclass).
    assert dataclasses.replace(incident(), status="pending") == incident()


@pytest.mark.parametrize(
    ("hour", "label"),
    [(4, "Night"), (5, "Day"), (6, "Day"), (12, "Day"), (13, "Swing"), (14, "Swing"), (20, "Swing"), (21, "Night")],
)
def test_a_shift_is_named_day_swing_or_night_by_the_local_hour_it_starts(hour, label):
    start = dt.datetime(2026, 11, 26, hour, 0)
    assert rules.shift_label(start) == label
    assert rules.shift_name(start) == f"{label} shift Thu 26 Nov 2026"


# Disposition codes: one rule for the command line, the clear dialog and the service ---------------


@pytest.mark.parametrize(
    ("typed", "code"),
    [("4", "04"), (" 4 ", "04"), ("0", "00"), ("04", "04"), ("18", "18"), ("123", "123"), ("", ""), ("X", "X")],
)
def test_a_one_digit_disposition_is_the_two_digit_code(typed, code):
    assert rules.disposition_code(typed) == code


# Why sending CSOs alone needs a reason, as the dispatcher reads it ----------------------------------

NO = {"weapon": False, "violence": False, "medical": False, "crime": False}
JOINT_WELFARE = dataclasses.replace(PACK.call_types["WELFARE"], cso_alone=False)


@pytest.mark.parametrize(
    ("call_type", "screening", "types", "question"),
    [
        ("WELFARE", {**NO, "weapon": True}, PACK.call_types, "needs LASD first"),
        ("MTLV", NO, PACK.call_types, "needs LASD first"),
        ("WELFARE", NO, {"WELFARE": JOINT_WELFARE}, "is a welfare check call: CSOs respond with LASD"),
        ("WELFARE", {}, {"WELFARE": JOINT_WELFARE}, "is a welfare check call: CSOs respond with LASD"),
        ("WELFARE", {}, PACK.call_types, "screening was not asked (weapon, violence, medical, crime)"),
        ("WELFARE", {**NO, "medical": None}, PACK.call_types, "screening was not asked (medical)"),
        ("RETIRED", {"weapon": False, "violence": False}, {}, "screening was not asked (medical, crime)"),
    ],
)
def test_the_override_question_names_why_csos_alone_need_a_reason(call_type, screening, types, question):
    call = incident(call_type=call_type, screening=screening)
    assert rules.override_question(call, types, "LASD") == question


def test_a_unit_in_a_status_the_rules_do_not_know_can_do_nothing():
    assert rules.unit_actions("retired") == frozenset()


# Same address, as typed ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("8300 Santa Monica Blvd", "8300 santa monica blvd.", True),
        ("8300  Santa Monica Blvd", "8300 Santa-Monica Blvd", True),
        ("8300 Santa Monica Blvd", "8301 Santa Monica Blvd", False),
        ("8300 Santa Monica Blvd", "", False),
        ("", "", False),
        ("...", "!!!", False),
    ],
)
def test_the_same_address_ignores_case_spacing_and_punctuation_and_blank_is_never_the_same(a, b, same):
    assert rules.same_address(a, b) is same


def test_a_call_at_the_same_typed_address_without_map_points_is_offered_at_zero_metres():
    earlier = incident(latitude=None, longitude=None)
    (found,) = rules.find_duplicates(
        latitude=None,
        longitude=None,
        received_at=T0,
        open_incidents=[earlier],
        radius_m=150,
        window_minutes=10,
        location="8300 santa monica blvd.",
    )
    assert found.incident is earlier and found.distance_m == 0.0


def test_an_open_incident_comes_before_a_nearer_closed_one():
    closed_near = incident(id=1, status="cleared", cleared_at=T0)
    open_far = incident(id=2, latitude=LAT_149_9)
    found = duplicates(*CITY_HALL, T0, closed_near, open_far)
    assert [c.incident.id for c in found] == [2, 1]


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ({"weapon": False, "caution": True}, {"weapon": False, "caution": True}),
        ({"weapon": False, "caution": False}, {"weapon": False}),
        ({"caution": None}, {}),
        ({"medical": True}, {"medical": True}),
    ],
)
def test_a_place_caution_flag_is_kept_only_when_set(given, stored):
    # The service sets "caution" when the location has a caution on record; edits keep it.
    assert rules.clean_screening(given) == stored


def test_a_call_at_the_same_typed_address_keeps_its_measured_distance():
    # The same address typed, the map points 149.9 m apart (a large lot): offered, at the real distance.
    earlier = incident(latitude=LAT_149_9)
    (found,) = rules.find_duplicates(
        latitude=CITY_HALL[0],
        longitude=CITY_HALL[1],
        received_at=T0,
        open_incidents=[earlier],
        radius_m=10,
        window_minutes=10,
        location="8300 Santa Monica Blvd",
    )
    assert found.distance_m == pytest.approx(149.9, abs=0.001)
