"""Unit actions: status changes, sign on/off, status-check acknowledgement, position."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import or_, select

from data import rules
from data.db import Database
from data.errors import InvalidTransitionError, NotFoundError, StaleWriteError, UnitBusyError, ValidationError
from data.models import AuditEntry, Incident, Officer, RosterEntry, Shift, Unit
from data.permissions import Actor, authorize
from data.records import UnitRecord
from data.services import validate
from data.services._work import Work, row_lock, snapshot, work
from data.services.convert import unit_records
from data.services.incidents import follow_units, load_incident
from data.services.queries import active_shift_row

UNIT_FIELDS = ("status", "incident_id", "on_shift", "zone", "version")


def load_unit(w: Work, unit_id: int, expected_version: int | None = None) -> Unit:
    unit = w.session.get(Unit, unit_id, with_for_update=row_lock(w.db))
    if unit is None:
        raise NotFoundError(f"No unit with id {unit_id}.")
    if expected_version is not None and unit.version != expected_version:
        raise stale_unit(w, unit)
    return unit


def stale_unit(w: Work, unit: Unit, previous_incident_id: int | None = None) -> StaleWriteError:
    """Who last changed the unit (its own actions, or its incidents') and what, for the dispatcher."""
    entities = [(AuditEntry.entity == "unit") & (AuditEntry.entity_id == unit.id)]
    for incident_id in {unit.incident_id, previous_incident_id} - {None}:
        entities.append((AuditEntry.entity == "incident") & (AuditEntry.entity_id == incident_id))
    last = w.session.execute(
        select(AuditEntry).where(or_(*entities)).order_by(AuditEntry.id.desc()).limit(1)
    ).scalar_one_or_none()
    who = last.username if last else "another dispatcher"
    what = last.action.replace("_", " ") if last else "an update"
    return StaleWriteError(
        f"{unit.call_sign} was changed by {who} ({what}; now {rules.STATUS_LABELS[unit.status].lower()}) "
        "after you looked. Review and try again.",
        changed_by=who,
        changes=what,
    )


def _unit_record(w: Work, unit: Unit) -> UnitRecord:
    w.session.flush()
    return unit_records(w.session, [unit])[0]


def set_unit_status(
    db: Database,
    actor: Actor,
    unit_id: int,
    status: str,
    *,
    expected_version: int | None = None,
    note: str = "",
) -> UnitRecord:
    """Move a unit through its status machine; en route and on scene move its incident too."""
    if status not in rules.UNIT_STATUSES:
        raise ValidationError("status", f"Unknown unit status {status[:20]!r}.")
    body = validate.text("note", note, limit=2000)
    with work(db, actor) as w:
        # Lock the unit's incident before the unit: dispatch and clear lock the incident, then its units.
        incident_id = w.session.execute(select(Unit.incident_id).where(Unit.id == unit_id)).scalar_one_or_none()
        incident = load_incident(w, incident_id) if incident_id is not None else None
        unit = load_unit(w, unit_id, expected_version)
        if unit.incident_id != incident_id:
            raise stale_unit(w, unit, incident_id)  # dispatched or released between the two reads
        label = rules.STATUS_LABELS[status].lower()
        if not unit.on_shift and status != "off_duty":
            raise UnitBusyError(f"{unit.call_sign} is not signed on to the shift.")
        if unit.status == status:
            raise InvalidTransitionError(f"{unit.call_sign} is already {label}.")
        if status == "dispatched":
            raise InvalidTransitionError(f"Dispatch {unit.call_sign} to an incident instead (D unit incident).")
        if status in ("enroute", "onscene") and unit.incident_id is None:
            raise InvalidTransitionError(f"{unit.call_sign} has no incident to be {label} to.")
        if not rules.can_move_unit(unit.status, status):
            raise InvalidTransitionError(
                f"{unit.call_sign} is {rules.STATUS_LABELS[unit.status].lower()}; it cannot go {label}."
            )
        before = snapshot(unit, *UNIT_FIELDS)
        unit.status = status
        unit.status_since = w.now
        unit.check_started_at = w.now if status in db.pack.timers else None
        if incident is not None:
            if status in ("enroute", "onscene"):
                text = f"{unit.call_sign} {label}"
                kind = "status"
            else:
                # Leaving an incident without clearing it releases the unit; the call stays open.
                unit.incident_id = None
                text = f"{unit.call_sign} released ({label})"
                kind = "unit_released"
            if body:
                text += f": {body}"
            w.session.flush()
            follow_units(w, incident)
            w.event(incident.id, kind, text, unit_id=unit.id)
            w.session.flush()
            w.changed("incident", incident.id, incident.version)
        w.session.flush()
        w.audit(
            "set_unit_status", "unit", unit.id, before, snapshot(unit, *UNIT_FIELDS) | ({"note": body} if body else {})
        )
        w.changed("unit", unit.id, unit.version)
        return _unit_record(w, unit)


def acknowledge_check(db: Database, actor: Actor, unit_id: int, *, note: str = "") -> UnitRecord:
    """Restart a unit's status-check timer; the note lands in its incident's timeline."""
    body = validate.text("note", note, limit=2000)
    with work(db, actor) as w:
        unit = load_unit(w, unit_id)
        if unit.status not in db.pack.timers:
            raise InvalidTransitionError(f"{unit.call_sign} has no status-check timer running.")
        before = snapshot(unit, "check_started_at")
        unit.check_started_at = w.now
        if unit.incident_id is not None:
            w.event(
                unit.incident_id, "status_check", f"Status check {unit.call_sign}: " + (body or "OK"), unit_id=unit.id
            )
        w.session.flush()
        w.audit("acknowledge_check", "unit", unit.id, before, snapshot(unit, "check_started_at") | {"note": body})
        w.changed("unit", unit.id, unit.version)
        return _unit_record(w, unit)


def sign_on_unit(
    db: Database,
    actor: Actor,
    unit_id: int,
    *,
    officer_ids: Sequence[int],
    zone: str | None = None,
    shift_id: int | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
) -> UnitRecord:
    """Put a unit on the active shift with its crew; it becomes available."""
    authorize(db, actor, "edit_roster", entity="unit", entity_id=unit_id)
    if not officer_ids:
        raise ValidationError("officers", "A unit needs at least one officer to sign on.")
    with work(db, actor, privilege="edit_roster") as w:
        unit = load_unit(w, unit_id)
        if unit.on_shift:
            raise InvalidTransitionError(f"{unit.call_sign} is already signed on.")
        shift = w.session.get(Shift, shift_id) if shift_id else active_shift_row(w.session)
        if shift is None or shift.status != "active":
            raise InvalidTransitionError("There is no active shift to sign on to.")
        names = []
        for officer_id in officer_ids:
            officer = w.session.get(Officer, officer_id)
            if officer is None or not officer.active:
                raise NotFoundError(f"No active officer with id {officer_id}.")
            # One roster row per officer and shift: it holds the officer's current (or last) stint.
            # Signing on again after signing off, in this unit or another, reopens it; the audit log
            # keeps every sign-on and sign-off.
            entry = w.session.execute(
                select(RosterEntry).where(RosterEntry.shift_id == shift.id, RosterEntry.officer_id == officer_id)
            ).scalar_one_or_none()
            if entry is not None and entry.signed_off_at is None and entry.unit_id != unit.id:
                raise UnitBusyError(f"{officer.name} is already signed on to another unit.")
            if entry is None:
                w.session.add(
                    RosterEntry(
                        shift_id=shift.id, officer_id=officer_id, unit_id=unit.id, zone=zone, signed_on_at=w.now
                    )
                )
            else:
                entry.unit_id = unit.id
                entry.signed_on_at = w.now
                entry.signed_off_at = None
                entry.zone = zone
            names.append(officer.name)
        before = snapshot(unit, *UNIT_FIELDS)
        unit.on_shift = True
        unit.status = "available"
        unit.status_since = w.now
        unit.check_started_at = None
        unit.zone = zone
        if latitude is not None and longitude is not None:
            unit.latitude, unit.longitude = validate.coordinates(latitude, longitude)
            unit.position_at = w.now
        w.session.flush()
        w.audit("sign_on_unit", "unit", unit.id, before, snapshot(unit, *UNIT_FIELDS) | {"officers": names})
        w.changed("unit", unit.id, unit.version)
        return _unit_record(w, unit)


def sign_off_unit(db: Database, actor: Actor, unit_id: int) -> UnitRecord:
    authorize(db, actor, "edit_roster", entity="unit", entity_id=unit_id)
    with work(db, actor, privilege="edit_roster") as w:
        unit = load_unit(w, unit_id)
        if not unit.on_shift:
            raise InvalidTransitionError(f"{unit.call_sign} is not signed on.")
        if unit.incident_id is not None:
            incident = w.session.get(Incident, unit.incident_id)
            raise UnitBusyError(
                f"{unit.call_sign} is still on {incident.number if incident else 'an incident'}; clear or release it first."
            )
        before = snapshot(unit, *UNIT_FIELDS)
        for entry in w.session.execute(
            select(RosterEntry).where(RosterEntry.unit_id == unit.id, RosterEntry.signed_off_at.is_(None))
        ).scalars():
            entry.signed_off_at = w.now
        unit.on_shift = False
        unit.status = "off_duty"
        unit.status_since = w.now
        unit.check_started_at = None
        w.session.flush()
        w.audit("sign_off_unit", "unit", unit.id, before, snapshot(unit, *UNIT_FIELDS))
        w.changed("unit", unit.id, unit.version)
        return _unit_record(w, unit)


def move_unit(db: Database, actor: Actor, unit_id: int, *, latitude: float, longitude: float) -> UnitRecord:
    """Record a unit's last known position (post, or reported from the field)."""
    lat, lon = validate.coordinates(latitude, longitude)
    with work(db, actor) as w:
        unit = load_unit(w, unit_id)
        unit.latitude, unit.longitude, unit.position_at = lat, lon, w.now
        w.session.flush()
        w.audit("move_unit", "unit", unit.id, None, {"latitude": lat, "longitude": lon})
        w.changed("unit", unit.id, unit.version)
        return _unit_record(w, unit)


__all__ = [
    "acknowledge_check",
    "move_unit",
    "set_unit_status",
    "sign_off_unit",
    "sign_on_unit",
]
