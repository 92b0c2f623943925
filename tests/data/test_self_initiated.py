"""Officer-initiated work: one transaction opens the incident with the unit on scene."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from data import services
from data.errors import UnitBusyError, ValidationError
from data.models import AuditEntry
from data.services.self_initiated import self_initiated_types, start_self_initiated
from data.shift_summary import shift_summary
from tests.data.helpers import SUPERVISOR, small_shift, welfare_call


def test_unit_starts_a_safety_audit(any_db, clock, dispatcher):
    unit_id, *_ = small_shift(any_db)
    inc = start_self_initiated(
        any_db,
        dispatcher,
        unit_id=unit_id,
        call_type="audit",
        location="Plummer Park",
        latitude=34.0911,
        longitude=-118.3505,
    )
    assert inc.kind == "self_initiated" and inc.call_type == "AUDIT" and inc.status == "onscene"
    assert inc.units == ("CSO11",) and inc.zone == "0971" and inc.shift_id == services.active_shift(any_db).id
    assert inc.received_at == inc.dispatched_at == inc.onscene_at == clock() and inc.enroute_at is None
    unit = services.get_units(any_db, [unit_id])[0]
    assert unit.status == "onscene" and unit.incident_id == inc.id and unit.check_started_at == clock()
    assert (unit.latitude, unit.longitude) == (34.0911, -118.3505)
    events = services.timeline(any_db, inc.id)
    assert [e.text for e in events] == ["Officer-initiated: Safety audit at Plummer Park by CSO11", "CSO11 on scene"]
    with any_db.read() as s:
        assert s.scalar(select(func.count()).where(AuditEntry.action == "start_self_initiated")) == 1

    clock.advance(minutes=40)
    services.clear_incident(any_db, dispatcher, inc.id, disposition="13")
    summary = shift_summary(any_db, inc.shift_id)
    assert summary.self_initiated == 1
    assert next(i for i in summary.intervals if i.key == "queue").count == 0  # no call intervals from it
    assert next(u for u in summary.units if u.call_sign == "CSO11").arrivals == 1


@pytest.mark.parametrize(
    ("call_type", "message"),
    [("WELFARE", "not officer-initiated work; use AUDIT, EDUCATE, BIZCHK, PROOUT"), ("NOPE", "Unknown call type")],
)
def test_only_officer_initiated_types(db, dispatcher, call_type, message):
    unit_id, *_ = small_shift(db)
    with pytest.raises(ValidationError, match=message):
        start_self_initiated(db, dispatcher, unit_id=unit_id, call_type=call_type, location="Plummer Park")
    assert self_initiated_types(db) == ["AUDIT", "EDUCATE", "BIZCHK", "PROOUT"]


def test_busy_or_off_shift_units_are_refused_and_nothing_is_written(db, dispatcher):
    u1, u2, _u3 = small_shift(db)
    call = welfare_call(db, dispatcher)
    services.dispatch_units(db, dispatcher, call.id, [u1])
    services.set_unit_status(db, dispatcher, u2, "break")
    off = services.create_unit(db, SUPERVISOR, call_sign="CSO99")
    before = len(services.search_incidents(db, ""))
    with pytest.raises(UnitBusyError, match=f"still on {call.number}"):
        start_self_initiated(db, dispatcher, unit_id=u1, call_type="BIZCHK", location="Sunset Strip")
    with pytest.raises(UnitBusyError, match="CSO12 is break"):
        start_self_initiated(db, dispatcher, unit_id=u2, call_type="BIZCHK", location="Sunset Strip")
    with pytest.raises(UnitBusyError, match="not signed on"):
        start_self_initiated(db, dispatcher, unit_id=off.id, call_type="BIZCHK", location="Sunset Strip")
    with pytest.raises(ValidationError):
        start_self_initiated(db, dispatcher, unit_id=u1, call_type="BIZCHK", location="  ")
    assert len(services.search_incidents(db, "")) == before
