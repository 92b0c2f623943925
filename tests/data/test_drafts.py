"""Intake drafts: kept per user and workstation, replaced as typed, gone when the call is saved or discarded."""

from __future__ import annotations

import pytest

from data import services
from data.errors import ValidationError
from data.permissions import Actor
from tests.data.helpers import NO_SCREENING

ANA = Actor("ana", role="dispatcher", workstation="ws-1")


def test_a_draft_is_replaced_as_typed_and_listed_for_its_owner_only(any_db, clock):
    services.save_draft(any_db, ANA, "k1", {"call_type": "WELF", "narrative": "first\n"})
    clock.advance(seconds=5)
    saved = services.save_draft(
        any_db, ANA, "k1", {"call_type": "WELFARE", "narrative": "first\nsecond", "screening": {"weapon": True}}
    )
    assert saved.fields["narrative"] == "first\nsecond" and saved.fields["screening"] == {"weapon": True}
    drafts = services.list_drafts(any_db, ANA)
    assert [d.key for d in drafts] == ["k1"] and drafts[0].summary == "WELFARE · first second"
    assert services.list_drafts(any_db, Actor("ana", workstation="ws-2")) == []
    assert services.list_drafts(any_db, Actor("bo", workstation="ws-1")) == []
    # Another person cannot overwrite or discard it with the same key.
    with pytest.raises(ValidationError, match="belongs to someone else"):
        services.save_draft(any_db, Actor("bo", workstation="ws-1"), "k1", {"narrative": "mine"})
    assert services.discard_draft(any_db, Actor("bo", workstation="ws-1"), "k1") is False
    assert services.list_drafts(any_db, ANA)[0].fields["narrative"] == "first\nsecond"


def test_saving_the_call_deletes_its_draft_in_the_same_commit(any_db):
    services.save_draft(any_db, ANA, "k2", {"call_type": "NOISE", "location": "Plummer Park"})
    services.create_incident(
        any_db, ANA, call_type="NOISE", location="Plummer Park", screening=NO_SCREENING, draft_key="k2"
    )
    assert services.list_drafts(any_db, ANA) == []


def test_a_refused_call_keeps_its_draft(any_db):
    services.save_draft(any_db, ANA, "k3", {"call_type": "UFO"})
    with pytest.raises(ValidationError):
        services.create_incident(any_db, ANA, call_type="UFO", location="x", draft_key="k3")
    assert [d.key for d in services.list_drafts(any_db, ANA)] == ["k3"]


def test_discard_and_hostile_drafts(any_db):
    services.save_draft(any_db, ANA, "k4", {"narrative": "x" * 1000, "caller_phone": "not a phone"})
    assert services.discard_draft(any_db, ANA, "k4") is True
    assert services.list_drafts(any_db, ANA) == []
    with pytest.raises(ValidationError, match="does not keep 'status'"):
        services.save_draft(any_db, ANA, "k5", {"status": "cleared"})
    with pytest.raises(ValidationError, match="limit is 20,000"):
        services.save_draft(any_db, ANA, "k5", {"narrative": "x" * 20_001})
    with pytest.raises(ValidationError, match="draft key"):
        services.save_draft(any_db, ANA, "../../etc", {})
