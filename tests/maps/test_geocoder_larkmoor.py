"""The geocoder on Larkmoor, a made-up town (tests/packs/make_larkmoor.py) whose numbers fall exactly where
its numbering puts them, so every answer below is written out in degrees."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.benchmarks.geocoder import distance_m
from maps.geocoder import Candidate, Geocoder
from maps.geodata import load_geodata

GEO = Path(__file__).parent.parent / "packs" / "larkmoor" / "geo"
# 18 m of latitude at 46 N (the address points' distance from their street) and 20 m (the default).
LAT_18M = 18 / 111_147.9
LAT_20M = 20 / 111_147.9


@pytest.fixture(scope="module")
def geocoder() -> Geocoder:
    return Geocoder(load_geodata(GEO))


def top(geocoder: Geocoder, text: str) -> Candidate:
    found = geocoder.geocode(text)
    assert found, text
    return found[0]


def at(candidate: Candidate, lat: float, lon: float, within_m: float = 1.0) -> bool:
    return distance_m(candidate.lat, candidate.lon, lat, lon) <= within_m


def test_a_known_address_point_is_answered_exactly(geocoder: Geocoder) -> None:
    best = top(geocoder, "200 E Main St")
    assert (best.label, best.kind, best.confidence) == ("200 E Main St", "address", 1.0)
    assert at(best, 46.0 - LAT_18M, -99.998)


def test_a_number_between_points_is_interpolated_on_its_side(geocoder: Geocoder) -> None:
    # East Main has even points 200, 210 and 260 on the south side, 18 m from the centreline.
    best = top(geocoder, "180 E Main St")
    assert (best.label, best.kind) == ("180 E Main St", "interpolated address")
    assert best.confidence == 0.9
    assert at(best, 46.0 - LAT_18M, -99.9982)
    # Only two odd points (101, 151): too few to measure the north side, so the default 20 m.
    odd = top(geocoder, "181 E Main St")
    assert at(odd, 46.0 + LAT_20M, -99.99819)


def test_east_and_west_main_are_two_streets(geocoder: Geocoder) -> None:
    east = geocoder.geocode("310 E Main St")
    west = geocoder.geocode("310 W Main St")
    assert [c.label for c in east] == ["310 E Main St"]
    assert [c.label for c in west] == ["310 W Main St"]
    assert at(east[0], 46.0 - LAT_18M, -99.9969)
    # West Main has too few even points to measure its side, so the default 20 m applies.
    assert at(west[0], 46.0 - LAT_20M, -100.0031)
    # Without the directional both are offered, and neither is dropped.
    assert {c.label for c in geocoder.geocode("310 Main St")} == {"310 E Main St", "310 W Main St"}


def test_a_range_is_the_middle_of_both_ends(geocoder: Geocoder) -> None:
    for text in ("150 & 170 E Main St", "150-170 E Main St", "150 - 170 east main street"):
        best = top(geocoder, text)
        assert (best.label, best.kind, best.confidence) == ("150\u2013170 E Main St (middle)", "address range", 0.8)
        assert at(best, 46.0 - LAT_18M, -99.9984)


def test_a_block_is_its_middle_on_the_centreline(geocoder: Geocoder) -> None:
    best = top(geocoder, "400 block of E Main")
    assert (best.label, best.kind, best.confidence) == ("400 block of E Main St", "block", 0.75)
    assert at(best, 46.0, -99.9955, within_m=2)


def test_a_number_after_the_street_and_an_abbreviation_from_the_pack(geocoder: Geocoder) -> None:
    best = top(geocoder, "ems 230")  # "ems" is Larkmoor's own abbreviation (names.toml)
    assert best.label == "230 E Main St"
    assert at(best, 46.0 - LAT_18M, -99.9977)


def test_units_notes_and_the_town_suffix(geocoder: Geocoder) -> None:
    best = top(geocoder, "300 Oak St Apt 2 (back door), Larkmoor, ND 58000")
    assert (best.label, best.unit, best.note) == ("300 Oak St, Apt 2", "Apt 2", "back door")
    # Oak St runs north; 300 is even, so east of the centreline (-99.994).
    assert at(best, 45.997, -99.994 + 18 / 77_442.6, within_m=1.5)
    assert geocoder.geocode("Larkmoor") == [] and geocoder.geocode("Larkmoor, ND 58000") == []


def test_landmarks_near_and_misspelled(geocoder: Geocoder) -> None:
    hall = top(geocoder, "Town Hall")
    assert (hall.label, hall.kind, hall.confidence) == ("Larkmoor Town Hall", "landmark", 1.0)
    near = top(geocoder, "across from town hall")
    assert (near.label, near.kind) == ("across from Larkmoor Town Hall", "near landmark")
    assert near.confidence == pytest.approx(0.8)
    park = top(geocoder, "Quary Park")
    assert (park.label, park.kind) == ("Quarry Park (spelling corrected)", "landmark, spelling corrected")
    assert at(park, 46.0045, -99.991)


def test_a_corner(geocoder: Geocoder) -> None:
    best = top(geocoder, "Center & Lake")
    assert (best.label, best.kind) == ("Center St & Lake Ave", "intersection")
    assert at(best, 46.003, -100.0)


def test_zones_and_city_limits_come_from_the_pack(geocoder: Geocoder) -> None:
    assert top(geocoder, "180 E Main St").zone == "E1"
    assert top(geocoder, "310 W Main St").zone == "W1"
    outside = top(geocoder, "1300 W Main St")  # past the town's west edge (-100.012)
    assert not outside.in_city


@pytest.mark.parametrize(("metres", "answered"), [(149.9, True), (150.0, True), (150.1, False)])
def test_reverse_names_a_street_only_within_150_m_and_says_how_far(
    geocoder: Geocoder, metres: float, answered: bool
) -> None:
    # North of West Main at longitude -100.009: Elm St is 232 m east, nothing else is nearer.
    x, _ = geocoder.frame.to_xy(-100.009, 46.0)
    lon, lat = geocoder.frame.to_lonlat(x, metres)
    result = geocoder.reverse(float(lat), float(lon))
    if not answered:
        assert result.address is None
        return
    assert result.address is not None
    assert result.address.label == "899 W Main St"  # odd, north side
    # The answer stands 18 m north of the centreline; its distance is the real one, to that point
    # (great-circle and local-frame metres differ by a few centimetres here).
    assert result.address_distance_m == pytest.approx(metres - 18, abs=0.05)
    assert distance_m(lat, lon, result.address.lat, result.address.lon) == pytest.approx(
        result.address_distance_m, abs=0.1
    )
