"""What is printed about one incident: the units that worked it with their crews, its timeline and forms,
and what a citation or welfare-check form opens with (data/services/incident_paperwork.py).

Each test names the rule in the dispatcher's words; expected values are written out.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

from data import services
from data.errors import NotFoundError
from data.models import Incident, Officer
from data.services import citations, referrals, welfare
from data.services.incident_paperwork import (
    RespondingUnit,
    incident_paperwork,
    paperwork_context,
    responding_units,
)
from tests.data.helpers import ADMIN, SUPERVISOR, welfare_call

NOISE = "9.08.050"


def start_shift(db, name: str = "Day shift"):
    now = db.clock()
    return services.start_shift(
        db, SUPERVISOR, name=name, supervisor="Sgt. Test", starts_at=now, ends_at=now + dt.timedelta(hours=10)
    )


def officer(db, badge: str, name: str) -> int:
    return services.create_officer(db, SUPERVISOR, badge=badge, name=name).id


def crewed_shift(db) -> dict[str, int]:
    """An active shift: CSO11 crewed by Zoe Young (B-1) and Adam Best (B-2), CSO12 by Cruz Diaz (A-3),
    CSO13 by Dee Ames (C-4). Zoe is created before Adam and has the lower badge: only the name puts
    Adam first. Returns the ids of units and officers by call sign and first name."""
    start_shift(db)
    ids = {
        "Zoe": officer(db, "B-1", "Zoe Young"),
        "Adam": officer(db, "B-2", "Adam Best"),
        "Cruz": officer(db, "A-3", "Cruz Diaz"),
        "Dee": officer(db, "C-4", "Dee Ames"),
    }
    for sign, crew in (("CSO13", ["Dee"]), ("CSO12", ["Cruz"]), ("CSO11", ["Zoe", "Adam"])):
        unit = services.create_unit(db, SUPERVISOR, call_sign=sign)
        services.sign_on_unit(db, SUPERVISOR, unit.id, officer_ids=[ids[n] for n in crew], zone="0971")
        ids[sign] = unit.id
    return ids


CSO11_AVAILABLE = RespondingUnit("CSO11", ("Adam Best", "Zoe Young"), ("B-2", "B-1"), "available", False)
CSO12_AVAILABLE = RespondingUnit("CSO12", ("Cruz Diaz",), ("A-3",), "available", False)
CSO13_AVAILABLE = RespondingUnit("CSO13", ("Dee Ames",), ("C-4",), "available", False)


def deactivate(db, officer_id: int) -> None:
    with db.writer.begin() as s:
        s.execute(update(Officer).where(Officer.id == officer_id).values(active=False))


# The units that worked an incident ------------------------------------------------------------------


def test_units_dispatched_together_and_cleared_before_they_moved_are_named_with_their_crews(db, dispatcher):
    # One dispatch of two units leaves one timeline entry naming neither unit: the dispatch record names them.
    ids = crewed_shift(db)
    call = welfare_call(db, dispatcher)
    services.dispatch_units(db, dispatcher, call.id, [ids["CSO12"], ids["CSO11"]])
    services.clear_incident(db, dispatcher, call.id, disposition="18")
    assert incident_paperwork(db, call.id).units == (CSO11_AVAILABLE, CSO12_AVAILABLE)


def test_a_unit_on_officer_initiated_work_is_named_without_any_dispatch(db, dispatcher):
    ids = crewed_shift(db)
    work = services.start_self_initiated(
        db, dispatcher, unit_id=ids["CSO13"], call_type="BIZCHK", location="Sunset Strip"
    )
    services.clear_incident(db, dispatcher, work.id, disposition="18")
    assert incident_paperwork(db, work.id).units == (CSO13_AVAILABLE,)


def test_units_are_listed_by_call_sign_with_their_status_now_and_whether_still_on_the_incident(db, dispatcher):
    ids = crewed_shift(db)
    call = welfare_call(db, dispatcher)
    other = welfare_call(db, dispatcher, location="1200 N Fairfax Ave")
    services.dispatch_units(db, dispatcher, call.id, [ids["CSO13"]])
    services.dispatch_units(db, dispatcher, call.id, [ids["CSO12"]])
    services.dispatch_units(db, dispatcher, call.id, [ids["CSO11"]])
    services.set_unit_status(db, dispatcher, ids["CSO11"], "enroute")
    services.set_unit_status(db, dispatcher, ids["CSO12"], "available")  # released, the call stays open
    services.set_unit_status(db, dispatcher, ids["CSO13"], "available")
    services.dispatch_units(db, dispatcher, other.id, [ids["CSO13"]])  # now working another call
    assert incident_paperwork(db, call.id).units == (
        RespondingUnit("CSO11", ("Adam Best", "Zoe Young"), ("B-2", "B-1"), "enroute", True),
        CSO12_AVAILABLE,
        RespondingUnit("CSO13", ("Dee Ames",), ("C-4",), "dispatched", False),
    )
    assert incident_paperwork(db, other.id).units == (
        RespondingUnit("CSO13", ("Dee Ames",), ("C-4",), "dispatched", True),
    )


def test_each_incident_read_together_names_only_its_own_units(db, dispatcher):
    ids = crewed_shift(db)
    first = welfare_call(db, dispatcher)
    second = welfare_call(db, dispatcher, location="1200 N Fairfax Ave")
    quiet = welfare_call(db, dispatcher, location="7377 Santa Monica Blvd")
    services.dispatch_units(db, dispatcher, first.id, [ids["CSO11"], ids["CSO12"]])
    services.clear_incident(db, dispatcher, first.id, disposition="18")
    work = services.start_self_initiated(
        db, dispatcher, unit_id=ids["CSO13"], call_type="BIZCHK", location="Sunset Strip"
    )
    services.dispatch_units(db, dispatcher, second.id, [ids["CSO12"]])
    with db.read() as s:
        rows = s.execute(
            select(Incident).where(Incident.id.in_([first.id, second.id, quiet.id, work.id])).order_by(Incident.id)
        ).scalars()
        found = responding_units(s, list(rows))
    assert found == {
        first.id: [CSO11_AVAILABLE, RespondingUnit("CSO12", ("Cruz Diaz",), ("A-3",), "dispatched", False)],
        second.id: [RespondingUnit("CSO12", ("Cruz Diaz",), ("A-3",), "dispatched", True)],
        quiet.id: [],
        work.id: [RespondingUnit("CSO13", ("Dee Ames",), ("C-4",), "onscene", True)],
    }


def test_no_incidents_asked_for_gives_no_units(db):
    with db.read() as s:
        assert responding_units(s, []) == {}


def test_a_unit_is_printed_with_the_crew_it_had_in_the_incidents_shift(db, dispatcher):
    ids = crewed_shift(db)
    day = services.active_shift(db)
    call = welfare_call(db, dispatcher)
    services.dispatch_units(db, dispatcher, call.id, [ids["CSO11"]])
    services.clear_incident(db, dispatcher, call.id, disposition="18")
    for sign in ("CSO11", "CSO12", "CSO13"):
        services.sign_off_unit(db, SUPERVISOR, ids[sign])
    services.close_shift(db, SUPERVISOR, day.id)
    start_shift(db, "Night shift")
    services.sign_on_unit(db, SUPERVISOR, ids["CSO11"], officer_ids=[ids["Cruz"]], zone="0971")
    night_call = welfare_call(db, dispatcher, location="1200 N Fairfax Ave")
    services.dispatch_units(db, dispatcher, night_call.id, [ids["CSO11"]])
    assert incident_paperwork(db, call.id).units == (
        RespondingUnit("CSO11", ("Adam Best", "Zoe Young"), ("B-2", "B-1"), "dispatched", False),
    )
    assert incident_paperwork(db, night_call.id).units == (
        RespondingUnit("CSO11", ("Cruz Diaz",), ("A-3",), "dispatched", True),
    )


def test_a_call_taken_before_any_shift_started_names_its_units_without_a_crew(db, dispatcher):
    early = welfare_call(db, dispatcher)  # no active shift: the incident belongs to none
    ids = crewed_shift(db)
    services.dispatch_units(db, dispatcher, early.id, [ids["CSO12"]])
    assert services.get_incident(db, early.id).shift_id is None
    assert incident_paperwork(db, early.id).units == (RespondingUnit("CSO12", (), (), "dispatched", True),)


# Everything printed about an incident ----------------------------------------------------------------


def test_the_paperwork_of_an_unknown_incident_is_refused(db):
    with pytest.raises(NotFoundError, match="No incident with id 999"):
        incident_paperwork(db, 999)
    with pytest.raises(NotFoundError, match="No incident with id 999"):
        paperwork_context(db, 999)


def test_the_paperwork_holds_the_incidents_own_timeline_forms_and_citations_in_the_order_written(db, dispatcher):
    ids = crewed_shift(db)
    services.seed_directory(db, ADMIN)
    call = welfare_call(db, dispatcher)
    other = welfare_call(db, dispatcher, location="1200 N Fairfax Ave")
    services.add_note(db, dispatcher, call.id, "Caller waits at the gate")
    services.add_note(db, dispatcher, other.id, "Not this one")
    services.dispatch_units(db, dispatcher, call.id, [ids["CSO12"]])
    referrals.add_referral(db, dispatcher, incident_id=call.id, agency_key="dmh", outcome="accepted")
    referrals.add_referral(db, dispatcher, incident_id=other.id, agency_key="988", outcome="offered")
    referrals.add_referral(db, dispatcher, incident_id=call.id, agency_key="988", outcome="declined")
    welfare.record_welfare_check(db, dispatcher, incident_id=other.id, subject_name="Not this one")
    for name in ("Kim Lee", "Al Ray"):
        citations.issue_citation(
            db,
            dispatcher,
            officer_id=ids["Cruz"],
            violator_name=name,
            violations=[NOISE],
            location="8300 Santa Monica Blvd",
            incident_id=call.id,
        )
    citations.issue_citation(
        db,
        dispatcher,
        officer_id=ids["Cruz"],
        violator_name="Not This One",
        violations=[NOISE],
        location="8300 Santa Monica Blvd",
        incident_id=other.id,
    )
    paper = incident_paperwork(db, call.id)
    assert paper.incident.number == call.number
    assert [(e.kind, e.text) for e in paper.events] == [
        (
            "created",
            "Welfare check (P2) at 8300 Santa Monica Blvd; screening: weapon no · violence no · medical no · crime no",
        ),
        ("note", "Caller waits at the gate"),
        ("unit_assigned", "Dispatched CSO12"),
        ("referral", "Referral to LA County Department of Mental Health 24/7 Help Line (800-854-7771): accepted"),
        ("referral", "Referral to 988 Suicide & Crisis Lifeline (988): declined"),
        ("citation", "Citation AC-000001 issued to Kim Lee: 9.08.050 (offense 1, $100)"),
        ("citation", "Citation AC-000002 issued to Al Ray: 9.08.050 (offense 1, $100)"),
    ]
    assert [(r.agency_key, r.outcome) for r in paper.referrals] == [("dmh", "accepted"), ("988", "declined")]
    assert [c.violator_name for c in paper.citations] == ["Kim Lee", "Al Ray"]
    assert paper.welfare_check is None
    assert paper.merged_into_number is None
    recorded = welfare.record_welfare_check(db, dispatcher, incident_id=call.id, subject_name="Olga")
    assert incident_paperwork(db, call.id).welfare_check == recorded


def test_a_merged_duplicate_names_the_incident_it_was_merged_into(db, dispatcher):
    target = welfare_call(db, dispatcher)
    dup = welfare_call(db, dispatcher, caller_name="Second Caller")
    services.merge_duplicate(db, dispatcher, duplicate_id=dup.id, into_id=target.id)
    assert incident_paperwork(db, dup.id).merged_into_number == target.number
    assert incident_paperwork(db, target.id).merged_into_number is None


# What a citation or welfare-check form opens with ---------------------------------------------------


def test_a_form_offers_the_active_officers_by_name_and_suggests_the_crews_that_worked_the_call(db, dispatcher):
    ids = crewed_shift(db)
    idle = officer(db, "D-5", "Bea Idle")  # active, in no unit
    gone = officer(db, "D-6", "Aaron Gone")
    deactivate(db, gone)
    call = welfare_call(db, dispatcher)
    services.dispatch_units(db, dispatcher, call.id, [ids["CSO12"], ids["CSO11"]])
    context = paperwork_context(db, call.id)
    assert [(o.id, o.name) for o in context.officers] == [
        (ids["Adam"], "Adam Best"),
        (idle, "Bea Idle"),
        (ids["Cruz"], "Cruz Diaz"),
        (ids["Dee"], "Dee Ames"),
        (ids["Zoe"], "Zoe Young"),
    ]
    # By call sign, then by name within the crew.
    assert context.on_scene_officer_ids == (ids["Adam"], ids["Zoe"], ids["Cruz"])
    assert context.incident.number == call.number
    assert (context.citations, context.welfare_check, context.welfare_officer_id) == ((), None, None)


def test_an_officer_no_longer_active_is_not_suggested_on_a_form(db, dispatcher):
    ids = crewed_shift(db)
    call = welfare_call(db, dispatcher)
    services.dispatch_units(db, dispatcher, call.id, [ids["CSO11"], ids["CSO12"]])
    deactivate(db, ids["Zoe"])
    context = paperwork_context(db, call.id)
    assert context.on_scene_officer_ids == (ids["Adam"], ids["Cruz"])
    assert ids["Zoe"] not in [o.id for o in context.officers]


def test_a_form_opens_with_the_incidents_citations_and_welfare_check_and_its_officer(db, dispatcher):
    ids = crewed_shift(db)
    call = welfare_call(db, dispatcher)
    check = welfare.record_welfare_check(
        db, dispatcher, incident_id=call.id, officer_id=ids["Dee"], subject_name="Olga"
    )
    cited = citations.issue_citation(
        db,
        dispatcher,
        officer_id=ids["Cruz"],
        violator_name="Kim Lee",
        violations=[NOISE],
        location="8300 Santa Monica Blvd",
        incident_id=call.id,
    )
    context = paperwork_context(db, call.id)
    assert (context.welfare_check, context.welfare_officer_id, context.citations) == (check, ids["Dee"], (cited,))
    welfare.record_welfare_check(db, dispatcher, incident_id=call.id, subject_name="Olga")  # no officer named
    assert paperwork_context(db, call.id).welfare_officer_id is None
