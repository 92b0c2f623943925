"""The demo shift's paperwork agrees with its calls: a form says what the narrative and notes say."""

from __future__ import annotations

from data import services
from data.demo import seed_demo
from data.services import citations, incident_paperwork, welfare


def test_demo_welfare_forms_agree_with_their_incidents(db):
    seed_demo(db)
    shift = services.active_shift(db)
    checks = welfare.welfare_checks_for_shift(db, shift.id)
    assert len(checks) >= 5
    for wc in checks:
        record = incident_paperwork.incident_paperwork(db, wc.incident_id)
        story = " ".join(
            [record.incident.narrative, record.incident.disposition_note, *(e.text for e in record.events)]
        )
        story = story.lower()
        if any(word in story for word in ("elderly", "older", "resident")):
            assert wc.observations["housing_status"] != "unhoused", record.incident.number
        if wc.subject_declined or wc.services_accepted is False:
            assert "declined" in story, record.incident.number
        if "declined" not in story:
            assert wc.services_accepted is not False, record.incident.number
    # The citations carry the officer's account, never the caller's words.
    for citation in citations.citations_for_shift(db, shift.id):
        incident = services.get_incident(db, citation.incident_id)
        assert citation.description and citation.description != incident.narrative
