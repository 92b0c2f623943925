"""Administrative citations: numbering, offense counting in the 12-month window, fines, voiding."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from sqlalchemy import func, select

from data import services
from data.db import Database
from data.errors import (
    DispatchError,
    InvalidTransitionError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from data.models import AuditEntry, Citation
from data.pack import Provision
from data.services import citations, welfare
from data.services.citations import RepeatOffenseError
from tests.data.helpers import NO_SCREENING

NOISE = "9.08.050"
SMOKING = "Ord. 11-863"


@pytest.fixture
def officer(db, supervisor):
    return services.create_officer(db, supervisor, badge="C101", name="Ana Díaz")


@pytest.fixture
def incident(db, dispatcher):
    return services.create_incident(
        db,
        dispatcher,
        screening=NO_SCREENING,
        call_type="NOISE",
        location="8300 Santa Monica Blvd",
        latitude=34.09,
        longitude=-118.37,
    )


def cite(db, actor, officer, name="John Smith", sections=(NOISE,), **kw):
    return citations.issue_citation(
        db,
        actor,
        officer_id=officer.id,
        violator_name=name,
        violations=list(sections),
        location="8300 Santa Monica Blvd",
        **kw,
    )


def count_citations(db) -> int:
    with db.read() as s:
        return s.execute(select(func.count(Citation.id))).scalar_one()


def test_numbers_are_sequential_with_the_city_prefix(db, dispatcher, officer):
    first = cite(db, dispatcher, officer)
    second = cite(db, dispatcher, officer, name="Someone Else")
    assert first.number == "AC-000001"
    assert second.number == "AC-000002"
    assert first.officer_name == "Ana Díaz" and first.officer_badge == "C101"


def test_first_second_and_third_offense_fines_follow_the_schedule(db, clock, dispatcher, officer):
    fines = []
    for _ in range(3):
        c = cite(db, dispatcher, officer)
        fines.append((c.violations[0].offense_number, c.violations[0].fine_dollars))
        clock.advance(days=40)
    assert fines == [(1, 100), (2, 200), (3, 500)]


def test_a_fourth_within_twelve_months_is_refused_as_a_misdemeanor(db, clock, dispatcher, officer):
    for _ in range(3):
        cite(db, dispatcher, officer)
        clock.advance(days=30)
    with pytest.raises(RepeatOffenseError) as refused:
        cite(db, dispatcher, officer)
    assert isinstance(refused.value, DispatchError)
    assert "misdemeanor" in str(refused.value)
    assert "cannot be issued as an administrative citation" in str(refused.value)
    assert count_citations(db) == 3
    # Nothing was written, not even the number: the next citation takes the next number in line.
    assert cite(db, dispatcher, officer, name="Another Person").number == "AC-000004"


def test_offenses_outside_the_window_do_not_count(db, clock, dispatcher, officer):
    cite(db, dispatcher, officer)
    clock.advance(days=366)
    again = cite(db, dispatcher, officer)
    assert again.violations[0].offense_number == 1
    assert again.violations[0].fine_dollars == 100


def test_the_window_is_365_days_before_the_issue_time(db, clock, dispatcher, officer):
    cite(db, dispatcher, officer)
    clock.advance(days=364, hours=23)
    assert cite(db, dispatcher, officer).violations[0].offense_number == 2
    clock.advance(hours=2)
    # The first one is now more than 365 days old; only the second counts.
    assert cite(db, dispatcher, officer).violations[0].offense_number == 2


def test_fourth_is_allowed_once_the_oldest_leaves_the_window(db, clock, dispatcher, officer):
    for _ in range(3):
        cite(db, dispatcher, officer)
        clock.advance(days=100)
    clock.advance(days=80)  # 380 days after the first, 180 after the third
    assert cite(db, dispatcher, officer).violations[0].offense_number == 3


def test_violator_matching_ignores_case_and_spacing_and_respects_dates_of_birth(db, dispatcher, officer):
    cite(db, dispatcher, officer, name="John Smith", violator_dob="1980-05-01")
    assert (
        cite(db, dispatcher, officer, name="  JOHN   smith ", violator_dob="5/1/1980").violations[0].offense_number == 2
    )
    # A namesake with another date of birth is another person.
    assert cite(db, dispatcher, officer, name="John Smith", violator_dob="1991-01-01").violations[0].offense_number == 1
    # Cited without a date of birth: counted only with other citations of that name without one.
    assert cite(db, dispatcher, officer, name="john smith").violations[0].offense_number == 1
    assert cite(db, dispatcher, officer, name="John  Smith").violations[0].offense_number == 2


def test_each_provision_is_counted_separately(db, clock, dispatcher, officer):
    cite(db, dispatcher, officer, sections=(NOISE,))
    clock.advance(days=1)
    both = cite(db, dispatcher, officer, sections=(NOISE, SMOKING))
    offenses = {v.section: (v.offense_number, v.fine_dollars) for v in both.violations}
    assert offenses == {NOISE: (2, 200), SMOKING: (1, 100)}
    assert both.total_dollars == 300


def test_void_citations_do_not_count(db, clock, dispatcher, supervisor, officer):
    first = cite(db, dispatcher, officer)
    citations.void_citation(db, supervisor, first.number, "Wrong person cited")
    clock.advance(days=1)
    assert cite(db, dispatcher, officer).violations[0].offense_number == 1


def test_fine_comes_from_the_provision_in_effect_on_the_violation_date(tmp_path, clock, dispatcher, supervisor):
    base = Database(f"sqlite:///{tmp_path / 'a.sqlite3'}", clock=clock)
    newer = Provision(
        section=NOISE,
        title="Loud noise (amended)",
        chapter="WHMC 9.08",
        fines=(150, 300, 750),
        effective=dt.date(2026, 12, 1),
    )
    pack = dataclasses.replace(base.pack, provisions=(*base.pack.provisions, newer))
    base.dispose()
    db = Database(f"sqlite:///{tmp_path / 'b.sqlite3'}", pack=pack, clock=clock)
    try:
        officer = services.create_officer(db, supervisor, badge="C9", name="Kenji Watanabe")
        before = cite(db, dispatcher, officer, name="Pat Lee")
        assert (before.violations[0].fine_dollars, before.violations[0].title) == (100, "Loud and unreasonable noise")
        clock.advance(days=10)  # 2026-12-06, after the amendment
        after = cite(db, dispatcher, officer, name="Pat Lee")
        assert (after.violations[0].offense_number, after.violations[0].fine_dollars) == (2, 300)
        assert after.violations[0].title == "Loud noise (amended)"
        # Back-dated to before the amendment: the old schedule applies.
        old = cite(db, dispatcher, officer, name="Robin Ash", issued_at=dt.datetime(2026, 11, 20, 18, tzinfo=dt.UTC))
        assert old.violations[0].fine_dollars == 100
    finally:
        db.dispose()


def test_sections_not_in_force_or_unknown_are_refused(db, dispatcher, officer):
    with pytest.raises(ValidationError, match="not in the city's code table"):
        cite(db, dispatcher, officer, sections=("99.99.999",))
    with pytest.raises(ValidationError, match="not in effect on 2019"):
        cite(db, dispatcher, officer, sections=(NOISE,), issued_at=dt.datetime(2019, 6, 1, 18, tzinfo=dt.UTC))
    assert count_citations(db) == 0


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"name": "  "}, "violator_name"),
        ({"sections": ()}, "violations"),
        ({"sections": (NOISE, NOISE)}, "violations"),
        ({"violator_dob": "yesterday"}, "violator_dob"),
        ({"violator_dob": "2030-01-01"}, "violator_dob"),
    ],
)
def test_bad_input_is_refused_with_the_field_named(db, dispatcher, officer, kwargs, field):
    with pytest.raises(ValidationError) as refused:
        cite(db, dispatcher, officer, **kwargs)
    assert refused.value.field == field
    assert count_citations(db) == 0


def test_future_issue_times_and_unknown_officers_are_refused(db, clock, dispatcher, officer):
    with pytest.raises(ValidationError, match="future"):
        cite(db, dispatcher, officer, issued_at=clock() + dt.timedelta(hours=1))
    with pytest.raises(NotFoundError):
        citations.issue_citation(db, dispatcher, officer_id=999, violator_name="X", violations=[NOISE], location="Y")


def test_issuing_on_an_incident_writes_timeline_and_audit_and_proposes_disposition_04(
    db, dispatcher, officer, incident
):
    assert citations.proposed_disposition(db, incident.id) is None
    c = cite(db, dispatcher, officer, incident_id=incident.id)
    assert c.incident_number == incident.number
    assert citations.proposed_disposition(db, incident.id) == "04"
    events = services.timeline(db, incident.id)
    assert events[-1].kind == "citation" and c.number in events[-1].text
    with db.read() as s:
        actions = s.execute(select(AuditEntry.action).where(AuditEntry.entity == "citation")).scalars().all()
    assert actions == ["issue_citation"]


def test_only_supervisors_void_and_a_void_keeps_its_reason(db, dispatcher, supervisor, officer, incident):
    c = cite(db, dispatcher, officer, incident_id=incident.id)
    with pytest.raises(PermissionDeniedError):
        citations.void_citation(db, dispatcher, c.number, "typo")
    with db.read() as s:
        refused = s.execute(select(AuditEntry).where(AuditEntry.action == "void_citation")).scalars().all()
    assert [(a.username, a.outcome) for a in refused] == [("dispatcher1", "refused")]
    with pytest.raises(ValidationError):
        citations.void_citation(db, supervisor, c.number, "   ")
    voided = citations.void_citation(db, supervisor, c.number.lower(), "Issued to the wrong person")
    assert (voided.status, voided.void_reason, voided.voided_by) == (
        "void",
        "Issued to the wrong person",
        "supervisor1",
    )
    assert voided.voided_at is not None
    with pytest.raises(InvalidTransitionError):
        citations.void_citation(db, supervisor, c.number, "again")
    assert citations.get_citation(db, c.number).status == "void"
    assert citations.proposed_disposition(db, incident.id) is None
    assert "voided" in services.timeline(db, incident.id)[-1].text


def test_get_citation_and_shift_lists(db, clock, dispatcher, supervisor, officer):
    shift = services.start_shift(
        db, supervisor, name="Day", supervisor="Sgt. Lee", starts_at=clock(), ends_at=clock() + dt.timedelta(hours=8)
    )
    inc = services.create_incident(db, dispatcher, screening=NO_SCREENING, call_type="SMOKING", location="Plummer Park")
    on_incident = cite(db, dispatcher, officer, incident_id=inc.id, sections=(SMOKING,))
    walk_up = cite(db, dispatcher, officer, name="Walk Up")
    clock.advance(hours=9)
    later = cite(db, dispatcher, officer, name="After Shift")
    listed = [c.number for c in citations.citations_for_shift(db, shift.id)]
    assert on_incident.number in listed and walk_up.number in listed
    assert later.number not in listed
    with pytest.raises(NotFoundError):
        citations.get_citation(db, "AC-999999")


def test_the_form_quote_is_what_issuing_charges_and_a_fourth_is_refused_before_writing(
    any_db, clock, dispatcher, supervisor
):
    db = any_db
    officer = services.create_officer(db, supervisor, badge="Q1", name="Quote Officer")
    for count, expected in ((1, 100), (2, 200), (3, 500)):
        quote = citations.quote_citation(db, violator_name=" kim  LEE ", violations=[NOISE, SMOKING])
        assert quote.lines[0].offense_number == count
        issued = cite(db, dispatcher, officer, name="Kim Lee", sections=(NOISE,))
        assert [v.fine_dollars for v in issued.violations] == [quote.lines[0].fine_dollars] == [expected]
        assert quote.lines[1].fine_dollars == 100 and not quote.refusal  # smoking never cited: a first
        clock.advance(days=1)
    with db.read() as s:
        audits = s.execute(select(func.count(AuditEntry.id))).scalar_one()
    fourth = citations.quote_citation(db, violator_name="Kim Lee", violations=[NOISE])
    assert fourth.lines[0].offense_number == 4 and fourth.lines[0].fine_dollars is None
    assert "misdemeanor" in fourth.refusal
    with pytest.raises(RepeatOffenseError, match="misdemeanor"):
        cite(db, dispatcher, officer, name="Kim Lee", sections=(NOISE,))
    assert count_citations(db) == 3
    with db.read() as s:
        assert s.execute(select(func.count(AuditEntry.id))).scalar_one() == audits


def test_quote_refuses_bad_input_like_issuing(db):
    with pytest.raises(ValidationError, match="name"):
        citations.quote_citation(db, violator_name="  ", violations=[NOISE])
    with pytest.raises(ValidationError, match="not a date"):
        citations.quote_citation(db, violator_name="A", violator_dob="31/31/2000", violations=[NOISE])
    with pytest.raises(ValidationError, match="code table"):
        citations.quote_citation(db, violator_name="A", violations=["99.99"])


def test_voiding_needs_a_supervisor_and_a_reason_and_a_refusal_changes_nothing(any_db, dispatcher, supervisor):
    db = any_db
    officer = services.create_officer(db, supervisor, badge="V1", name="Void Officer")
    issued = cite(db, dispatcher, officer, name="Pat Doe")
    with pytest.raises(PermissionDeniedError):
        citations.void_citation(db, dispatcher, issued.number, "wrong person")
    with pytest.raises(ValidationError, match="reason"):
        citations.void_citation(db, supervisor, issued.number, "   ")
    assert citations.get_citation(db, issued.number) == issued
    voided = citations.void_citation(db, supervisor, issued.number, "<b>wrong</b> person")
    assert voided.status == "void" and voided.void_reason == "<b>wrong</b> person"


@pytest.mark.postgres
def test_two_consoles_issuing_the_third_offense_at_once_leave_one_refused(pg_url, clock, dispatcher, supervisor):
    """Both count two priors at the same moment: only one may write the third; the other is a fourth, refused."""
    import contextlib
    import threading

    db = Database(pg_url, clock=clock)
    try:
        officer = services.create_officer(db, supervisor, badge="R1", name="Race Officer")
        for _ in range(2):
            cite(db, dispatcher, officer, name="Lee Park")
            clock.advance(minutes=1)
        barrier = threading.Barrier(4)
        outcomes: list[str] = []
        original = citations.prior_offenses

        def counting_then_waiting(*args, **kwargs):
            count = original(*args, **kwargs)
            # Every console has counted before any writes; with the fix the others wait on the lock instead.
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait(timeout=3)
            return count

        citations.prior_offenses = counting_then_waiting
        try:

            def issue() -> None:
                try:
                    cite(db, dispatcher, officer, name="Lee Park")
                    outcomes.append("issued")
                except RepeatOffenseError:
                    outcomes.append("refused")

            threads = [threading.Thread(target=issue) for _ in range(4)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=30)
        finally:
            citations.prior_offenses = original
        assert sorted(outcomes) == ["issued", "refused", "refused", "refused"]
        assert count_citations(db) == 3
    finally:
        db.dispose()


@pytest.mark.postgres
def test_two_consoles_saving_the_first_welfare_form_at_once_both_succeed(pg_url, clock, dispatcher, supervisor):
    import threading

    db = Database(pg_url, clock=clock)
    try:
        inc = services.create_incident(db, dispatcher, call_type="WELFARE", location="8300 Santa Monica Blvd")
        barrier = threading.Barrier(2)
        errors: list[Exception] = []

        def save(name: str) -> None:
            barrier.wait(timeout=5)
            try:
                welfare.record_welfare_check(db, dispatcher, incident_id=inc.id, subject_name=name)
            except Exception as exc:  # what the second console would have seen
                errors.append(exc)

        threads = [threading.Thread(target=save, args=(n,)) for n in ("Ana One", "Bea Two")]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
        assert errors == []
        saved = welfare.welfare_check_for_incident(db, inc.id)
        assert saved is not None and saved.subject_name in ("Ana One", "Bea Two")
        with db.read() as s:
            audits = s.execute(
                select(func.count(AuditEntry.id)).where(AuditEntry.action == "record_welfare_check")
            ).scalar_one()
        assert audits == 2
    finally:
        db.dispose()


def test_a_merged_incident_refuses_a_citation_and_names_the_incident_it_went_into(db, dispatcher, officer, incident):
    duplicate = services.create_incident(
        db, dispatcher, screening=NO_SCREENING, call_type="NOISE", location="8300 Santa Monica Blvd"
    )
    services.merge_duplicate(db, dispatcher, duplicate_id=duplicate.id, into_id=incident.id)

    with pytest.raises(InvalidTransitionError, match=f"{duplicate.number} was merged.*{incident.number}"):
        cite(db, dispatcher, officer, incident_id=duplicate.id)
    assert count_citations(db) == 0
    assert cite(db, dispatcher, officer, incident_id=incident.id).incident_id == incident.id
