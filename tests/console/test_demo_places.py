"""The demo data carries cautions at a few places and earlier calls at one of them, so intake shows both."""

from __future__ import annotations

import pytest

from data.db import Database
from data.demo import CAUTIONS, EARLIER_CALLS, REPEAT_PERSON, REPEAT_PERSON_CHECKS, seed_demo
from data.permissions import Actor
from data.services.cautions import active_cautions
from data.services.contacts import prior_contacts
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
        assert len(earlier) >= len(EARLIER_CALLS)
        contacts = prior_contacts(db, Actor("sup", role="supervisor"), name=REPEAT_PERSON.upper())
        assert contacts.count == len(REPEAT_PERSON_CHECKS)
        assert [c.referrals[0].outcome for c in contacts.contacts] == ["accepted", "declined", "declined"]
        assert any("8286 Santa Monica Blvd" in line for line in summary.lines())
    finally:
        db.dispose()
