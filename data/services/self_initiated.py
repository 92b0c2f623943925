"""Officer-initiated work: a unit starts a safety audit, education, business check or outreach itself."""

from __future__ import annotations

from data import rules
from data.db import Database
from data.errors import SheriffFirstError, UnitBusyError, ValidationError
from data.models import Incident
from data.permissions import Actor
from data.records import IncidentRecord
from data.services import validate
from data.services._work import snapshot, work
from data.services.incidents import INCIDENT_FIELDS, active_shift_id, new_incident_number, record
from data.services.units import UNIT_FIELDS, load_unit


def self_initiated_types(db: Database) -> list[str]:
    """Codes of the pack's officer-initiated call types, in pack order."""
    return [code for code, ct in db.pack.call_types.items() if ct.kind == "self_initiated"]


def start_self_initiated(
    db: Database,
    actor: Actor,
    *,
    unit_id: int,
    call_type: str,
    location: str,
    latitude: float | None = None,
    longitude: float | None = None,
    zone: str | None = None,
) -> IncidentRecord:
    """Open an officer-initiated incident with the unit already on scene (no queue, no travel)."""
    ct = validate.call_type(db.pack, call_type)
    if ct.kind != "self_initiated":
        codes = ", ".join(self_initiated_types(db))
        raise ValidationError("call_type", f"{ct.code} is not officer-initiated work; use {codes}.")
    if not rules.csos_may_go_alone(ct):
        # The unit is on scene alone from the start: no joint response or override reason can come first.
        raise SheriffFirstError(
            f"{ct.code} ({ct.label}) is not answered by CSOs alone; take it as a call and mark a joint response "
            f"with {db.pack.agency}."
        )
    loc = validate.location(location)
    lat, lon = validate.coordinates(latitude, longitude)
    area = validate.text("zone", zone, limit=20) or None
    with work(db, actor) as w:
        unit = load_unit(w, unit_id)
        if not unit.on_shift:
            raise UnitBusyError(f"{unit.call_sign} is not signed on to the shift.")
        if unit.incident_id is not None:
            other = w.session.get(Incident, unit.incident_id)
            raise UnitBusyError(
                f"{unit.call_sign} is still on {other.number if other else 'an incident'}; clear or release it first."
            )
        if unit.status not in rules.DISPATCHABLE:
            label = rules.STATUS_LABELS[unit.status].lower()
            raise UnitBusyError(f"{unit.call_sign} is {label}; it cannot start officer-initiated work.")
        row = Incident(
            number=new_incident_number(w, w.now),
            kind="self_initiated",
            call_type=ct.code,
            apco_code=ct.apco,
            priority=ct.priority,
            status="onscene",
            location=loc,
            latitude=lat,
            longitude=lon,
            zone=area or unit.zone,
            in_city=None,
            caller_name="",
            caller_phone="",
            narrative="",
            screening={},  # officer-initiated: no caller was screened
            response="cso",
            override_reason="",
            received_at=w.now,
            entered_at=w.now,
            # The unit is there when the work starts: dispatch and arrival are the same moment.
            dispatched_at=w.now,
            onscene_at=w.now,
            status_changed_at=w.now,
            shift_id=active_shift_id(w.session),
            created_by=actor.username,
            disposition_note="",
        )
        w.session.add(row)
        w.session.flush()
        unit_before = snapshot(unit, *UNIT_FIELDS)
        unit.status = "onscene"
        unit.status_since = w.now
        # The on-scene status-check timer runs for officer-initiated work as for any call.
        unit.check_started_at = w.now
        unit.incident_id = row.id
        if lat is not None and lon is not None:
            unit.latitude, unit.longitude, unit.position_at = lat, lon, w.now
        w.event(row.id, "created", f"Officer-initiated: {ct.label} at {loc} by {unit.call_sign}")
        w.event(row.id, "status", f"{unit.call_sign} on scene", unit_id=unit.id)
        w.session.flush()
        w.audit(
            "start_self_initiated",
            "incident",
            row.id,
            {"unit": unit_before},
            snapshot(row, *INCIDENT_FIELDS) | {"unit": unit.call_sign},
        )
        w.changed("incident", row.id, row.version)
        w.changed("unit", unit.id, unit.version)
        return record(w, row)


__all__ = ["self_initiated_types", "start_self_initiated"]
