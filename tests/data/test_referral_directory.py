"""The referral directory (admins edit it) and the follow-up list supervisors work through."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from data.errors import InvalidTransitionError, NotFoundError, PermissionDeniedError, ValidationError
from data.models import AuditEntry
from data.permissions import Actor
from data.services import seed_directory, timeline
from data.services.directory import add_directory_entry, directory_entries, update_directory_entry
from data.services.referrals import add_referral, complete_follow_up, referral_follow_ups
from tests.data.helpers import welfare_call

ADMIN = Actor("admin1", role="admin", workstation="ws-admin")


def test_admins_add_and_edit_directory_entries(any_db, supervisor):
    seed_directory(any_db, ADMIN)
    entry = add_directory_entry(
        any_db, ADMIN, key="Venice-Clinic", name="Venice Family Clinic", phone="310-394-6889", description="Housing"
    )
    assert (entry.key, entry.active) == ("venice-clinic", True)
    assert "Venice Family Clinic" in [e.name for e in directory_entries(any_db)]
    edited = update_directory_entry(any_db, ADMIN, entry.id, phone="310-555-0199", active=False)
    assert edited.phone == "310-555-0199" and not edited.active
    assert "Venice Family Clinic" not in [e.name for e in directory_entries(any_db)]
    assert "Venice Family Clinic" in [e.name for e in directory_entries(any_db, include_inactive=True)]
    with any_db.read() as s:
        audit = s.execute(select(AuditEntry).where(AuditEntry.action == "update_directory_entry")).scalar_one()
    assert audit.before["phone"] == "310-394-6889" and audit.after["active"] is False

    with pytest.raises(PermissionDeniedError):
        add_directory_entry(any_db, supervisor, key="x", name="X")
    with pytest.raises(PermissionDeniedError):
        update_directory_entry(any_db, supervisor, entry.id, name="Y")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"key": "dmh", "name": "Again"}, "taken"),
        ({"key": "has space", "name": "X"}, "lower-case letters"),
        ({"key": "ok", "name": ""}, "agency name"),
        ({"key": "ok", "name": "X", "phone": "call <me>"}, "phone number"),
    ],
)
def test_bad_directory_entries(db, fields, message):
    seed_directory(db, ADMIN)
    with pytest.raises(ValidationError, match=message):
        add_directory_entry(db, ADMIN, **fields)


def test_update_needs_a_change_and_a_real_entry(db):
    seed_directory(db, ADMIN)
    dmh = next(e for e in directory_entries(db) if e.key == "dmh")
    with pytest.raises(ValidationError, match="Nothing changed"):
        update_directory_entry(db, ADMIN, dmh.id, name=dmh.name)
    with pytest.raises(NotFoundError):
        update_directory_entry(db, ADMIN, 9999, name="Z")


def test_follow_ups_come_due_and_are_done_once(any_db, clock, dispatcher, supervisor):
    seed_directory(any_db, ADMIN)
    inc = welfare_call(any_db, dispatcher)
    today = dt.date(2026, 11, 26)
    soon = add_referral(
        any_db, dispatcher, incident_id=inc.id, agency_key="dmh", outcome="accepted", follow_up_on=today
    )
    later = add_referral(
        any_db,
        dispatcher,
        incident_id=inc.id,
        agency_key="la_hop",
        outcome="offered",
        follow_up_on=today + dt.timedelta(days=3),
    )
    add_referral(any_db, dispatcher, incident_id=inc.id, agency_key="988", outcome="declined")

    due = referral_follow_ups(any_db)
    assert [(f.referral.id, f.incident_number, f.due_on) for f in due] == [(soon.id, inc.number, today)]
    assert due[0].call_type_label == "Welfare check" and not due[0].done
    ahead = referral_follow_ups(any_db, due_by=today + dt.timedelta(days=7))
    assert [f.referral.id for f in ahead] == [soon.id, later.id]

    done = complete_follow_up(any_db, supervisor, soon.id, note="DMH confirmed the visit")
    assert done.done and done.followed_up_by == "supervisor1" and done.followed_up_at == clock()
    assert referral_follow_ups(any_db) == []
    assert [f.referral.id for f in referral_follow_ups(any_db, include_done=True)] == [soon.id]
    assert timeline(any_db, inc.id)[-1].text.endswith(
        "follow-up done (LA County Department of Mental Health 24/7 Help Line): DMH confirmed the visit"
    )
    with pytest.raises(InvalidTransitionError, match="already done"):
        complete_follow_up(any_db, supervisor, soon.id)
