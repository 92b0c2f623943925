"""Administrative citations (data/services/citations.py) as a field officer and a supervisor meet them:
what a citation may hold, its number, the local day it is dated, what the quote and the refusal of a
fourth offense say, what is written and announced, voiding, and the shift's list.

The controlled clock starts at 16:00 UTC on 26 November 2026, 08:00 in West Hollywood (UTC-8).
Each test names the rule; expected values are written out, every limit at and one past its edge.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from data import services
from data.errors import InvalidTransitionError, NotFoundError, ValidationError
from data.models import AuditEntry, Citation
from data.records import CitationRecord, ViolationRecord
from data.services import citations
from data.services.citations import CitationQuote, RepeatOffenseError, ViolationQuote
from tests.data.helpers import NO_SCREENING, SUPERVISOR, changes_after, last_change_id

START = dt.datetime(2026, 11, 26, 16, 0, tzinfo=dt.UTC)
NOISE = "9.08.050"
SMOKING = "Ord. 11-863"
DOG = "9.48 / LACC 10.32.010"
NOISE_1 = ViolationRecord(NOISE, "Loud and unreasonable noise", 1, 100)
MS = dt.timedelta(milliseconds=1)
LOCAL_MIDNIGHT = dt.datetime(2026, 11, 27, 8, 0, tzinfo=dt.UTC)  # 27 November begins in West Hollywood


@pytest.fixture
def officer(db):
    return services.create_officer(db, SUPERVISOR, badge="C101", name="Ana Díaz")


@pytest.fixture
def incident(db, dispatcher):
    return services.create_incident(
        db, dispatcher, screening=NO_SCREENING, call_type="NOISE", location="8300 Santa Monica Blvd"
    )


def cite(db, actor, officer_id: int, name: str = "John Smith", sections=(NOISE,), **kw):
    return citations.issue_citation(
        db,
        actor,
        officer_id=officer_id,
        violator_name=name,
        violations=list(sections),
        location=kw.pop("location", "8300 Santa Monica Blvd"),
        **kw,
    )


def refused(field: str, message: str, call, *args, **kwargs) -> None:
    with pytest.raises(ValidationError) as caught:
        call(*args, **kwargs)
    assert (caught.value.field, str(caught.value)) == (field, message)


def stored_numbers(db) -> list[str]:
    with db.read() as s:
        return list(s.execute(select(Citation.number).order_by(Citation.id)).scalars())


def audit_rows(db, action: str) -> list[tuple[str, int | None, str, dict | None, dict | None]]:
    with db.read() as s:
        rows = s.execute(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)).scalars()
        return [(a.entity, a.entity_id, a.outcome, a.before, a.after) for a in rows]


def citation_entries(db, incident_id: int) -> list[str]:
    return [e.text for e in services.timeline(db, incident_id) if e.kind == "citation"]


# Numbers -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prefix", "seq", "number"),
    [
        ("AC", 1, "AC-000001"),
        ("AC", 42, "AC-000042"),
        ("WH", 999_999, "WH-999999"),
        ("WH", 1_234_567, "WH-1234567"),
        ("", 7, "AC-000007"),
    ],
)
def test_a_citation_number_is_the_city_prefix_and_six_digits(prefix, seq, number):
    assert citations.citation_number(prefix, seq) == number


# Issuing -----------------------------------------------------------------------------------------------


def test_a_citation_on_an_incident_is_written_announced_and_audited(db, clock, dispatcher, officer, incident):
    last = last_change_id(db)
    issued = cite(
        db,
        dispatcher,
        officer.id,
        name="  john   SMITH ",
        sections=(f" {NOISE} ", "", SMOKING),
        incident_id=incident.id,
        violator_dob="5/1/1980",
        violator_address=" 1 Main St ",
        violator_id_number=" D1234567 ",
        description=" Amplified music at 2 am ",
        location=" 8300 Santa Monica Blvd ",
    )
    assert issued == CitationRecord(
        id=issued.id,
        number="AC-000001",
        incident_id=incident.id,
        incident_number=incident.number,
        issued_at=START,
        violator_name="john SMITH",
        violator_dob="1980-05-01",
        violator_address="1 Main St",
        violator_id_number="D1234567",
        location="8300 Santa Monica Blvd",
        description="Amplified music at 2 am",
        officer_name="Ana Díaz",
        officer_badge="C101",
        status="issued",
        void_reason="",
        voided_by="",
        voided_at=None,
        violations=(NOISE_1, ViolationRecord(SMOKING, "Smoking in an outdoor dining area", 1, 100)),
        version=1,
    )
    assert issued.total_dollars == 200
    assert citations.get_citation(db, "AC-000001") == issued
    assert citation_entries(db, incident.id) == [
        "Citation AC-000001 issued to john SMITH: 9.08.050 (offense 1, $100), Ord. 11-863 (offense 1, $100)"
    ]
    after = {
        "number": "AC-000001",
        "status": "issued",
        "violator_name": "john SMITH",
        "location": "8300 Santa Monica Blvd",
        "incident_id": incident.id,
        "officer_id": officer.id,
        "void_reason": "",
        "violations": [[NOISE, 1, 100], [SMOKING, 1, 100]],
    }
    assert audit_rows(db, "issue_citation") == [("citation", issued.id, "ok", None, after)]
    assert changes_after(db, last) == [
        ("timeline", incident.id, 0),
        ("incident", incident.id, 1),
        ("citation", issued.id, 1),
    ]


def test_a_walk_up_citation_names_no_incident_and_writes_no_timeline(db, dispatcher, officer):
    last = last_change_id(db)
    issued = cite(db, dispatcher, officer.id)
    assert (issued.incident_id, issued.incident_number, issued.violations) == (None, None, (NOISE_1,))
    assert changes_after(db, last) == [("citation", issued.id, 1)]
    assert audit_rows(db, "issue_citation")[0][4]["incident_id"] is None


def test_each_text_of_a_citation_keeps_its_limit(db, dispatcher, officer):
    for field, limit, label in (
        ("violator_address", 300, "violator's address"),
        ("violator_id_number", 60, "ID number"),
        ("description", 20_000, "description"),
        ("location", 300, "location"),
    ):
        refused(
            field,
            f"The {label} is {limit + 1:,} characters; the limit is {limit:,}.",
            cite,
            db,
            dispatcher,
            officer.id,
            **{field: "x" * (limit + 1)},
        )
        assert getattr(cite(db, dispatcher, officer.id, name=f"Person {field}", **{field: "x" * limit}), field) == (
            "x" * limit
        )
    refused("location", "Enter the location.", cite, db, dispatcher, officer.id, location=" ")


def test_a_violators_name_is_needed_at_most_160_characters_and_its_spaces_collapsed(db, dispatcher, officer):
    refused("violator_name", "Enter the violator's name.", cite, db, dispatcher, officer.id, name="  ")
    refused(
        "violator_name",
        "The violator's name is 161 characters; the limit is 160.",
        cite,
        db,
        dispatcher,
        officer.id,
        name="N" * 161,
    )
    assert cite(db, dispatcher, officer.id, name="N" * 160).violator_name == "N" * 160
    assert cite(db, dispatcher, officer.id, name=" Ana \t  Maria\nRuiz ").violator_name == "Ana Maria Ruiz"
    assert stored_numbers(db) == ["AC-000001", "AC-000002"]


def test_a_citation_lists_each_code_section_once_and_at_least_one(db, dispatcher, officer):
    refused("violations", "List at least one code violation.", cite, db, dispatcher, officer.id, sections=[" ", ""])
    refused(
        "violations",
        "A code section is listed twice; list each violation once.",
        cite,
        db,
        dispatcher,
        officer.id,
        sections=[NOISE, f" {NOISE}"],
    )
    assert stored_numbers(db) == []


def test_a_section_unknown_or_not_yet_in_effect_is_refused_by_name_and_day(db, dispatcher, officer):
    refused(
        "violations",
        "Code section '99.99.999' is not in the city's code table.",
        cite,
        db,
        dispatcher,
        officer.id,
        sections=[NOISE, "99.99.999"],
    )
    refused(
        "violations",
        f"Code section {'9' * 60!r} is not in the city's code table.",
        cite,
        db,
        dispatcher,
        officer.id,
        sections=["9" * 70],
    )
    # The noise ordinance took effect on 1 January 2020: 31 December 2019, evening in West Hollywood.
    refused(
        "violations",
        "Code section '9.08.050' was not in effect on 2019-12-31.",
        cite,
        db,
        dispatcher,
        officer.id,
        issued_at=dt.datetime(2020, 1, 1, 7, 59, tzinfo=dt.UTC),
    )
    first_day = cite(db, dispatcher, officer.id, issued_at=dt.datetime(2020, 1, 1, 8, 0, tzinfo=dt.UTC))
    assert first_day.violations == (NOISE_1,)


def test_an_issue_time_needs_a_time_zone(db, dispatcher, officer):
    refused(
        "issued_at",
        "The issue time needs a time zone.",
        cite,
        db,
        dispatcher,
        officer.id,
        issued_at=dt.datetime(2026, 11, 26, 8, 0),
    )
    assert stored_numbers(db) == []


@pytest.mark.parametrize(
    ("issued_at", "dob", "accepted"),
    [
        (LOCAL_MIDNIGHT - MS, "2026-11-26", True),  # born that day, local
        (LOCAL_MIDNIGHT - MS, "2026-11-27", False),  # already the 27th in UTC, not yet in West Hollywood
        (LOCAL_MIDNIGHT, "2026-11-27", True),
        (LOCAL_MIDNIGHT, "2026-11-28", False),
    ],
)
def test_a_date_of_birth_may_not_be_after_the_local_issue_day(db, clock, dispatcher, officer, issued_at, dob, accepted):
    clock.now = LOCAL_MIDNIGHT + dt.timedelta(hours=1)
    if accepted:
        assert cite(db, dispatcher, officer.id, violator_dob=dob, issued_at=issued_at).violator_dob == dob
    else:
        refused(
            "violator_dob",
            "The date of birth is after the issue date.",
            cite,
            db,
            dispatcher,
            officer.id,
            violator_dob=dob,
            issued_at=issued_at,
        )


def test_an_officer_must_be_on_file_and_an_incident_real(db, dispatcher, officer):
    with pytest.raises(NotFoundError, match="No active officer with id 999"):
        cite(db, dispatcher, 999)
    with pytest.raises(NotFoundError, match="No incident with id 999"):
        cite(db, dispatcher, officer.id, incident_id=999)
    assert stored_numbers(db) == []


def test_a_refused_fourth_offense_says_why_and_where_to_refer_it(db, clock, dispatcher, officer):
    for _ in range(3):
        cite(db, dispatcher, officer.id, name="Kim Lee")
        clock.advance(days=1)
    why = (
        "This would be violation number 4 of 9.08.050 (Loud and unreasonable noise) by Kim Lee within 365 days. "
        "Past the 3-step fine schedule it is a misdemeanor: it cannot be issued as an administrative citation. "
        "Refer it to LASD."
    )
    with pytest.raises(RepeatOffenseError) as caught:
        cite(db, dispatcher, officer.id, name="Kim Lee", sections=(SMOKING, NOISE))
    assert str(caught.value) == why
    quote = citations.quote_citation(db, violator_name="Kim Lee", violations=[SMOKING, NOISE, DOG])
    assert quote == CitationQuote(
        "Kim Lee",
        (
            ViolationQuote(SMOKING, "Smoking in an outdoor dining area", 1, 100),
            ViolationQuote(NOISE, "Loud and unreasonable noise", 4, None, why),
            ViolationQuote(DOG, "Dog not on a leash", 1, 100),
        ),
    )
    assert (quote.refusal, quote.total_dollars, quote.lines[1].fine) == (why, 200, 0)
    assert stored_numbers(db) == ["AC-000001", "AC-000002", "AC-000003"]


def test_a_quote_without_a_refusal_says_none(db):
    quote = citations.quote_citation(db, violator_name=" Kim  Lee ", violations=[NOISE, SMOKING])
    assert (quote.violator_name, quote.refusal, quote.total_dollars) == ("Kim Lee", "", 200)


def test_a_quote_is_for_the_moment_asked_or_now(db, clock, dispatcher, officer):
    cite(db, dispatcher, officer.id, name="Kim Lee", violator_dob="1990-02-03")
    clock.advance(days=10)
    now = citations.quote_citation(db, violator_name="Kim Lee", violator_dob="2/3/1990", violations=[NOISE])
    assert now.lines[0].offense_number == 2
    before = citations.quote_citation(
        db, violator_name="Kim Lee", violator_dob="1990-02-03", violations=[NOISE], issued_at=START - MS
    )
    assert before.lines[0].offense_number == 1
    refused(
        "issued_at",
        "A citation cannot be issued in the future.",
        citations.quote_citation,
        db,
        violator_name="Kim Lee",
        violations=[NOISE],
        issued_at=clock() + dt.timedelta(minutes=1) + MS,
    )
    refused(
        "violator_dob",
        "The date of birth is after the issue date.",
        citations.quote_citation,
        db,
        violator_name="Kim Lee",
        violator_dob="2026-12-07",
        violations=[NOISE],
    )
    refused(
        "violations",
        "List at least one code violation.",
        citations.quote_citation,
        db,
        violator_name="K",
        violations=[],
    )


def test_only_the_same_section_counts_as_a_prior(db, clock, dispatcher, officer):
    cite(db, dispatcher, officer.id, sections=(NOISE, SMOKING))
    clock.advance(days=1)
    again = cite(db, dispatcher, officer.id, sections=(DOG, NOISE))
    assert [(v.section, v.offense_number) for v in again.violations] == [(DOG, 1), (NOISE, 2)]


# Voiding -----------------------------------------------------------------------------------------------


def test_a_void_is_written_with_its_reason_announced_and_audited(db, clock, dispatcher, supervisor, officer, incident):
    issued = cite(db, dispatcher, officer.id, incident_id=incident.id)
    clock.advance(minutes=20)
    last = last_change_id(db)
    voided = citations.void_citation(db, supervisor, "  ac-000001 ", "  Wrong person cited ")
    assert (voided.status, voided.void_reason, voided.voided_by, voided.voided_at, voided.version) == (
        "void",
        "Wrong person cited",
        "supervisor1",
        START + dt.timedelta(minutes=20),
        2,
    )
    assert voided.violations == issued.violations and voided.incident_number == incident.number
    assert citation_entries(db, incident.id)[-1] == "Citation AC-000001 voided: Wrong person cited"
    fields = {
        "number": "AC-000001",
        "violator_name": "John Smith",
        "location": "8300 Santa Monica Blvd",
        "incident_id": incident.id,
        "officer_id": officer.id,
    }
    assert audit_rows(db, "void_citation") == [
        (
            "citation",
            issued.id,
            "ok",
            fields | {"status": "issued", "void_reason": ""},
            fields | {"status": "void", "void_reason": "Wrong person cited"},
        )
    ]
    assert changes_after(db, last) == [("timeline", incident.id, 0), ("citation", issued.id, 2)]
    with pytest.raises(InvalidTransitionError, match="Citation AC-000001 is already void"):
        citations.void_citation(db, supervisor, "AC-000001", "again")


def test_voiding_a_walk_up_citation_writes_no_timeline(db, dispatcher, supervisor, officer):
    issued = cite(db, dispatcher, officer.id)
    last = last_change_id(db)
    citations.void_citation(db, supervisor, issued.number, "Duplicate")
    assert changes_after(db, last) == [("citation", issued.id, 2)]


def test_a_void_needs_a_reason_of_at_most_2000_characters_and_a_citation_named(db, dispatcher, supervisor, officer):
    issued = cite(db, dispatcher, officer.id)
    refused("reason", "Enter the reason for voiding.", citations.void_citation, db, supervisor, issued.number, " ")
    refused(
        "reason",
        "The reason for voiding is 2,001 characters; the limit is 2,000.",
        citations.void_citation,
        db,
        supervisor,
        issued.number,
        "r" * 2001,
    )
    refused("citation", "Name a citation by its number.", citations.void_citation, db, supervisor, "  ", "Typo")
    with pytest.raises(NotFoundError, match="No citation 'AC-999999'"):
        citations.void_citation(db, supervisor, "ac-999999", "Typo")
    with pytest.raises(NotFoundError, match=f"No citation {'X' * 30!r}"):
        citations.get_citation(db, "x" * 40)
    refused("citation", "Name a citation by its number.", citations.get_citation, db, None)
    assert citations.void_citation(db, supervisor, issued.number, "r" * 2000).void_reason == "r" * 2000


def test_the_disposition_proposed_is_04_only_while_a_citation_is_in_force(
    db, dispatcher, supervisor, officer, incident
):
    other = services.create_incident(
        db, dispatcher, screening=NO_SCREENING, call_type="NOISE", location="1200 N Fairfax Ave"
    )
    first = cite(db, dispatcher, officer.id, incident_id=incident.id)
    assert (citations.proposed_disposition(db, incident.id), citations.proposed_disposition(db, other.id)) == (
        "04",
        None,
    )
    second = cite(db, dispatcher, officer.id, name="Bo Ray", incident_id=incident.id)
    citations.void_citation(db, supervisor, first.number, "Wrong person")
    assert citations.proposed_disposition(db, incident.id) == "04"
    citations.void_citation(db, supervisor, second.number, "Wrong person")
    assert citations.proposed_disposition(db, incident.id) is None


# Reading back ------------------------------------------------------------------------------------------


def test_an_incidents_citations_are_its_own_in_the_order_issued(db, dispatcher, officer, incident):
    other = services.create_incident(
        db, dispatcher, screening=NO_SCREENING, call_type="NOISE", location="1200 N Fairfax Ave"
    )
    first = cite(db, dispatcher, officer.id, incident_id=incident.id)
    cite(db, dispatcher, officer.id, name="Not Here", incident_id=other.id)
    second = cite(db, dispatcher, officer.id, name="Bo Ray", sections=(SMOKING, NOISE), incident_id=incident.id)
    found = citations.citations_for_incident(db, incident.id)
    assert [(c.number, [v.section for v in c.violations]) for c in found] == [
        (first.number, [NOISE]),
        (second.number, [SMOKING, NOISE]),
    ]
    assert citations.citations_for_incident(db, 999) == []


def start_shift(db, name: str, hours: int = 10):
    now = db.clock()
    return services.start_shift(
        db, SUPERVISOR, name=name, supervisor="Sgt. Test", starts_at=now, ends_at=now + dt.timedelta(hours=hours)
    )


def test_a_shifts_citations_are_those_of_its_incidents_and_walk_ups_issued_during_it(db, clock, dispatcher, officer):
    before = cite(db, dispatcher, officer.id, name="Before Shift", issued_at=START - MS)
    day = start_shift(db, "Day shift", hours=8)
    call = services.create_incident(db, dispatcher, screening=NO_SCREENING, call_type="NOISE", location="Plummer Park")
    at_start = cite(db, dispatcher, officer.id, name="At Start")
    on_call = cite(db, dispatcher, officer.id, name="On Call", incident_id=call.id)
    clock.advance(hours=1)
    last_moment = cite(db, dispatcher, officer.id, name="Last Moment", issued_at=clock() - MS)
    services.close_shift(db, SUPERVISOR, day.id)  # closed an hour in: its period ends then
    at_close = cite(db, dispatcher, officer.id, name="At Close")
    clock.advance(hours=9)
    on_call_next_day = cite(db, dispatcher, officer.id, name="Next Day", incident_id=call.id)
    listed = [c.number for c in citations.citations_for_shift(db, day.id)]
    assert listed == [at_start.number, on_call.number, last_moment.number, on_call_next_day.number]
    assert before.number not in listed and at_close.number not in listed
    with pytest.raises(NotFoundError, match="No shift 999"):
        citations.citations_for_shift(db, 999)


def test_an_active_shift_running_over_keeps_its_walk_ups_until_now(db, clock, dispatcher, officer):
    day = start_shift(db, "Day shift", hours=1)
    clock.advance(hours=2)  # an hour past its planned end, still active
    late = cite(db, dispatcher, officer.id, name="Late", issued_at=clock() - MS)
    assert [c.number for c in citations.citations_for_shift(db, day.id)] == [late.number]


def test_citations_issued_at_one_moment_are_listed_in_the_order_written(db, dispatcher, officer):
    day = start_shift(db, "Day shift")
    first = cite(db, dispatcher, officer.id, name="First Person")
    second = cite(db, dispatcher, officer.id, name="Second Person")
    assert [c.number for c in citations.citations_for_shift(db, day.id)] == [first.number, second.number]
