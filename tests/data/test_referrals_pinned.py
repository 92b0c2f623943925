"""Referrals (data/services/referrals.py): what a referral may hold, the local day its follow-up is due,
what the timeline and the audit say, and the follow-up list supervisors work through.

The controlled clock starts at 16:00 UTC on 26 November 2026, 08:00 in West Hollywood (UTC-8): the local
day turns at 08:00 UTC. Each test names the rule; expected values are written out.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

from data import services
from data.errors import InvalidTransitionError, NotFoundError, ValidationError
from data.models import AuditEntry, Incident
from data.records import ReferralRecord
from data.services import referrals
from data.services.directory import add_directory_entry, update_directory_entry
from data.services.referrals import FollowUpRecord
from tests.data.helpers import ADMIN, SUPERVISOR, changes_after, last_change_id, welfare_call

START = dt.datetime(2026, 11, 26, 16, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 11, 26)  # the local day at START
LAST_MS_OF_TODAY = dt.timedelta(hours=15, minutes=59, seconds=59, milliseconds=999)  # 23:59:59.999 local
MS = dt.timedelta(milliseconds=1)
DAY = dt.timedelta(days=1)


@pytest.fixture
def agencies(db):
    """A shelter with a phone number and an outreach team without one."""
    shelter = add_directory_entry(db, ADMIN, key="shelter", name="Harbor Shelter", phone="310-555-0142")
    outreach = add_directory_entry(db, ADMIN, key="outreach", name="Street Outreach")
    return shelter, outreach


@pytest.fixture
def call(db, dispatcher):
    return welfare_call(db, dispatcher)


def refer(db, actor, incident_id: int, agency_key: str = "shelter", outcome: str = "offered", **extra):
    return referrals.add_referral(db, actor, incident_id=incident_id, agency_key=agency_key, outcome=outcome, **extra)


def referral_entries(db, incident_id: int) -> list[str]:
    return [e.text for e in services.timeline(db, incident_id) if e.kind == "referral"]


def audit_rows(db, action: str) -> list[tuple[str, int | None, dict | None, dict | None]]:
    with db.read() as s:
        rows = s.execute(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)).scalars()
        return [(a.entity, a.entity_id, a.before, a.after) for a in rows]


# Recording a referral --------------------------------------------------------------------------------


def test_a_referral_is_recorded_with_the_agency_as_the_directory_has_it(db, dispatcher, agencies, call):
    last = last_change_id(db)
    made = refer(db, dispatcher, call.id, agency_key="  shelter ", outcome="accepted", note="  Bed tonight ")
    assert made == ReferralRecord(
        id=made.id,
        incident_id=call.id,
        agency_key="shelter",
        agency_name="Harbor Shelter",
        agency_phone="310-555-0142",
        outcome="accepted",
        follow_up_on=None,
        note="Bed tonight",
        created_at=START,
        created_by="dispatcher1",
    )
    assert referrals.referrals_for_incident(db, call.id) == [made]
    assert referral_entries(db, call.id) == ["Referral to Harbor Shelter (310-555-0142): accepted. Bed tonight"]
    after = {"incident_id": call.id, "outcome": "accepted", "follow_up_on": None, "agency": "shelter"}
    assert audit_rows(db, "add_referral") == [("referral", made.id, None, after)]
    assert changes_after(db, last) == [("timeline", call.id, 0), ("referral", made.id, 0), ("incident", call.id, 1)]


def test_the_timeline_names_the_follow_up_day_and_leaves_out_a_missing_phone(db, dispatcher, agencies, call):
    made = refer(db, dispatcher, call.id, agency_key="outreach", outcome="declined", follow_up_on=TODAY + DAY)
    assert made.follow_up_on == TODAY + DAY and made.agency_phone == ""
    assert referral_entries(db, call.id) == ["Referral to Street Outreach: declined; follow up on 2026-11-27"]
    after = {"incident_id": call.id, "outcome": "declined", "follow_up_on": "2026-11-27", "agency": "outreach"}
    assert audit_rows(db, "add_referral") == [("referral", made.id, None, after)]


@pytest.mark.parametrize("outcome", ["offered", "accepted", "declined"])
def test_a_referral_is_offered_accepted_or_declined(db, dispatcher, agencies, call, outcome):
    assert refer(db, dispatcher, call.id, outcome=outcome).outcome == outcome


@pytest.mark.parametrize(
    ("outcome", "message"),
    [
        ("maybe", "Referral outcome must be offered, accepted or declined, not 'maybe'."),
        ("Accepted", "Referral outcome must be offered, accepted or declined, not 'Accepted'."),
        ("", "Referral outcome must be offered, accepted or declined, not ''."),
        ("x" * 30, f"Referral outcome must be offered, accepted or declined, not {'x' * 20!r}."),
    ],
)
def test_any_other_outcome_is_refused(db, dispatcher, agencies, call, outcome, message):
    with pytest.raises(ValidationError) as caught:
        refer(db, dispatcher, call.id, outcome=outcome)
    assert (caught.value.field, str(caught.value)) == ("outcome", message)
    assert referrals.referrals_for_incident(db, call.id) == []


def test_a_referral_note_is_at_most_2000_characters(db, dispatcher, agencies, call):
    with pytest.raises(ValidationError) as caught:
        refer(db, dispatcher, call.id, note="n" * 2001)
    assert (caught.value.field, str(caught.value)) == ("note", "The note is 2,001 characters; the limit is 2,000.")
    assert refer(db, dispatcher, call.id, note="n" * 2000).note == "n" * 2000


def test_a_referral_needs_a_real_incident_and_an_agency_offered_in_the_directory(db, dispatcher, agencies, call):
    shelter, _ = agencies
    with pytest.raises(NotFoundError, match="No incident with id 999"):
        refer(db, dispatcher, 999)
    with pytest.raises(NotFoundError, match="No referral agency 'nowhere' in the directory"):
        refer(db, dispatcher, call.id, agency_key="nowhere")
    with pytest.raises(NotFoundError, match=f"No referral agency {'k' * 40!r} in the directory"):
        refer(db, dispatcher, call.id, agency_key="k" * 50)
    with pytest.raises(NotFoundError, match="No referral agency 'None' in the directory"):
        refer(db, dispatcher, call.id, agency_key=None)
    update_directory_entry(db, ADMIN, shelter.id, active=False)
    with pytest.raises(NotFoundError, match="No referral agency 'shelter' in the directory"):
        refer(db, dispatcher, call.id)
    assert referrals.referrals_for_incident(db, call.id) == []


def test_a_follow_up_date_must_be_a_date(db, dispatcher, agencies, call):
    with pytest.raises(ValidationError) as caught:
        refer(db, dispatcher, call.id, follow_up_on="2026-11-27")
    assert (caught.value.field, str(caught.value)) == ("follow_up_on", "The follow-up date must be a date.")


@pytest.mark.parametrize(
    ("clock_after_start", "follow_up_on", "accepted"),
    [
        (dt.timedelta(0), TODAY, True),  # today, local
        (dt.timedelta(0), TODAY - DAY, False),
        (LAST_MS_OF_TODAY, TODAY, True),  # 07:59:59.999 UTC on the 27th: still the 26th in West Hollywood
        (LAST_MS_OF_TODAY, TODAY - DAY, False),
        (LAST_MS_OF_TODAY + MS, TODAY, False),  # local midnight: the 26th is past
        (LAST_MS_OF_TODAY + MS, TODAY + DAY, True),
    ],
)
def test_a_follow_up_may_be_due_today_but_not_on_a_local_day_already_past(
    db, clock, dispatcher, agencies, call, clock_after_start, follow_up_on, accepted
):
    clock.advance(seconds=clock_after_start.total_seconds())
    if accepted:
        assert refer(db, dispatcher, call.id, follow_up_on=follow_up_on).follow_up_on == follow_up_on
    else:
        with pytest.raises(ValidationError) as caught:
            refer(db, dispatcher, call.id, follow_up_on=follow_up_on)
        assert (caught.value.field, str(caught.value)) == ("follow_up_on", "The follow-up date is in the past.")
        assert referrals.referrals_for_incident(db, call.id) == []


# Reading referrals back ------------------------------------------------------------------------------


def start_shift(db, name: str):
    now = db.clock()
    return services.start_shift(
        db, SUPERVISOR, name=name, supervisor="Sgt. Test", starts_at=now, ends_at=now + dt.timedelta(hours=10)
    )


def test_the_shifts_referrals_are_its_own_in_the_order_made(db, clock, dispatcher, agencies):
    day = start_shift(db, "Day shift")
    first = welfare_call(db, dispatcher)
    second = welfare_call(db, dispatcher, location="1200 N Fairfax Ave")
    clock.advance(minutes=5)
    late = refer(db, dispatcher, first.id)  # made later, on the earlier call
    clock.advance(minutes=-3)
    early = refer(db, dispatcher, second.id, agency_key="outreach")
    same_moment = refer(db, dispatcher, first.id, outcome="declined")
    services.close_shift(db, SUPERVISOR, day.id)
    night = start_shift(db, "Night shift")
    tonight = refer(db, dispatcher, welfare_call(db, dispatcher, location="900 N La Brea Ave").id)
    assert [r.id for r in referrals.referrals_for_shift(db, day.id)] == [early.id, same_moment.id, late.id]
    assert referrals.referrals_for_shift(db, night.id) == [tonight]
    assert [r.id for r in referrals.referrals_for_incident(db, first.id)] == [late.id, same_moment.id]


def test_the_referral_form_offers_the_directory_by_name_and_the_referrals_made(db, dispatcher, agencies, call):
    shelter, outreach = agencies
    closed = add_directory_entry(db, ADMIN, key="closed", name="A Closed Clinic")
    update_directory_entry(db, ADMIN, closed.id, active=False)
    made = refer(db, dispatcher, call.id)
    refer(db, dispatcher, welfare_call(db, dispatcher, location="900 N La Brea Ave").id)
    form = referrals.referral_form(db, call.id)
    assert form == referrals.ReferralForm(agencies=(shelter, outreach), made=(made,))


# Follow-ups ------------------------------------------------------------------------------------------


def test_follow_ups_come_due_on_their_local_day_oldest_first(db, clock, dispatcher, agencies, call):
    refer(db, dispatcher, call.id)  # no follow-up date: never on the list
    tomorrow = refer(db, dispatcher, call.id, follow_up_on=TODAY + DAY)
    today_b = refer(db, dispatcher, call.id, agency_key="outreach", follow_up_on=TODAY)
    later = refer(db, dispatcher, call.id, follow_up_on=TODAY + 3 * DAY)
    today_a = refer(db, dispatcher, call.id, follow_up_on=TODAY)

    def due(**kw) -> list[int]:
        return [f.referral.id for f in referrals.referral_follow_ups(db, **kw)]

    assert due() == [today_b.id, today_a.id]
    clock.advance(seconds=LAST_MS_OF_TODAY.total_seconds())
    assert due() == [today_b.id, today_a.id]
    clock.advance(milliseconds=1)  # midnight in West Hollywood
    assert due() == [today_b.id, today_a.id, tomorrow.id]
    assert due(due_by=TODAY + 2 * DAY) == [today_b.id, today_a.id, tomorrow.id]
    assert due(due_by=TODAY + 3 * DAY) == [today_b.id, today_a.id, tomorrow.id, later.id]
    assert due(due_by=TODAY - DAY) == []


def test_a_follow_up_reads_with_its_incident_and_who_did_it(db, clock, dispatcher, supervisor, agencies, call):
    made = refer(db, dispatcher, call.id, follow_up_on=TODAY)
    (pending,) = referrals.referral_follow_ups(db)
    assert pending == FollowUpRecord(
        referral=made,
        incident_number=call.number,
        incident_location="8300 Santa Monica Blvd",
        call_type_label="Welfare check",
        due_on=TODAY,
        followed_up_at=None,
        followed_up_by="",
    )
    assert not pending.done
    clock.advance(minutes=30)
    last = last_change_id(db)
    done = referrals.complete_follow_up(db, supervisor, made.id, note="  Shelter confirmed the bed ")
    assert done == FollowUpRecord(
        referral=made,
        incident_number=call.number,
        incident_location="8300 Santa Monica Blvd",
        call_type_label="Welfare check",
        due_on=TODAY,
        followed_up_at=START + dt.timedelta(minutes=30),
        followed_up_by="supervisor1",
    )
    assert done.done
    assert referral_entries(db, call.id)[-1] == "Referral follow-up done (Harbor Shelter): Shelter confirmed the bed"
    after = {
        "followed_up_at": "2026-11-26T16:30:00+00:00",
        "followed_up_by": "supervisor1",
        "note": "Shelter confirmed the bed",
    }
    assert audit_rows(db, "complete_follow_up") == [("referral", made.id, {"followed_up_at": None}, after)]
    assert changes_after(db, last) == [("timeline", call.id, 0), ("referral", made.id, 0), ("incident", call.id, 1)]
    assert referrals.referral_follow_ups(db) == []
    assert referrals.referral_follow_ups(db, include_done=True) == [done]


def test_a_follow_up_done_without_a_note_says_only_that(db, dispatcher, supervisor, agencies, call):
    made = refer(db, dispatcher, call.id, agency_key="outreach", follow_up_on=TODAY)
    referrals.complete_follow_up(db, supervisor, made.id)
    assert referral_entries(db, call.id)[-1] == "Referral follow-up done (Street Outreach)"
    after = {"followed_up_at": "2026-11-26T16:00:00+00:00", "followed_up_by": "supervisor1"}
    assert audit_rows(db, "complete_follow_up") == [("referral", made.id, {"followed_up_at": None}, after)]


def test_a_follow_up_is_done_once_and_only_for_a_referral_that_has_one(db, dispatcher, supervisor, agencies, call):
    without = refer(db, dispatcher, call.id)
    made = refer(db, dispatcher, call.id, follow_up_on=TODAY)
    with pytest.raises(NotFoundError, match="No referral with id 999"):
        referrals.complete_follow_up(db, supervisor, 999)
    with pytest.raises(InvalidTransitionError, match="That referral has no follow-up date"):
        referrals.complete_follow_up(db, supervisor, without.id)
    with pytest.raises(ValidationError) as caught:
        referrals.complete_follow_up(db, supervisor, made.id, note="n" * 2001)
    assert (caught.value.field, str(caught.value)) == ("note", "The note is 2,001 characters; the limit is 2,000.")
    referrals.complete_follow_up(db, supervisor, made.id, note="n" * 2000)
    with pytest.raises(InvalidTransitionError, match="That follow-up was already done by supervisor1"):
        referrals.complete_follow_up(db, dispatcher, made.id)
    assert [row[0] for row in audit_rows(db, "complete_follow_up")] == ["referral"]


def test_a_follow_up_on_a_call_type_no_longer_in_the_pack_shows_its_code(db, dispatcher, agencies, call):
    refer(db, dispatcher, call.id, follow_up_on=TODAY)
    with db.writer.begin() as s:
        s.execute(update(Incident).where(Incident.id == call.id).values(call_type="OLDTYPE"))
    (pending,) = referrals.referral_follow_ups(db)
    assert pending.call_type_label == "OLDTYPE"
