"""Bad input gets its own readable error and changes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from data import services
from data.errors import NotFoundError, ValidationError
from data.models import AuditEntry, Incident, IncidentEvent
from tests.data.helpers import welfare_call


def _counts(db):
    with db.read() as s:
        return tuple(s.scalar(select(func.count()).select_from(t)) for t in (Incident, IncidentEvent, AuditEntry))


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"call_type": "UFO"}, "call_type", "Unknown call type 'UFO'"),
        ({"call_type": ""}, "call_type", "Choose a call type"),
        ({"priority": 9}, "priority", r"Priority must be 1 \(most urgent\) to 4, not 9"),
        ({"priority": "high"}, "priority", "Priority must be 1 to 4"),
        ({"location": ""}, "location", "Enter the location"),
        ({"location": "x" * 10_000}, "location", "10,000 characters; the limit is 300"),
        ({"caller_phone": "call me maybe"}, "caller_phone", "characters a phone number cannot"),
        ({"latitude": 123.0, "longitude": 0.0}, "location", "not on Earth"),
        ({"latitude": 34.09, "longitude": None}, "location", "both latitude and longitude"),
        ({"narrative": "n" * 20_001}, "narrative", "limit is 20,000"),
        ({"response": "army"}, "response", "cso, joint or sheriff"),
    ],
)
def test_bad_intake_fields_are_refused_and_nothing_is_written(any_db, dispatcher, fields, field, message):
    before = _counts(any_db)
    with pytest.raises(ValidationError, match=message) as err:
        welfare_call(any_db, dispatcher, **fields)
    assert err.value.field == field
    assert _counts(any_db) == before


def test_missing_disposition_and_unknown_ids(db, dispatcher):
    inc = welfare_call(db, dispatcher)
    before = _counts(db)
    with pytest.raises(ValidationError, match="needs a disposition"):
        services.clear_incident(db, dispatcher, inc.id, disposition=None)
    with pytest.raises(NotFoundError, match="No incident with id 999"):
        services.add_note(db, dispatcher, 999, "hello")
    with pytest.raises(ValidationError, match="Enter the note"):
        services.add_note(db, dispatcher, inc.id, "   ")
    assert _counts(db) == before


def test_search_takes_percent_and_underscore_literally(db, dispatcher):
    percent = welfare_call(db, dispatcher, location="100% Main St")
    welfare_call(db, dispatcher, location="Elm St")
    assert [i.id for i in services.search_incidents(db, "%")] == [percent.id]
    assert services.search_incidents(db, "_") == []
