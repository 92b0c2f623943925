"""What the location field offers while a dispatcher types (Geocoder.suggest), and how an answer reads
(Candidate.base_kind, to_json, ReverseResult.best_label). Expected lists are written out, in order."""

from __future__ import annotations

import pytest

from maps.geocoder import Candidate, Geocoder, ReverseResult, default_geocoder


@pytest.fixture(scope="module")
def geocoder() -> Geocoder:
    return default_geocoder()


SUGGESTIONS = [
    # A landmark by the start of its name.
    ("Plum", 10, ["Plummer Park"]),
    # A street first, then its corners: those that start with it (shortest first), then the others.
    (
        "santa mon",
        10,
        [
            "Santa Monica Blvd",
            "Santa Monica Blvd & Knoll Dr",
            "Santa Monica Blvd & Westmount Dr",
            "Santa Monica Blvd & Westbourne Dr",
            "Olive Dr & Santa Monica Blvd",
            "Palm Ave & Santa Monica Blvd",
            "Ramage St & Santa Monica Blvd",
            "Huntley Dr & Santa Monica Blvd",
            "N Kings Rd & Santa Monica Blvd",
            "N Ogden Dr & Santa Monica Blvd",
        ],
    ),
    # Landmarks by any word of their name, the shortest name first; the limit cuts the list.
    ("park", 3, ["Formosa Park", "Plummer Park", "WeHo Art Park"]),
    ("n ", 5, ["Nemo St", "Norma Pl", "Nellas St", "Norton Ave", "Norwich Dr"]),
    # A number: only the streets that carry it.
    ("8300 San", 10, ["8300 Santa Monica Blvd"]),
    ("8300 santa monica", 3, ["8300 Santa Monica Blvd"]),
    ("99999 santa", 10, []),
    # Two streets however they are joined: the corners of the first whose other street starts so.
    ("Santa Monica & La C", 10, ["Santa Monica Blvd & N La Cienega Blvd"]),
    ("santa monica and la c", 10, ["Santa Monica Blvd & N La Cienega Blvd"]),
    ("santa monica x sweet", 5, ["Santa Monica Blvd & N Sweetzer Ave"]),
    ("holloway at la c", 5, ["Holloway Dr & N La Cienega Blvd"]),
    ("Kings & Santa", 5, ["N Kings Rd & Santa Monica Blvd"]),
    # Nothing typed after the joining word: every corner of the street, in the city first, by name.
    (
        "fountain & ",
        4,
        [
            "Fountain Ave & De Longpre Ave",
            "Fountain Ave & Hacienda Pl",
            "Fountain Ave & Havenhurst Dr",
            "Fountain Ave & N Crescent Heights Blvd",
        ],
    ),
    # No first street, or one no street is: nothing.
    ("& fountain", 5, []),
    ("zzzz & foun", 5, []),
    ("la c / santa", 5, []),
    # Nothing typed, or no room for an answer.
    ("", 10, []),
    ("   ", 10, []),
    ("park", 0, []),
    ("park", -1, []),
]


@pytest.mark.parametrize(("typed", "limit", "expected"), SUGGESTIONS)
def test_suggestions_are_offered_in_this_order(geocoder, typed, limit, expected):
    assert geocoder.suggest(typed, limit) == expected


def test_ten_suggestions_are_offered_unless_asked_for_another_number(geocoder):
    offered = geocoder.suggest("sunset & ")
    assert len(offered) == 10
    assert offered[:3] == ["Sunset Blvd & Alta Loma Rd", "Sunset Blvd & Carol Dr", "Sunset Blvd & Cory Ave"]


def test_the_corners_of_a_street_in_the_city_come_before_those_outside_it(geocoder):
    offered = geocoder.suggest("sunset & ", 30)
    assert offered[-6:] == [
        "Sunset Blvd & Wetherly Dr",  # the last corner inside the city, by name
        "Sunset Blvd & Courtney Ave",  # then those outside it, by name again
        "Sunset Blvd & Havenhurst Dr",
        "Sunset Blvd & Laurel Canyon Blvd",
        "Sunset Blvd & Marmont Ln",
        "Sunset Blvd & Mountain Dr",
    ]


# How one answer reads ----------------------------------------------------------------------------------


def candidate(kind: str, label: str = "x", lat: float = 34.0, lon: float = -118.0, confidence: float = 1.0):
    return Candidate(lat=lat, lon=lon, label=label, confidence=confidence, in_city=True, zone="0971", kind=kind)


@pytest.mark.parametrize(
    ("kind", "base"),
    [
        ("address", "address"),
        ("interpolated address, spelling corrected", "interpolated address"),
        ("near landmark", "landmark"),
        ("near interpolated address, spelling corrected", "interpolated address"),
        ("street, spelling corrected", "street"),
        ("nearby", "nearby"),
    ],
)
def test_the_base_kind_drops_near_and_the_spelling_remark(kind, base):
    assert candidate(kind).base_kind == base


def test_an_answer_as_json_rounds_the_point_to_six_places_and_the_confidence_to_three():
    answer = Candidate(
        lat=34.12345678,
        lon=-118.98765432,
        label="8300 Santa Monica Blvd",
        confidence=0.87654,
        in_city=False,
        zone=None,
        kind="interpolated address",
        unit="Apt 4",
        note="gate code 12",
    )
    assert answer.to_json() == {
        "lat": 34.123457,
        "lon": -118.987654,
        "label": "8300 Santa Monica Blvd",
        "confidence": 0.877,
        "in_city": False,
        "zone": None,
        "kind": "interpolated address",
        "unit": "Apt 4",
        "note": "gate code 12",
    }


ADDRESS = candidate("interpolated address", "8300 Santa Monica Blvd")
CORNER = candidate("intersection", "Santa Monica Blvd & N Sweetzer Ave")


@pytest.mark.parametrize(
    ("address", "corner", "distance", "best"),
    [
        (ADDRESS, CORNER, 0.0, "8300 Santa Monica Blvd"),
        (ADDRESS, CORNER, 60.0, "8300 Santa Monica Blvd"),  # within 60 m (inclusive): the address
        (ADDRESS, CORNER, 60.001, "Santa Monica Blvd & N Sweetzer Ave"),
        (ADDRESS, None, 140.0, "8300 Santa Monica Blvd"),  # no corner: the address however far
        (ADDRESS, CORNER, None, "Santa Monica Blvd & N Sweetzer Ave"),
        (None, CORNER, None, "Santa Monica Blvd & N Sweetzer Ave"),
        (None, None, None, ""),
    ],
)
def test_a_point_is_named_by_its_address_within_sixty_metres_else_by_its_corner(address, corner, distance, best):
    assert ReverseResult(address=address, intersection=corner, address_distance_m=distance).best_label == best
