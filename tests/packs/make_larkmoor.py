"""Write the geo folder of Larkmoor, a made-up town used to prove the console runs on another pack.

Larkmoor lies on empty prairie (about 46 N, 100 W) and has five streets: Main St, split into W and E
at Center St (numbers grow away from Center in both directions, so "310 W Main" and "310 E Main" are
two places), Lake Ave (east half only), and three north-south streets numbered from the town's south
edge. Address points sit exactly where the numbering puts them, 18 m off the centreline (odd numbers
north and west), so tests can state where any address must land. Run from the repository root:

    .venv/bin/python tests/packs/make_larkmoor.py
"""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

from shapely.geometry import LineString, Point, Polygon, box, mapping

GEO = Path(__file__).parent / "larkmoor" / "geo"
LAT0, LON0 = 46.0, -100.0
# Numbering: 100 numbers per 0.001 degree either way from Center St (EW) or the south edge (NS).
EW_PER_DEGREE = 100_000.0
NS_ORIGIN_LAT = 45.995
NS_AT_ORIGIN = 100.0
SIDE_M = 18.0
CITY = box(-100.012, 45.994, -99.988, 46.006)
M_PER_DEG_LAT = 111132.954 - 559.822 * math.cos(2 * math.radians(LAT0)) + 1.175 * math.cos(4 * math.radians(LAT0))
M_PER_DEG_LON = 111412.84 * math.cos(math.radians(LAT0)) - 93.5 * math.cos(3 * math.radians(LAT0))

# (name, short, predir, base, suffix, grid, coordinates from one end to the other)
STREETS = [
    ("West Main Street", "W Main St", "W", "Main", "St", "EW", [(-100.014, 46.0), (-100.006, 46.0), (-100.0, 46.0)]),
    ("East Main Street", "E Main St", "E", "Main", "St", "EW", [(-100.0, 46.0), (-99.994, 46.0), (-99.986, 46.0)]),
    ("Lake Avenue", "Lake Ave", None, "Lake", "Ave", "EW", [(-100.0, 46.003), (-99.994, 46.003), (-99.988, 46.003)]),
    ("Elm Street", "Elm St", None, "Elm", "St", "NS", [(-100.006, 45.995), (-100.006, 46.0), (-100.006, 46.005)]),
    ("Center Street", "Center St", None, "Center", "St", "NS", [(-100.0, 45.995), (-100.0, 46.0), (-100.0, 46.003), (-100.0, 46.005)]),
    ("Oak Street", "Oak St", None, "Oak", "St", "NS", [(-99.994, 45.995), (-99.994, 46.0), (-99.994, 46.003), (-99.994, 46.005)]),
]  # fmt: skip
# House numbers that have an address point, by street name.
ADDRESSES = {
    "West Main Street": [105, 155, 208, 300, 301],
    "East Main Street": [101, 151, 210, 260, 200],
    "Lake Avenue": [120, 125, 300, 305, 500],
    "Elm Street": [420, 421, 810],
    "Center Street": [250, 251, 400, 401, 700],
    "Oak Street": [300, 301, 550],
}
LANDMARKS = [
    ("town_hall", "Larkmoor Town Hall", "government", "200 E Main St, Larkmoor, ND 58000", "East Main Street", 200),
    ("library", "Larkmoor Public Library", "library", "401 Center St, Larkmoor, ND 58000", "Center Street", 401),
    ("quarry_park", "Quarry Park", "park", None, None, None),
]


def number_at(grid: str, lon: float, lat: float) -> float:
    if grid == "EW":
        return abs(lon - LON0) * EW_PER_DEGREE
    return NS_AT_ORIGIN + (lat - NS_ORIGIN_LAT) * EW_PER_DEGREE


def place(street: tuple, number: int) -> tuple[float, float]:
    """Where a number stands: on its street at the model's position, 18 m to its side."""
    _name, _short, predir, _base, _suffix, grid, coords = street
    if grid == "EW":
        sign = -1.0 if predir == "W" else 1.0
        lon, lat = LON0 + sign * number / EW_PER_DEGREE, coords[0][1]
        # Odd numbers on the north side.
        lat += (SIDE_M if number % 2 else -SIDE_M) / M_PER_DEG_LAT
    else:
        lon, lat = coords[0][0], NS_ORIGIN_LAT + (number - NS_AT_ORIGIN) / EW_PER_DEGREE
        # Odd numbers on the west side.
        lon += (-SIDE_M if number % 2 else SIDE_M) / M_PER_DEG_LON
    return round(lon, 7), round(lat, 7)


