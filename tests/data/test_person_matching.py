"""A supervisor's merge and split of person matches: audited, role-checked in the service, undone cleanly."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from data import services
from data.errors import NotFoundError, PermissionDeniedError, ValidationError
from data.models import AuditEntry, PersonLink
from data.permissions import Actor
from data.services import citations, people, welfare
from data.services.contacts import MERGED, prior_contacts

ADMIN = Actor("admin1", role="admin", workstation="ws-admin")


@pytest.fixture
def records(db, dispatcher, supervisor, clock):
    """Robert Smith cited with his date of birth; 'Bob Smith' in a welfare check; two welfare checks of a
    'John Doe', one of whom is someone else."""
    services.seed_directory(db, ADMIN)
    officer = services.create_officer(db, supervisor, badge="C7", name="Priya Raman")

    def checked(name: str) -> int:
        inc = services.create_incident(db, dispatcher, call_type="WELFARE", location="Plummer Park")
        welfare.record_welfare_check(
            db, dispatcher, incident_id=inc.id, officer_id=officer.id, subject_name=name, services_accepted=None
        )
        clock.advance(days=2)
        check = welfare.welfare_check_for_incident(db, inc.id)
        assert check is not None
        return check.id

    bob = checked("Bob Smith")
    doe_1 = checked("John Doe")
    doe_2 = checked("JOHN  doe")
    cited = citations.issue_citation(
        db,
        dispatcher,
        officer_id=officer.id,
        violator_name="Robert Smith",
        violator_dob="1970-01-05",
        violations=[db.pack.provisions[0].section],
        location="8300 Santa Monica Blvd",
    )
    return {"bob": bob, "doe_1": doe_1, "doe_2": doe_2, "cited": cited.number}


def kinds(db, name, dob=""):
    return sorted((c.kind, c.record_id, c.matched_on) for c in prior_contacts(db, ADMIN, name=name, dob=dob).contacts)


def test_a_merge_shows_each_persons_contacts_under_the_other_and_undo_takes_it_back(db, supervisor, records):
    assert [k[0] for k in kinds(db, "Robert Smith", "1970-01-05")] == ["citation"]
    link = people.merge_people(
        db, supervisor, name="Robert Smith", dob="1/5/1970", other_name="bob smith", reason="Same man; said so on scene"
    )
    assert (link.kind, link.name, link.dob, link.other_name) == ("merge", "robert smith", "1970-01-05", "bob smith")
    robert = kinds(db, "Robert Smith", "1970-01-05")
    assert ("welfare check", records["bob"], MERGED) in robert and len(robert) == 2
    bob = kinds(db, "Bob Smith")
    assert [k[0] for k in bob] == ["citation", "welfare check"] and ("citation", bob[0][1], MERGED) in bob
    # Another Robert Smith (another date of birth) is not merged with Bob.
    assert kinds(db, "Robert Smith", "1990-09-09") == []

    with pytest.raises(ValidationError):  # already merged: refused, not a second row
        people.merge_people(db, supervisor, name="Bob Smith", other_name="Robert Smith", reason="again")
    assert [lk.id for lk in people.links_for(db, supervisor, name="Bob Smith")] == [link.id]

    people.undo_link(db, supervisor, link.id, reason="Brother, not the same man")
    assert [k[0] for k in kinds(db, "Robert Smith", "1970-01-05")] == ["citation"]
    with db.read() as s:
        row = s.get(PersonLink, link.id)
        actions = s.execute(select(AuditEntry.action).where(AuditEntry.entity == "person_link")).scalars().all()
    assert row is not None and row.ended_by == supervisor.username  # the row stays, ended
    assert actions == ["merge_people", "undo_person_link"]
    with pytest.raises(ValidationError):
        people.undo_link(db, supervisor, link.id, reason="twice")


def test_a_split_takes_one_record_away_from_the_person_only(db, supervisor, records):
    assert [k[1] for k in kinds(db, "John Doe")] == sorted([records["doe_1"], records["doe_2"]])
    link = people.split_record(
        db,
        supervisor,
        name="john doe",
        record_kind="welfare_check",
        record_id=records["doe_2"],
        reason="Age 20s, ours is 60s",
    )
    assert [k[1] for k in kinds(db, "John Doe")] == [records["doe_1"]]
    assert [k[1] for k in kinds(db, "John Doe", "1960-03-03")] == [records["doe_1"]]  # whatever date of birth is asked
    with pytest.raises(ValidationError):
        people.split_record(
            db, supervisor, name="John Doe", record_kind="welfare_check", record_id=records["doe_2"], reason="again"
        )
    # A record that is not this person's cannot be split from them; nor a record that does not exist.
    with pytest.raises(ValidationError):
        people.split_record(
            db, supervisor, name="John Doe", record_kind="welfare_check", record_id=records["bob"], reason="x"
        )
    with pytest.raises(NotFoundError):
        people.split_record(db, supervisor, name="John Doe", record_kind="citation", record_id=99999, reason="x")
    people.undo_link(db, supervisor, link.id, reason="Checked again: same man")
    assert len(kinds(db, "John Doe")) == 2


def test_a_dispatcher_is_refused_in_the_service_and_nothing_is_written(db, dispatcher, records):
    with pytest.raises(PermissionDeniedError):
        people.merge_people(db, dispatcher, name="Robert Smith", other_name="Bob Smith", reason="same")
    with pytest.raises(PermissionDeniedError):
        people.split_record(
            db, dispatcher, name="John Doe", record_kind="welfare_check", record_id=records["doe_1"], reason="x"
        )
    with db.read() as s:
        assert s.execute(select(PersonLink)).first() is None
        refused = s.execute(select(AuditEntry).where(AuditEntry.outcome == "refused")).scalars().all()
    assert [a.action for a in refused] == ["match_people", "match_people"]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"name": "Bo", "other_name": "Bob Smith", "reason": "r"}, "name"),
        ({"name": "Bob Smith", "other_name": "%%", "reason": "r"}, "other_name"),
        ({"name": "Bob Smith", "other_name": "BOB  smith", "reason": "r"}, "other_name"),
        ({"name": "Bob Smith", "other_name": "Robert Smith", "reason": "   "}, "reason"),
        ({"name": "Bob Smith", "dob": "13/45/2000", "other_name": "Robert Smith", "reason": "r"}, "violator_dob"),
    ],
)
def test_hostile_or_empty_input_is_refused(db, supervisor, records, kwargs, field):
    with pytest.raises(ValidationError) as refused:
        people.merge_people(db, supervisor, **kwargs)
    assert refused.value.field == field


def test_the_database_refuses_a_link_of_the_wrong_shape(db, records):
    with pytest.raises(IntegrityError), db.writer() as s, s.begin():
        s.execute(
            text(
                "INSERT INTO person_links (kind, name_key, dob, other_name_key, other_dob, record_kind, reason, "
                "created_at, created_by) VALUES ('merge', 'bob smith', '', '', '', '', 'r', :at, 'x')"
            ),
            {"at": db.clock()},
        )
