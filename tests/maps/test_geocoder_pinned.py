"""The geocoder's scoring pinned: what each kind of answer is worth, and reverse confidence by distance.

A dispatcher reads the confidence to decide whether to confirm a location with the caller, so each
kind's weight is written out here rather than read from the geocoder's own constants.
"""

from __future__ import annotations

import pytest

from console.benchmarks.geocoder import distance_m
from maps.geocoder import Geocoder, default_geocoder


@pytest.fixture(scope="module")
def geocoder() -> Geocoder:
    return default_geocoder()


# typed text -> (label, kind, confidence) of the best answer
FORWARD = [
    ("Santa Monica Blvd", "Santa Monica Blvd", "street", 0.85),
    ("99999 Santa Monica Blvd", "Santa Monica Blvd", "street", 0.5),  # no such number: the street only
    ("8300 Santa Monica Blvd", "8300 Santa Monica Blvd", "interpolated address", 0.9),
    ("8300 block of Santa Monica Blvd", "8300 block of Santa Monica Blvd", "block", 0.75),
    ("8300-8400 Santa Monica Blvd", "8300–8400 Santa Monica Blvd (middle)", "address range", 0.8),
    ("Santa Monica Blvd and La Cienega Blvd", "Santa Monica Blvd & N La Cienega Blvd", "intersection", 0.98),
    ("Plummer Park", "Plummer Park", "landmark", 1.0),
    ("near Plummer Park", "near Plummer Park", "near landmark", 0.8),
    ("across from Plummer Park", "across from Plummer Park", "near landmark", 0.8),
    (
        "8300 Santa Moncia Blvd",
        "8300 Santa Monica Blvd (spelling corrected)",
        "interpolated address, spelling corrected",
        0.825,
    ),
]


@pytest.mark.parametrize(("text", "label", "kind", "confidence"), FORWARD)
def test_each_kind_of_answer_carries_its_confidence(geocoder, text, label, kind, confidence):
    best = geocoder.geocode(text)[0]
    assert (best.label, best.kind) == (label, kind)
    assert best.confidence == pytest.approx(confidence, abs=0.0005)


def test_a_misspelled_landmark_is_found_below_full_confidence(geocoder):
    best = geocoder.geocode("Plumer Park")[0]
    assert (best.label, best.kind) == ("Plummer Park (spelling corrected)", "landmark, spelling corrected")
    assert 0.62 <= best.confidence < 1.0


# A point, then what reverse geocoding answers: the address within 150 m, the corner within 600 m.
REVERSE = [
    ((34.090496, -118.370685), "8310 Santa Monica Blvd", "N Sweetzer Ave & Santa Monica Blvd"),
    ((34.0917, -118.3495), "1151 Greenacre Ave", "N Fuller Ave & Santa Monica Blvd"),
    ((34.0930, -118.3700), "1192 N Sweetzer Ave", "N Sweetzer Ave & Norton Ave"),
    ((34.0880, -118.3800), "8623 Santa Monica Blvd", "Santa Monica Blvd & Westbourne Dr"),
]


@pytest.mark.parametrize(("point", "address", "corner"), REVERSE)
def test_reverse_confidence_falls_from_one_at_the_kerb_to_nothing_at_its_reach(geocoder, point, address, corner):
    result = geocoder.reverse(*point)
    assert result.address is not None and result.intersection is not None
    assert (result.address.label, result.intersection.label) == (address, corner)
    to_address = distance_m(*point, result.address.lat, result.address.lon)
    to_corner = distance_m(*point, result.intersection.lat, result.intersection.lon)
    # The distance it claims is the distance to the point it answers with.
    assert result.address_distance_m == pytest.approx(to_address, abs=0.5)
    # Confidence: 1 at the point itself, falling in a straight line to 0 at 150 m (600 m for a corner).
    assert result.address.confidence == pytest.approx(1 - to_address / 150, abs=0.005)
    assert result.intersection.confidence == pytest.approx(1 - to_corner / 600, abs=0.005)
    assert result.address.kind == "interpolated address" and result.intersection.kind == "intersection"


def test_an_address_is_named_as_the_place_only_within_sixty_metres(geocoder):
    at_city_hall = geocoder.reverse(34.090496, -118.370685)
    assert at_city_hall.address_distance_m is not None and at_city_hall.address_distance_m <= 60
    assert at_city_hall.best_label == "8310 Santa Monica Blvd"
    # Farther than 60 m from the kerb, the nearest corner says better where the point is.
    off_the_street = geocoder.reverse(34.093752, -118.375142)
    assert off_the_street.address is not None and off_the_street.address.label == "8415 Fountain Ave"
    assert off_the_street.address_distance_m == pytest.approx(65.7, abs=0.1)
    assert off_the_street.best_label == "Fountain Ave & Hacienda Pl"
