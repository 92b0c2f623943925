"""Retention at its boundaries: which records are past the cut-off, which fields go, what the audit keeps.

The records are written straight into the tables at known moments (intake's own rules are pinned
elsewhere); the cut-off is 24 months (the pack's) before the test clock's now.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import insert, select

from data.errors import PermissionDeniedError, ValidationError
from data.models import AuditEntry, Citation, Incident, Officer, PersonLink, User, WelfareCheck
from data.permissions import Actor
from data.services import retention
from data.services.retention import Removal

UTC = dt.UTC
MS = dt.timedelta(milliseconds=1)
NOW = dt.datetime(2026, 11, 26, 16, 0, tzinfo=UTC)  # the clock fixture's now
CUTOFF = dt.datetime(2024, 11, 26, 16, 0, tzinfo=UTC)  # 24 months earlier
BEFORE = CUTOFF - MS
ADMIN = Actor("admin.retention", role="admin", workstation="ws-adm")
WELFARE_PERSON = {"subject_name": "María López", "approx_age": "40s", "description": "Blue jacket"}
CITED_PERSON = {
    "violator_name": "John Smith",
    "violator_key": "john smith",
    "violator_dob": "1980-04-02",
    "violator_address": "1 Main St",
    "violator_id_number": "D1234567",
}
ALL_CITATION = ("violator_name", "violator_dob", "violator_address", "violator_id_number", "violator_key")
ALL_WELFARE = ("subject_name", "approx_age", "description")
_numbers = itertools.count(1)


def exactly(message: str) -> str:
    return f"^{re.escape(message)}$"


def incident(db, status: str, closed_at: dt.datetime) -> tuple[int, str]:
    number = f"R-{next(_numbers):05d}"
    with db.writer() as s, s.begin():
        ident = s.execute(
            insert(Incident)
            .values(
                number=number,
                call_type="WELFARE",
                apco_code="WELFARE",
                priority=2,
                status=status,
                location="Plummer Park",
                received_at=closed_at - dt.timedelta(hours=1),
                entered_at=closed_at - dt.timedelta(hours=1),
                status_changed_at=closed_at,
            )
            .returning(Incident.id)
        ).scalar_one()
    return ident, number


def officer_id(db) -> int:
    with db.writer() as s, s.begin():
        found = s.execute(select(Officer.id)).scalar()
        if found is None:
            found = s.execute(insert(Officer).values(badge="C7", name="Priya Raman").returning(Officer.id)).scalar_one()
    return found


def welfare_check(db, incident_id: int, recorded_at: dt.datetime, **person: Any) -> int:
    with db.writer() as s, s.begin():
        return s.execute(
            insert(WelfareCheck)
            .values(incident_id=incident_id, recorded_at=recorded_at, **(WELFARE_PERSON | person))
            .returning(WelfareCheck.id)
        ).scalar_one()


def citation(db, issued_at: dt.datetime, incident_id: int | None = None, **person: Any) -> tuple[int, str]:
    number = f"C-{next(_numbers):05d}"
    with db.writer() as s, s.begin():
        ident = s.execute(
            insert(Citation)
            .values(
                number=number,
                incident_id=incident_id,
                officer_id=officer_id(db),
                issued_at=issued_at,
                location="8300 Santa Monica Blvd",
                **(CITED_PERSON | person),
            )
            .returning(Citation.id)
        ).scalar_one()
    return ident, number


def link(db, kind: str, name_key: str, other: str = "", record_id: int | None = None) -> int:
    fields: dict[str, Any] = {"kind": kind, "name_key": name_key, "reason": "x", "created_at": NOW, "created_by": "s"}
    if kind == "merge":
        fields["other_name_key"] = other
    else:
        fields |= {"record_kind": "welfare_check", "record_id": record_id}
    with db.writer() as s, s.begin():
        return s.execute(insert(PersonLink).values(**fields).returning(PersonLink.id)).scalar_one()


def listed(plan: retention.RetentionPlan) -> list[tuple[str, int]]:
    return [(r.kind, r.record_id) for r in plan.removals]


# The cut-off -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["cleared", "cancelled", "transferred", "merged"])
def test_a_welfare_check_goes_once_its_incident_closed_before_the_cut_off(db, status):
    gone_id, gone_number = incident(db, status, BEFORE)
    at_cutoff, _ = incident(db, status, CUTOFF)
    gone = welfare_check(db, gone_id, BEFORE - dt.timedelta(hours=1))
    welfare_check(db, at_cutoff, BEFORE - dt.timedelta(hours=1))
    plan = retention.plan(db, ADMIN)
    assert (plan.months, plan.cutoff, plan.links) == (24, CUTOFF, ())
    assert plan.removals == (Removal("welfare check", gone, gone_number, BEFORE, ALL_WELFARE),)
    assert plan.count == 1


@pytest.mark.parametrize("status", ["pending", "dispatched", "enroute", "onscene"])
def test_an_open_incident_keeps_its_people_whatever_their_age(db, status):
    opened, _ = incident(db, status, CUTOFF - dt.timedelta(days=900))
    welfare_check(db, opened, CUTOFF - dt.timedelta(days=900))
    citation(db, CUTOFF - dt.timedelta(days=900), opened)
    assert retention.plan(db, ADMIN).removals == ()


def test_a_welfare_check_recorded_at_or_after_the_cut_off_stays(db):
    first, _ = incident(db, "cleared", BEFORE)
    second, number = incident(db, "cleared", BEFORE)
    welfare_check(db, first, CUTOFF)  # recorded after its incident closed, exactly at the cut-off
    kept_before = welfare_check(db, second, BEFORE)
    assert listed(retention.plan(db, ADMIN)) == [("welfare check", kept_before)]
    assert retention.plan(db, ADMIN).removals[0].label == number


def test_a_citation_without_an_incident_goes_once_issued_before_the_cut_off(db):
    gone, number = citation(db, BEFORE)
    citation(db, CUTOFF)
    plan = retention.plan(db, ADMIN)
    assert plan.removals == (Removal("citation", gone, number, BEFORE, ALL_CITATION),)


def test_a_citation_on_an_incident_goes_when_both_are_before_the_cut_off(db):
    closed_before, _ = incident(db, "cleared", BEFORE - dt.timedelta(days=1))
    closed_at_cutoff, _ = incident(db, "cleared", CUTOFF)
    gone, number = citation(db, BEFORE, closed_before)
    citation(db, BEFORE, closed_at_cutoff)  # its incident closed at the cut-off
    citation(db, CUTOFF, closed_before)  # issued at the cut-off (written up late)
    plan = retention.plan(db, ADMIN)
    assert plan.removals == (Removal("citation", gone, number, BEFORE - dt.timedelta(days=1), ALL_CITATION),)


def test_only_the_fields_that_hold_something_are_listed_and_records_with_none_are_left_out(db):
    a, _ = incident(db, "cleared", BEFORE)
    b, _ = incident(db, "cleared", BEFORE)
    partial = welfare_check(db, a, BEFORE, subject_name="", approx_age="30s", description="")
    welfare_check(db, b, BEFORE, subject_name="", approx_age="", description="")
    cited, _ = citation(db, BEFORE, violator_dob="", violator_address="", violator_id_number="")
    citation(db, BEFORE, violator_name="", violator_key="", violator_dob="", violator_address="", violator_id_number="")
    plan = retention.plan(db, ADMIN)
    assert [(r.kind, r.record_id, r.fields) for r in plan.removals] == [
        ("welfare check", partial, ("approx_age",)),
        ("citation", cited, ("violator_name", "violator_key")),
    ]


def test_records_are_listed_welfare_checks_first_each_in_the_order_written(db):
    incidents = [incident(db, "cleared", BEFORE)[0] for _ in range(3)]
    checks = [welfare_check(db, i, BEFORE) for i in reversed(incidents)]
    cites = [citation(db, BEFORE)[0] for _ in range(2)]
    assert listed(retention.plan(db, ADMIN)) == [("welfare check", c) for c in checks] + [
        ("citation", c) for c in cites
    ]


@pytest.mark.parametrize(("months", "cutoff"), [(1, dt.datetime(2026, 10, 26, 16, 0, tzinfo=UTC)), (24, CUTOFF)])
def test_the_cut_off_is_the_packs_months_before_now(db, months, cutoff):
    db.pack = replace(db.pack, history=replace(db.pack.history, retention_months=months))
    plan = retention.plan(db, ADMIN)
    assert (plan.months, plan.cutoff) == (months, cutoff)


@pytest.mark.parametrize("months", [0, -1])
def test_a_pack_without_retention_keeps_everything_and_says_so(db, months):
    db.pack = replace(db.pack, history=replace(db.pack.history, retention_months=months))
    gone, _ = citation(db, BEFORE)
    refusal = "The pack sets no retention ([history] retention_months is 0): personal details are kept."
    for run in (retention.plan, retention.apply):
        with pytest.raises(ValidationError, match=exactly(refusal)) as refused:
            run(db, ADMIN)
        assert refused.value.field == "retention_months"
    with db.read() as s:
        assert s.get(Citation, gone).violator_name == "John Smith"
        assert s.execute(select(AuditEntry.id).where(AuditEntry.action.like("retention%"))).all() == []


# Supervisors' merges and splits ------------------------------------------------------------------------


def test_a_link_goes_when_no_record_left_names_its_people(db):
    old, _ = incident(db, "cleared", BEFORE)
    new, _ = incident(db, "cleared", NOW)
    welfare_check(db, old, BEFORE, subject_name="Old Timer")
    welfare_check(db, new, NOW, subject_name="María López")
    citation(db, BEFORE, violator_name="Gone Person", violator_key="gone person")
    citation(db, NOW, violator_name="Kept Cited", violator_key="kept cited")
    citation(db, NOW, violator_name="", violator_key="")
    merge_gone = link(db, "merge", "old timer", "gone person")
    merge_half = link(db, "merge", "old timer", "maría lópez")  # one of its two people is kept
    merge_other_half = link(db, "merge", "kept cited", "gone person")
    split_gone = link(db, "split", "gone person", record_id=1)
    split_kept = link(db, "split", "maría lópez", record_id=1)
    split_kept_cited = link(db, "split", "kept cited", record_id=1)
    plan = retention.plan(db, ADMIN)
    assert plan.links == (merge_gone, split_gone)
    assert {merge_half, merge_other_half, split_kept, split_kept_cited}.isdisjoint(plan.links)


def test_without_links_none_go(db):
    old, _ = incident(db, "cleared", BEFORE)
    welfare_check(db, old, BEFORE)
    assert retention.plan(db, ADMIN).links == ()


# The dry run and the run ---------------------------------------------------------------------------------


def audits(db) -> list[tuple]:
    with db.read() as s:
        rows = s.execute(select(AuditEntry).where(AuditEntry.action.like("retention%")).order_by(AuditEntry.id))
        return [(a.action, a.username, a.entity, a.entity_id, a.before, a.after) for a in rows.scalars()]


def test_the_dry_run_changes_nothing_and_is_audited_with_its_counts(db):
    old, _ = incident(db, "cleared", BEFORE)
    check = welfare_check(db, old, BEFORE)
    cited, _ = citation(db, BEFORE)
    gone = link(db, "split", "john smith", record_id=cited)
    plan = retention.plan(db, ADMIN)
    assert (plan.count, plan.links) == (2, (gone,))
    with db.read() as s:
        assert s.get(WelfareCheck, check).subject_name == "María López"
        assert s.get(Citation, cited).violator_name == "John Smith"
        assert s.get(PersonLink, gone) is not None
    assert audits(db) == [
        (
            "retention_dry_run",
            ADMIN.username,
            "retention",
            None,
            None,
            {"months": 24, "cutoff": CUTOFF.isoformat(), "records": 2, "person_links": 1},
        )
    ]


def test_the_run_empties_the_fields_listed_and_audits_each_record_without_its_values(db):
    old, number = incident(db, "transferred", BEFORE - dt.timedelta(days=2))
    check = welfare_check(db, old, BEFORE - dt.timedelta(days=3), approx_age="")
    cited, cite_number = citation(db, BEFORE, violator_address="")
    gone = link(db, "merge", "maría lópez", "john smith")
    done = retention.apply(db, ADMIN)
    assert listed(done) == [("welfare check", check), ("citation", cited)]
    assert (done.months, done.cutoff, done.links) == (24, CUTOFF, (gone,))
    with db.read() as s:
        w = s.get(WelfareCheck, check)
        c = s.get(Citation, cited)
        assert (w.subject_name, w.approx_age, w.description) == ("", "", "")
        assert (c.violator_name, c.violator_dob, c.violator_address, c.violator_id_number, c.violator_key) == (
            "",
            "",
            "",
            "",
            "",
        )
        assert (c.location, c.issued_at, c.number) == ("8300 Santa Monica Blvd", BEFORE, cite_number)
        assert s.get(PersonLink, gone) is None
    assert audits(db) == [
        (
            "retention_apply",
            ADMIN.username,
            "retention",
            None,
            None,
            {"months": 24, "cutoff": CUTOFF.isoformat(), "records": 2, "person_links": 1},
        ),
        (
            "retention_remove",
            ADMIN.username,
            "welfare_check",
            check,
            {"record": number, "closed_at": (BEFORE - dt.timedelta(days=2)).isoformat()},
            {"removed": ["subject_name", "description"]},
        ),
        (
            "retention_remove",
            ADMIN.username,
            "citation",
            cited,
            {"record": cite_number, "closed_at": BEFORE.isoformat()},
            {"removed": ["violator_name", "violator_dob", "violator_id_number", "violator_key"]},
        ),
        ("retention_remove", ADMIN.username, "person_link", gone, {"kind": "merge"}, {"removed": ["person_link"]}),
    ]
    again = retention.apply(db, ADMIN)
    assert (again.count, again.links) == (0, ())


def test_a_run_with_nothing_to_remove_is_still_audited(db):
    done = retention.apply(db, ADMIN)
    assert (done.removals, done.links) == ((), ())
    assert audits(db) == [
        (
            "retention_apply",
            ADMIN.username,
            "retention",
            None,
            None,
            {"months": 24, "cutoff": CUTOFF.isoformat(), "records": 0, "person_links": 0},
        )
    ]


@pytest.mark.parametrize("run", [retention.plan, retention.apply])
def test_a_supervisor_is_refused_and_the_refusal_names_retention(db, run):
    supervisor = Actor("sup.retention", role="supervisor", workstation="ws-sup")
    gone, _ = citation(db, BEFORE)
    with pytest.raises(PermissionDeniedError):
        run(db, supervisor)
    with db.read() as s:
        refusal = s.execute(select(AuditEntry).where(AuditEntry.outcome == "refused")).scalar_one()
        assert s.get(Citation, gone).violator_name == "John Smith"
    assert (refusal.action, refusal.entity, refusal.entity_id) == ("apply_retention", "retention", None)


@pytest.mark.parametrize("run", [retention.plan, retention.apply])
def test_an_admin_demoted_after_the_first_check_is_refused(db, monkeypatch, run):
    actor = Actor("adm.demoted", role="admin", workstation="ws-adm")
    gone, _ = citation(db, BEFORE)
    real = retention.authorize

    def check_then_demote(*args: Any, **kwargs: Any) -> None:
        real(*args, **kwargs)
        with db.writer() as s, s.begin():
            s.add(User(username=actor.username, role="supervisor", active=True, locked=False, created_at=NOW))

    monkeypatch.setattr(retention, "authorize", check_then_demote)
    with pytest.raises(PermissionDeniedError):
        run(db, actor)
    with db.read() as s:
        assert s.get(Citation, gone).violator_name == "John Smith"
    assert [a[0] for a in audits(db)] == []
