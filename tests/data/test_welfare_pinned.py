"""The welfare-check log (data/services/welfare.py): what the form may hold, one log per incident that a
correction replaces, what the timeline and the audit say, and which of a shift's calls make its welfare log.

Each test names the rule in the officer's or supervisor's words; expected values are written out, every
length limit at, and one past, its edge.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

from data import services
from data.errors import NotFoundError, ValidationError
from data.models import AuditEntry, ChangeLog, Incident, WelfareCheck
from data.records import WelfareCheckRecord
from data.services import welfare
from tests.data.helpers import NO_SCREENING, SUPERVISOR, welfare_call

START = dt.datetime(2026, 11, 26, 16, 0, tzinfo=dt.UTC)  # the controlled clock's start (tests/conftest.py)
NOT_ASSESSED = {
    "responsive": None,
    "oriented": None,
    "injuries": None,
    "needs_medical": None,
    "housing_status": "unknown",
    "safety_cautions": "",
    "condition": "",
}


@pytest.fixture
def call(db, dispatcher):
    return welfare_call(db, dispatcher)


def record(db, actor, incident_id: int, **fields):
    return welfare.record_welfare_check(db, actor, incident_id=incident_id, **fields)


def refused(db, actor, incident_id: int, field: str, message: str, **fields) -> None:
    with pytest.raises(ValidationError) as caught:
        record(db, actor, incident_id, **fields)
    assert (caught.value.field, str(caught.value)) == (field, message)
    assert welfare.welfare_check_for_incident(db, incident_id) is None


def welfare_entries(db, incident_id: int) -> list[str]:
    return [e.text for e in services.timeline(db, incident_id) if e.kind == "welfare_check"]


# What the form holds ---------------------------------------------------------------------------------


def test_an_empty_form_records_a_check_with_nothing_assessed(db, dispatcher, call):
    saved = record(db, dispatcher, call.id)
    assert saved == WelfareCheckRecord(
        id=saved.id,
        incident_id=call.id,
        recorded_at=START,
        officer_name="",
        subject_name="",
        subject_declined=False,
        approx_age="",
        description="",
        observations=NOT_ASSESSED,
        services_offered="",
        services_accepted=None,
        escalation=(),
        follow_up_needed=False,
        follow_up_note="",
    )
    assert welfare.welfare_check_for_incident(db, call.id) == saved
    assert welfare_entries(db, call.id) == ["Welfare check recorded: subject not named"]


def test_a_full_form_is_kept_as_written(db, dispatcher, supervisor, call):
    officer = services.create_officer(db, supervisor, badge="C7", name="Priya Raman")
    saved = record(
        db,
        dispatcher,
        call.id,
        officer_id=officer.id,
        subject_name="  Luis Ortega ",
        approx_age=" 50s ",
        description=" Sitting by the bus stop ",
        observations={
            "responsive": True,
            "oriented": False,
            "injuries": False,
            "needs_medical": True,
            "housing_status": "  At Risk ",
            "safety_cautions": " Dog with him ",
            "condition": " Tired ",
        },
        services_offered=" Water, shelter bed ",
        services_accepted=True,
        escalation=["dmh", "lasd", "dmh"],
        follow_up_needed=True,
        follow_up_note=" Check tomorrow at 9 ",
    )
    assert saved == WelfareCheckRecord(
        id=saved.id,
        incident_id=call.id,
        recorded_at=START,
        officer_name="Priya Raman",
        subject_name="Luis Ortega",
        subject_declined=False,
        approx_age="50s",
        description="Sitting by the bus stop",
        observations={
            "responsive": True,
            "oriented": False,
            "injuries": False,
            "needs_medical": True,
            "housing_status": "at risk",
            "safety_cautions": "Dog with him",
            "condition": "Tired",
        },
        services_offered="Water, shelter bed",
        services_accepted=True,
        escalation=("dmh", "lasd"),
        follow_up_needed=True,
        follow_up_note="Check tomorrow at 9",
    )
    assert welfare.welfare_check_for_incident(db, call.id) == saved
    assert welfare_entries(db, call.id) == [
        "Welfare check recorded: Luis Ortega; escalated to County mental-health team (DMH), LASD; follow-up needed"
    ]


@pytest.mark.parametrize(
    ("housing", "kept"),
    [
        ("housed", "housed"),
        ("UNHOUSED", "unhoused"),
        (" at risk ", "at risk"),
        ("unknown", "unknown"),
        ("", "unknown"),
        (None, "unknown"),
    ],
)
def test_the_housing_status_is_one_of_four_and_unknown_when_not_given(db, dispatcher, call, housing, kept):
    saved = record(db, dispatcher, call.id, observations={"housing_status": housing})
    assert saved.observations["housing_status"] == kept


def test_a_subject_who_declined_to_give_a_name_is_recorded_without_one(db, dispatcher, call):
    refused(
        db,
        dispatcher,
        call.id,
        "subject_name",
        "The subject declined to give a name; leave the name empty.",
        subject_name="Ann",
        subject_declined=True,
    )
    saved = record(db, dispatcher, call.id, subject_name="  ", subject_declined=True)
    assert (saved.subject_name, saved.subject_declined) == ("", True)
    assert welfare_entries(db, call.id) == ["Welfare check recorded: subject declined to give a name"]


def test_an_answer_to_services_needs_the_services_offered(db, dispatcher, call):
    for answer in (True, False):
        refused(
            db,
            dispatcher,
            call.id,
            "services_offered",
            "Say which services were offered before recording the answer.",
            services_accepted=answer,
        )
    saved = record(db, dispatcher, call.id, services_offered="Shelter bed", services_accepted=False)
    assert (saved.services_offered, saved.services_accepted) == ("Shelter bed", False)


@pytest.mark.parametrize(
    ("field", "limit", "message"),
    [
        ("subject_name", 160, "The subject's name is 161 characters; the limit is 160."),
        ("approx_age", 20, "The approximate age is 21 characters; the limit is 20."),
        ("description", 20_000, "The description is 20,001 characters; the limit is 20,000."),
        ("services_offered", 2000, "The services offered is 2,001 characters; the limit is 2,000."),
        ("follow_up_note", 2000, "The follow-up note is 2,001 characters; the limit is 2,000."),
    ],
)
def test_each_text_of_the_form_keeps_its_limit(db, dispatcher, call, field, limit, message):
    refused(db, dispatcher, call.id, field, message, **{field: "x" * (limit + 1)})
    assert getattr(record(db, dispatcher, call.id, **{field: "x" * limit}), field) == "x" * limit


@pytest.mark.parametrize(("key", "name"), [("safety_cautions", "safety cautions"), ("condition", "condition")])
def test_each_written_observation_keeps_its_limit(db, dispatcher, call, key, name):
    refused(
        db,
        dispatcher,
        call.id,
        key,
        f"The {name} is 2,001 characters; the limit is 2,000.",
        observations={key: "x" * 2001},
    )
    assert record(db, dispatcher, call.id, observations={key: "x" * 2000}).observations[key] == "x" * 2000


@pytest.mark.parametrize(
    ("observations", "message"),
    [
        ({"mood": "fine", "aura": "blue"}, "Unknown observation 'aura'."),
        ({"x" * 50: True}, f"Unknown observation {'x' * 40!r}."),
        ({"responsive": "yes"}, "Responsive must be yes, no or not assessed."),
        ({"oriented": 1}, "Oriented (person, place, time) must be yes, no or not assessed."),
        ({"injuries": 0}, "Visible injuries must be yes, no or not assessed."),
        ({"needs_medical": "no"}, "Needs medical attention must be yes, no or not assessed."),
        ({"housing_status": "castle"}, "Housing status must be one of housed, unhoused, at risk, unknown."),
    ],
)
def test_observations_outside_the_form_are_refused(db, dispatcher, call, observations, message):
    refused(db, dispatcher, call.id, "observations", message, observations=observations)
    assert welfare_entries(db, call.id) == []


def test_a_check_escalates_only_to_the_packs_teams(db, dispatcher, call):
    refused(
        db,
        dispatcher,
        call.id,
        "escalation",
        "Unknown escalation 'swat'; use lasd, fire_ems, dmh, care_team.",
        escalation=["lasd", "swat", "x" * 40],
    )
    refused(
        db,
        dispatcher,
        call.id,
        "escalation",
        f"Unknown escalation {'x' * 30!r}; use lasd, fire_ems, dmh, care_team.",
        escalation=["x" * 40],
    )
    saved = record(db, dispatcher, call.id, escalation=iter(["care_team", "fire_ems"]))
    assert saved.escalation == ("care_team", "fire_ems")
    assert welfare_entries(db, call.id) == [
        "Welfare check recorded: subject not named; escalated to WeHo Care Team (988), Fire/EMS"
    ]


def test_a_check_needs_a_real_incident_and_a_real_officer(db, dispatcher, call):
    with pytest.raises(NotFoundError, match="No incident with id 999"):
        record(db, dispatcher, 999)
    with pytest.raises(NotFoundError, match="No officer with id 999"):
        record(db, dispatcher, call.id, officer_id=999)
    assert welfare.welfare_check_for_incident(db, call.id) is None


# One log per incident --------------------------------------------------------------------------------


def audits(db) -> list[tuple[str, str, int | None, dict | None, dict | None]]:
    with db.read() as s:
        rows = s.execute(select(AuditEntry).where(AuditEntry.action == "record_welfare_check").order_by(AuditEntry.id))
        return [(a.action, a.entity, a.entity_id, a.before, a.after) for a in rows.scalars()]


def test_a_correction_replaces_the_log_and_is_audited_with_what_it_was(db, clock, dispatcher, supervisor, call):
    officer = services.create_officer(db, supervisor, badge="C7", name="Priya Raman")
    first = record(
        db,
        dispatcher,
        call.id,
        officer_id=officer.id,
        subject_name="Luis",
        approx_age="50s",
        description="By the bus stop",
        observations={"responsive": True},
        services_offered="Water",
        services_accepted=True,
        escalation=["dmh"],
        follow_up_needed=True,
        follow_up_note="Tomorrow",
    )
    clock.advance(minutes=7)
    second = record(db, dispatcher, call.id, subject_declined=True)
    assert second == WelfareCheckRecord(
        id=first.id,
        incident_id=call.id,
        recorded_at=START + dt.timedelta(minutes=7),
        officer_name="",
        subject_name="",
        subject_declined=True,
        approx_age="",
        description="",
        observations=NOT_ASSESSED,
        services_offered="",
        services_accepted=None,
        escalation=(),
        follow_up_needed=False,
        follow_up_note="",
    )
    with db.read() as s:
        assert s.execute(select(WelfareCheck.id)).scalars().all() == [first.id]
    assert welfare_entries(db, call.id) == [
        "Welfare check recorded: Luis; escalated to County mental-health team (DMH); follow-up needed",
        "Welfare check updated: subject declined to give a name",
    ]
    was = {
        "subject_name": "Luis",
        "subject_declined": False,
        "approx_age": "50s",
        "observations": NOT_ASSESSED | {"responsive": True},
        "services_accepted": True,
        "escalation": ["dmh"],
        "follow_up_needed": True,
    }
    now = {
        "subject_name": "",
        "subject_declined": True,
        "approx_age": "",
        "observations": NOT_ASSESSED,
        "services_accepted": None,
        "escalation": [],
        "follow_up_needed": False,
    }
    assert audits(db) == [
        ("record_welfare_check", "welfare_check", first.id, None, was),
        ("record_welfare_check", "welfare_check", first.id, was, now),
    ]


def test_saving_a_check_announces_the_incident_to_every_console(db, dispatcher, call):
    with db.read() as s:
        last = s.scalar(select(ChangeLog.id).order_by(ChangeLog.id.desc()).limit(1)) or 0
    record(db, dispatcher, call.id)
    with db.read() as s:
        rows = s.execute(
            select(ChangeLog.kind, ChangeLog.entity_id, ChangeLog.version).where(ChangeLog.id > last)
        ).all()
    # The incident row itself is unchanged (version 1): consoles refetch its timeline and paperwork.
    assert [tuple(r) for r in rows] == [("timeline", call.id, 0), ("incident", call.id, 1)]


def test_flags_given_as_truthy_values_are_stored_as_yes_or_no(db, dispatcher, call):
    saved = record(db, dispatcher, call.id, subject_declined=1, follow_up_needed="yes")
    assert (saved.subject_declined, saved.follow_up_needed) == (True, True)
    assert welfare_entries(db, call.id) == ["Welfare check recorded: subject declined to give a name; follow-up needed"]


def test_a_form_read_back_without_observations_or_escalation_stored_is_empty(db, dispatcher, call):
    saved = record(db, dispatcher, call.id)
    with db.writer.begin() as s:
        s.execute(update(WelfareCheck).where(WelfareCheck.id == saved.id).values(observations=None, escalation=None))
    back = welfare.welfare_check_for_incident(db, call.id)
    assert (back.observations, back.escalation) == ({}, ())


# The shift's welfare log -----------------------------------------------------------------------------


def start_shift(db, name: str):
    now = db.clock()
    return services.start_shift(
        db, SUPERVISOR, name=name, supervisor="Sgt. Test", starts_at=now, ends_at=now + dt.timedelta(hours=10)
    )


def test_the_shifts_welfare_log_holds_its_own_checks_oldest_call_first(db, clock, dispatcher, supervisor):
    day = start_shift(db, "Day shift")
    officer = services.create_officer(db, supervisor, badge="C7", name="Priya Raman")
    late = welfare_call(db, dispatcher)
    early = welfare_call(db, dispatcher, location="1200 N Fairfax Ave", received_at=START - dt.timedelta(minutes=5))
    same_a = welfare_call(db, dispatcher, location="7377 Santa Monica Blvd")
    same_b = welfare_call(db, dispatcher, location="8000 Sunset Blvd")
    services.close_shift(db, SUPERVISOR, day.id)
    night = start_shift(db, "Night shift")
    other = welfare_call(db, dispatcher, location="900 N La Brea Ave")
    record(db, dispatcher, same_b.id)  # recorded first, but the later-numbered of two calls received together
    record(db, dispatcher, late.id, officer_id=officer.id)
    record(db, dispatcher, early.id)
    record(db, dispatcher, same_a.id)
    record(db, dispatcher, other.id)
    checks = welfare.welfare_checks_for_shift(db, day.id)
    assert [(c.incident_id, c.officer_name) for c in checks] == [
        (early.id, ""),
        (same_b.id, ""),  # received with late and same_a: by the order the forms were written
        (late.id, "Priya Raman"),
        (same_a.id, ""),
    ]
    assert [c.incident_id for c in welfare.welfare_checks_for_shift(db, night.id)] == [other.id]


def test_the_shifts_welfare_calls_are_those_with_a_form_and_every_handled_call_that_needs_one(db, clock, dispatcher):
    day = start_shift(db, "Day shift")

    def taken(call_type: str, minutes_ago: int):
        return services.create_incident(
            db,
            dispatcher,
            call_type=call_type,
            location="8300 Santa Monica Blvd",
            screening=NO_SCREENING,
            received_at=START - dt.timedelta(minutes=minutes_ago),
        ).id

    needs_form = taken("OUTREACH", 50)  # no form yet: still on the log
    noise_with_form = taken("NOISE", 40)  # no form needed, but one was written
    noise = taken("NOISE", 45)
    cancelled = taken("WELFARE", 30)
    transferred = taken("MNTL", 20)
    merged = taken("SLMP", 10)
    target = taken("INTOX", 5)
    cancelled_with_form = taken("EXPOSURE", 1)
    record(db, dispatcher, noise_with_form)
    record(db, dispatcher, cancelled_with_form)
    services.cancel_incident(db, dispatcher, cancelled, reason="Caller called back")
    services.cancel_incident(db, dispatcher, cancelled_with_form, reason="Caller called back")
    services.transfer_to_sheriff(db, dispatcher, transferred)
    services.merge_duplicate(db, dispatcher, duplicate_id=merged, into_id=target)
    services.close_shift(db, SUPERVISOR, day.id)
    night = start_shift(db, "Night shift")
    tonight = taken("WELFARE", 0)
    assert noise  # a noise call without a form is not a welfare call
    assert welfare.welfare_incidents_for_shift(db, day.id) == [needs_form, noise_with_form, target, cancelled_with_form]
    assert welfare.welfare_incidents_for_shift(db, night.id) == [tonight]


def test_calls_received_at_the_same_moment_are_listed_in_the_order_taken(db, dispatcher):
    day = start_shift(db, "Day shift")
    first = welfare_call(db, dispatcher)
    second = welfare_call(db, dispatcher, location="1200 N Fairfax Ave")
    with db.writer.begin() as s:
        s.execute(update(Incident).where(Incident.id == second.id).values(received_at=START))
        s.execute(update(Incident).where(Incident.id == first.id).values(received_at=START))
    assert welfare.welfare_incidents_for_shift(db, day.id) == [first.id, second.id]
