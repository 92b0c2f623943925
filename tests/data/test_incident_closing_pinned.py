"""How an incident's status moves and how a refusal on a closed or changed incident reads.

The status follows the units and the closing actions; the stamps (dispatched, en route, on scene,
cleared) are set once; a refusal names who closed or changed the incident, how, and when on the
dispatch centre's clock (West Hollywood: 16:00 UTC is 08:00).
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import insert

from data import services
from data.errors import AlreadyClosedError, InvalidTransitionError, StaleWriteError, UnitBusyError
from data.models import Incident
from tests.data.helpers import small_shift, welfare_call
from tests.data.test_incident_services_pinned import START, audits, events

MIN = dt.timedelta(minutes=1)


# Status stamps ------------------------------------------------------------------------------------


def test_each_stamp_is_set_when_the_call_first_reaches_its_status_and_kept_after(db, clock, dispatcher):
    unit_id, *_ = small_shift(db, units=1)
    call = welfare_call(db, dispatcher)
    clock.advance(minutes=1)
    services.dispatch_units(db, dispatcher, call.id, [unit_id])
    clock.advance(minutes=1)
    services.set_unit_status(db, dispatcher, unit_id, "enroute")
    clock.advance(minutes=1)
    services.set_unit_status(db, dispatcher, unit_id, "onscene")
    clock.advance(minutes=1)
    services.set_unit_status(db, dispatcher, unit_id, "available")  # back to pending, the stamps stay
    back = services.get_incident(db, call.id)
    assert (back.status, back.status_changed_at, back.cleared_at) == ("pending", START + 4 * MIN, None)
    assert (back.dispatched_at, back.enroute_at, back.onscene_at) == (START + MIN, START + 2 * MIN, START + 3 * MIN)
    clock.advance(minutes=1)
    again = services.dispatch_units(db, dispatcher, call.id, [unit_id])
    assert (again.status, again.status_changed_at) == ("dispatched", START + 5 * MIN)
    assert (again.dispatched_at, again.enroute_at, again.onscene_at) == (
        START + MIN,
        START + 2 * MIN,
        START + 3 * MIN,
    )


def test_a_status_that_does_not_change_keeps_its_time(db, clock, dispatcher):
    first, second, _third = small_shift(db, units=3)
    call = welfare_call(db, dispatcher)
    services.dispatch_units(db, dispatcher, call.id, [first])
    clock.advance(minutes=3)
    more = services.dispatch_units(db, dispatcher, call.id, [second])
    assert (more.status, more.status_changed_at, more.dispatched_at) == ("dispatched", START, START)


# Moves a status cannot make -----------------------------------------------------------------------


def test_a_call_with_a_unit_on_scene_cannot_be_cancelled_only_cleared(db, dispatcher):
    unit_id, *_ = small_shift(db, units=1)
    call = welfare_call(db, dispatcher)
    services.dispatch_units(db, dispatcher, call.id, [unit_id])
    services.set_unit_status(db, dispatcher, unit_id, "onscene")
    seen = services.get_incident(db, call.id)
    with pytest.raises(
        InvalidTransitionError, match=r"^Incident 2026-000001 is on scene; it cannot become cancelled\.$"
    ):
        services.cancel_incident(db, dispatcher, call.id, reason="not needed")
    assert services.get_incident(db, call.id) == seen
    assert audits(db, "cancel_incident") == []


@pytest.mark.parametrize(("unit_status", "label"), [("enroute", "en route"), ("onscene", "on scene")])
def test_a_call_with_a_unit_on_its_way_or_on_scene_cannot_be_merged(db, dispatcher, unit_status, label):
    unit_id, *_ = small_shift(db, units=1)
    into = welfare_call(db, dispatcher)
    dup = welfare_call(db, dispatcher)
    services.dispatch_units(db, dispatcher, dup.id, [unit_id])
    services.set_unit_status(db, dispatcher, unit_id, unit_status)
    with pytest.raises(InvalidTransitionError, match=rf"^Incident 2026-000002 is {label}; it cannot become merged\.$"):
        services.merge_duplicate(db, dispatcher, duplicate_id=dup.id, into_id=into.id)
    assert services.get_incident(db, dup.id).status == unit_status
    assert services.get_incident(db, dup.id).units == ("CSO11",)
    assert audits(db, "merge_duplicate") == []


# Who closed it ------------------------------------------------------------------------------------


def test_a_closed_call_names_the_last_one_who_closed_it(db, clock, dispatcher, supervisor):
    call = welfare_call(db, dispatcher)
    clock.advance(minutes=2)
    services.clear_incident(db, dispatcher, call.id, disposition="13")
    clock.advance(minutes=2)
    services.reopen_incident(db, supervisor, call.id, reason="caller rang again")
    clock.advance(minutes=2)
    services.clear_incident(db, supervisor, call.id, disposition="05")
    clock.advance(minutes=2)
    services.add_note(db, dispatcher, call.id, "Late note")
    with pytest.raises(
        AlreadyClosedError,
        match=r"^Incident 2026-000001 was already cleared \(05 Settled by phone contact\) by supervisor1 "
        r"at 08:06:00; reopen it first\.$",
    ):
        services.cancel_incident(db, dispatcher, call.id, reason="again")


def test_a_cancelled_call_says_so_with_its_disposition(db, clock, dispatcher):
    call = welfare_call(db, dispatcher)
    clock.advance(hours=1, minutes=15, seconds=30)
    services.cancel_incident(db, dispatcher, call.id, reason="hung up")
    with pytest.raises(
        AlreadyClosedError,
        match=r"^Incident 2026-000001 was already cancelled \(10 Event cancelled\) by dispatcher1 "
        r"at 09:15:30; reopen it first\.$",
    ):
        services.clear_incident(db, dispatcher, call.id, disposition="18")


def test_a_transferred_call_says_so_with_its_disposition(db, clock, dispatcher, supervisor):
    call = welfare_call(db, dispatcher)
    clock.advance(minutes=3)
    services.transfer_to_sheriff(db, supervisor, call.id)
    with pytest.raises(
        AlreadyClosedError,
        match=r"^Incident 2026-000001 was already transferred \(15 Referred to partner agency\) by supervisor1 "
        r"at 08:03:00; reopen it first\.$",
    ):
        services.cancel_incident(db, dispatcher, call.id, reason="again")


# Who changed it -----------------------------------------------------------------------------------


def test_a_stale_write_names_who_changed_the_call_how_and_when(db, clock, dispatcher, supervisor):
    call = welfare_call(db, dispatcher)
    clock.advance(minutes=5, seconds=7)
    services.update_incident(db, supervisor, call.id, expected_version=call.version, priority=1)
    clock.advance(minutes=1)
    services.add_note(db, supervisor, call.id, "Caller rang back")
    with pytest.raises(StaleWriteError) as refused:
        services.clear_incident(db, dispatcher, call.id, disposition="18", expected_version=call.version)
    assert str(refused.value) == (
        "Incident 2026-000001 was changed by supervisor1 (add note at 08:06:07) after you opened it. "
        "Review the change and reapply yours."
    )
    assert (refused.value.changed_by, refused.value.changes) == ("supervisor1", "add note")


def test_a_stale_write_on_an_edit_names_the_edit(db, clock, dispatcher, supervisor):
    call = welfare_call(db, dispatcher)
    clock.advance(minutes=5, seconds=7)
    services.update_incident(db, supervisor, call.id, expected_version=call.version, priority=1)
    with pytest.raises(StaleWriteError) as refused:
        services.transfer_to_sheriff(db, dispatcher, call.id, expected_version=call.version)
    assert str(refused.value) == (
        "Incident 2026-000001 was changed by supervisor1 (update incident at 08:05:07) after you opened it. "
        "Review the change and reapply yours."
    )
    assert (refused.value.changed_by, refused.value.changes) == ("supervisor1", "update incident")
    assert services.get_incident(db, call.id).status == "pending"
    assert events(db, call.id)[-1][0] == "priority"


def test_a_busy_unit_names_who_dispatched_it_and_when_not_who_wrote_last(db, clock, dispatcher, supervisor):
    unit_id, *_ = small_shift(db, units=1)
    first = welfare_call(db, dispatcher)
    second = welfare_call(db, supervisor, location="Plummer Park")
    clock.advance(minutes=2)
    services.dispatch_units(db, dispatcher, first.id, [unit_id])
    clock.advance(minutes=1)
    services.add_note(db, supervisor, first.id, "Caller rang back")
    with pytest.raises(
        UnitBusyError,
        match=r"^CSO11 is already assigned to 2026-000001 \(dispatched by dispatcher1 at 08:02:00\)\.$",
    ):
        services.dispatch_units(db, supervisor, second.id, [unit_id])
    assert services.get_incident(db, second.id).units == ()


# Incidents loaded in bulk (an archive, the benchmarks) have no audit trail ----------------------------


def bulk_incident(db, number: str, **fields):
    """An incident row inserted as a bulk load does: no timeline, no audit entry."""
    row = {
        "number": number,
        "kind": "call",
        "call_type": "NOISE",
        "apco_code": "NOISE",
        "priority": 3,
        "status": "pending",
        "location": "8000 Santa Monica Blvd",
        "caller_name": "",
        "caller_phone": "",
        "narrative": "Loud music",
        "screening": {},
        "response": "cso",
        "override_reason": "",
        "received_at": START,
        "entered_at": START,
        "status_changed_at": START,
        "disposition_note": "",
        "created_by": "archive",
        "version": 4,
    } | fields
    with db.writer() as s, s.begin():
        return s.execute(insert(Incident).returning(Incident.id), [row]).scalar_one()


def test_a_stale_write_on_an_incident_without_audit_names_another_dispatcher(db, dispatcher):
    loaded = bulk_incident(db, "2025-000001")
    with pytest.raises(StaleWriteError) as refused:
        services.clear_incident(db, dispatcher, loaded, disposition="18", expected_version=3)
    assert str(refused.value) == (
        "Incident 2025-000001 was changed by another dispatcher (an update) after you opened it. "
        "Review the change and reapply yours."
    )
    assert (refused.value.changed_by, refused.value.changes) == ("another dispatcher", "an update")


@pytest.mark.parametrize(
    ("closed", "reads"),
    [
        (
            {"disposition_code": "18", "cleared_at": START + 30 * MIN, "status_changed_at": START + 31 * MIN},
            "cleared (18 Settled by contact) at 08:30:00",
        ),
        ({"disposition_code": "99", "cleared_at": None}, "cleared (99) at 08:00:00"),
        ({"disposition_code": None, "cleared_at": START + 5 * MIN}, "cleared at 08:05:00"),
    ],
)
def test_a_closed_incident_without_audit_says_how_and_when_without_a_name(db, dispatcher, closed, reads):
    loaded = bulk_incident(db, "2025-000001", status="cleared", **closed)
    with pytest.raises(AlreadyClosedError) as refused:
        services.cancel_incident(db, dispatcher, loaded, reason="again")
    assert str(refused.value) == f"Incident 2025-000001 was already {reads}; reopen it first."


def test_a_closed_call_names_who_closed_that_call_not_the_last_closing_elsewhere(db, clock, dispatcher, supervisor):
    mine = welfare_call(db, dispatcher)
    other = welfare_call(db, dispatcher, location="Plummer Park")
    clock.advance(minutes=2)
    services.clear_incident(db, dispatcher, mine.id, disposition="18")
    clock.advance(minutes=2)
    services.cancel_incident(db, supervisor, other.id, reason="hung up")
    with pytest.raises(
        AlreadyClosedError,
        match=r"^Incident 2026-000001 was already cleared \(18 Settled by contact\) by dispatcher1 at 08:02:00; "
        r"reopen it first\.$",
    ):
        services.clear_incident(db, supervisor, mine.id, disposition="13")
