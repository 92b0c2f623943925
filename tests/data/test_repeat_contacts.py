"""Repeat contacts: a person's earlier welfare checks and citations, matched by name and date of birth."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from data import services
from data.errors import PermissionDeniedError, ValidationError
from data.models import AuditEntry
from data.permissions import Actor
from data.services import citations, referrals, welfare
from data.services.contacts import prior_contacts

ADMIN = Actor("admin1", role="admin", workstation="ws-admin")


@pytest.fixture
def people(db, dispatcher, supervisor, clock):
    """María López: two welfare checks (one with a referral due), a citation with her date of birth;
    another María López with a different date of birth; and someone else."""
    services.seed_directory(db, ADMIN)
    officer = services.create_officer(db, supervisor, badge="C7", name="Priya Raman")

    def checked(name: str, accepted: bool | None, **extra: object) -> int:
        inc = services.create_incident(db, dispatcher, call_type="WELFARE", location="Plummer Park")
        welfare.record_welfare_check(
            db,
            dispatcher,
            incident_id=inc.id,
            officer_id=officer.id,
            subject_name=name,
            services_offered="Shelter bed",
            services_accepted=accepted,
            **extra,
        )
        clock.advance(days=3)
        return inc.id

    first = checked("María López", False)
    second = checked("  maría   LÓPEZ ", True, follow_up_needed=True, follow_up_note="Call Friday")
    referrals.add_referral(
        db,
        dispatcher,
        incident_id=second,
        agency_key="dmh",
        outcome="accepted",
        follow_up_on=(db.clock() + dt.timedelta(days=2)).date(),
    )
    checked("Mario Lopez", None)
    third = checked("MARÍA LÓPEZ", None)  # capitals beyond ASCII: SQLite's lower() leaves them
    section = db.pack.provisions[0].section
    mine = citations.issue_citation(
        db,
        dispatcher,
        officer_id=officer.id,
        violator_name="María López",
        violator_dob="1980-04-02",
        violations=[section],
        location="8300 Santa Monica Blvd",
    )
    other = citations.issue_citation(
        db,
        dispatcher,
        officer_id=officer.id,
        violator_name="María López",
        violator_dob="1999-12-31",
        violations=[section],
        location="8300 Santa Monica Blvd",
    )
    return {"first": first, "second": second, "third": third, "mine": mine, "other": other}


def test_contacts_match_by_name_and_keep_another_date_of_birth_apart(db, dispatcher, people):
    found = prior_contacts(db, dispatcher, name="Maria Lopez".replace("a L", "a L"), dob="")
    assert found.count == 0  # no accents folded away: "Maria" is not "María"
    found = prior_contacts(db, dispatcher, name="maría lópez", dob="4/2/1980")
    kinds = [(c.kind, c.incident_id, c.matched_on) for c in found.contacts]
    assert ("welfare check", people["first"], "name only") in kinds
    assert ("welfare check", people["second"], "name only") in kinds
    assert ("welfare check", people["third"], "name only") in kinds
    assert [c.outcome for c in found.contacts if c.kind == "citation"] == [f"citation {people['mine'].number} issued"]
    assert all(people["other"].number not in c.outcome for c in found.contacts)  # another date of birth
    assert [c.at for c in found.contacts] == sorted((c.at for c in found.contacts), reverse=True)
    second = next(c for c in found.contacts if c.incident_id == people["second"])
    assert second.outcome == "services accepted; follow-up needed: Call Friday"
    assert [(r.agency_key, r.outcome) for r in second.referrals] == [("dmh", "accepted")]
    due = second.referrals[0].follow_up_on
    assert due is not None and "follow-up due" in second.follow_up_state(due)
    assert "overdue" in second.follow_up_state(due + dt.timedelta(days=1))

    # Without a date of birth both citations of the name come back, as name-only matches.
    loose = prior_contacts(db, dispatcher, name="María López")
    assert sorted(c.outcome for c in loose.contacts if c.kind == "citation") == sorted(
        [f"citation {people['mine'].number} issued", f"citation {people['other'].number} issued"]
    )


def test_the_incident_in_hand_is_left_out_and_the_read_is_audited(db, dispatcher, people):
    found = prior_contacts(db, dispatcher, name="María López", exclude_incident_id=people["second"])
    assert people["second"] not in [c.incident_id for c in found.contacts]
    with db.read() as s:
        audit = s.execute(select(AuditEntry).where(AuditEntry.action == "read_contacts")).scalars().all()
    assert audit[-1].username == dispatcher.username and audit[-1].after["name"] == "María López"


def test_roles_the_pack_leaves_out_are_refused_and_audited(db, dispatcher, people):
    from dataclasses import replace

    db.pack = replace(db.pack, history=replace(db.pack.history, contact_roles=("supervisor", "admin")))
    with pytest.raises(PermissionDeniedError):
        prior_contacts(db, dispatcher, name="María López")
    with db.read() as s:
        refused = s.execute(select(AuditEntry).where(AuditEntry.outcome == "refused")).scalar_one()
    assert refused.action == "read_contacts"


@pytest.mark.parametrize("name", ["", "  ", "Al", "declined", "%", "_%_"])
def test_a_name_too_short_or_a_wildcard_finds_nobody(db, dispatcher, people, name):
    with pytest.raises(ValidationError):
        prior_contacts(db, dispatcher, name=name)


def test_a_wildcard_inside_a_name_is_a_letter(db, dispatcher, people):
    assert prior_contacts(db, dispatcher, name="Mar%a López").count == 0
