"""Retention: personal details of repeat contacts removed from records closed past the pack's months, audited."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from sqlalchemy import select

from data import services
from data.audit_chain import verify
from data.errors import PermissionDeniedError, ValidationError
from data.models import AuditEntry, Citation, Incident, Referral, WelfareCheck
from data.permissions import Actor
from data.services import citations, referrals, retention, welfare
from data.services.contacts import prior_contacts
from data.services.history import months_ago

ADMIN = Actor("admin1", role="admin", workstation="ws-admin")


@pytest.fixture
def records(db, dispatcher, supervisor, clock):
    """Thirty months ago: a closed welfare check with a referral, a citation on it, a citation with no incident,
    and a welfare check whose incident is still open. Today: a closed welfare check."""
    db.pack = replace(db.pack, history=replace(db.pack.history, retention_months=24))
    services.seed_directory(db, ADMIN)
    officer = services.create_officer(db, supervisor, badge="C7", name="Priya Raman")
    section = db.pack.provisions[0].section

    def checked(name: str, *, close: bool) -> int:
        inc = services.create_incident(db, dispatcher, call_type="WELFARE", location="Plummer Park")
        welfare.record_welfare_check(
            db,
            dispatcher,
            incident_id=inc.id,
            officer_id=officer.id,
            subject_name=name,
            approx_age="40s",
            description="Blue jacket, grey backpack",
            services_offered="Shelter bed",
            services_accepted=False,
        )
        if close:
            services.cancel_incident(db, dispatcher, inc.id, reason="Handled on scene")
        return inc.id

    clock.now = clock.now - dt.timedelta(days=30 * 31)
    old = checked("María López", close=True)
    referrals.add_referral(db, dispatcher, incident_id=old, agency_key="dmh", outcome="declined")
    open_old = checked("María López", close=False)
    cited = citations.issue_citation(
        db,
        dispatcher,
        officer_id=officer.id,
        violator_name="María López",
        violator_dob="1980-04-02",
        violator_address="1 Main St",
        violator_id_number="D1234567",
        violations=[section],
        location="8300 Santa Monica Blvd",
    )
    clock.now = clock.now + dt.timedelta(days=30 * 31)
    recent = checked("María López", close=True)
    return {"old": old, "open_old": open_old, "cited": cited.number, "recent": recent}


def _welfare(db, incident_id):
    with db.read() as s:
        return s.execute(select(WelfareCheck).where(WelfareCheck.incident_id == incident_id)).scalar_one()


def _rows(db):
    """Every row of the tables retention may touch, as plain tuples, to compare before and after."""
    with db.read() as s:
        out = {}
        for model in (WelfareCheck, Citation, Incident, Referral):
            cols = [c.key for c in model.__table__.columns]
            out[model.__tablename__] = {
                r.id: {c: getattr(r, c) for c in cols} for r in s.execute(select(model)).scalars().all()
            }
        return out


def test_the_dry_run_lists_only_closed_records_past_retention_and_changes_nothing(db, records):
    before = _rows(db)
    found = retention.plan(db, ADMIN)
    assert found.months == 24
    listed = sorted((r.kind, r.label) for r in found.removals)
    with db.read() as s:
        old_number = s.get(Incident, records["old"]).number
    assert listed == sorted([("welfare check", old_number), ("citation", records["cited"])])
    assert _rows(db) == before
    with db.read() as s:
        audit = s.execute(select(AuditEntry).where(AuditEntry.action == "retention_dry_run")).scalar_one()
    assert audit.after["records"] == 2 and audit.username == ADMIN.username


def test_apply_removes_exactly_what_the_dry_run_listed_and_audits_each_record(db, records):
    listed = retention.plan(db, ADMIN)
    before = _rows(db)
    done = retention.apply(db, ADMIN)
    assert [(r.kind, r.record_id, r.fields) for r in done.removals] == [
        (r.kind, r.record_id, r.fields) for r in listed.removals
    ]
    after = _rows(db)

    # Exactly the personal fields of the listed records changed, to empty; every other value is as it was.
    changed = {
        (table, rid, col)
        for table, rows in before.items()
        for rid, row in rows.items()
        for col, value in row.items()
        if after[table][rid][col] != value
    }
    old_check = _welfare(db, records["old"]).id
    with db.read() as s:
        cit = s.execute(select(Citation).where(Citation.number == records["cited"])).scalar_one()
    expected = {("welfare_checks", old_check, f) for f in retention.WELFARE_FIELDS}
    expected |= {("citations", cit.id, f) for f in retention.CITATION_FIELDS} | {("citations", cit.id, "version")}
    assert changed == expected
    assert all(after["welfare_checks"][old_check][f] == "" for f in retention.WELFARE_FIELDS)
    assert cit.violator_name == "" and cit.violator_dob == "" and cit.location == "8300 Santa Monica Blvd"

    # The open incident and the recent one keep their person; earlier contacts now find only those.
    assert _welfare(db, records["open_old"]).subject_name == "María López"
    assert _welfare(db, records["recent"]).subject_name == "María López"
    found = prior_contacts(db, ADMIN, name="María López", dob="1980-04-02")
    assert sorted(c.incident_id for c in found.contacts) == sorted([records["open_old"], records["recent"]])

    with db.read() as s:
        audits = s.execute(select(AuditEntry).where(AuditEntry.action.like("retention_%"))).scalars().all()
        keys = {a.action_key for a in audits if a.action != "retention_dry_run"}
        assert all(r.intact for r in verify(s))
    removed = [a for a in audits if a.action == "retention_remove"]
    assert sorted((a.entity, a.entity_id) for a in removed) == sorted(
        [("welfare_check", old_check), ("citation", cit.id)]
    )
    assert all("María" not in str(a.before) + str(a.after) for a in removed)  # the audit keeps no removed value
    assert len(keys) == 1  # one action, one transaction

    # A second run finds nothing left to remove.
    assert retention.plan(db, ADMIN).count == 0
    assert retention.apply(db, ADMIN).count == 0


def test_only_an_admin_may_run_it_and_a_refusal_is_audited(db, records, supervisor, dispatcher):
    before = _rows(db)
    for actor in (supervisor, dispatcher):
        with pytest.raises(PermissionDeniedError):
            retention.apply(db, actor)
        with pytest.raises(PermissionDeniedError):
            retention.plan(db, actor)
    assert _rows(db) == before
    with db.read() as s:
        refused = s.execute(select(AuditEntry).where(AuditEntry.outcome == "refused")).scalars().all()
    assert {a.action for a in refused} == {"apply_retention"} and len(refused) == 4


def test_a_pack_without_retention_keeps_everything(db, records):
    db.pack = replace(db.pack, history=replace(db.pack.history, retention_months=0))
    before = _rows(db)
    with pytest.raises(ValidationError):
        retention.apply(db, ADMIN)
    assert _rows(db) == before


def test_the_cut_off_keeps_the_day_or_takes_the_months_last():
    at = dt.datetime(2026, 3, 31, 12, 0, tzinfo=dt.UTC)
    assert months_ago(at, 24) == dt.datetime(2024, 3, 31, 12, 0, tzinfo=dt.UTC)
    assert months_ago(at, 1) == dt.datetime(2026, 2, 28, 12, 0, tzinfo=dt.UTC)
    assert months_ago(at, 3) == dt.datetime(2025, 12, 31, 12, 0, tzinfo=dt.UTC)


def test_a_supervisors_merge_naming_only_people_past_retention_goes_too(db, records, dispatcher, supervisor, clock):
    from data.services import people

    now = clock.now
    clock.now = now - dt.timedelta(days=30 * 31)
    officer = services.create_officer(db, supervisor, badge="C9", name="Lee Park")
    inc = services.create_incident(db, dispatcher, call_type="WELFARE", location="Kings Road Park")
    welfare.record_welfare_check(
        db, dispatcher, incident_id=inc.id, officer_id=officer.id, subject_name="Old Timer", services_accepted=None
    )
    services.cancel_incident(db, dispatcher, inc.id, reason="Gone on arrival")
    clock.now = now
    gone = people.merge_people(db, supervisor, name="Old Timer", other_name="Oldie Timer", reason="same man")
    kept = people.merge_people(db, supervisor, name="María López", other_name="Maria Lopez", reason="same woman")

    listed = retention.plan(db, ADMIN)
    assert listed.links == (gone.id,)
    done = retention.apply(db, ADMIN)
    assert done.links == (gone.id,) and done.count == listed.count == 3
    with db.read() as s:
        assert [link.id for link in s.execute(select(people.PersonLink)).scalars()] == [kept.id]
        removed = s.execute(
            select(AuditEntry).where(AuditEntry.action == "retention_remove", AuditEntry.entity == "person_link")
        ).scalar_one()
    assert removed.entity_id == gone.id and "Timer" not in str(removed.before) + str(removed.after)
