"""Shifts, units and voided citations as a supervisor relies on them: what each leaves in the record."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from data import services
from data.models import AuditEntry, ChangeLog, Shift
from data.services import citations
from tests.data.helpers import SUPERVISOR


def audits(db, action: str) -> list[tuple[str, int | None, object]]:
    with db.read() as s:
        rows = s.execute(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)).scalars()
        return [(r.entity, r.entity_id, r.after) for r in rows]


def start(db, name: str):
    now = db.clock()
    return services.start_shift(
        db, SUPERVISOR, name=name, supervisor="Sgt. Ruiz", starts_at=now, ends_at=now + dt.timedelta(hours=10)
    )


def test_starting_a_shift_closes_the_one_before_and_only_the_new_one_is_active(db):
    day = start(db, "Day")
    night = start(db, "Night")
    with db.read() as s:
        statuses = dict(s.execute(select(Shift.id, Shift.status)).all())
    assert statuses == {day.id: "closed", night.id: "active"}
    assert services.active_shift(db).id == night.id


def test_closing_a_shift_is_audited_against_that_shift(db):
    day = start(db, "Day")
    services.close_shift(db, SUPERVISOR, day.id)
    assert audits(db, "close_shift") == [("shift", day.id, {"status": "closed"})]
    assert services.active_shift(db) is None


def test_creating_a_unit_is_audited_against_that_unit(db):
    unit = services.create_unit(db, SUPERVISOR, call_sign="CSO31")
    assert audits(db, "create_unit") == [("unit", unit.id, {"call_sign": "CSO31", "zone": None})]


def test_a_voided_citation_is_announced_to_other_consoles_by_its_own_id(db, dispatcher, supervisor):
    officer = services.create_officer(db, supervisor, badge="C101", name="Ana Díaz")
    issued = citations.issue_citation(
        db,
        dispatcher,
        officer_id=officer.id,
        violator_name="John Smith",
        violations=["9.08.050"],
        location="8300 Santa Monica Blvd",
    )
    with db.read() as s:
        before = s.execute(select(ChangeLog.id).order_by(ChangeLog.id.desc()).limit(1)).scalar_one()
    voided = citations.void_citation(db, supervisor, issued.number, "Wrong person")
    with db.read() as s:
        announced = s.execute(select(ChangeLog.kind, ChangeLog.entity_id).where(ChangeLog.id > before)).all()
    assert voided.status == "void"
    assert ("citation", issued.id) in announced