def length_m(line: LineString) -> float:
    (x0, y0), (x1, y1) = line.coords
    return math.hypot((x1 - x0) * M_PER_DEG_LON, (y1 - y0) * M_PER_DEG_LAT)


def feature(geometry: object, properties: dict) -> dict:
    return {"type": "Feature", "properties": properties, "geometry": mapping(geometry)}


def write(name: str, features: list[dict]) -> None:
    text = json.dumps({"type": "FeatureCollection", "features": features}, indent=1)
    (GEO / name).write_text(text + "\n", encoding="utf-8")


def main() -> None:
    GEO.mkdir(parents=True, exist_ok=True)
    write("boundary.geojson", [feature(CITY, {"name": "Larkmoor"})])
    streets = []
    for street in STREETS:
        name, short, predir, base, suffix, grid, coords = street
        for a, b in itertools.pairwise(coords):
            piece = LineString([a, b])
            inside = CITY.contains(piece.centroid)
            streets.append(
                feature(
                    piece,
                    {
                        "seg_id": len(streets),
                        "name": name,
                        "name_short": short,
                        "predir": predir,
                        "base": base,
                        "suffix": suffix,
                        "class": "secondary",
                        "in_city": inside,
                        "near_city": True,
                        "grid_type": grid,
                        "length_m": round(length_m(piece), 1),
                        "model_from": round(number_at(grid, *a)),
                        "model_to": round(number_at(grid, *b)),
                        "l_from": None,
                        "l_to": None,
                        "l_parity": None,
                        "r_from": None,
                        "r_to": None,
                        "r_parity": None,
                    },
                )
            )
    write("streets.geojson", streets)
    corners = {}
    for street in STREETS:
        for lon, lat in street[6]:
            corners.setdefault((lon, lat), []).append(street)
    intersections = []
    for (lon, lat), found in sorted(corners.items()):
        names = sorted({s[0] for s in found})
        if len(names) >= 2:
            label = " & ".join(sorted({s[1] for s in found}))
            inside = CITY.contains(Point(lon, lat))
            props = {"streets": names, "label": label, "in_city": inside}
            intersections.append(feature(Point(lon, lat), props))
    write("intersections.geojson", intersections)
    by_name = {s[0]: s for s in STREETS}
    points = []
    for name, numbers in ADDRESSES.items():
        for number in numbers:
            lon, lat = place(by_name[name], number)
            props = {
                "housenumber": str(number),
                "number": number,
                "street_inferred": name,
                "dist_to_street_m": SIDE_M,
                "in_city": CITY.contains(Point(lon, lat)),
            }
            points.append(feature(Point(lon, lat), props))
    write("address_points.geojson", points)
    landmarks = []
    for lid, label, category, address, street, number in LANDMARKS:
        lon, lat = place(by_name[street], number) if street else (-99.991, 46.0045)
        props = {"id": lid, "name": label, "category": category, "address": address, "in_city": True}
        landmarks.append(feature(Point(lon, lat), props))
    write("landmarks.geojson", landmarks)
    west, east = box(-100.012, 45.994, -100.0, 46.006), box(-100.0, 45.994, -99.988, 46.006)
    districts = [
        feature(west, {"layer": "reporting_district", "rd": "W1", "share_inside_city": 1.0}),
        feature(east, {"layer": "reporting_district", "rd": "E1", "share_inside_city": 1.0}),
        feature(Polygon(CITY.exterior.coords), {"layer": "station_area", "name": "Larkmoor"}),
    ]
    write("districts.geojson", districts)
    model = {
        "description": "Larkmoor's numbering (made up): east-west numbers grow 100 per 0.001 degree of "
        "longitude away from Center St; north-south numbers grow 100 per 0.001 degree of latitude north "
        "of the town's south edge.",
        "ew_spline_knots_lon": [-100.02, -100.0, -99.98],
        "ew_spline_values": [2000.0, 0.0, 2000.0],
        "ns_formula": "u=(lat-ns_origin_lat)*1000; w=(lon-ns_origin_lon)*1000; number = ns_c0 + ns_c1*u",
        "ns_origin_lat": NS_ORIGIN_LAT,
        "ns_origin_lon": LON0,
        "ns_c0": NS_AT_ORIGIN,
        "ns_c1": 100.0,
        "ns_c2": 0.0,
        "ns_c3": 0.0,
    }
    (GEO / "address_model.json").write_text(json.dumps(model, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
