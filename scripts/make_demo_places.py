"""Regenerate the demo shift's places (the default pack's real addresses, intersections, landmarks).

Run from the repository root: .venv/bin/python scripts/make_demo_places.py
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

from data.pack import load_pack
from maps.geodata import ADDRESS_POINTS_FILE, INTERSECTIONS_FILE, LANDMARKS_FILE, default_geo_dir, load_geodata
from maps.jurisdiction import Jurisdiction

OUT = Path("resources/packs/west_hollywood/demo_places.json")
ABBREV = {
    "Boulevard": "Blvd",
    "Avenue": "Ave",
    "Street": "St",
    "Drive": "Dr",
    "Road": "Rd",
    "Place": "Pl",
    "North": "N",
    "South": "S",
    "West": "W",
    "East": "E",
    "Lane": "Ln",
    "Court": "Ct",
    "Way": "Way",
}


def short(name: str) -> str:
    return " ".join(ABBREV.get(w, w) for w in name.split())


def main() -> None:
    geo_dir = default_geo_dir()
    pack = load_pack()
    juris = Jurisdiction(load_geodata())
    rng = random.Random(90069)
    places = []
    landmarks = json.loads((geo_dir / LANDMARKS_FILE).read_text())["features"]
    for f in landmarks:
        lon, lat = f["geometry"]["coordinates"]
        if juris.contains(lat, lon):
            places.append(
                {
                    "label": f["properties"]["name"],
                    "kind": "landmark",
                    "lat": lat,
                    "lon": lon,
                    "zone": juris.zone_at(lat, lon),
                }
            )
    inters = [
        f for f in json.loads((geo_dir / INTERSECTIONS_FILE).read_text())["features"] if f["properties"]["in_city"]
    ]
    for f in rng.sample(inters, 40):
        lon, lat = f["geometry"]["coordinates"]
        places.append(
            {
                "label": f["properties"]["label"],
                "kind": "intersection",
                "lat": lat,
                "lon": lon,
                "zone": juris.zone_at(lat, lon),
            }
        )
    points = [
        f
        for f in json.loads((geo_dir / ADDRESS_POINTS_FILE).read_text())["features"]
        if f["properties"]["in_city"]
        and f["properties"].get("street_inferred")
        and re.fullmatch(r"\d+", str(f["properties"]["housenumber"]))
        and (f["properties"].get("dist_to_street_m") or 99) < 40
    ]
    for f in rng.sample(points, 80):
        lon, lat = f["geometry"]["coordinates"]
        p = f["properties"]
        places.append(
            {
                "label": f"{p['housenumber']} {short(p['street_inferred'])}",
                "kind": "address",
                "lat": lat,
                "lon": lon,
                "zone": juris.zone_at(lat, lon),
            }
        )
    OUT.write_text(
        json.dumps(
            {"note": f"Demo data: real {pack.city_name} places (OSM, ODbL) for the demo shift.", "places": places},
            indent=1,
        )
        + "\n"
    )
    print(f"{len(places)} places written to {OUT}")


if __name__ == "__main__":
    main()
