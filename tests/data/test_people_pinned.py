"""A supervisor's corrections of person matching, pinned: who is one person, what a merge, split and undo
write, and what each refuses."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from data import services
from data.errors import NotFoundError, PermissionDeniedError, ValidationError
from data.models import AuditEntry, PersonLink
from data.services import citations, people, welfare
from data.services.people import LinkRecord, Person

LINK = ("kind", "name", "dob", "other_name", "other_dob", "record_kind", "record_id", "reason", "ended_by")


@pytest.fixture
def records(db, dispatcher, supervisor, clock):
    """Welfare checks of John Doe (twice), Bob Smith and Kim Lee; citations of Robert Smith (born 1970-01-05) and
    of Kim Lee (born 1980-04-02). The first welfare check and the first citation share the id 1."""
    officer = services.create_officer(db, supervisor, badge="C7", name="Priya Raman")

    def checked(name: str) -> int:
        inc = services.create_incident(db, dispatcher, call_type="WELFARE", location="Plummer Park")
        welfare.record_welfare_check(db, dispatcher, incident_id=inc.id, officer_id=officer.id, subject_name=name)
        clock.advance(days=1)
        check = welfare.welfare_check_for_incident(db, inc.id)
        assert check is not None
        return check.id

    def cited(name: str, dob: str) -> int:
        citation = citations.issue_citation(
            db,
            dispatcher,
            officer_id=officer.id,
            violator_name=name,
            violator_dob=dob,
            violations=[db.pack.provisions[0].section],
            location="8300 Santa Monica Blvd",
        )
        clock.advance(days=1)
        return citation.id

    found = {
        "kim_check": checked("Kim Lee"),
        "doe_1": checked("John Doe"),
        "doe_2": checked("john  DOE"),
        "bob": checked("Bob Smith"),
        "kim_cited": cited("Kim Lee", "1980-04-02"),
        "robert": cited("Robert Smith", "1970-01-05"),
    }
    assert found["kim_check"] == found["kim_cited"] == 1
    return found


def fields(link: LinkRecord) -> tuple:
    return tuple(getattr(link, f) for f in LINK)


def audits(db, action: str) -> list[AuditEntry]:
    with db.read() as s:
        return list(s.execute(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)).scalars())


# --- who is one person ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("known", "name", "dob", "same"),
    [
        (("kim lee", "1980-04-02"), "kim lee", "1980-04-02", True),
        (("kim lee", "1980-04-02"), "kim lee", "", True),  # a date of birth not given matches any
        (("kim lee", ""), "kim lee", "1980-04-02", True),
        (("kim lee", ""), "kim lee", "", True),
        (("kim lee", "1980-04-02"), "kim lee", "1999-12-31", False),  # two dates of birth: two people
        (("kim lee", "1980-04-02"), "kim le", "1980-04-02", False),
        (("kim lee", ""), "kim leex", "", False),
    ],
)
def test_one_person_is_the_same_name_and_a_date_of_birth_that_agrees_or_is_missing(known, name, dob, same):
    assert Person(*known).same_as(name, dob) is same


@pytest.mark.parametrize(
    ("name", "dob", "who"),
    [
        ("Bob", "", Person("bob", "")),  # three letters: the shortest name taken
        ("B.o.b", "", Person("b.o.b", "")),
        ("  ROBERT   Smith ", "1/5/1970", Person("robert smith", "1970-01-05")),
        ("Declined Smith", "", Person("declined smith", "")),
        ("x" * 160, "", Person("x" * 160, "")),  # 160 characters: the longest name taken
    ],
)
def test_a_person_is_the_folded_name_and_the_date_of_birth_read(name, dob, who):
    assert people.person(name, dob) == who


def test_a_person_named_without_a_date_of_birth_has_none():
    assert people.person("Kim Lee") == Person("kim lee", "")


@pytest.mark.parametrize("name", ["Bo", "B1o2", "  ", "declined", "DECLINED", " Unknown ", "x" * 161])
def test_a_person_without_a_name_of_three_letters_or_of_more_than_160_characters_is_refused(name):
    with pytest.raises(ValidationError) as refused:
        people.person(name)
    assert refused.value.field == "name"
    with pytest.raises(ValidationError) as refused:
        people.person(name, field="other_name")
    assert refused.value.field == "other_name"


@pytest.mark.parametrize(
    ("reason", "kept"),
    [
        ("  Same   man;\n said so  on scene ", "Same man; said so on scene"),
        ("x" * 2000, "x" * 2000),  # the longest reason kept whole
        ("x" * 2001, "x" * 2000),  # longer reasons cut at 2,000 characters
    ],
)
def test_the_reason_is_kept_with_its_spacing_tidied_and_cut_at_2000_characters(reason, kept):
    assert people._reason(reason) == kept


@pytest.mark.parametrize("reason", [None, "", " \n\t "])
def test_a_correction_without_a_reason_is_refused(reason):
    with pytest.raises(ValidationError) as refused:
        people._reason(reason)
    assert refused.value.field == "reason"


def test_merges_are_followed_from_either_side_and_through_each_other(db, supervisor, records, clock):
    # Ann Smith is Ann Jones; Ann Jones is Anne Jones (recorded from her side); Anne Jones is A. Jones.
    people.merge_people(db, supervisor, name="Anne Jones", other_name="A. Jones", reason="r")
    people.merge_people(db, supervisor, name="Ann Jones", other_name="Ann Smith", reason="r")
    people.merge_people(db, supervisor, name="Anne Jones", other_name="Ann Jones", reason="r")
    with db.read() as s:
        found, splits = people.identities(s, Person("ann smith", ""))
        alone, _ = people.identities(s, Person("someone else", ""))
    assert found == [Person("ann smith", ""), Person("ann jones", ""), Person("anne jones", ""), Person("a. jones", "")]
    assert splits == []
    assert alone == [Person("someone else", "")]


def test_a_merge_of_one_date_of_birth_leaves_another_out(db, supervisor, records):
    people.merge_people(db, supervisor, name="Robert Smith", dob="1970-01-05", other_name="Bob Smith", reason="r")
    people.merge_people(db, supervisor, name="Kim Li", other_name="Kim Lee", other_dob="1980-04-02", reason="r")
    with db.read() as s:
        assert people.identities(s, Person("kim lee", "1999-12-31"))[0] == [Person("kim lee", "1999-12-31")]
        assert people.identities(s, Person("kim lee", "1980-04-02"))[0] == [
            Person("kim lee", "1980-04-02"),
            Person("kim li", ""),
        ]
        assert people.identities(s, Person("robert smith", "1990-09-09"))[0] == [Person("robert smith", "1990-09-09")]
        assert people.identities(s, Person("robert smith", ""))[0] == [
            Person("robert smith", ""),
            Person("bob smith", ""),
        ]
        assert people.identities(s, Person("bob smith", "1990-09-09"))[0] == [
            Person("bob smith", "1990-09-09"),
            Person("robert smith", "1970-01-05"),
        ]


def test_an_undone_merge_joins_nobody(db, supervisor, records):
    link = people.merge_people(db, supervisor, name="Ann Jones", other_name="Ann Smith", reason="r")
    people.undo_link(db, supervisor, link.id, reason="Two women")
    with db.read() as s:
        assert people.identities(s, Person("ann smith", "")) == ([Person("ann smith", "")], [])
        assert people.active_links(s, {"ann smith", "ann jones"}) == []
        assert people.active_links(s, set()) == []


def test_splits_apply_to_the_person_they_name_and_to_those_merged_with_them(db, supervisor, records):
    doe = people.split_record(
        db,
        supervisor,
        name="John Doe",
        dob="1960-03-03",
        record_kind="welfare_check",
        record_id=records["doe_2"],
        reason="r",
    )
    people.merge_people(db, supervisor, name="Johnny Doe", other_name="John Doe", other_dob="1960-03-03", reason="r")
    with db.read() as s:
        assert [link.id for link in people.identities(s, Person("john doe", "1960-03-03"))[1]] == [doe.id]
        assert [link.id for link in people.identities(s, Person("john doe", ""))[1]] == [doe.id]
        assert [link.id for link in people.identities(s, Person("johnny doe", ""))[1]] == [doe.id]
        assert people.identities(s, Person("john doe", "1990-01-01"))[1] == []  # another John Doe


# --- merge ------------------------------------------------------------------------------------------


def test_a_merge_records_both_people_folded_the_reason_and_who_made_it(db, supervisor, records, clock):
    link = people.merge_people(
        db,
        supervisor,
        name=" ROBERT Smith",
        dob="1/5/1970",
        other_name="bob  smith",
        other_dob="",
        reason=" Same  man ",
    )
    assert fields(link) == ("merge", "robert smith", "1970-01-05", "bob smith", "", "", None, "Same man", None)
    assert (link.created_at, link.created_by, link.ended_at) == (clock(), "supervisor1", None)
    [entry] = audits(db, "merge_people")
    assert (entry.username, entry.entity, entry.entity_id, entry.before) == (
        "supervisor1",
        "person_link",
        link.id,
        None,
    )
    assert entry.after == {
        "kind": "merge",
        "name_key": "robert smith",
        "dob": "1970-01-05",
        "other_name_key": "bob smith",
        "other_dob": "",
        "record_kind": "",
        "record_id": None,
        "reason": "Same man",
    }
    with db.read() as s:
        row = s.get(PersonLink, link.id)
        assert row is not None
        assert (row.kind, row.name_key, row.dob, row.other_name_key, row.other_dob, row.record_id, row.reason) == (
            "merge",
            "robert smith",
            "1970-01-05",
            "bob smith",
            "",
            None,
            "Same man",
        )


def test_two_people_of_one_name_but_two_dates_of_birth_may_be_merged(db, supervisor, records):
    link = people.merge_people(
        db, supervisor, name="Kim Lee", dob="1980-04-02", other_name="Kim Lee", other_dob="1980-02-04", reason="typo"
    )
    assert (link.name, link.dob, link.other_name, link.other_dob) == ("kim lee", "1980-04-02", "kim lee", "1980-02-04")


@pytest.mark.parametrize(
    ("kwargs", "field", "says"),
    [
        ({"name": "Kim Lee", "other_name": "kim  LEE"}, "other_name", "already match as one person"),
        ({"name": "Kim Lee", "dob": "1980-04-02", "other_name": "Kim Lee"}, "other_name", "already match as one"),
        ({"name": "Kim Lee", "other_name": "Kim Lee", "other_dob": "1980-04-02"}, "other_name", "already match as one"),
        ({"name": "Kim", "other_name": "Bo"}, "other_name", "three letters"),
        ({"name": "Kim Lee", "other_name": "Kim Li", "other_dob": "1/1/1899"}, "violator_dob", "too far in the past"),
    ],
)
def test_a_merge_of_one_person_with_themselves_or_a_bad_name_is_refused(db, supervisor, records, kwargs, field, says):
    with pytest.raises(ValidationError, match=says) as refused:
        people.merge_people(db, supervisor, reason="r", **kwargs)
    assert refused.value.field == field
    assert audits(db, "merge_people") == []


def test_people_already_merged_directly_or_through_another_are_not_merged_again(db, supervisor, records):
    people.merge_people(db, supervisor, name="Ann Jones", other_name="Ann Smith", reason="r")
    people.merge_people(db, supervisor, name="Ann Smith", other_name="Anne Smith", reason="r")
    for name, other in [("Ann Smith", "Ann Jones"), ("Ann Jones", "Anne Smith"), ("Anne Smith", "Ann Jones")]:
        with pytest.raises(ValidationError, match="already merged") as refused:
            people.merge_people(db, supervisor, name=name, other_name=other, reason="again")
        assert refused.value.field == "other_name"
    with db.read() as s:
        assert len(s.execute(select(PersonLink)).all()) == 2


def test_a_dispatcher_may_not_merge_split_undo_or_review_and_each_refusal_is_audited(
    db, supervisor, dispatcher, records
):
    link = people.merge_people(db, supervisor, name="Ann Jones", other_name="Ann Smith", reason="r")
    calls = [
        lambda: people.merge_people(db, dispatcher, name="Kim Lee", other_name="Kim Li", reason="r"),
        lambda: people.split_record(
            db, dispatcher, name="John Doe", record_kind="welfare_check", record_id=records["doe_1"], reason="r"
        ),
        lambda: people.undo_link(db, dispatcher, link.id, reason="r"),
        lambda: people.links_for(db, dispatcher, name="Ann Jones"),
    ]
    for call in calls:
        with pytest.raises(PermissionDeniedError):
            call()
    refused = [(a.action, a.entity, a.entity_id, a.outcome) for a in audits(db, "match_people")]
    assert refused == [
        ("match_people", "person", None, "refused"),
        ("match_people", "person", None, "refused"),
        ("match_people", "person_link", link.id, "refused"),
        ("match_people", "person", None, "refused"),
    ]
    with db.read() as s:
        assert s.get(PersonLink, link.id).ended_at is None  # type: ignore[union-attr]
        assert len(s.execute(select(PersonLink)).all()) == 1


# --- split ------------------------------------------------------------------------------------------


def test_a_split_records_the_person_the_record_and_the_reason(db, supervisor, records, clock):
    link = people.split_record(
        db,
        supervisor,
        name="JOHN doe",
        dob="3/3/1960",
        record_kind="welfare_check",
        record_id=records["doe_2"],
        reason=" In his 20s;\tours is 60s ",
    )
    assert fields(link) == (
        "split",
        "john doe",
        "1960-03-03",
        "",
        "",
        "welfare_check",
        records["doe_2"],
        "In his 20s; ours is 60s",
        None,
    )
    assert (link.created_at, link.created_by, link.ended_at) == (clock(), "supervisor1", None)
    [entry] = audits(db, "split_person")
    assert (entry.entity, entry.entity_id, entry.before) == ("person_link", link.id, None)
    assert entry.after == {
        "kind": "split",
        "name_key": "john doe",
        "dob": "1960-03-03",
        "other_name_key": "",
        "other_dob": "",
        "record_kind": "welfare_check",
        "record_id": records["doe_2"],
        "reason": "In his 20s; ours is 60s",
    }


def test_a_welfare_check_matches_on_the_name_whatever_the_date_of_birth(db, supervisor, records):
    for dob in ("", "1980-04-02", "1999-12-31"):
        link = people.split_record(
            db,
            supervisor,
            name="Kim Lee",
            dob=dob,
            record_kind="welfare_check",
            record_id=records["kim_check"],
            reason="r",
        )
        assert (link.record_kind, link.record_id) == ("welfare_check", records["kim_check"])
        people.undo_link(db, supervisor, link.id, reason="r")


def test_a_citation_matches_on_the_name_and_its_date_of_birth(db, supervisor, records):
    for dob in ("", "1980-04-02"):
        link = people.split_record(
            db, supervisor, name="Kim Lee", dob=dob, record_kind="citation", record_id=records["kim_cited"], reason="r"
        )
        people.undo_link(db, supervisor, link.id, reason="r")
    with pytest.raises(ValidationError, match="not among") as refused:
        people.split_record(
            db,
            supervisor,
            name="Kim Lee",
            dob="1999-12-31",
            record_kind="citation",
            record_id=records["kim_cited"],
            reason="r",
        )
    assert refused.value.field == "record_id"


def test_a_record_of_someone_merged_with_the_person_may_be_split_from_them(db, supervisor, records):
    people.merge_people(db, supervisor, name="Robert Smith", other_name="Bob Smith", reason="r")
    link = people.split_record(
        db, supervisor, name="Robert Smith", record_kind="welfare_check", record_id=records["bob"], reason="r"
    )
    assert (link.name, link.record_id) == ("robert smith", records["bob"])


def test_a_split_is_per_record_kind_a_welfare_check_and_a_citation_of_one_id_are_two_records(db, supervisor, records):
    assert records["kim_check"] == records["kim_cited"]
    for kind in ("welfare_check", "citation"):
        people.split_record(db, supervisor, name="Kim Lee", record_kind=kind, record_id=1, reason="r")
    for kind in ("welfare_check", "citation"):
        with pytest.raises(ValidationError, match="already split") as refused:
            people.split_record(db, supervisor, name="Kim Lee", record_kind=kind, record_id=1, reason="again")
        assert refused.value.field == "record_id"


@pytest.mark.parametrize(
    ("kind", "record", "error", "field"),
    [
        ("incident", "doe_1", ValidationError, "record_kind"),
        ("Welfare_check", "doe_1", ValidationError, "record_kind"),
        ("", "doe_1", ValidationError, "record_kind"),
        ("welfare_check", None, NotFoundError, None),
        ("citation", None, NotFoundError, None),
        ("welfare_check", "bob", ValidationError, "record_id"),  # Bob Smith's, not John Doe's
        ("citation", "robert", ValidationError, "record_id"),
    ],
)
def test_a_split_of_an_unknown_kind_a_missing_record_or_another_persons_is_refused(
    db, supervisor, records, kind, record, error, field
):
    with pytest.raises(error) as refused:
        people.split_record(
            db, supervisor, name="John Doe", record_kind=kind, record_id=records[record] if record else 999, reason="r"
        )
    assert getattr(refused.value, "field", None) == field
    assert audits(db, "split_person") == []


# --- undo and review --------------------------------------------------------------------------------


def test_undo_ends_the_link_keeps_its_row_and_audits_what_ended_and_why(db, supervisor, records, clock):
    link = people.merge_people(db, supervisor, name="Ann Jones", other_name="Ann Smith", reason="Same woman")
    clock.advance(hours=2)
    ended = people.undo_link(db, supervisor, link.id, reason="  Two   women ")
    assert fields(ended) == ("merge", "ann jones", "", "ann smith", "", "", None, "Same woman", "supervisor1")
    assert ended.ended_at == clock() and ended.created_at == link.created_at
    [entry] = audits(db, "undo_person_link")
    assert (entry.entity, entry.entity_id) == ("person_link", link.id)
    assert (entry.before, entry.after) == ({"kind": "merge"}, {"ended": True, "reason": "Two women"})
    with db.read() as s:
        row = s.get(PersonLink, link.id)
        assert row is not None and (row.ended_at, row.ended_by) == (clock(), "supervisor1")


def test_undo_of_a_link_never_made_or_already_undone_or_without_a_reason_is_refused(db, supervisor, records):
    link = people.merge_people(db, supervisor, name="Ann Jones", other_name="Ann Smith", reason="r")
    with pytest.raises(NotFoundError):
        people.undo_link(db, supervisor, link.id + 1, reason="r")
    with pytest.raises(ValidationError) as refused:
        people.undo_link(db, supervisor, link.id, reason="  ")
    assert refused.value.field == "reason"
    people.undo_link(db, supervisor, link.id, reason="r")
    with pytest.raises(ValidationError, match="merge was already undone") as refused:
        people.undo_link(db, supervisor, link.id, reason="r")
    assert refused.value.field == "link"
    assert len(audits(db, "undo_person_link")) == 1


def test_the_review_lists_the_merges_and_splits_in_force_for_the_person_in_order(db, supervisor, records):
    first = people.merge_people(db, supervisor, name="John Doe", other_name="Johnny Doe", reason="r")
    people.merge_people(db, supervisor, name="Ann Jones", other_name="Ann Smith", reason="r")  # someone else
    split = people.split_record(
        db, supervisor, name="John Doe", record_kind="welfare_check", record_id=records["doe_2"], reason="r"
    )
    other_doe = people.split_record(
        db,
        supervisor,
        name="John Doe",
        dob="1990-01-01",
        record_kind="welfare_check",
        record_id=records["doe_1"],
        reason="r",
    )
    through = people.merge_people(db, supervisor, name="Johnny Doe", other_name="J. Doe", reason="r")
    ended = people.merge_people(db, supervisor, name="John Doe", other_name="Jon Doe", reason="r")
    people.undo_link(db, supervisor, ended.id, reason="r")

    everything = [first.id, split.id, other_doe.id, through.id]
    assert [lk.id for lk in people.links_for(db, supervisor, name="john  doe")] == everything
    assert [lk.id for lk in people.links_for(db, supervisor, name="J. Doe")] == everything
    assert [lk.id for lk in people.links_for(db, supervisor, name="John Doe", dob="1990-01-01")] == everything
    # Another John Doe's split is not this one's.
    assert [lk.id for lk in people.links_for(db, supervisor, name="John Doe", dob="1960-03-03")] == [
        first.id,
        split.id,
        through.id,
    ]
    assert people.links_for(db, supervisor, name="Kim Lee") == []
    [record] = [lk for lk in people.links_for(db, supervisor, name="John Doe") if lk.id == split.id]
    assert fields(record) == ("split", "john doe", "", "", "", "welfare_check", records["doe_2"], "r", None)


def test_the_correction_itself_checks_the_privilege_again_so_a_role_taken_away_meanwhile_is_refused(
    db, supervisor, dispatcher, records, monkeypatch
):
    link = people.merge_people(db, supervisor, name="Ann Jones", other_name="Ann Smith", reason="r")
    # The first check passed (a supervisor then); by the time the correction is written, the role is dispatcher.
    monkeypatch.setattr(people, "authorize", lambda *args, **kwargs: None)
    calls = [
        lambda: people.merge_people(db, dispatcher, name="Kim Lee", other_name="Kim Li", reason="r"),
        lambda: people.split_record(
            db, dispatcher, name="John Doe", record_kind="welfare_check", record_id=records["doe_1"], reason="r"
        ),
        lambda: people.undo_link(db, dispatcher, link.id, reason="r"),
    ]
    for call in calls:
        with pytest.raises(PermissionDeniedError):
            call()
    assert [a.outcome for a in audits(db, "match_people")] == ["refused"] * 3
    with db.read() as s:
        assert [(r.kind, r.ended_at) for r in s.execute(select(PersonLink)).scalars()] == [("merge", None)]
