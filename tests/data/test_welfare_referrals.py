"""Welfare-check logs and referrals: validation, one log per incident, timeline and audit."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from data import services
from data.errors import NotFoundError, ValidationError
from data.models import AuditEntry
from data.permissions import Actor
from data.services import referrals, welfare
from tests.data.helpers import NO_SCREENING


@pytest.fixture
def incident(db, dispatcher, supervisor):
    services.seed_directory(db, Actor("admin1", role="admin", workstation="ws-admin"))
    return services.create_incident(
        db, dispatcher, screening=NO_SCREENING, call_type="WELFARE", location="Plummer Park", caller_name="Olga"
    )


def test_recording_a_welfare_check_and_correcting_it_keeps_one_log(db, dispatcher, supervisor, incident):
    officer = services.create_officer(db, supervisor, badge="C7", name="Priya Raman")
    first = welfare.record_welfare_check(
        db,
        dispatcher,
        incident_id=incident.id,
        officer_id=officer.id,
        subject_declined=True,
        approx_age="50s",
        observations={"responsive": True, "oriented": False, "housing_status": "Unhoused"},
        services_offered="Water, shelter bed",
        services_accepted=False,
        escalation=["dmh"],
        follow_up_needed=True,
        follow_up_note="Check tomorrow at 9",
    )
    assert first.officer_name == "Priya Raman"
    assert first.observations["housing_status"] == "unhoused"
    assert first.observations["injuries"] is None  # not assessed
    assert first.escalation == ("dmh",)
    second = welfare.record_welfare_check(
        db, dispatcher, incident_id=incident.id, subject_name="Luis", approx_age="50s"
    )
    assert second.id == first.id and second.subject_name == "Luis" and not second.subject_declined
    assert welfare.welfare_check_for_incident(db, incident.id) == second
    kinds = [e.kind for e in services.timeline(db, incident.id)]
    assert kinds.count("welfare_check") == 2
    with db.read() as s:
        audits = s.execute(select(AuditEntry).where(AuditEntry.action == "record_welfare_check")).scalars().all()
    assert [a.before is None for a in audits] == [True, False]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"subject_name": "Ann", "subject_declined": True}, "subject_name"),
        ({"observations": {"mood": "fine"}}, "observations"),
        ({"observations": {"responsive": "yes"}}, "observations"),
        ({"observations": {"housing_status": "castle"}}, "observations"),
        ({"escalation": ["swat"]}, "escalation"),
        ({"services_accepted": True}, "services_offered"),
    ],
)
def test_bad_welfare_checks_are_refused(db, dispatcher, incident, kwargs, field):
    with pytest.raises(ValidationError) as refused:
        welfare.record_welfare_check(db, dispatcher, incident_id=incident.id, **kwargs)
    assert refused.value.field == field
    assert welfare.welfare_check_for_incident(db, incident.id) is None


def test_referrals_are_recorded_with_their_outcome(db, clock, dispatcher, incident):
    tomorrow = (clock() + dt.timedelta(days=1)).date()
    r = referrals.add_referral(
        db,
        dispatcher,
        incident_id=incident.id,
        agency_key="dmh",
        outcome="declined",
        follow_up_on=tomorrow,
        note="Said no thanks",
    )
    assert (r.agency_name, r.agency_phone, r.outcome) == (
        "LA County Department of Mental Health 24/7 Help Line",
        "800-854-7771",
        "declined",
    )
    referrals.add_referral(db, dispatcher, incident_id=incident.id, agency_key="988", outcome="accepted")
    assert [x.agency_key for x in referrals.referrals_for_incident(db, incident.id)] == ["dmh", "988"]
    text = services.timeline(db, incident.id)[-2].text
    assert "800-854-7771" in text and "declined" in text and tomorrow.isoformat() in text

    form = referrals.referral_form(db, incident.id)
    assert [r.agency_key for r in form.made] == ["dmh", "988"]
    assert {"dmh", "988"} <= {a.key for a in form.agencies} and all(a.active for a in form.agencies)
    assert [a.name for a in form.agencies] == sorted(a.name for a in form.agencies)


def test_bad_referrals_are_refused(db, clock, dispatcher, incident):
    with pytest.raises(ValidationError):
        referrals.add_referral(db, dispatcher, incident_id=incident.id, agency_key="dmh", outcome="maybe")
    with pytest.raises(NotFoundError):
        referrals.add_referral(db, dispatcher, incident_id=incident.id, agency_key="nowhere", outcome="offered")
    with pytest.raises(ValidationError):
        referrals.add_referral(
            db,
            dispatcher,
            incident_id=incident.id,
            agency_key="dmh",
            outcome="offered",
            follow_up_on=(clock() - dt.timedelta(days=2)).date(),
        )
    assert referrals.referrals_for_incident(db, incident.id) == []


@pytest.mark.parametrize(
    ("kwargs", "entry"),
    [
        ({}, "Welfare check recorded: subject not named"),
        ({"subject_declined": True}, "Welfare check recorded: subject declined to give a name"),
        ({"subject_name": "Luis"}, "Welfare check recorded: Luis"),
    ],
)
def test_the_timeline_says_who_the_welfare_check_was_about(db, dispatcher, incident, kwargs, entry):
    welfare.record_welfare_check(db, dispatcher, incident_id=incident.id, **kwargs)
    texts = [e.text for e in services.timeline(db, incident.id) if e.kind == "welfare_check"]
    assert len(texts) == 1 and texts[0].startswith(entry)


def test_services_offered_keep_their_limit_and_say_so_by_name(db, dispatcher, incident):
    kept = welfare.record_welfare_check(db, dispatcher, incident_id=incident.id, services_offered="x" * 2000)
    assert kept.services_offered == "x" * 2000
    with pytest.raises(ValidationError) as refused:
        welfare.record_welfare_check(db, dispatcher, incident_id=incident.id, services_offered="x" * 2001)
    assert (refused.value.field, str(refused.value)) == (
        "services_offered",
        "The services offered is 2,001 characters; the limit is 2,000.",
    )
