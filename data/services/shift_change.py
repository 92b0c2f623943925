"""Shift change in one transaction: close the outgoing shift, carry open incidents, swap the roster."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select

from data import rules
from data.db import Database
from data.errors import InvalidTransitionError, NotFoundError, StaleWriteError, UnitBusyError, ValidationError
from data.models import Incident, Officer, RosterEntry, Shift, Unit
from data.permissions import Actor, authorize
from data.records import OPEN_STATUSES, IncidentRecord, ShiftRecord, UnitRecord
from data.services import validate
from data.services._work import snapshot, work
from data.services.convert import incident_records, shift_record, unit_records
from data.services.queries import active_shift_row

MAX_SHIFT = dt.timedelta(hours=24)
HANDOFF_PREFIX = "Handoff: "

RosterLine = tuple[int, int, str | None]  # officer id, unit id, zone


@dataclass(frozen=True)
class RosterMember:
    """One officer signed on to a unit in the active shift (what the incoming roster starts from)."""

    officer_id: int
    officer_name: str
    badge: str
    unit_id: int
    call_sign: str
    zone: str | None


@dataclass(frozen=True)
class ShiftChangeResult:
    shift: ShiftRecord
    previous: ShiftRecord | None
    carried: tuple[IncidentRecord, ...]
    signed_on: tuple[str, ...]  # call signs that came on shift
    signed_off: tuple[str, ...]  # call signs that went off duty
    units: tuple[UnitRecord, ...]  # every unit the change touched, as it is now


def current_roster(db: Database) -> list[RosterMember]:
    """Officers signed on in the active shift, by unit then name."""
    with db.read() as s:
        rows = s.execute(
            select(RosterEntry, Officer, Unit)
            .join(Officer, Officer.id == RosterEntry.officer_id)
            .join(Unit, Unit.id == RosterEntry.unit_id)
            .join(Shift, Shift.id == RosterEntry.shift_id)
            .where(
                Shift.status == "active",
                RosterEntry.signed_off_at.is_(None),
                RosterEntry.signed_on_at.is_not(None),
                Unit.on_shift.is_(True),
            )
            .order_by(Unit.call_sign, Officer.name)
        ).all()
        return [
            RosterMember(o.id, o.name, o.badge, u.id, u.call_sign, e.zone if e.zone is not None else u.zone)
            for e, o, u in rows
        ]


def known_zones(db: Database) -> list[str]:
    """Zones units and incidents have used, for the roster's zone choices."""
    with db.read() as s:
        found = set(s.execute(select(Unit.zone).where(Unit.zone.is_not(None)).distinct()).scalars())
        found |= set(s.execute(select(Incident.zone).where(Incident.zone.is_not(None)).distinct()).scalars())
        found |= set(s.execute(select(RosterEntry.zone).where(RosterEntry.zone.is_not(None)).distinct()).scalars())
    return sorted(z for z in found if z)


def _clean_roster(roster: Iterable[RosterLine]) -> list[RosterLine]:
    lines: list[RosterLine] = []
    for line in roster:
        try:
            officer_id, unit_id, zone = line
            lines.append((int(officer_id), int(unit_id), validate.text("zone", zone, limit=20) or None))
        except (TypeError, ValueError):
            raise ValidationError("roster", f"A roster line is officer, unit and zone, not {line!r:.60}.") from None
    if not lines:
        raise ValidationError("roster", "The incoming roster is empty: sign at least one officer on to a unit.")
    return lines


