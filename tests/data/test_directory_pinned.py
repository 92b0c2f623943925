"""The referral directory as administrators keep it (data/services/directory.py): what an entry may hold,
who may change it, what is written, and how the list reads.

Each test names the rule; expected values are written out, every length limit at, and one past, its edge.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from data.errors import NotFoundError, PermissionDeniedError, ValidationError
from data.models import AuditEntry, ChangeLog, DirectoryAgency
from data.services.directory import (
    DirectoryRecord,
    add_directory_entry,
    directory_entries,
    update_directory_entry,
)
from tests.data.helpers import ADMIN, SUPERVISOR


def audit_rows(db) -> list[tuple[str, str, int | None, str, dict | None, dict | None]]:
    with db.read() as s:
        rows = s.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars()
        return [(a.action, a.entity, a.entity_id, a.outcome, a.before, a.after) for a in rows]


def changes(db) -> list[tuple[str, int]]:
    with db.read() as s:
        return [tuple(r) for r in s.execute(select(ChangeLog.kind, ChangeLog.entity_id).order_by(ChangeLog.id))]


def stored(db) -> list[tuple[str, str, str, str, bool]]:
    with db.read() as s:
        rows = s.execute(select(DirectoryAgency).order_by(DirectoryAgency.id)).scalars()
        return [(r.key, r.name, r.phone, r.description, r.active) for r in rows]


def refused(field: str, match: str, call, *args, **kwargs) -> None:
    with pytest.raises(ValidationError, match=match) as caught:
        call(*args, **kwargs)
    assert caught.value.field == field


# Adding ---------------------------------------------------------------------------------------------


def test_an_added_entry_is_offered_with_its_key_in_lower_case_and_is_audited(db):
    entry = add_directory_entry(
        db,
        ADMIN,
        key="  Venice-Clinic_2 ",
        name=" Venice Family Clinic ",
        phone=" 310-394-6889 ",
        description=" Housing ",
    )
    assert entry == DirectoryRecord(
        entry.id, "venice-clinic_2", "Venice Family Clinic", "310-394-6889", "Housing", True
    )
    assert stored(db) == [("venice-clinic_2", "Venice Family Clinic", "310-394-6889", "Housing", True)]
    after = {
        "key": "venice-clinic_2",
        "name": "Venice Family Clinic",
        "phone": "310-394-6889",
        "description": "Housing",
        "active": True,
    }
    assert audit_rows(db) == [("add_directory_entry", "directory", entry.id, "ok", None, after)]
    assert changes(db) == [("directory", entry.id)]


def test_an_entry_needs_only_a_key_and_a_name(db):
    entry = add_directory_entry(db, ADMIN, key="dmh", name="Mental Health")
    assert (entry.phone, entry.description, entry.active) == ("", "", True)


@pytest.mark.parametrize(
    ("key", "accepted"),
    [
        ("a", "a"),
        ("9", "9"),
        ("a" * 40, "a" * 40),
        ("DMH_24-7", "dmh_24-7"),
        ("-dmh", None),  # starts with a dash
        ("_dmh", None),
        ("dmh clinic", None),
        ("dmh.clinic", None),
        ("dmh/clinic", None),
        ("café", None),
    ],
)
def test_a_directory_key_is_lower_case_letters_digits_dash_and_underscore(db, key, accepted):
    if accepted is None:
        refused(
            "key",
            "A directory key is lower-case letters, digits, - and _",
            add_directory_entry,
            db,
            ADMIN,
            key=key,
            name="X",
        )
        assert stored(db) == []
    else:
        assert add_directory_entry(db, ADMIN, key=key, name="X").key == accepted


def test_a_directory_key_is_needed_and_at_most_40_characters(db):
    refused("key", "Enter the key", add_directory_entry, db, ADMIN, key="  ", name="X")
    refused("key", "The key is 41 characters; the limit is 40", add_directory_entry, db, ADMIN, key="a" * 41, name="X")
    assert stored(db) == []


def test_a_key_already_in_the_directory_is_refused_whatever_its_case_or_whether_offered(db):
    first = add_directory_entry(db, ADMIN, key="dmh", name="Mental Health")
    update_directory_entry(db, ADMIN, first.id, active=False)
    refused("key", "The key dmh is taken; choose another", add_directory_entry, db, ADMIN, key="DMH", name="Again")
    assert [row[0] for row in stored(db)] == ["dmh"]


def test_an_agency_name_is_needed_and_at_most_160_characters(db):
    refused("name", "Enter the agency name", add_directory_entry, db, ADMIN, key="a", name=" ")
    refused(
        "name",
        "The agency name is 161 characters; the limit is 160",
        add_directory_entry,
        db,
        ADMIN,
        key="a",
        name="N" * 161,
    )
    assert add_directory_entry(db, ADMIN, key="a", name="N" * 160).name == "N" * 160


def test_a_description_is_at_most_2000_characters(db):
    refused(
        "description",
        "The description is 2,001 characters; the limit is 2,000",
        add_directory_entry,
        db,
        ADMIN,
        key="a",
        name="A",
        description="d" * 2001,
    )
    assert add_directory_entry(db, ADMIN, key="a", name="A", description="d" * 2000).description == "d" * 2000


@pytest.mark.parametrize(
    "phone",
    ["988", "(310) 555-0100", "+1 310.555.0100 x12", "800-SHELTER", "*99#", "3" * 40],
)
def test_a_phone_number_may_hold_digits_letters_and_dialling_signs(db, phone):
    assert add_directory_entry(db, ADMIN, key="a", name="A", phone=phone).phone == phone
    other = add_directory_entry(db, ADMIN, key="b", name="B")
    assert update_directory_entry(db, ADMIN, other.id, phone=phone).phone == phone


@pytest.mark.parametrize("phone", ["call <me>", "310,555", "310/555", "310_555", "310;555", "310\n555"])
def test_a_phone_number_with_other_characters_is_refused(db, phone):
    refused(
        "phone", "has characters a phone number cannot", add_directory_entry, db, ADMIN, key="a", name="A", phone=phone
    )
    entry = add_directory_entry(db, ADMIN, key="a", name="A")
    refused("phone", "has characters a phone number cannot", update_directory_entry, db, ADMIN, entry.id, phone=phone)
    assert [(e.key, e.phone) for e in directory_entries(db) if e.id == entry.id] == [("a", "")]


def test_a_phone_number_is_at_most_40_characters(db):
    refused(
        "phone",
        "The phone is 41 characters; the limit is 40",
        add_directory_entry,
        db,
        ADMIN,
        key="a",
        name="A",
        phone="3" * 41,
    )
    assert "a" not in {e.key for e in directory_entries(db, include_inactive=True)}


def test_only_an_administrator_edits_the_directory_and_a_refusal_is_audited(db):
    entry = add_directory_entry(db, ADMIN, key="dmh", name="Mental Health")
    with pytest.raises(PermissionDeniedError, match="cannot edit the referral directory"):
        add_directory_entry(db, SUPERVISOR, key="x", name="X")
    with pytest.raises(PermissionDeniedError, match="cannot edit the referral directory"):
        update_directory_entry(db, SUPERVISOR, entry.id, name="Y")
    refusal = ("edit_directory", "directory", None, "refused", None, {"role": "supervisor"})
    assert audit_rows(db)[1:] == [refusal, refusal]
    assert stored(db) == [("dmh", "Mental Health", "", "", True)]


# Changing -------------------------------------------------------------------------------------------


def test_a_change_writes_only_the_fields_given_and_audits_before_and_after(db):
    entry = add_directory_entry(db, ADMIN, key="dmh", name="Mental Health", phone="988", description="24/7")
    edited = update_directory_entry(db, ADMIN, entry.id, name=" DMH Help Line ", description="", active=False)
    assert edited == DirectoryRecord(entry.id, "dmh", "DMH Help Line", "988", "", False)
    before = {"key": "dmh", "name": "Mental Health", "phone": "988", "description": "24/7", "active": True}
    after = {"key": "dmh", "name": "DMH Help Line", "phone": "988", "description": "", "active": False}
    assert audit_rows(db)[-1] == ("update_directory_entry", "directory", entry.id, "ok", before, after)
    assert changes(db) == [("directory", entry.id), ("directory", entry.id)]
    again = update_directory_entry(db, ADMIN, entry.id, phone=" 310-555-0100 ", active=1)
    assert again == DirectoryRecord(entry.id, "dmh", "DMH Help Line", "310-555-0100", "", True)
    assert stored(db) == [("dmh", "DMH Help Line", "310-555-0100", "", True)]


def test_a_change_that_changes_nothing_is_refused_and_not_written(db):
    entry = add_directory_entry(db, ADMIN, key="dmh", name="Mental Health", phone="988", description="24/7")
    for same in ({"name": " Mental Health "}, {"phone": "988"}, {"description": "24/7"}, {"active": True}, {}):
        refused("directory", "Nothing changed", update_directory_entry, db, ADMIN, entry.id, **same)
    assert [row[0] for row in audit_rows(db)] == ["add_directory_entry"]
    assert changes(db) == [("directory", entry.id)]


def test_a_changed_entry_keeps_its_rules(db):
    entry = add_directory_entry(db, ADMIN, key="dmh", name="Mental Health")
    refused("name", "Enter the agency name", update_directory_entry, db, ADMIN, entry.id, name="")
    refused("name", "161 characters", update_directory_entry, db, ADMIN, entry.id, name="N" * 161)
    refused("description", "2,001 characters", update_directory_entry, db, ADMIN, entry.id, description="d" * 2001)
    refused("phone", "41 characters", update_directory_entry, db, ADMIN, entry.id, phone="3" * 41)
    assert update_directory_entry(db, ADMIN, entry.id, name="N" * 160).name == "N" * 160
    assert update_directory_entry(db, ADMIN, entry.id, description="d" * 2000).description == "d" * 2000


def test_changing_an_entry_not_in_the_directory_is_refused(db):
    with pytest.raises(NotFoundError, match="No directory entry with id 999"):
        update_directory_entry(db, ADMIN, 999, name="Z")


# Reading --------------------------------------------------------------------------------------------


def test_the_directory_lists_entries_by_name_and_hides_those_not_offered_unless_asked(db):
    zeta = add_directory_entry(db, ADMIN, key="zeta", name="Zeta Shelter")
    alpha2 = add_directory_entry(db, ADMIN, key="alpha2", name="Alpha House")
    closed = add_directory_entry(db, ADMIN, key="beta", name="Beta Clinic")
    alpha1 = add_directory_entry(db, ADMIN, key="alpha1", name="Alpha House")
    update_directory_entry(db, ADMIN, closed.id, active=False)
    assert [e.key for e in directory_entries(db)] == ["alpha2", "alpha1", "zeta"]
    listed = directory_entries(db, include_inactive=True)
    assert [e.key for e in listed] == ["alpha2", "alpha1", "beta", "zeta"]
    assert listed[2] == DirectoryRecord(closed.id, "beta", "Beta Clinic", "", "", False)
    assert {alpha1.id, alpha2.id, zeta.id} == {e.id for e in directory_entries(db)}
