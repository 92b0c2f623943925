"""Location history as a dispatcher reads it at intake: which earlier incidents count, at each boundary.

The incidents are written straight into the table (the intake's own rules are pinned elsewhere), so each
test states exactly where and when every one of them happened.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from typing import Any

import pytest
from sqlalchemy import insert

from data.models import Incident
from data.services.history import address_key, box, location_history, months_ago, place_counts

UTC = dt.UTC
MS = dt.timedelta(milliseconds=1)
HALL = (34.0900, -118.3661)  # 8300 Santa Monica Blvd (City Hall)
# Exactly 75.000 m from HALL by the rules' own distance (rules.distance_m returns 75.0 for this pair),
# and points 74.9 m and 75.1 m north (one degree of latitude is 111,195.08 m).
AT_75 = (34.09067446860059, -118.3660934711098)
NORTH_74_9 = (HALL[0] + 74.9 / 111_195.080, HALL[1])
NORTH_75_1 = (HALL[0] + 75.1 / 111_195.080, HALL[1])
# Inside the index's rectangle around HALL (70 m north and 70 m east) but 99 m away: outside the circle.
CORNER = (HALL[0] + 70 / 111_195.080, HALL[1] + 70 / (111_195.080 * 0.8283))
FAR = (34.1000, -118.3661)  # about 1.1 km north
NOW = dt.datetime(2026, 11, 26, 16, 0, tzinfo=UTC)
SINCE = dt.datetime(2025, 11, 26, 16, 0, tzinfo=UTC)  # twelve months earlier
_numbers = itertools.count(1)


def put(db, *rows: dict[str, Any]) -> list[int]:
    """Incidents as written by intake long ago: each row names what differs from a pending welfare check."""
    out = []
    with db.writer() as s, s.begin():
        for row in rows:
            number = f"H-{next(_numbers):05d}"
            fields: dict[str, Any] = {
                "number": number,
                "call_type": "WELFARE",
                "apco_code": "WELFARE",
                "priority": 2,
                "status": "pending",
                "location": "8300 Santa Monica Blvd",
                "latitude": HALL[0],
                "longitude": HALL[1],
                "received_at": NOW - dt.timedelta(days=1),
            } | row
            fields.setdefault("entered_at", fields["received_at"])
            fields.setdefault("status_changed_at", fields["received_at"])
            out.append(s.execute(insert(Incident).values(**fields).returning(Incident.id)).scalar_one())
    return out


def at(point: tuple[float, float], **extra: Any) -> dict[str, Any]:
    return {"latitude": point[0], "longitude": point[1]} | extra


def no_point(location: str, **extra: Any) -> dict[str, Any]:
    return {"latitude": None, "longitude": None, "location": location} | extra


def ids(history) -> list[int]:
    return [e.incident_id for e in history.entries]


# Months back -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "months", "then"),
    [
        (
            dt.datetime(2026, 11, 26, 16, 0, 0, 5000, tzinfo=UTC),
            12,
            dt.datetime(2025, 11, 26, 16, 0, 0, 5000, tzinfo=UTC),
        ),
        (dt.datetime(2026, 11, 26, 16, 0, tzinfo=UTC), 0, dt.datetime(2026, 11, 26, 16, 0, tzinfo=UTC)),
        (dt.datetime(2026, 1, 15, 8, 30, tzinfo=UTC), 1, dt.datetime(2025, 12, 15, 8, 30, tzinfo=UTC)),
        (dt.datetime(2026, 12, 15, 8, 30, tzinfo=UTC), 11, dt.datetime(2026, 1, 15, 8, 30, tzinfo=UTC)),
        (dt.datetime(2026, 12, 15, 8, 30, tzinfo=UTC), 12, dt.datetime(2025, 12, 15, 8, 30, tzinfo=UTC)),
        (dt.datetime(2026, 1, 10, 8, 30, tzinfo=UTC), 13, dt.datetime(2024, 12, 10, 8, 30, tzinfo=UTC)),
        (dt.datetime(2026, 1, 10, 8, 30, tzinfo=UTC), 25, dt.datetime(2023, 12, 10, 8, 30, tzinfo=UTC)),
        (dt.datetime(2026, 3, 5, 8, 30, tzinfo=UTC), 1, dt.datetime(2026, 2, 5, 8, 30, tzinfo=UTC)),
        (dt.datetime(2026, 3, 27, 8, 30, tzinfo=UTC), 1, dt.datetime(2026, 2, 27, 8, 30, tzinfo=UTC)),
        (dt.datetime(2026, 3, 28, 8, 30, tzinfo=UTC), 1, dt.datetime(2026, 2, 28, 8, 30, tzinfo=UTC)),
        # The 29th to the 31st fall back to the month's last day.
        (dt.datetime(2026, 3, 29, 8, 30, tzinfo=UTC), 1, dt.datetime(2026, 2, 28, 8, 30, tzinfo=UTC)),
        (dt.datetime(2026, 3, 31, 23, 59, tzinfo=UTC), 1, dt.datetime(2026, 2, 28, 23, 59, tzinfo=UTC)),
        (dt.datetime(2024, 3, 31, 8, 30, tzinfo=UTC), 1, dt.datetime(2024, 2, 29, 8, 30, tzinfo=UTC)),
        (dt.datetime(2024, 2, 29, 8, 30, tzinfo=UTC), 12, dt.datetime(2023, 2, 28, 8, 30, tzinfo=UTC)),
        (dt.datetime(2026, 5, 31, 8, 30, tzinfo=UTC), 1, dt.datetime(2026, 4, 30, 8, 30, tzinfo=UTC)),
        (dt.datetime(2026, 7, 31, 8, 30, tzinfo=UTC), 1, dt.datetime(2026, 6, 30, 8, 30, tzinfo=UTC)),
        (dt.datetime(2026, 8, 31, 8, 30, tzinfo=UTC), 1, dt.datetime(2026, 7, 31, 8, 30, tzinfo=UTC)),
    ],
)
def test_months_back_is_the_same_moment_on_the_same_day_or_the_months_last_day(now, months, then):
    assert months_ago(now, months) == then


# The index's rectangle and the address as compared -------------------------------------------------------


@pytest.mark.parametrize(
    ("latitude", "longitude", "radius", "rectangle"),
    [
        (0.0, 0.0, 111_195.0, (-1.0, 1.0, -1.0, 1.0)),
        (0.0, 10.0, 55_597.5, (-0.5, 0.5, 9.5, 10.5)),
        (60.0, 10.0, 111_195.0, (59.0, 61.0, 8.0, 12.0)),  # a degree of longitude is half as long at 60°
        (-60.0, -10.0, 111_195.0, (-61.0, -59.0, -12.0, -8.0)),
        # Near the poles the rectangle is capped at 100 degrees of longitude each side.
        (89.9, 0.0, 111_195.0, (88.9, 90.9, -100.0, 100.0)),
        (90.0, 0.0, 111_195.0, (89.0, 91.0, -100.0, 100.0)),
        (89.0, 0.0, 111_195.0, (88.0, 90.0, -57.298688, 57.298688)),
    ],
)
def test_the_rectangle_around_a_circle(latitude, longitude, radius, rectangle):
    assert box(latitude, longitude, radius) == pytest.approx(rectangle, abs=1e-6)


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("8300 Santa Monica Blvd", "8300 santa monica blvd"),
        ("  1234   FOUNTAIN\tAve \n", "1234 fountain ave"),
        ("   ", ""),
        ("", ""),
    ],
)
def test_an_address_is_compared_trimmed_with_spaces_folded_in_lower_case(typed, key):
    assert address_key(typed) == key


# Which incidents count -----------------------------------------------------------------------------------


def test_the_history_covers_twelve_months_back_to_the_moment_both_ends_included(db):
    before, first, last, after = put(
        db,
        {"received_at": SINCE - MS},
        {"received_at": SINCE},
        {"received_at": NOW},
        {"received_at": NOW + MS},
    )
    history = location_history(db, latitude=HALL[0], longitude=HALL[1], now=NOW)
    assert sorted(ids(history)) == [first, last]
    assert history.since == SINCE
    typed = location_history(db, latitude=None, longitude=None, location="8300 Santa Monica Blvd", now=NOW)
    assert sorted(ids(typed)) == [first, last]
    assert before not in ids(typed) and after not in ids(typed)


def test_the_history_is_of_now_unless_another_moment_is_given(db, clock):
    clock.advance(days=400)
    now = clock()
    _old, recent = put(db, {"received_at": now - dt.timedelta(days=366)}, {"received_at": now - dt.timedelta(days=1)})
    history = location_history(db, latitude=HALL[0], longitude=HALL[1])
    assert ids(history) == [recent]
    assert history.since == months_ago(now, 12) == dt.datetime(2026, 12, 31, 16, 0, tzinfo=UTC)


def test_the_radius_is_75_metres_inclusive(db):
    inside, exactly, outside = put(db, at(NORTH_74_9), at(AT_75), at(NORTH_75_1))
    history = location_history(db, latitude=HALL[0], longitude=HALL[1], now=NOW)
    assert sorted(ids(history)) == [inside, exactly]
    distances = {e.incident_id: e.distance_m for e in history.entries}
    assert distances[exactly] == 75.0
    assert distances[inside] == pytest.approx(74.9, abs=0.01)
    assert history.radius_m == 75.0
    assert outside not in distances


def test_a_place_in_the_rectangle_but_outside_the_circle_counts_only_at_the_address_typed(db):
    (other,) = put(db, at(CORNER, location="8301 Santa Monica Blvd"))
    (same,) = put(db, at(CORNER, location="8300 SANTA MONICA BLVD"))
    history = location_history(db, latitude=HALL[0], longitude=HALL[1], location=" 8300  santa monica blvd", now=NOW)
    assert ids(history) == [same]
    assert history.entries[0].distance_m == pytest.approx(99.4, abs=0.5)
    without_address = location_history(db, latitude=HALL[0], longitude=HALL[1], now=NOW)
    assert ids(without_address) == []
    assert other not in ids(history)


def test_with_a_point_the_address_finds_only_calls_without_one(db):
    near, unplaced, _placed_apart, _other_address = put(
        db,
        at(HALL),
        no_point("8300 SANTA MONICA BLVD"),
        at(FAR),  # the same text, placed elsewhere on the map
        no_point("8301 Santa Monica Blvd"),
    )
    history = location_history(db, latitude=HALL[0], longitude=HALL[1], location="8300 Santa Monica Blvd", now=NOW)
    assert sorted(ids(history)) == [near, unplaced]
    assert {e.incident_id: e.distance_m for e in history.entries} == {near: 0.0, unplaced: None}


def test_without_a_point_the_address_finds_every_call_typed_there(db):
    placed, unplaced, other = put(
        db, at(FAR), no_point("8300 santa monica blvd"), no_point("8300 Santa Monica Blvd #2")
    )
    history = location_history(db, latitude=None, longitude=None, location="8300 Santa Monica Blvd", now=NOW)
    assert sorted(ids(history)) == [placed, unplaced]
    assert {e.distance_m for e in history.entries} == {None}
    half = location_history(db, latitude=HALL[0], longitude=None, location="8300 Santa Monica Blvd", now=NOW)
    assert sorted(ids(half)) == [placed, unplaced]
    assert other not in ids(half)


def test_nothing_to_look_for_finds_nothing(db):
    put(db, {}, no_point(""))
    history = location_history(db, latitude=None, longitude=None, location="  ", now=NOW)
    assert (history.entries, history.by_type, history.total, history.since) == ((), (), 0, SINCE)


def test_the_incident_shown_and_merged_duplicates_are_left_out(db):
    shown, merged, kept = put(db, {}, {"status": "merged"}, {"status": "cleared"})
    history = location_history(db, latitude=HALL[0], longitude=HALL[1], exclude_id=shown, now=NOW)
    assert ids(history) == [kept]
    assert merged not in ids(location_history(db, latitude=HALL[0], longitude=HALL[1], now=NOW))


# How the history reads ----------------------------------------------------------------------------------


def test_open_incidents_come_first_then_newest_first_then_the_later_number(db):
    day = dt.timedelta(days=1)
    rows = put(
        db,
        {"status": "cleared", "received_at": NOW - 1 * day},
        {"status": "pending", "received_at": NOW - 5 * day},
        {"status": "onscene", "received_at": NOW - 2 * day},
        {"status": "cancelled", "received_at": NOW - 3 * day},
        {"status": "cleared", "received_at": NOW - 3 * day},
        {"status": "dispatched", "received_at": NOW - 5 * day},
    )
    history = location_history(db, latitude=HALL[0], longitude=HALL[1], now=NOW)
    assert ids(history) == [rows[2], rows[5], rows[1], rows[0], rows[4], rows[3]]
    assert history.open_count == 3


def test_each_entry_names_its_call_type_and_disposition_as_the_pack_does(db):
    cleared, unknown, pending = put(
        db,
        {"call_type": "NOISE", "status": "cleared", "disposition_code": "18", "received_at": NOW - MS * 3},
        {"call_type": "RETIRED", "status": "cleared", "disposition_code": "ZZ", "received_at": NOW - MS * 2},
        {"location": "8300 Santa Monica Blvd, lobby", "received_at": NOW - MS},
    )
    history = location_history(db, latitude=HALL[0], longitude=HALL[1], location="8300 Santa Monica Blvd", now=NOW)
    rows = {
        e.incident_id: (
            e.number[:2],
            e.call_type,
            e.call_type_label,
            e.status,
            e.location,
            e.received_at,
            e.disposition_code,
            e.disposition_label,
            e.distance_m,
        )
        for e in history.entries
    }
    assert rows == {
        cleared: (
            "H-",
            "NOISE",
            "Noise complaint",
            "cleared",
            "8300 Santa Monica Blvd",
            NOW - MS * 3,
            "18",
            db.pack.dispositions["18"].label,
            0.0,
        ),
        unknown: ("H-", "RETIRED", "RETIRED", "cleared", "8300 Santa Monica Blvd", NOW - MS * 2, "ZZ", "", 0.0),
        pending: (
            "H-",
            "WELFARE",
            "Welfare check",
            "pending",
            "8300 Santa Monica Blvd, lobby",
            NOW - MS,
            None,
            "",
            0.0,
        ),
    }
    assert (history.location, history.latitude, history.longitude) == ("8300 Santa Monica Blvd", HALL[0], HALL[1])


def test_call_types_are_counted_most_first_then_by_label(db):
    put(
        db,
        {"call_type": "WELFARE"},
        {"call_type": "NOISE"},
        {"call_type": "WELFARE"},
        {"call_type": "NOISE"},
        {"call_type": "PARKING"},
        {"call_type": "NOISE"},
        {"call_type": "ANIMAL"},
    )
    history = location_history(db, latitude=HALL[0], longitude=HALL[1], now=NOW)
    labels = {code: db.pack.call_types[code].label for code in ("WELFARE", "NOISE", "PARKING", "ANIMAL")}
    two_ones = sorted([("PARKING", labels["PARKING"], 1), ("ANIMAL", labels["ANIMAL"], 1)], key=lambda t: t[1])
    assert history.by_type == (
        ("NOISE", labels["NOISE"], 3),
        ("WELFARE", labels["WELFARE"], 2),
        *two_ones,
    )
    assert history.total == 7


@pytest.mark.parametrize(("count", "listed"), [(500, 500), (501, 500)])
def test_the_full_list_holds_at_most_500_and_the_total_counts_them_all(db, count, listed):
    put(db, *({"received_at": NOW - dt.timedelta(minutes=n)} for n in range(count)))
    history = location_history(db, latitude=HALL[0], longitude=HALL[1], now=NOW)
    assert (len(history.entries), history.total, history.truncated) == (listed, count, count > listed)
    assert history.entries[-1].received_at == NOW - dt.timedelta(minutes=listed - 1)
    assert sum(n for *_, n in history.by_type) == count


# Many places at once: the shift report's repeat places --------------------------------------------------


def test_counting_no_places_reads_nothing(db):
    assert place_counts(db, []) == []


def test_each_place_counts_what_its_own_history_counts(db):
    put(
        db,
        at(HALL),
        at(NORTH_74_9),
        at(AT_75),
        at(NORTH_75_1, location="8301 Santa Monica Blvd"),
        at(HALL, status="merged"),
        at(HALL, received_at=SINCE),
        at(HALL, received_at=SINCE - MS),
        at(HALL, received_at=NOW + MS),
        at(FAR),
        no_point("1234 Fountain Ave"),
        no_point("1234 FOUNTAIN AVE"),
        no_point("1234 Fountain Ave", status="merged"),
        no_point("1234 Fountain Ave", received_at=SINCE - MS),
        no_point("1240 Fountain Ave"),
    )
    places = [
        (HALL[0], HALL[1], "8300 Santa Monica Blvd"),
        (FAR[0], FAR[1], ""),
        (None, None, " 1234  fountain ave "),
        (34.0500, -118.3000, "Nowhere St"),
    ]
    expected = [4, 1, 2, 0]
    assert place_counts(db, places, now=NOW) == expected
    for (lat, lon, location), n in zip(places, expected, strict=True):
        assert location_history(db, latitude=lat, longitude=lon, location=location, now=NOW).total == n


def test_a_place_with_a_point_also_counts_calls_typed_there_without_one(db):
    put(db, at(HALL), no_point("8300 SANTA MONICA BLVD"), no_point("8301 Santa Monica Blvd"))
    assert place_counts(db, [(HALL[0], HALL[1], "8300 Santa Monica Blvd")], now=NOW) == [2]
    assert place_counts(db, [(HALL[0], HALL[1], "")], now=NOW) == [1]


def test_place_counts_are_of_now_unless_another_moment_is_given(db, clock):
    clock.advance(days=400)
    now = clock()
    put(db, {"received_at": now - dt.timedelta(days=366)}, {"received_at": now - dt.timedelta(days=1)})
    assert place_counts(db, [(HALL[0], HALL[1], "")]) == [1]


@pytest.mark.parametrize(
    ("latitude", "longitude"),
    [(34.0900, -118.3661), (0.0001, 0.0001), (-0.0001, -0.0001), (60.0, 10.0), (-33.9, 151.2)],
)
def test_every_neighbour_within_the_radius_is_found_whatever_the_grid_cell(db, latitude, longitude):
    """Points 70 m away in eight directions: all inside, whichever grid cells they fall in."""
    lat_m = 1 / 111_195.080

    lon_m = lat_m / math.cos(math.radians(latitude))
    offsets = [(70, 0), (-70, 0), (0, 70), (0, -70), (49, 49), (-49, 49), (49, -49), (-49, -49)]
    put(db, *(at((latitude + dy * lat_m, longitude + dx * lon_m)) for dy, dx in offsets))
    put(db, *(at((latitude + dy * lat_m, longitude + dx * lon_m)) for dy, dx in [(80, 0), (0, -80), (57, 57)]))
    assert place_counts(db, [(latitude, longitude, "")], now=NOW) == [8]
    assert location_history(db, latitude=latitude, longitude=longitude, now=NOW).total == 8


def test_a_place_without_a_point_counts_every_call_typed_there_placed_or_not(db):
    put(db, at(FAR, location="1234 Fountain Ave"), no_point("1234 FOUNTAIN AVE"), at(FAR, location="1240 Fountain Ave"))
    place = (None, None, "1234 Fountain Ave")
    assert place_counts(db, [place], now=NOW) == [2]
    assert location_history(db, latitude=None, longitude=None, location=place[2], now=NOW).total == 2


def test_a_place_with_a_point_counts_calls_typed_there_in_its_rectangle_but_not_far_away(db):
    put(
        db,
        at(HALL),
        at(CORNER, location="8300 Santa Monica Blvd"),  # 99 m off, at the address typed
        at(CORNER, location="8301 Santa Monica Blvd"),  # 99 m off, elsewhere
        at(FAR, location="8300 Santa Monica Blvd"),  # the same text placed 1.1 km away
    )
    place = (HALL[0], HALL[1], "8300 Santa Monica Blvd")
    assert place_counts(db, [place], now=NOW) == [2]
    assert location_history(db, latitude=HALL[0], longitude=HALL[1], location=place[2], now=NOW).total == 2
    assert place_counts(db, [place, (FAR[0], FAR[1], "")], now=NOW) == [2, 1]
