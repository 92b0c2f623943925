"""The rules as the services hold them, at each boundary, on SQLite and PostgreSQL.

Each test names the rule in the dispatcher's words; expected values are written out, and a refused
action is checked to have changed nothing.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, update

from data import auth, services
from data.errors import (
    AccountLockedError,
    InvalidTransitionError,
    NotFoundError,
    SheriffFirstError,
    UnitBusyError,
    ValidationError,
    WrongPasswordError,
)
from data.models import AuditEntry, Incident, Officer, RosterEntry
from data.permissions import Actor
from data.services import citations
from tests.data.helpers import CITY_HALL, FAST_HASHER, SUPERVISOR, small_shift, welfare_call

MS = dt.timedelta(milliseconds=1)
LA = ZoneInfo("America/Los_Angeles")
NOISE = "9.08.050"


def audit(db, action: str, entity: str | None = None) -> list[AuditEntry]:
    with db.read() as s:
        q = select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        if entity is not None:
            q = q.where(AuditEntry.entity == entity)
        return list(s.execute(q).scalars())


def unit_record(db, unit_id: int):
    (found,) = services.get_units(db, [unit_id])
    return found


# Screening: a medical emergency sends the Sheriff ------------------------------------------------


@pytest.mark.parametrize("question", ["weapon", "violence", "medical", "crime"])
def test_a_yes_to_a_screening_question_stops_csos_going_alone(db, dispatcher, question):
    unit_id, *_ = small_shift(db, units=1)
    call = welfare_call(db, dispatcher, screening={question: True})
    with pytest.raises(SheriffFirstError, match="needs LASD first"):
        services.dispatch_units(db, dispatcher, call.id, [unit_id])
    assert services.get_incident(db, call.id).status == "pending"
    assert unit_record(db, unit_id).status == "available"
    joint = services.transfer_to_sheriff(db, dispatcher, call.id, joint=True)
    assert services.dispatch_units(db, dispatcher, call.id, [unit_id], expected_version=joint.version).units == (
        "CSO11",
    )


def test_a_medical_emergency_is_named_in_the_timeline(db, dispatcher):
    call = welfare_call(db, dispatcher, screening={"medical": True}, response="joint")
    (created,) = services.timeline(db, call.id)
    assert created.text == (
        "Welfare check (P2) at 8300 Santa Monica Blvd; screening: weapon not asked · violence not asked · "
        "medical YES · crime not asked; response: joint"
    )


def test_an_ordinary_call_with_no_yes_answers_goes_to_csos(db, dispatcher):
    unit_id, *_ = small_shift(db, units=1)
    call = welfare_call(
        db, dispatcher, screening={"weapon": False, "violence": False, "medical": False, "crime": False}
    )
    assert services.dispatch_units(db, dispatcher, call.id, [unit_id]).status == "dispatched"


def test_csos_alone_on_a_sheriff_first_type_need_an_override_reason_on_record(db, dispatcher):
    unit_id, *_ = small_shift(db, units=1)
    call = services.create_incident(db, dispatcher, call_type="MTLV", location="Plummer Park")
    with pytest.raises(SheriffFirstError):
        services.dispatch_units(db, dispatcher, call.id, [unit_id])
    with pytest.raises(SheriffFirstError):
        services.dispatch_units(db, dispatcher, call.id, [unit_id], override_reason="   ")
    sent = services.dispatch_units(db, dispatcher, call.id, [unit_id], override_reason="Deputies on scene")
    assert sent.override_reason == "Deputies on scene"
    assert services.timeline(db, call.id)[-1].text == "Dispatched CSO11 (override: Deputies on scene)"


def test_an_override_given_when_the_call_was_taken_lets_csos_go(db, dispatcher):
    unit_id, *_ = small_shift(db, units=1)
    call = services.create_incident(
        db, dispatcher, call_type="MTLV", location="Plummer Park", override_reason="LASD asked for CSOs"
    )
    assert services.dispatch_units(db, dispatcher, call.id, [unit_id]).status == "dispatched"


# Received time ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ahead", "accepted"),
    [
        (dt.timedelta(0), True),
        (dt.timedelta(minutes=1), True),  # a workstation clock a minute fast is tolerated
        (dt.timedelta(minutes=1) + MS, False),
        (dt.timedelta(hours=1), False),
    ],
)
def test_a_call_received_in_the_future_is_refused(db, clock, dispatcher, ahead, accepted):
    received = clock() + ahead
    if accepted:
        assert welfare_call(db, dispatcher, received_at=received).received_at == received
    else:
        with pytest.raises(ValidationError, match="cannot be received in the future") as refused:
            welfare_call(db, dispatcher, received_at=received)
        assert refused.value.field == "received_at"
        with db.read() as s:
            assert s.scalar(select(func.count(Incident.id))) == 0


# The year of an incident number is the local year --------------------------------------------


@pytest.mark.parametrize(
    ("local", "number"),
    [
        (dt.datetime(2026, 12, 31, 20, 0), "2026-000001"),  # 04:00 UTC on 1 January 2027
        (dt.datetime(2026, 12, 31, 23, 59, 59, 999000), "2026-000001"),
        (dt.datetime(2027, 1, 1, 0, 0), "2027-000001"),  # 08:00 UTC
        (dt.datetime(2027, 1, 1, 9, 0), "2027-000001"),
    ],
)
def test_a_call_on_new_years_eve_evening_takes_that_years_number(db, clock, dispatcher, local, number):
    clock.now = local.replace(tzinfo=LA).astimezone(dt.UTC)
    assert welfare_call(db, dispatcher).number == number


def test_a_late_entered_call_takes_the_year_it_was_received(db, clock, dispatcher):
    clock.now = dt.datetime(2027, 1, 1, 0, 0, 30, tzinfo=LA).astimezone(dt.UTC)
    received = dt.datetime(2026, 12, 31, 23, 59, 50, tzinfo=LA).astimezone(dt.UTC)
    assert welfare_call(db, dispatcher, received_at=received).number == "2026-000001"
    assert welfare_call(db, dispatcher).number == "2027-000001"


# Duplicates through the service ----------------------------------------------------------------

LAT_149_9 = CITY_HALL[0] + 149.9 / 111_195.080
LAT_150_1 = CITY_HALL[0] + 150.1 / 111_195.080


@pytest.mark.parametrize(
    ("later", "found"),
    # Issue 11: an open call is offered whatever its age (the window is for closed ones).
    [(dt.timedelta(minutes=10) - MS, True), (dt.timedelta(minutes=10), True), (dt.timedelta(minutes=10) + MS, True)],
)
def test_a_call_ten_minutes_later_is_still_a_possible_duplicate(db, clock, dispatcher, later, found):
    first = welfare_call(db, dispatcher)
    clock.advance(seconds=later.total_seconds())
    near = services.duplicates_near(db, latitude=CITY_HALL[0], longitude=CITY_HALL[1])
    assert [c.incident.id for c in near] == ([first.id] if found else [])


def test_a_call_149_9_m_away_is_a_possible_duplicate_and_150_1_m_is_not(db, dispatcher):
    first = welfare_call(db, dispatcher)
    (near,) = services.duplicates_near(db, latitude=LAT_149_9, longitude=CITY_HALL[1])
    assert near.incident.id == first.id and near.distance_m == pytest.approx(149.9, abs=0.01)
    assert services.duplicates_near(db, latitude=LAT_150_1, longitude=CITY_HALL[1]) == []


def test_a_closed_incident_is_a_duplicate_only_within_the_window(db, clock, dispatcher):
    first = welfare_call(db, dispatcher)
    services.cancel_incident(db, dispatcher, first.id, reason="caller called back, all fine")
    # Closed just now: still offered within the window (issue 11), as closed.
    (near,) = services.duplicates_near(db, latitude=CITY_HALL[0], longitude=CITY_HALL[1])
    assert near.incident.status == "cancelled"
    clock.advance(minutes=10, seconds=1)
    assert services.duplicates_near(db, latitude=CITY_HALL[0], longitude=CITY_HALL[1]) == []


# Dispositions ---------------------------------------------------------------------------------


def test_a_call_cancelled_before_anyone_was_sent_is_disposition_10(db, dispatcher):
    call = welfare_call(db, dispatcher)
    cancelled = services.cancel_incident(db, dispatcher, call.id, reason="caller hung up, no answer")
    assert (cancelled.status, cancelled.disposition_code) == ("cancelled", "10")
    assert cancelled.disposition_note == "caller hung up, no answer"


def test_a_call_cancelled_after_a_unit_was_sent_is_disposition_32(db, dispatcher):
    unit_id, *_ = small_shift(db, units=1)
    call = welfare_call(db, dispatcher)
    services.dispatch_units(db, dispatcher, call.id, [unit_id])
    services.set_unit_status(db, dispatcher, unit_id, "available")  # released: back to pending
    cancelled = services.cancel_incident(db, dispatcher, call.id, reason="caller says no longer needed")
    assert (cancelled.status, cancelled.disposition_code) == ("cancelled", "32")


@pytest.mark.parametrize(("typed", "stored"), [("5", "05"), (" 4 ", "04"), ("18", "18"), ("02", "02")])
def test_a_one_digit_disposition_is_read_with_its_leading_zero(db, dispatcher, typed, stored):
    call = welfare_call(db, dispatcher)
    assert services.clear_incident(db, dispatcher, call.id, disposition=typed).disposition_code == stored


@pytest.mark.parametrize("typed", ["", "   ", None, "005", "99", "1"])
def test_an_unknown_or_missing_disposition_is_refused(db, dispatcher, typed):
    call = welfare_call(db, dispatcher)
    with pytest.raises(ValidationError) as refused:
        services.clear_incident(db, dispatcher, call.id, disposition=typed)
    assert refused.value.field == "disposition"
    assert services.get_incident(db, call.id).status == "pending"


# Closed incidents refuse work ---------------------------------------------------------------------


def closed_incidents(db, dispatcher) -> dict[str, int]:
    """One incident in each closed status, and an open one to merge into; their ids by status."""
    ids = {}
    ids["cleared"] = services.clear_incident(db, dispatcher, welfare_call(db, dispatcher).id, disposition="18").id
    ids["cancelled"] = services.cancel_incident(db, dispatcher, welfare_call(db, dispatcher).id, reason="hung up").id
    ids["transferred"] = services.transfer_to_sheriff(db, dispatcher, welfare_call(db, dispatcher).id).id
    ids["open"] = welfare_call(db, dispatcher).id
    ids["merged"] = welfare_call(db, dispatcher).id
    services.merge_duplicate(db, dispatcher, duplicate_id=ids["merged"], into_id=ids["open"])
    return ids


CLOSED = ["cleared", "cancelled", "transferred", "merged"]


def test_closed_incidents_refuse_edits_dispatch_transfer_and_being_merged_into(db, dispatcher):
    unit_id, *_ = small_shift(db, units=1)
    ids = closed_incidents(db, dispatcher)
    for status in CLOSED:
        before = services.get_incident(db, ids[status])
        assert before.status == status
        with pytest.raises(InvalidTransitionError, match="reopen it before editing"):
            services.update_incident(db, dispatcher, before.id, expected_version=before.version, priority=1)
        with pytest.raises(InvalidTransitionError, match="reopen it before dispatching"):
            services.dispatch_units(db, dispatcher, before.id, [unit_id])
        with pytest.raises(InvalidTransitionError, match="closed; it cannot be transferred"):
            services.transfer_to_sheriff(db, dispatcher, before.id)
        with pytest.raises(InvalidTransitionError, match="closed; it cannot be transferred"):
            services.transfer_to_sheriff(db, dispatcher, before.id, joint=True)
        with pytest.raises(InvalidTransitionError, match="merge into an open incident"):
            services.merge_duplicate(db, dispatcher, duplicate_id=ids["open"], into_id=before.id)
        after = services.get_incident(db, ids[status])
        assert (after.status, after.version, after.priority, after.units) == (status, before.version, 2, ())
    assert unit_record(db, unit_id).status == "available"


# Closed means closed (issue 11): clearing a cleared call again or cancelling a cancelled one is refused.
@pytest.mark.parametrize(
    ("status", "action"),
    [
        ("cleared", "clear"),
        ("cleared", "cancel"),
        ("cancelled", "clear"),
        ("cancelled", "cancel"),
        ("transferred", "clear"),
        ("transferred", "cancel"),
    ],
)
def test_a_closed_incident_cannot_be_cleared_or_cancelled_again(db, dispatcher, status, action):
    ids = closed_incidents(db, dispatcher)
    before = services.get_incident(db, ids[status])
    with pytest.raises(InvalidTransitionError):
        if action == "clear":
            services.clear_incident(db, dispatcher, before.id, disposition="13")
        else:
            services.cancel_incident(db, dispatcher, before.id, reason="again")
    after = services.get_incident(db, before.id)
    assert (after.status, after.disposition_code, after.version) == (status, before.disposition_code, before.version)


def test_only_a_closed_incident_is_reopened_and_never_a_merged_one(db, dispatcher, supervisor):
    ids = closed_incidents(db, dispatcher)
    with pytest.raises(InvalidTransitionError, match="still open"):
        services.reopen_incident(db, supervisor, ids["open"], reason="check")
    with pytest.raises(InvalidTransitionError, match="was merged"):
        services.reopen_incident(db, supervisor, ids["merged"], reason="check")
    reopened = services.reopen_incident(db, supervisor, ids["cleared"], reason="caller called back")
    assert (reopened.status, reopened.disposition_code, reopened.cleared_at) == ("pending", None, None)


# Units --------------------------------------------------------------------------------------------


def test_a_unit_works_one_incident_at_a_time(db, dispatcher):
    unit_id, *_ = small_shift(db, units=1)
    a = welfare_call(db, dispatcher)
    b = welfare_call(db, dispatcher, location="Plummer Park")
    services.dispatch_units(db, dispatcher, a.id, [unit_id])
    with pytest.raises(UnitBusyError, match="CSO11 is already on 2026-000001"):
        services.dispatch_units(db, dispatcher, a.id, [unit_id])
    services.set_unit_status(db, dispatcher, unit_id, "onscene")
    with pytest.raises(UnitBusyError, match=r"CSO11 is already assigned to 2026-000001 \(dispatched by dispatcher1"):
        services.dispatch_units(db, dispatcher, b.id, [unit_id])
    assert services.get_incident(db, b.id).status == "pending"
    assert unit_record(db, unit_id).incident_number == "2026-000001"


@pytest.mark.parametrize(
    ("status", "dispatchable"),
    [("busy", True), ("break", False), ("meal", False), ("out_of_service", False)],
)
def test_busy_units_can_be_pulled_off_for_a_call_and_units_on_break_cannot(db, dispatcher, status, dispatchable):
    unit_id, *_ = small_shift(db, units=1)
    services.set_unit_status(db, dispatcher, unit_id, status)
    call = welfare_call(db, dispatcher)
    if dispatchable:
        assert services.dispatch_units(db, dispatcher, call.id, [unit_id]).units == ("CSO11",)
        assert unit_record(db, unit_id).status == "dispatched"
    else:
        label = status.replace("_", " ")
        with pytest.raises(UnitBusyError, match=f"CSO11 is {label}; it cannot be dispatched"):
            services.dispatch_units(db, dispatcher, call.id, [unit_id])
        assert unit_record(db, unit_id).status == status


def test_an_incident_follows_its_most_advanced_unit_as_units_come_and_go(db, dispatcher):
    first, second = small_shift(db, units=2)
    call = welfare_call(db, dispatcher)
    services.dispatch_units(db, dispatcher, call.id, [first, second])
    services.set_unit_status(db, dispatcher, first, "onscene")
    assert services.get_incident(db, call.id).status == "onscene"
    services.set_unit_status(db, dispatcher, second, "enroute")
    assert services.get_incident(db, call.id).status == "onscene"
    services.set_unit_status(db, dispatcher, first, "busy")  # leaves to write a report
    assert services.get_incident(db, call.id).status == "enroute"
    services.set_unit_status(db, dispatcher, second, "available")
    assert services.get_incident(db, call.id).status == "pending"


def test_the_status_check_clock_runs_while_working_and_stops_on_release(db, clock, dispatcher):
    unit_id, *_ = small_shift(db, units=1)
    assert unit_record(db, unit_id).check_started_at is None  # available: no timer
    call = welfare_call(db, dispatcher)
    clock.advance(minutes=1)
    services.dispatch_units(db, dispatcher, call.id, [unit_id])
    assert unit_record(db, unit_id).check_started_at == clock.now
    clock.advance(minutes=3)
    services.set_unit_status(db, dispatcher, unit_id, "onscene")
    assert unit_record(db, unit_id).check_started_at == clock.now
    clock.advance(minutes=20)
    services.clear_incident(db, dispatcher, call.id, disposition="18")
    released = unit_record(db, unit_id)
    assert (released.status, released.check_started_at, released.status_since) == ("available", None, clock.now)


@pytest.mark.parametrize("close", ["cancel", "transfer", "merge"])
def test_every_way_of_closing_an_incident_stops_its_units_status_check_clock(db, clock, dispatcher, close):
    unit_id, *_ = small_shift(db, units=1)
    call = welfare_call(db, dispatcher)
    services.dispatch_units(db, dispatcher, call.id, [unit_id])
    clock.advance(minutes=12)
    if close == "cancel":
        services.cancel_incident(db, dispatcher, call.id, reason="no longer needed")
    elif close == "transfer":
        services.transfer_to_sheriff(db, dispatcher, call.id)
    else:
        services.merge_duplicate(db, dispatcher, duplicate_id=call.id, into_id=welfare_call(db, dispatcher).id)
    released = unit_record(db, unit_id)
    assert (released.status, released.incident_id, released.check_started_at) == ("available", None, None)
    assert released.status_since == clock.now


@pytest.mark.parametrize(("status", "timed"), [("busy", True), ("break", False), ("meal", False)])
def test_a_status_with_a_timer_starts_the_check_clock(db, clock, dispatcher, status, timed):
    unit_id, *_ = small_shift(db, units=1)
    clock.advance(minutes=5)
    moved = services.set_unit_status(db, dispatcher, unit_id, status)
    assert moved.check_started_at == (clock.now if timed else None)
    assert moved.status_since == clock.now
    if not timed:
        with pytest.raises(InvalidTransitionError, match="no status-check timer running"):
            services.acknowledge_check(db, dispatcher, unit_id)


def test_a_unit_off_shift_cannot_change_status_or_be_dispatched(db, dispatcher, supervisor):
    unit_id, *_ = small_shift(db, units=1)
    services.sign_off_unit(db, supervisor, unit_id)
    call = welfare_call(db, dispatcher)
    for status in ("available", "busy", "break"):
        with pytest.raises(UnitBusyError, match="CSO11 is not signed on to the shift"):
            services.set_unit_status(db, dispatcher, unit_id, status)
    with pytest.raises(UnitBusyError, match="CSO11 is not signed on to the shift"):
        services.dispatch_units(db, dispatcher, call.id, [unit_id])
    off = unit_record(db, unit_id)
    assert (off.status, off.on_shift) == ("off_duty", False)


def test_signing_off_is_recorded_on_the_roster_and_in_the_audit(db, clock, dispatcher, supervisor):
    unit_id, *_ = small_shift(db, units=1)
    clock.advance(hours=9)
    off = services.sign_off_unit(db, supervisor, unit_id)
    assert (off.status, off.on_shift, off.status_since, off.check_started_at) == ("off_duty", False, clock.now, None)
    with db.read() as s:
        (entry,) = s.execute(select(RosterEntry).where(RosterEntry.unit_id == unit_id)).scalars()
    assert entry.signed_off_at == clock.now
    (signed_off,) = audit(db, "sign_off_unit")
    assert signed_off.username == supervisor.username and signed_off.entity_id == unit_id
    assert (signed_off.before["on_shift"], signed_off.after["on_shift"]) == (True, False)
    assert (signed_off.before["status"], signed_off.after["status"]) == ("available", "off_duty")
    with pytest.raises(InvalidTransitionError, match="CSO11 is not signed on"):
        services.sign_off_unit(db, supervisor, unit_id)


def test_a_unit_on_an_incident_cannot_sign_off(db, dispatcher, supervisor):
    unit_id, *_ = small_shift(db, units=1)
    call = welfare_call(db, dispatcher)
    services.dispatch_units(db, dispatcher, call.id, [unit_id])
    with pytest.raises(UnitBusyError, match="CSO11 is still on 2026-000001"):
        services.sign_off_unit(db, supervisor, unit_id)
    assert unit_record(db, unit_id).on_shift is True


def test_moving_a_unit_is_audited_with_the_new_position(db, clock, dispatcher):
    unit_id, *_ = small_shift(db, units=1)
    clock.advance(minutes=7)
    moved = services.move_unit(db, dispatcher, unit_id, latitude=34.0917, longitude=-118.3495)
    assert (moved.latitude, moved.longitude) == (34.0917, -118.3495)
    (entry,) = audit(db, "move_unit")
    assert (entry.username, entry.entity, entry.entity_id, entry.at) == ("dispatcher1", "unit", unit_id, clock.now)
    assert entry.after == {"latitude": 34.0917, "longitude": -118.3495}


# Citations ----------------------------------------------------------------------------------------


@pytest.fixture
def officer(db, supervisor):
    return services.create_officer(db, supervisor, badge="C101", name="Ana Díaz")


def cite(db, actor, officer_id: int, name: str = "John Smith", **kw):
    return citations.issue_citation(
        db,
        actor,
        officer_id=officer_id,
        violator_name=name,
        violations=[NOISE],
        location="8300 Santa Monica Blvd",
        **kw,
    )


@pytest.mark.parametrize(
    ("later", "offense"),
    [
        (dt.timedelta(days=365) - MS, 2),  # just inside twelve months: a second offense
        (dt.timedelta(days=365), 1),  # exactly twelve months later: the first has left the window
        (dt.timedelta(days=365) + MS, 1),
    ],
)
def test_the_offense_window_reaches_back_exactly_365_days(db, clock, dispatcher, officer, later, offense):
    cite(db, dispatcher, officer.id)
    clock.advance(seconds=later.total_seconds())
    second = cite(db, dispatcher, officer.id)
    assert (second.violations[0].offense_number, second.violations[0].fine_dollars) == (
        offense,
        {1: 100, 2: 200}[offense],
    )


def test_a_citation_issued_at_the_same_moment_counts_and_a_later_one_does_not(db, clock, dispatcher, officer):
    # Back-dating a citation written on paper: one issued after it in time is not a prior offense.
    cite(db, dispatcher, officer.id, name="Ann Later")
    earlier = cite(db, dispatcher, officer.id, name="Ann Later", issued_at=clock() - MS)
    assert earlier.violations[0].offense_number == 1
    cite(db, dispatcher, officer.id, name="Bo Same")
    same = cite(db, dispatcher, officer.id, name="Bo Same", issued_at=clock())
    assert same.violations[0].offense_number == 2


@pytest.mark.parametrize(
    ("ahead", "accepted"), [(dt.timedelta(minutes=1), True), (dt.timedelta(minutes=1) + MS, False)]
)
def test_a_citation_cannot_be_issued_in_the_future(db, clock, dispatcher, officer, ahead, accepted):
    if accepted:
        assert cite(db, dispatcher, officer.id, issued_at=clock() + ahead).issued_at == clock() + ahead
    else:
        with pytest.raises(ValidationError, match="cannot be issued in the future"):
            cite(db, dispatcher, officer.id, issued_at=clock() + ahead)


def test_an_officer_no_longer_active_cannot_issue_a_citation(db, dispatcher, officer):
    with db.writer.begin() as s:
        s.execute(update(Officer).where(Officer.id == officer.id).values(active=False))
    with pytest.raises(NotFoundError, match=f"No active officer with id {officer.id}"):
        cite(db, dispatcher, officer.id)
    assert audit(db, "issue_citation") == []


def test_an_officer_no_longer_active_cannot_sign_on(db, clock, dispatcher, supervisor, officer):
    services.start_shift(
        db, SUPERVISOR, name="Day", supervisor="Sgt. Test", starts_at=clock(), ends_at=clock() + dt.timedelta(hours=10)
    )
    cso = services.create_unit(db, supervisor, call_sign="CSO31")
    with db.writer.begin() as s:
        s.execute(update(Officer).where(Officer.id == officer.id).values(active=False))
    with pytest.raises(NotFoundError, match="No active officer"):
        services.sign_on_unit(db, supervisor, cso.id, officer_ids=[officer.id])
    assert unit_record(db, cso.id).on_shift is False


# Sign-in lockout ------------------------------------------------------------------------------------


@pytest.fixture
def ana(db, monkeypatch):
    monkeypatch.setattr(auth, "HASHER", FAST_HASHER)
    admin = Actor("admin1", role="admin", workstation="ws-adm")
    return auth.create_user(db, admin, "ana", role="dispatcher", password="Plummer Park at dusk 7")


def fail(db):
    with pytest.raises((WrongPasswordError, AccountLockedError)) as info:
        auth.authenticate(db, "ana", "wrong password!", workstation="ws-1")
    return info.value


@pytest.mark.parametrize(
    ("first_to_fifth", "locked"),
    [
        (dt.timedelta(minutes=15) - MS, True),
        (dt.timedelta(minutes=15), True),  # five failures in exactly fifteen minutes lock the account
        (dt.timedelta(minutes=15) + MS, False),
    ],
)
def test_five_failures_within_fifteen_minutes_lock_at_the_boundary(db, clock, ana, first_to_fifth, locked):
    fail(db)
    for _ in range(3):
        clock.advance(minutes=1)
        fail(db)
    clock.now = clock.now - dt.timedelta(minutes=3) + first_to_fifth
    fifth = fail(db)
    if locked:
        assert isinstance(fifth, AccountLockedError) and "now locked" in str(fifth)
        assert len(audit(db, "lock_account")) == 1
    else:
        assert isinstance(fifth, WrongPasswordError) and fifth.attempts_left == 1
        assert audit(db, "lock_account") == []


def test_the_failures_counted_are_those_of_the_last_fifteen_minutes(db, clock, ana):
    expected_left = [4, 3, 2, 1]
    for left in expected_left:
        assert fail(db).attempts_left == left
        clock.advance(minutes=5)
    # Now 20 minutes after the first: the one at 0 minutes has left the window, the one at 5 is
    # exactly fifteen minutes old and still counts.
    assert auth.recent_failures(db, "ana") == 3
    clock.advance(milliseconds=1)
    assert auth.recent_failures(db, "ana") == 2
