"""The demo data carries cautions at a few places and earlier calls at one of them, so intake shows both."""

from __future__ import annotations

import pytest

from data.db import Database
from data.demo import CAUTIONS, EARLIER_CALLS, seed_demo
from data.services.cautions import active_cautions
from data.services.history import location_history


@pytest.mark.slow
def test_the_demo_has_cautions_and_a_place_with_history(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'demo.sqlite3'}")
    try:
        summary = seed_demo(db)
        cautions = active_cautions(db)
        assert summary.cautions == len(CAUTIONS) == len(cautions) == 4
        first = next(c for c in cautions if c.sheriff_first)
        assert first.location == "8286 Santa Monica Blvd" and first.author == "demo.supervisor"
        history = location_history(db, latitude=first.latitude, longitude=first.longitude, location=first.location)
        earlier = [e for e in history.entries if e.location == "8286 Santa Monica Blvd" and not e.is_open]
        assert len(earlier) == len(EARLIER_CALLS)
        assert any("8286 Santa Monica Blvd" in line for line in summary.lines())
    finally:
        db.dispose()
