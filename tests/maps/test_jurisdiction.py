"""City limits and reporting-district lookups on the real West Hollywood data."""

from __future__ import annotations

import pytest

from maps.geodata import load_geodata
from maps.jurisdiction import Jurisdiction

CITY_HALL = (34.090496, -118.370685)
BEVERLY_HILLS_CITY_HALL = (34.0736, -118.4004)
HOLLYWOOD_AND_HIGHLAND = (34.1016, -118.3387)
FAR_AWAY = (34.0522, -118.2437)  # downtown Los Angeles


@pytest.fixture(scope="module")
def jurisdiction() -> Jurisdiction:
    return Jurisdiction(load_geodata())


def test_city_hall_is_inside_the_city(jurisdiction: Jurisdiction) -> None:
    assert jurisdiction.contains(*CITY_HALL)


@pytest.mark.parametrize("point", [BEVERLY_HILLS_CITY_HALL, HOLLYWOOD_AND_HIGHLAND, FAR_AWAY])
def test_neighbouring_cities_are_outside(jurisdiction: Jurisdiction, point: tuple[float, float]) -> None:
    assert not jurisdiction.contains(*point)


def test_landmarks_agree_with_their_in_city_flag(jurisdiction: Jurisdiction) -> None:
    for landmark in load_geodata().landmarks:
        assert jurisdiction.contains(landmark.point.y, landmark.point.x) == landmark.in_city, landmark.name


def test_zone_names_are_the_twelve_reporting_districts(jurisdiction: Jurisdiction) -> None:
    names = jurisdiction.zone_names()
    assert len(names) == 12
    assert names == sorted(names)
    assert all(len(n) == 4 and n.startswith("09") for n in names)
    assert {"0971", "0978", "0986", "0989"} <= set(names)


def test_station_area_is_not_a_zone() -> None:
    labels = [d.label for d in load_geodata().districts]
    assert "West Hollywood" not in labels
    assert "21" not in labels


def test_zone_at_city_hall(jurisdiction: Jurisdiction) -> None:
    assert jurisdiction.zone_at(*CITY_HALL) == "0976"


def test_each_district_is_found_at_a_point_inside_it(jurisdiction: Jurisdiction) -> None:
    for district in load_geodata().districts:
        inside = district.geometry.representative_point()
        assert jurisdiction.zone_at(inside.y, inside.x) == district.label


def test_no_zone_far_from_the_city(jurisdiction: Jurisdiction) -> None:
    assert jurisdiction.zone_at(*FAR_AWAY) is None


def test_nearly_every_in_city_address_has_a_zone(jurisdiction: Jurisdiction) -> None:
    points = [p for p in load_geodata().address_points if jurisdiction.contains(p.point.y, p.point.x)]
    zoned = [p for p in points if jurisdiction.zone_at(p.point.y, p.point.x) is not None]
    assert len(points) > 700
    assert len(zoned) >= 0.99 * len(points)


def test_boundary_bounds_enclose_the_city(jurisdiction: Jurisdiction) -> None:
    bounds = jurisdiction.boundary_bounds()
    assert bounds.min_lat < CITY_HALL[0] < bounds.max_lat
    assert bounds.min_lon < CITY_HALL[1] < bounds.max_lon
    # West Hollywood is about 2.4 km north-south and 4.8 km east-west.
    assert 0.015 < bounds.max_lat - bounds.min_lat < 0.03
    assert 0.04 < bounds.max_lon - bounds.min_lon < 0.07


def test_geodata_is_loaded_once_per_directory() -> None:
    data = load_geodata()
    assert load_geodata(data.source_dir) is data
    assert len(data.streets) > 2000
    assert len(data.intersections) > 1000
    assert len(data.address_points) > 2000
    assert len(data.landmarks) >= 20