def change_shift(
    db: Database,
    actor: Actor,
    *,
    name: str,
    supervisor: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    roster: Iterable[RosterLine],
    carry_notes: Mapping[int, str] | None = None,
    handoff_note: str = "",
    outgoing_shift_id: int | None = None,
) -> ShiftChangeResult:
    """Close the active shift and start the next one, all or nothing.

    Rules: every open incident stays open and moves to the new shift; a handoff note, when given,
    goes into its timeline as "Handoff: …". Units in the incoming roster stay on (keeping any
    incident they are working) or sign on as available; units on shift but not in the roster sign
    off, which is refused while one is still on an incident. ``outgoing_shift_id`` guards against
    two supervisors changing the same shift: when given it must still be the active one.
    """
    authorize(db, actor, "manage_shift", entity="shift")
    authorize(db, actor, "edit_roster", entity="shift")
    name_ = validate.text("name", name, limit=80, required=True, label="shift name")
    supervisor_ = validate.text("supervisor", supervisor, limit=80, required=True, label="supervisor's name")
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise ValidationError("starts_at", "Shift times need a time zone.")
    if ends_at <= starts_at:
        raise ValidationError("ends_at", "A shift must end after it starts.")
    if ends_at - starts_at > MAX_SHIFT:
        raise ValidationError("ends_at", "A shift is at most 24 hours long.")
    general_note = validate.text("handoff_note", handoff_note, limit=rules.MAX_NARRATIVE, label="handoff note")
    lines = _clean_roster(roster)
    notes: dict[int, str] = {}
    for incident_id, text in (carry_notes or {}).items():
        body = validate.text("carry_notes", text, limit=rules.MAX_NARRATIVE, label="handoff note")
        if body:
            notes[int(incident_id)] = body

    with work(db, actor, privilege="edit_roster") as w:
        # PostgreSQL: lock the rows read; SQLite: the writer already holds the database lock.
        lock = db.dialect == "postgresql"

        def locked(query: Select[Any]) -> Select[Any]:
            return query.with_for_update() if lock else query

        old = active_shift_row(w.session, lock=lock)
        if outgoing_shift_id is not None and (old is None or old.id != outgoing_shift_id):
            raise StaleWriteError(
                "The shift was changed by someone else after you opened the shift view. Reload it and try again."
            )

        # The incoming roster: real, active officers, each in one unit; one zone per unit.
        officers: dict[int, Officer] = {}
        crew: dict[int, list[int]] = {}
        zones: dict[int, str | None] = {}
        for officer_id, unit_id, zone in lines:
            officer = w.session.get(Officer, officer_id)
            if officer is None or not officer.active:
                raise NotFoundError(f"No active officer with id {officer_id}.")
            if officer_id in officers:
                raise ValidationError("roster", f"{officer.name} is on the incoming roster twice.")
            officers[officer_id] = officer
            crew.setdefault(unit_id, []).append(officer_id)
            if zone is not None:
                if zones.get(unit_id) not in (None, zone):
                    raise ValidationError("roster", f"One unit is given two zones ({zones[unit_id]} and {zone}).")
                zones[unit_id] = zone
        incoming: dict[int, Unit] = {}
        for unit_id in crew:
            unit = w.session.get(Unit, unit_id, with_for_update=lock)
            if unit is None:
                raise NotFoundError(f"No unit with id {unit_id}.")
            incoming[unit_id] = unit

        on_now = w.session.execute(locked(select(Unit).where(Unit.on_shift.is_(True)))).scalars().all()
        leaving = sorted((u for u in on_now if u.id not in incoming), key=lambda u: u.call_sign)
        for unit in leaving:
            if unit.incident_id is not None:
                busy_on = w.session.get(Incident, unit.incident_id)
                number = busy_on.number if busy_on else "an incident"
                raise UnitBusyError(
                    f"{unit.call_sign} is still on {number}: keep it on the incoming roster, "
                    "or release it or clear the incident before the shift change."
                )

        open_rows = (
            w.session.execute(
                select(Incident).where(Incident.status.in_(OPEN_STATUSES)).order_by(Incident.priority, Incident.id)
            )
            .scalars()
            .all()
        )
        open_ids = {row.id for row in open_rows}
        for incident_id in notes:
            if incident_id in open_ids:
                continue
            closed = w.session.get(Incident, incident_id)
            if closed is None:
                raise NotFoundError(f"No incident with id {incident_id}.")
            label = rules.STATUS_LABELS[closed.status].lower()
            raise InvalidTransitionError(f"Incident {closed.number} is {label}; only open incidents are carried over.")

        before = {
            "shift": snapshot(old, "id", "name", "supervisor") if old else None,
            "units_on": sorted(u.call_sign for u in on_now),
        }
        previous = None
        if old is not None:
            old.status = "closed"
            old.ended_at = w.now
            if general_note:
                old.handoff_note = general_note
            w.changed("shift", old.id)
        # Every crew of the outgoing shift signs off; crews staying on sign on again below.
        for entry in w.session.execute(select(RosterEntry).where(RosterEntry.signed_off_at.is_(None))).scalars():
            entry.signed_off_at = w.now
        new = Shift(
            name=name_,
            status="active",
            supervisor=supervisor_,
            starts_at=starts_at,
            ends_at=ends_at,
            started_at=w.now,
            handoff_note="",
        )
        w.session.add(new)
        w.session.flush()

        signed_off = []
        for unit in leaving:
            unit.on_shift = False
            unit.status = "off_duty"
            unit.status_since = w.now
            unit.check_started_at = None
            signed_off.append(unit.call_sign)
        signed_on = []
        for officer_id, unit_id, _zone in lines:
            w.session.add(
                RosterEntry(
                    shift_id=new.id,
                    officer_id=officer_id,
                    unit_id=unit_id,
                    zone=zones.get(unit_id),
                    signed_on_at=w.now,
                )
            )
        for unit_id, unit in incoming.items():
            if unit_id in zones:
                unit.zone = zones[unit_id]
            if not unit.on_shift:
                unit.on_shift = True
                unit.status = "available"
                unit.status_since = w.now
                unit.check_started_at = None
                signed_on.append(unit.call_sign)

        for row in open_rows:
            row.shift_id = new.id
            if row.id in notes:
                w.event(row.id, "note", HANDOFF_PREFIX + notes[row.id])
            else:
                w.event(row.id, "handoff", f"{HANDOFF_PREFIX}carried over to {name_}")
        w.session.flush()
        touched = sorted({*incoming.values(), *leaving}, key=lambda u: u.call_sign)
        for unit in touched:
            w.changed("unit", unit.id, unit.version)
        for row in open_rows:
            w.changed("incident", row.id, row.version)
        w.changed("shift", new.id)
        carried = incident_records(w.session, open_rows, db.pack)
        w.audit(
            "change_shift",
            "shift",
            new.id,
            before,
            snapshot(new, "id", "name", "supervisor", "starts_at", "ends_at")
            | {
                "roster": [[officers[o].badge, incoming[u].call_sign, zones.get(u)] for o, u, _z in lines],
                "signed_on": sorted(signed_on),
                "signed_off": signed_off,
                "carried": [r.number for r in carried],
                "handoff_notes": {r.number: notes[r.id] for r in carried if r.id in notes},
            },
        )
        if old is not None:
            previous = shift_record(old)
        return ShiftChangeResult(
            shift=shift_record(new),
            previous=previous,
            carried=tuple(carried),
            signed_on=tuple(sorted(signed_on)),
            signed_off=tuple(signed_off),
            units=tuple(unit_records(w.session, touched)),
        )


__all__ = [
    "HANDOFF_PREFIX",
    "RosterMember",
    "ShiftChangeResult",
    "change_shift",
    "current_roster",
    "known_zones",
]
