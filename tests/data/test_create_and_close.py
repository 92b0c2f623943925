"""A call transferred or merged as it is taken is one action: one transaction, all of it or nothing.

The intake's "transfer to LASD" and "merge into the selected incident" used to be a create followed by a
second action; a refused second step left a new pending call behind. Now the new call, its number,
its timeline and the transfer or merge commit together, and a refusal writes nothing at all.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from data import services
from data.errors import InvalidTransitionError, NotFoundError, StaleWriteError, ValidationError
from data.models import AuditEntry, Counter, Incident, IncidentEvent
from tests.data.helpers import NO_SCREENING, welfare_call

SECOND_CALL = {
    "call_type": "NOISE",
    "location": "8300 Santa Monica Blvd",
    "caller_name": "Second Caller",
    "narrative": "Loud music from the plaza",
    "screening": NO_SCREENING,
}


def written(db) -> tuple[int, int, int, int]:
    """Incidents, timeline lines, audit rows, and the incident counter: what a refusal must leave alone."""
    with db.read() as s:
        return (
            s.execute(select(func.count()).select_from(Incident)).scalar_one(),
            s.execute(select(func.count()).select_from(IncidentEvent)).scalar_one(),
            s.execute(select(func.count()).select_from(AuditEntry)).scalar_one(),
            s.execute(select(func.coalesce(func.sum(Counter.value), 0))).scalar_one(),
        )


def action_keys(db, incident_id: int) -> list[tuple[str, str]]:
    with db.read() as s:
        rows = s.execute(
            select(AuditEntry.action, AuditEntry.action_key)
            .where(AuditEntry.entity == "incident", AuditEntry.entity_id == incident_id)
            .order_by(AuditEntry.id)
        ).all()
        return [(action, key) for action, key in rows]


# Create and transfer -----------------------------------------------------------------------------


def test_a_call_transferred_as_it_is_taken_is_written_with_its_transfer_in_one_action(db, dispatcher):
    call = services.create_and_transfer(
        db, dispatcher, note="Screening: weapon", **SECOND_CALL | {"screening": NO_SCREENING | {"weapon": True}}
    )
    assert (call.number, call.status, call.response, call.disposition_code) == (
        "2026-000001",
        "transferred",
        "sheriff",
        "15",
    )
    assert call.disposition_note == "Screening: weapon"
    assert [e.kind for e in services.timeline(db, call.id)] == ["created", "transferred"]
    (create, first_key), (transfer, second_key) = action_keys(db, call.id)
    assert (create, transfer) == ("create_incident", "transfer_to_sheriff")
    assert first_key == second_key  # one action in the ledger


def test_a_refused_call_is_not_transferred_either(db, dispatcher):
    before = written(db)
    with pytest.raises(ValidationError, match="too few digits"):
        services.create_and_transfer(db, dispatcher, **SECOND_CALL | {"caller_phone": "12"})
    assert written(db) == before


# Create and merge --------------------------------------------------------------------------------


def test_a_call_merged_as_it_is_taken_is_written_closed_into_the_incident_it_repeats(db, dispatcher):
    first = welfare_call(db, dispatcher)
    merged = services.create_and_merge(db, dispatcher, into_id=first.id, into_version=first.version, **SECOND_CALL)
    dup, into = merged.duplicate, merged.into
    assert (dup.number, dup.status, dup.merged_into_id, dup.disposition_code) == (
        "2026-000002",
        "merged",
        first.id,
        "22",
    )
    assert (into.id, into.status) == (first.id, "pending")
    assert [e.kind for e in services.timeline(db, dup.id)] == ["created", "merged"]
    assert services.timeline(db, first.id)[-1].text == (
        "Duplicate call 2026-000002 from Second Caller merged: Loud music from the plaza"
    )
    (create, first_key), (merge, second_key) = action_keys(db, dup.id)
    assert (create, merge) == ("create_incident", "merge_duplicate") and first_key == second_key


@pytest.mark.parametrize("closed_by", ["clear", "merge", "stale"])
def test_when_the_incident_it_repeats_is_refused_nothing_is_written(db, dispatcher, closed_by):
    first = welfare_call(db, dispatcher)
    seen = first.version
    if closed_by == "clear":
        services.clear_incident(db, dispatcher, first.id, disposition="18")
        refusal, text = InvalidTransitionError, "2026-000001 is closed; merge into an open incident"
    elif closed_by == "merge":
        other = welfare_call(db, dispatcher, location="Plummer Park")
        services.merge_duplicate(db, dispatcher, duplicate_id=first.id, into_id=other.id)
        refusal, text = InvalidTransitionError, "2026-000001 is closed; merge into an open incident"
    else:
        services.add_note(db, dispatcher, first.id, "Caller called back")
        services.update_incident(db, dispatcher, first.id, expected_version=seen, priority=1)
        refusal, text = StaleWriteError, "was changed by dispatcher1"
    before = written(db)
    with pytest.raises(refusal, match=text):
        services.create_and_merge(
            db,
            dispatcher,
            into_id=first.id,
            into_version=seen if closed_by == "stale" else None,
            draft_key="draft-1",
            **SECOND_CALL,
        )
    assert written(db) == before  # no new incident, no timeline, no audit, the counter where it was
    # The next call takes the next number: none was used up by the refusal.
    expected = "2026-000003" if closed_by == "merge" else "2026-000002"
    assert welfare_call(db, dispatcher).number == expected


def test_a_call_is_not_merged_into_a_missing_incident(db, dispatcher):
    before = written(db)
    with pytest.raises(NotFoundError, match="No incident with id 999"):
        services.create_and_merge(db, dispatcher, into_id=999, **SECOND_CALL)
    assert written(db) == before
