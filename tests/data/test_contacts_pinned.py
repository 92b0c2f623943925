"""A person's earlier contacts, pinned: who matches, what each contact says, the order, the limits and the audit."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from sqlalchemy import select

from data import services
from data.errors import PermissionDeniedError, ValidationError
from data.models import AuditEntry, Citation, Incident, WelfareCheck
from data.permissions import Actor
from data.records import ReferralRecord
from data.services import citations, people, referrals, welfare
from data.services.contacts import MERGED, Contact, PersonContacts, may_read_contacts, prior_contacts

ADMIN = Actor("admin1", role="admin", workstation="ws-admin")
DAY = dt.date(2026, 11, 26)


@pytest.fixture
def officer(db, supervisor) -> int:
    return services.create_officer(db, supervisor, badge="C7", name="Priya Raman").id


@pytest.fixture
def checked(db, dispatcher, officer, clock):
    """A welfare check of `name` on a new incident, a day after the one before; (incident id, check id)."""

    def check(name: str, **extra: object) -> tuple[int, int]:
        inc = services.create_incident(db, dispatcher, call_type="WELFARE", location="Plummer Park")
        welfare.record_welfare_check(db, dispatcher, incident_id=inc.id, officer_id=officer, subject_name=name, **extra)
        clock.advance(days=1)
        found = welfare.welfare_check_for_incident(db, inc.id)
        assert found is not None
        return inc.id, found.id

    return check


@pytest.fixture
def cited(db, dispatcher, officer, clock):
    """A citation of `name`, a day after the record before; its record."""

    def cite(name: str, dob: str = "", **extra: object):
        citation = citations.issue_citation(
            db,
            dispatcher,
            officer_id=officer,
            violator_name=name,
            violator_dob=dob,
            violations=[db.pack.provisions[0].section],
            location="8300 Santa Monica Blvd",
            **extra,
        )
        clock.advance(days=1)
        return citation

    return cite


def summary(found: PersonContacts) -> list[tuple]:
    return [(c.kind, c.record_id, c.matched_on, c.outcome) for c in found.contacts]


def referral(agency: str, due: dt.date | None) -> ReferralRecord:
    at = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    return ReferralRecord(1, 1, agency.lower(), agency, "", "accepted", due, "", at, "d")


# --- the follow-up line and who may read ---------------------------------------------------------


@pytest.mark.parametrize(
    ("dues", "state"),
    [
        ((), ""),
        ((None,), ""),  # a referral without a follow-up date says nothing
        ((DAY + dt.timedelta(days=1),), "DMH: follow-up due 2026-11-27"),
        ((DAY,), "DMH: follow-up due 2026-11-26"),  # due today is not yet overdue
        ((DAY - dt.timedelta(days=1),), "DMH: follow-up overdue since 2026-11-25"),
        (
            (DAY - dt.timedelta(days=1), None, DAY),
            "DMH: follow-up overdue since 2026-11-25; DMH: follow-up due 2026-11-26",
        ),
    ],
)
def test_the_follow_up_state_says_due_until_the_day_passes_then_overdue(dues, state):
    contact = Contact("welfare check", dt.datetime(2026, 11, 1, tzinfo=dt.UTC), 1, "26-1", "x", "o", "name only")
    contact = replace(contact, referrals=tuple(referral("DMH", due) for due in dues))
    assert contact.follow_up_state(DAY) == state


@pytest.mark.parametrize(("role", "may"), [("dispatcher", True), ("supervisor", True), ("admin", True), ("cso", False)])
def test_the_roles_the_pack_names_may_read_contacts(db, role, may):
    assert may_read_contacts(db, Actor("someone", role=role)) is may


def test_a_refused_read_is_audited_against_the_person(db, dispatcher):
    db.pack = replace(db.pack, history=replace(db.pack.history, contact_roles=("supervisor",)))
    with pytest.raises(PermissionDeniedError):
        prior_contacts(db, dispatcher, name="Kim Lee")
    with db.read() as s:
        entry = s.execute(select(AuditEntry).where(AuditEntry.outcome == "refused")).scalar_one()
    assert (entry.action, entry.entity, entry.username) == ("read_contacts", "person", "dispatcher1")


@pytest.mark.parametrize("name", ["Al", "A1i", "declined", " UNKNOWN ", "Unknown"])
def test_a_name_of_fewer_than_three_letters_or_declined_or_unknown_looks_nobody_up(db, dispatcher, name):
    with pytest.raises(ValidationError) as refused:
        prior_contacts(db, dispatcher, name=name)
    assert refused.value.field == "name"


def test_three_letters_are_a_name_to_look_up(db, dispatcher, checked):
    _, check = checked("Ali")
    assert [c.record_id for c in prior_contacts(db, dispatcher, name="ALI").contacts] == [check]


# --- what matches ------------------------------------------------------------------------------------


def test_welfare_checks_say_what_was_offered_and_the_follow_up(db, dispatcher, checked):
    _, plain = checked("Kim Lee")
    _, accepted = checked("Kim Lee", services_offered="Shelter bed", services_accepted=True)
    _, refused = checked("Kim Lee", services_offered="Shelter bed", services_accepted=False, follow_up_needed=True)
    _, noted = checked("kim lee", follow_up_needed=True, follow_up_note="Call Friday")
    checked("Kim Leeson")
    assert summary(prior_contacts(db, dispatcher, name="Kim Lee", dob="1980-04-02")) == [
        ("welfare check", noted, "name only", "no services offered; follow-up needed: Call Friday"),
        ("welfare check", refused, "name only", "services declined; follow-up needed"),
        ("welfare check", accepted, "name only", "services accepted"),
        ("welfare check", plain, "name only", "no services offered"),
    ]


def test_citations_match_on_the_name_and_a_date_of_birth_that_agrees_or_is_missing(db, dispatcher, supervisor, cited):
    born = cited("Kim Lee", "1980-04-02")
    unknown = cited("KIM LEE")
    cited("Kim Lee", "1999-12-31")  # another Kim Lee
    cited("Kim Leeson", "1980-04-02")
    void = cited("Kim Lee", "1980-04-02")
    citations.void_citation(db, supervisor, void.number, "Wrong person")
    assert summary(prior_contacts(db, dispatcher, name="Kim Lee", dob="4/2/1980")) == [
        ("citation", void.id, "name and date of birth", f"citation {void.number} void"),
        ("citation", unknown.id, "name only", f"citation {unknown.number} issued"),
        ("citation", born.id, "name and date of birth", f"citation {born.number} issued"),
    ]
    everyone = prior_contacts(db, dispatcher, name="Kim Lee")
    assert {c.matched_on for c in everyone.contacts} == {"name only"} and everyone.count == 4


def test_a_citation_says_where_it_was_issued_and_its_incident_if_any(db, dispatcher, cited):
    inc = services.create_incident(db, dispatcher, call_type="WELFARE", location="Plummer Park")
    on_call = cited("Kim Lee", incident_id=inc.id)
    alone = cited("Kim Lee")
    found = {c.record_id: c for c in prior_contacts(db, dispatcher, name="Kim Lee").contacts}
    assert (found[on_call.id].incident_id, found[on_call.id].incident_number) == (inc.id, inc.number)
    assert (found[alone.id].incident_id, found[alone.id].incident_number, found[alone.id].referrals) == (None, None, ())
    assert found[on_call.id].location == "8300 Santa Monica Blvd"
    assert (found[on_call.id].at, found[alone.id].at) == (on_call.issued_at, alone.issued_at)


def test_the_incident_in_hand_is_left_out_of_both_kinds(db, dispatcher, checked, cited):
    inc, _ = checked("Kim Lee")
    other, check = checked("Kim Lee")
    on_call = cited("Kim Lee", incident_id=inc)
    alone = cited("Kim Lee")
    found = prior_contacts(db, dispatcher, name="Kim Lee", exclude_incident_id=inc)
    assert [(c.kind, c.record_id) for c in found.contacts] == [("citation", alone.id), ("welfare check", check)]
    assert on_call.id not in [c.record_id for c in found.contacts if c.kind == "citation"]
    assert other != inc


def test_a_merged_persons_contacts_come_once_and_say_they_were_merged(db, dispatcher, supervisor, checked, cited):
    _, check = checked("Kim Lee")
    mine = cited("Kim Lee", "1980-04-02")
    theirs = cited("Kim Lee", "1980-02-04")
    _, bob = checked("Bob Smith")
    people.merge_people(
        db, supervisor, name="Kim Lee", dob="1980-04-02", other_name="Kim Lee", other_dob="1980-02-04", reason="typo"
    )
    people.merge_people(db, supervisor, name="Kim Lee", dob="1980-04-02", other_name="Bob Smith", reason="alias")
    assert summary(prior_contacts(db, dispatcher, name="Kim Lee", dob="1980-04-02")) == [
        ("welfare check", bob, MERGED, "no services offered"),
        ("citation", theirs.id, MERGED, f"citation {theirs.number} issued"),
        ("citation", mine.id, "name and date of birth", f"citation {mine.number} issued"),
        ("welfare check", check, "name only", "no services offered"),  # matched by both Kim Lees, listed once
    ]


def test_a_split_takes_away_only_the_record_of_its_kind(db, dispatcher, supervisor, checked, cited):
    _, check = checked("Kim Lee")
    citation = cited("Kim Lee")
    assert check == citation.id  # a welfare check and a citation of one id are two records
    people.split_record(db, supervisor, name="Kim Lee", record_kind="citation", record_id=citation.id, reason="r")
    assert [(c.kind, c.record_id) for c in prior_contacts(db, dispatcher, name="Kim Lee").contacts] == [
        ("welfare check", check)
    ]
    people.split_record(db, supervisor, name="Kim Lee", record_kind="welfare_check", record_id=check, reason="r")
    assert prior_contacts(db, dispatcher, name="Kim Lee").contacts == ()


def test_each_contact_carries_the_referrals_of_its_incident_in_order(db, dispatcher, checked):
    services.seed_directory(db, ADMIN)
    inc, _ = checked("Kim Lee")
    bare, _ = checked("Kim Lee")
    due = DAY + dt.timedelta(days=3)
    referrals.add_referral(db, dispatcher, incident_id=inc, agency_key="dmh", outcome="accepted", follow_up_on=due)
    referrals.add_referral(db, dispatcher, incident_id=inc, agency_key="dmh", outcome="declined")
    found = {c.incident_id: c for c in prior_contacts(db, dispatcher, name="Kim Lee").contacts}
    assert [(r.outcome, r.follow_up_on) for r in found[inc].referrals] == [("accepted", due), ("declined", None)]
    assert found[bare].referrals == ()


# --- how the database narrows the search ----------------------------------------------------------


def test_names_whose_letters_fold_beyond_plain_lower_case_are_still_found(db, dispatcher, checked):
    _, zuss = checked("Maximilian Zuß")  # folds to "zuss": the longest plain run, "maximilian", finds it
    _, greek = checked("Σωκράτης")  # no plain letters at all: every welfare check is read and compared
    assert [c.record_id for c in prior_contacts(db, dispatcher, name="maximilian zuss").contacts] == [zuss]
    assert [c.record_id for c in prior_contacts(db, dispatcher, name="ΣΩΚΡΆΤΗΣ").contacts] == [greek]


@pytest.mark.parametrize(("typed", "other"), [("Kim_Lee", "Kimxlee"), ("Kim%", "Kimberly"), ("Kim\\Lee", "Kimlee")])
def test_a_wildcard_or_escape_typed_in_a_name_is_a_letter(db, dispatcher, cited, typed, other):
    cited(other)
    same = cited(typed)
    assert [c.record_id for c in prior_contacts(db, dispatcher, name=typed).contacts] == [same.id]


def test_the_1000_newest_welfare_checks_like_the_name_are_compared(db, dispatcher, checked, clock):
    _, old = checked("Kim Lee")
    _, zed = checked("Zed Leeson")  # narrowed by "leeson", its longest run, which the look-alikes lack
    template_incident, _ = checked("Kim Lee")  # copied below for the look-alikes

    def look_alikes(count: int, first: int) -> None:
        with db.writer() as s, s.begin():
            source = s.get(Incident, template_incident)
            assert source is not None
            for n in range(first, first + count):
                clock.advance(minutes=1)
                inc = Incident(
                    number=f"LA-{n}",
                    call_type=source.call_type,
                    apco_code=source.apco_code,
                    priority=source.priority,
                    location=source.location,
                    received_at=clock(),
                    entered_at=clock(),
                    status_changed_at=clock(),
                )
                s.add(inc)
                s.flush()
                s.add(WelfareCheck(incident_id=inc.id, recorded_at=clock(), subject_name="Kimberly Zedd"))

    look_alikes(998, 0)  # with the second Kim Lee, 999 newer welfare checks like "kim" (and "zed")
    assert old in [c.record_id for c in prior_contacts(db, dispatcher, name="Kim Lee").contacts]
    look_alikes(1, 998)
    assert old not in [c.record_id for c in prior_contacts(db, dispatcher, name="Kim Lee").contacts]
    assert [c.record_id for c in prior_contacts(db, dispatcher, name="Zed Leeson").contacts] == [zed]


def test_at_most_200_contacts_are_given_newest_first_and_the_audit_counts_those_read(db, dispatcher, cited, clock):
    first = cited("Kim Lee")
    with db.writer() as s, s.begin():
        for n in range(199):
            clock.advance(minutes=1)
            s.add(
                Citation(
                    number=f"BULK-{n}",
                    officer_id=first_officer(s, first.id),
                    issued_at=clock(),
                    violator_name="Kim Lee",
                    violator_key="kim lee|",
                    location="Plummer Park",
                )
            )
    found = prior_contacts(db, dispatcher, name="Kim Lee")
    assert found.count == 200 and found.contacts[-1].record_id == first.id
    assert [c.at for c in found.contacts] == sorted((c.at for c in found.contacts), reverse=True)
    with db.writer() as s, s.begin():
        clock.advance(minutes=1)
        s.add(
            Citation(
                number="BULK-200",
                officer_id=first_officer(s, first.id),
                issued_at=clock(),
                violator_name="Kim Lee",
                violator_key="kim lee|",
                location="Plummer Park",
            )
        )
    found = prior_contacts(db, dispatcher, name=" Kim Lee ")
    assert found.count == 200 and first.id not in [c.record_id for c in found.contacts]
    with db.read() as s:
        entries = s.execute(select(AuditEntry).where(AuditEntry.action == "read_contacts")).scalars().all()
    assert [e.after for e in entries] == [
        {"name": "Kim Lee", "dob": "", "found": 200},
        {"name": "Kim Lee", "dob": "", "found": 200},
    ]


def first_officer(session, citation_id: int) -> int:
    row = session.get(Citation, citation_id)
    assert row is not None
    return row.officer_id


def test_the_answer_and_the_audit_name_the_person_as_typed_and_the_date_of_birth_read(db, dispatcher, checked):
    checked("Kim Lee")
    found = prior_contacts(db, dispatcher, name="  Kim  Lee ", dob="4/2/1980")
    assert (found.name, found.dob, found.count) == ("Kim  Lee", "1980-04-02", 1)
    with db.read() as s:
        entry = s.execute(select(AuditEntry).where(AuditEntry.action == "read_contacts")).scalar_one()
    assert (entry.entity, entry.entity_id, entry.before, entry.username) == ("person", None, None, "dispatcher1")
    assert entry.after == {"name": "Kim  Lee", "dob": "1980-04-02", "found": 1}
    long = "K" * 200
    prior_contacts(db, dispatcher, name=long)
    with db.read() as s:
        last = (
            s.execute(select(AuditEntry).where(AuditEntry.action == "read_contacts").order_by(AuditEntry.id.desc()))
            .scalars()
            .first()
        )
    assert last is not None and last.after["name"] == "K" * 160


def test_a_welfare_check_of_a_name_with_sharp_s_is_found_however_the_name_is_typed(db, dispatcher, checked):
    _, sharp = checked("Hans Groß")
    _, plain = checked("Hans Gross")
    checked("Hans Grosz")
    for typed in ("Hans Groß", "HANS GROSS", "hans gross"):
        assert [c.record_id for c in prior_contacts(db, dispatcher, name=typed).contacts] == [plain, sharp]
    _, alone = checked("Groß")  # a single run, cut to "gro"
    assert [c.record_id for c in prior_contacts(db, dispatcher, name="gross").contacts] == [alone]
