"""Geocoder accuracy and speed on OSM address points held out of its index."""

from __future__ import annotations

import argparse
import json
import math
import random
import statistics
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from maps.geocoder import Geocoder
from maps.geodata import AddressPoint, GeoData, load_geodata

HOLDOUT_COUNT = 300
HOLDOUT_SEED = 20210801
# Points far from their street are usually set-back buildings or mis-inferred streets,
# so their "true" location says little about the geocoder.
HOLDOUT_MAX_DIST_M = 35.0
# A number this far from the grid model cannot be on its inferred street (one OSM point,
# "1616 N Robertson", sits where the 600 block is); such points test the data, not the geocoder.
HOLDOUT_MAX_GRID_MISMATCH = 500.0


@dataclass(frozen=True)
class HeldOut:
    """One held-out address: the text a dispatcher might type and where it really is."""

    index: int
    query: str
    lat: float
    lon: float


def holdout_indices(
    geodata: GeoData,
    count: int = HOLDOUT_COUNT,
    seed: int = HOLDOUT_SEED,
    max_dist_m: float = HOLDOUT_MAX_DIST_M,
) -> frozenset[int]:
    """A fixed random sample of in-city address points that the geocoder must not see."""
    points = geodata.address_points
    # A number shared by several points (units, duplicates) would leak the answer through
    # the points left in, so only addresses that occur once are eligible.
    seen = Counter((p.street, p.number) for p in points)
    grid = {s.name: s.grid_type for s in geodata.streets}
    eligible = [
        p.index
        for p in points
        if p.in_city
        and p.street
        and p.dist_to_street_m is not None
        and p.dist_to_street_m <= max_dist_m
        and seen[(p.street, p.number)] == 1
        and _grid_mismatch(geodata, p, grid[p.street]) <= HOLDOUT_MAX_GRID_MISMATCH
    ]
    rng = random.Random(seed)
    return frozenset(rng.sample(eligible, min(count, len(eligible))))


def _grid_mismatch(geodata: GeoData, point: AddressPoint, grid_type: str) -> float:
    lat, lon = np.array([point.point.y]), np.array([point.point.x])
    return float(abs(point.number - geodata.address_model.numbers_at(lat, lon, grid_type)[0]))


def holdout_queries(geodata: GeoData, indices: frozenset[int]) -> list[HeldOut]:
    """Typed forms of the held-out addresses, rotating through the name styles people use."""
    segments = {s.name: s for s in geodata.streets}
    out = []
    for n, index in enumerate(sorted(indices)):
        point = geodata.address_points[index]
        segment = segments[point.street or ""]
        # "West Sunset Boulevard", "W Sunset Blvd", "Sunset Blvd"
        forms = (segment.name, segment.name_short, f"{segment.base} {segment.suffix or ''}".strip())
        out.append(HeldOut(index, f"{point.number} {forms[n % len(forms)]}", point.point.y, point.point.x))
    return out


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371008.8 * math.asin(math.sqrt(a))


def _percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return math.nan
    k = (len(ordered) - 1) * q
    lo, hi = math.floor(k), math.ceil(k)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def run(args: Sequence[str] | argparse.Namespace | None = None) -> dict[str, float]:
    """Measure error, found ratio and latency over the held-out address set.

    `args` may be command-line words (--count N, --seed S) or an already parsed namespace.
    """
    if isinstance(args, argparse.Namespace):
        count, seed = getattr(args, "count", HOLDOUT_COUNT), getattr(args, "seed", HOLDOUT_SEED)
    else:
        parser = argparse.ArgumentParser(description=__doc__)
        parser.add_argument("--count", type=int, default=HOLDOUT_COUNT, help="held-out addresses (default 300)")
        parser.add_argument("--seed", type=int, default=HOLDOUT_SEED, help="sampling seed")
        opts = parser.parse_args(list(args) if args is not None else [])
        count, seed = opts.count, opts.seed
    geodata = load_geodata()
    indices = holdout_indices(geodata, count, seed)
    geocoder = Geocoder(geodata, holdout=indices)
    cases = holdout_queries(geodata, indices)
    for case in cases[:20]:
        geocoder.geocode(case.query)  # the first calls build lazy street geometry; time the steady state
    errors: list[float] = []
    timings: list[float] = []
    found = 0
    for case in cases:
        start = time.perf_counter()
        candidates = geocoder.geocode(case.query)
        timings.append((time.perf_counter() - start) * 1000.0)
        if candidates and candidates[0].kind == "address":
            found += 1
            errors.append(distance_m(case.lat, case.lon, candidates[0].lat, candidates[0].lon))
    return {
        "geocode_error_m_median": round(statistics.median(errors), 1) if errors else math.nan,
        "geocode_error_m_p90": round(_percentile(errors, 0.9), 1),
        "geocode_found_ratio": round(found / len(cases), 4) if cases else math.nan,
        "geocode_ms_median": round(statistics.median(timings), 3) if timings else math.nan,
        "holdout_count": float(len(cases)),
    }


if __name__ == "__main__":
    import sys

    print(json.dumps(run(sys.argv[1:])))
