"""The location-history benchmark fills both databases alike and names its figures as the README does."""

from __future__ import annotations

import argparse

import pytest

from console.benchmarks.history import END, fill, run
from data.db import Database
from data.services.history import location_history, place_counts


def test_generated_history_is_found_around_its_places(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'history.sqlite3'}")
    try:
        spots = fill(db, 5000)
        found = [
            location_history(db, latitude=lat, longitude=lon, location=loc, now=END) for loc, lat, lon in spots[:50]
        ]
        # The shift report counts many places in one read; it must agree with the panel's history.
        counted = place_counts(db, [(lat, lon, loc) for loc, lat, lon in spots[:50]], now=END)
    finally:
        db.dispose()
    assert all(h.total >= 0 for h in found) and max(h.total for h in found) > 0
    assert all(e.distance_m is None or e.distance_m <= h.radius_m for h in found for e in h.entries)
    assert all(e.received_at >= h.since for h in found for e in h.entries)
    assert counted == [h.total for h in found]


@pytest.mark.postgres
@pytest.mark.slow
def test_benchmark_reports_both_databases(pg_url):
    figures = run(argparse.Namespace(area="history", json=True, incidents=4000, lookups=20))
    assert {
        "location_history_ms_median_sqlite",
        "location_history_ms_median_postgresql",
        "location_history_ms_p95_sqlite",
        "location_history_ms_p95_postgresql",
    } <= set(figures)
    assert figures["incidents"] == 4000 and figures["location_history_largest"] > 0
    assert 0 < figures["location_history_ms_median_sqlite"] < 1000
    assert 0 < figures["location_history_ms_median_postgresql"] < 1000
