"""Incident actions: create (alone, or with its transfer or merge), update, note, dispatch, clear, cancel,
reopen, transfer, merge."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from data import rules
from data.db import Database
from data.errors import (
    AlreadyClosedError,
    InvalidTransitionError,
    NotFoundError,
    SheriffFirstError,
    StaleWriteError,
    UnitBusyError,
    ValidationError,
)
from data.models import AuditEntry, Counter, Incident, Shift, Unit
from data.pack import CallType
from data.permissions import Actor, authorize
from data.records import OPEN_STATUSES, IncidentRecord, MergedCall
from data.services import validate
from data.services._work import Work, row_lock, snapshot, work
from data.services.cautions import sheriff_first_cautions
from data.services.convert import incident_record, units_by_incident
from data.services.drafts import delete_draft

INCIDENT_FIELDS = (
    "status",
    "priority",
    "call_type",
    "location",
    "latitude",
    "longitude",
    "zone",
    "caller_name",
    "caller_phone",
    "narrative",
    "response",
    "disposition_code",
    "disposition_note",
    "version",
)
UNIT_FIELDS = ("status", "incident_id", "version")


def next_counter(session: Session, name: str) -> int:
    """Increment a named counter inside the caller's transaction (row-locked, so unique and gapless)."""
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        insert(Counter)
        .values(name=name, value=1)
        .on_conflict_do_update(index_elements=["name"], set_={"value": Counter.value + 1})
        .returning(Counter.value)
    )
    return int(session.execute(statement).scalar_one())


def new_incident_number(w: Work, received: dt.datetime) -> str:
    """The next readable number of the local year the call came in (a counter row: unique and gapless)."""
    year = received.astimezone(ZoneInfo(w.db.pack.timezone)).year
    seq = next_counter(w.session, f"incident-{year}")
    return rules.next_incident_number(year, seq, w.db.pack.city.get("incident_prefix", ""))


def load_incident(w: Work, incident_id: int, expected_version: int | None = None) -> Incident:
    row = w.session.get(Incident, incident_id, with_for_update=row_lock(w.db))
    if row is None:
        raise NotFoundError(f"No incident with id {incident_id}.")
    if expected_version is not None and row.version != expected_version:
        raise stale_incident(w, row)
    return row


def _last_audit(w: Work, incident_id: int, action: str | None = None) -> AuditEntry | None:
    """The newest audit entry of an incident (of one action, when named): who changed it last, and when."""
    query = select(AuditEntry).where(AuditEntry.entity == "incident", AuditEntry.entity_id == incident_id)
    if action is not None:
        query = query.where(AuditEntry.action == action)
    return w.session.execute(query.order_by(AuditEntry.id.desc()).limit(1)).scalar_one_or_none()


def _local_clock(w: Work, moment: dt.datetime) -> str:
    return moment.astimezone(ZoneInfo(w.db.pack.timezone)).strftime("%H:%M:%S")


def stale_incident(w: Work, row: Incident) -> StaleWriteError:
    last = _last_audit(w, row.id)
    who = last.username if last else "another dispatcher"
    what = last.action.replace("_", " ") if last else "an update"
    when = f" at {_local_clock(w, last.at)}" if last else ""
    return StaleWriteError(
        f"Incident {row.number} was changed by {who} ({what}{when}) after you opened it. "
        "Review the change and reapply yours.",
        changed_by=who,
        changes=what,
    )


CLOSING_ACTIONS = ("clear_incident", "cancel_incident", "transfer_to_sheriff", "merge_duplicate", "import_eido")


def refuse_closed(w: Work, row: Incident, doing: str) -> AlreadyClosedError:
    """'Incident N was already cleared (13 Information) by X at HH:MM:SS; reopen it first': who closed it, how, when."""
    query = (
        select(AuditEntry)
        .where(AuditEntry.entity == "incident", AuditEntry.entity_id == row.id, AuditEntry.outcome == "ok")
        .where(AuditEntry.action.in_(CLOSING_ACTIONS))
        .order_by(AuditEntry.id.desc())
        .limit(1)
    )
    last = w.session.execute(query).scalar_one_or_none()
    how = rules.STATUS_LABELS.get(row.status, row.status).lower()
    if row.disposition_code:
        disp = w.db.pack.dispositions.get(row.disposition_code)
        how += f" ({row.disposition_code}{f' {disp.label}' if disp else ''})"
    who = f" by {last.username}" if last else ""
    when = _local_clock(w, row.cleared_at or row.status_changed_at)  # status_changed_at is never NULL
    if row.status == "merged":
        return AlreadyClosedError(f"Incident {row.number} was already {how}{who} at {when}; it cannot be {doing}.")
    return AlreadyClosedError(f"Incident {row.number} was already {how}{who} at {when}; reopen it first.")


def assigned_by(w: Work, incident_id: int) -> str:
    """' (dispatched by X at HH:MM:SS)': who got there first, for the dispatcher who lost the race."""
    last = _last_audit(w, incident_id, "dispatch_units")
    return f" (dispatched by {last.username} at {_local_clock(w, last.at)})" if last else ""


def record(w: Work, row: Incident, units: Sequence[str] | None = None) -> IncidentRecord:
    """The record of a row; pass the call signs on it when the action already knows them."""
    if units is None:
        units = units_by_incident(w.session, [row.id]).get(row.id, ())
    return incident_record(row, w.db.pack, units)


def set_status(w: Work, row: Incident, new: str) -> None:
    if row.status == new:
        return
    if not rules.can_move_incident(row.status, new):
        raise InvalidTransitionError(
            f"Incident {row.number} is {rules.STATUS_LABELS[row.status].lower()}; "
            f"it cannot become {rules.STATUS_LABELS[new].lower()}."
        )
    row.status = new
    row.status_changed_at = w.now
    stamp = {"dispatched": "dispatched_at", "enroute": "enroute_at", "onscene": "onscene_at"}.get(new)
    if stamp and getattr(row, stamp) is None:
        setattr(row, stamp, w.now)
    if new in ("cleared", "cancelled", "transferred", "merged"):
        row.cleared_at = w.now


def follow_units(w: Work, row: Incident) -> list[str]:
    """Move an open incident's status to match the units now on it; returns their call signs."""
    on_it = w.session.execute(
        select(Unit.call_sign, Unit.status).where(Unit.incident_id == row.id).order_by(Unit.call_sign)
    ).all()
    set_status(w, row, rules.incident_status_for(status for _, status in on_it))
    # The units on the incident changed even when its status did not: force the UPDATE so the
    # version moves and every console refetches the row.
    flag_modified(row, "status")
    return [sign for sign, _ in on_it]


def release_units(w: Work, row: Incident, to_status: str = "available") -> list[str]:
    """Free every unit on the incident (clear, cancel, transfer, merge)."""
    released = []
    for unit in w.session.execute(select(Unit).where(Unit.incident_id == row.id)).scalars():
        unit.incident_id = None
        unit.status = to_status
        unit.status_since = w.now
        unit.check_started_at = None
        released.append(unit.call_sign)
        w.changed("unit", unit.id)
    return released


def _finish(
    w: Work, row: Incident, action: str, before: dict[str, Any], units: Sequence[str] | None = None
) -> IncidentRecord:
    w.session.flush()
    w.audit(action, "incident", row.id, before, snapshot(row, *INCIDENT_FIELDS))
    w.changed("incident", row.id, row.version)
    return record(w, row, units)


@dataclass(frozen=True)
class NewCall:
    """A call's fields, checked before its transaction opens (nothing here needs the database)."""

    call_type: CallType
    fields: dict[str, Any]  # the incident row's own columns, validated
    received_at: dt.datetime | None
    shift_id: int | None
    draft_key: str | None


def check_call(
    db: Database,
    *,
    call_type: str,
    location: str,
    priority: int | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
    zone: str | None = None,
    in_city: bool | None = None,
    caller_name: str = "",
    caller_phone: str = "",
    narrative: str = "",
    screening: Mapping[str, bool | None] | None = None,
    response: str = "cso",
    override_reason: str = "",
    received_at: dt.datetime | None = None,
    shift_id: int | None = None,
    draft_key: str | None = None,
) -> NewCall:
    """Every field of a new call checked with its readable refusal; see create_incident."""
    ct = validate.call_type(db.pack, call_type)
    prio = validate.priority(ct.priority if priority is None else priority)
    loc = validate.location(location)
    lat, lon = validate.coordinates(latitude, longitude)
    name = validate.caller_name(caller_name)
    phone = validate.phone(caller_phone)
    story = validate.narrative(narrative)
    try:
        answers = rules.clean_screening(screening)  # a question without a yes/no stays not asked
    except ValueError as exc:
        raise ValidationError("screening", str(exc)) from None
    if response not in ("cso", "joint", "sheriff"):
        raise ValidationError("response", f"Response must be cso, joint or sheriff, not {response!r}.")
    override = validate.override_reason(override_reason)
    fields = {
        "priority": prio,
        "location": loc,
        "latitude": lat,
        "longitude": lon,
        "zone": zone,
        "in_city": in_city,
        "caller_name": name,
        "caller_phone": phone,
        "narrative": story,
        "screening": answers,
        "response": response,
        "override_reason": override,
    }
    return NewCall(ct, fields, received_at, shift_id, draft_key)


def write_call(w: Work, call: NewCall) -> Incident:
    """The new incident, its timeline and its audit entry, inside the caller's action."""
    received = call.received_at or w.now
    if received > w.now + dt.timedelta(minutes=1):
        raise ValidationError("received_at", "The call cannot be received in the future.")
    ct, answers, loc = call.call_type, dict(call.fields["screening"]), call.fields["location"]
    # A Sheriff-first caution at the place presets the screening outcome (data.services.cautions).
    first = sheriff_first_cautions(
        w.session, latitude=call.fields["latitude"], longitude=call.fields["longitude"], location=loc, now=w.now
    )
    if first:
        answers[rules.CAUTION_SCREENING_KEY] = True
    row = add_incident_row(
        w, ct, received_at=received, shift_id=call.shift_id, **(call.fields | {"screening": answers})
    )
    flagged = [q for q, yes in answers.items() if yes]
    summary = f"{ct.label} (P{call.fields['priority']}) at {loc}; screening: {rules.screening_summary(answers)}"
    if flagged:
        summary += f"; response: {call.fields['response']}"
    w.event(row.id, "created", summary)
    for caution in first:
        w.event(row.id, "caution", f"{w.db.pack.agency} first by caution {caution.id}: {caution.text}")
    if call.draft_key:
        delete_draft(w.session, w.actor, call.draft_key)  # saved: the draft goes with the same commit
    w.audit("create_incident", "incident", row.id, {}, snapshot(row, *INCIDENT_FIELDS))
    w.changed("incident", row.id, row.version)
    return row


def create_incident(db: Database, actor: Actor, **call: Any) -> IncidentRecord:
    """A new call; ``call`` takes check_call's keywords (call_type and location at least).

    ``draft_key`` names the intake draft it was typed in, deleted in the same commit.
    """
    new = check_call(db, **call)
    with work(db, actor) as w:
        return record(w, write_call(w, new), units=())


def create_and_transfer(db: Database, actor: Actor, *, note: str = "", **call: Any) -> IncidentRecord:
    """A new call handed to law enforcement as it is taken: created and transferred in one transaction.

    ``call`` takes create_incident's keywords; a refusal of either step writes nothing at all.
    """
    new = check_call(db, **call)
    body = validate.text("note", note, limit=rules.MAX_REASON)
    with work(db, actor) as w:
        return hand_over(w, write_call(w, new), joint=False, body=body)


def create_and_merge(
    db: Database, actor: Actor, *, into_id: int, into_version: int | None = None, **call: Any
) -> MergedCall:
    """A new call that repeats an open incident, saved straight into it in one transaction.

    The incident it repeats is checked first (open, and at ``into_version`` when given): refused, nothing
    is written, not even the new call's number. ``call`` takes create_incident's keywords.
    """
    new = check_call(db, **call)
    with work(db, actor) as w:
        target = load_incident(w, into_id, into_version)
        refuse_merge_into(target)
        row = write_call(w, new)
        into = merge_into(w, row, target)
        return MergedCall(duplicate=record(w, row, units=()), into=into)


def add_incident_row(
    w: Work, ct: CallType, *, received_at: dt.datetime, shift_id: int | None = None, **fields: Any
) -> Incident:
    """A new pending incident with its number, inside the caller's action (fields already validated)."""
    row = Incident(
        number=new_incident_number(w, received_at),
        kind=ct.kind,
        call_type=ct.code,
        apco_code=ct.apco,
        status="pending",
        received_at=received_at,
        entered_at=w.now,
        status_changed_at=w.now,
        shift_id=shift_id if shift_id is not None else active_shift_id(w.session),
        created_by=w.actor.username,
        disposition_note="",
        **fields,
    )
    w.session.add(row)
    w.session.flush()
    return row


def active_shift_id(session: Session) -> int | None:
    """The shift a new incident belongs to: the active one, if any (its id only: every call asks)."""
    query = select(Shift.id).where(Shift.status == "active").order_by(Shift.id.desc()).limit(1)
    return session.execute(query).scalar_one_or_none()


EDITABLE = {
    "call_type",
    "priority",
    "location",
    "latitude",
    "longitude",
    "zone",
    "in_city",
    "caller_name",
    "caller_phone",
    "narrative",
}


def update_incident(
    db: Database, actor: Actor, incident_id: int, *, expected_version: int, **changes: Any
) -> IncidentRecord:
    unknown = set(changes) - EDITABLE
    if unknown:
        raise ValidationError(sorted(unknown)[0], f"Cannot edit {', '.join(sorted(unknown))} this way.")
    clean: dict[str, Any] = {}
    for key, value in changes.items():
        if key == "priority":
            clean[key] = validate.priority(value)
        elif key == "location":
            clean[key] = validate.location(value)
        elif key == "caller_name":
            clean[key] = validate.caller_name(value)
        elif key == "caller_phone":
            clean[key] = validate.phone(value)
        elif key == "narrative":
            clean[key] = validate.narrative(value)
        elif key == "call_type":
            clean[key] = validate.call_type(db.pack, value).code
        else:
            clean[key] = value
    if "latitude" in clean or "longitude" in clean:
        validate.coordinates(clean.get("latitude"), clean.get("longitude"))
    with work(db, actor) as w:
        row = load_incident(w, incident_id, expected_version)
        if row.status not in OPEN_STATUSES:
            raise InvalidTransitionError(f"Incident {row.number} is closed; reopen it before editing.")
        before = snapshot(row, *INCIDENT_FIELDS)
        parts = []
        for key, value in clean.items():
            if getattr(row, key) != value:
                parts.append(f"{key.replace('_', ' ')}: {getattr(row, key)!s} → {value!s}")
                setattr(row, key, value)
        if "call_type" in clean:
            row.apco_code = db.pack.call_types[clean["call_type"]].apco
        if not parts:
            raise ValidationError("incident", "Nothing changed.")
        kind = "priority" if set(clean) == {"priority"} else "updated"
        w.event(row.id, kind, "; ".join(parts))
        return _finish(w, row, "update_incident", before)


def add_note(db: Database, actor: Actor, incident_id: int, text: str) -> IncidentRecord:
    body = validate.note(text)
    with work(db, actor) as w:
        row = load_incident(w, incident_id)
        w.event(row.id, "note", body)
        w.audit("add_note", "incident", row.id, None, {"note": body[:500]})
        return record(w, row)


def dispatch_units(
    db: Database,
    actor: Actor,
    incident_id: int,
    unit_ids: Sequence[int],
    *,
    expected_version: int | None = None,
    override_reason: str = "",
) -> IncidentRecord:
    if not unit_ids:
        raise ValidationError("units", "Choose at least one unit to dispatch.")
    override = validate.override_reason(override_reason)
    with work(db, actor) as w:
        row = load_incident(w, incident_id, expected_version)
        if row.status not in OPEN_STATUSES:
            raise InvalidTransitionError(f"Incident {row.number} is {row.status}; reopen it before dispatching.")
        if rules.csos_alone_need_override(row, db.pack.call_types) and not override:
            if rules.incident_needs_sheriff(row, db.pack.call_types):
                raise SheriffFirstError(
                    f"Incident {row.number} needs {db.pack.agency} first. Transfer it, mark a joint response, "
                    "or record an override reason to send CSOs alone."
                )
            if not rules.csos_may_go_alone(db.pack.call_types.get(row.call_type)):
                raise SheriffFirstError(
                    f"Incident {row.number} {rules.override_question(row, db.pack.call_types, db.pack.agency)}. "
                    "Mark a joint response, or record an override reason to send CSOs alone."
                )
            raise SheriffFirstError(
                f"Incident {row.number}: the screening was not asked ({', '.join(rules.unanswered(row.screening))}). "
                "Ask the caller, or record an override reason to send CSOs alone."
            )
        if override:
            row.override_reason = override
        before = snapshot(row, *INCIDENT_FIELDS)
        signs = []
        for unit_id in dict.fromkeys(unit_ids):
            unit = w.session.get(Unit, unit_id, with_for_update=row_lock(db))
            if unit is None:
                raise NotFoundError(f"No unit with id {unit_id}.")
            if not unit.on_shift:
                raise UnitBusyError(f"{unit.call_sign} is not signed on to the shift.")
            if unit.incident_id == row.id:
                raise UnitBusyError(f"{unit.call_sign} is already on {row.number}.")
            if unit.incident_id is not None:
                other = w.session.get(Incident, unit.incident_id)
                raise UnitBusyError(
                    f"{unit.call_sign} is already assigned to {other.number if other else 'another incident'}"
                    f"{assigned_by(w, unit.incident_id)}."
                )
            if unit.status not in rules.DISPATCHABLE:
                raise UnitBusyError(
                    f"{unit.call_sign} is {rules.STATUS_LABELS[unit.status].lower()}; it cannot be dispatched."
                )
            unit.status = "dispatched"
            unit.status_since = w.now
            unit.check_started_at = w.now
            unit.incident_id = row.id
            signs.append(unit.call_sign)
            w.changed("unit", unit.id)
        w.session.flush()
        on_it = follow_units(w, row)
        text = f"Dispatched {', '.join(signs)}"
        if override:
            text += f" (override: {override})"
        w.event(row.id, "unit_assigned", text, unit_id=unit_ids[0] if len(signs) == 1 else None)
        return _finish(w, row, "dispatch_units", before | {"units": signs}, units=on_it)


def clear_incident(
    db: Database,
    actor: Actor,
    incident_id: int,
    *,
    disposition: str | None,
    note: str = "",
    expected_version: int | None = None,
) -> IncidentRecord:
    code = rules.disposition_code(disposition or "")
    if not code:
        raise ValidationError("disposition", "Clearing an incident needs a disposition code.")
    if code not in db.pack.dispositions:
        raise ValidationError("disposition", f"Unknown disposition {code[:10]!r}.")
    body = validate.text("note", note, limit=rules.MAX_NARRATIVE)
    with work(db, actor) as w:
        row = load_incident(w, incident_id, expected_version)
        if row.status not in OPEN_STATUSES:
            raise refuse_closed(w, row, "cleared")
        before = snapshot(row, *INCIDENT_FIELDS)
        set_status(w, row, "cleared")
        row.disposition_code = code
        row.disposition_note = body
        released = release_units(w, row)
        label = db.pack.dispositions[code].label
        text = f"Cleared {code} {label}" + (f": {body}" if body else "")
        if released:
            text += f"; released {', '.join(released)}"
        w.event(row.id, "status", text)
        return _finish(w, row, "clear_incident", before, units=())


def cancel_incident(
    db: Database, actor: Actor, incident_id: int, *, reason: str, expected_version: int | None = None
) -> IncidentRecord:
    why = validate.text("reason", reason, limit=2000, required=True, label="reason for cancelling")
    with work(db, actor) as w:
        row = load_incident(w, incident_id, expected_version)
        if row.status not in OPEN_STATUSES:
            raise refuse_closed(w, row, "cancelled")
        before = snapshot(row, *INCIDENT_FIELDS)
        sent = row.dispatched_at is not None
        set_status(w, row, "cancelled")
        row.disposition_code = "32" if sent else "10"
        row.disposition_note = why
        released = release_units(w, row)
        w.event(row.id, "status", f"Cancelled: {why}" + (f"; released {', '.join(released)}" if released else ""))
        return _finish(w, row, "cancel_incident", before, units=())


def reopen_incident(db: Database, actor: Actor, incident_id: int, *, reason: str) -> IncidentRecord:
    authorize(db, actor, "reopen_incident", entity="incident", entity_id=incident_id)
    why = validate.text("reason", reason, limit=2000, required=True, label="reason for reopening")
    with work(db, actor, privilege="reopen_incident") as w:
        row = load_incident(w, incident_id)
        if row.status == "merged":
            raise InvalidTransitionError(f"Incident {row.number} was merged; reopen the incident it went into.")
        if row.status in OPEN_STATUSES:
            raise InvalidTransitionError(f"Incident {row.number} is still open; only closed incidents are reopened.")
        before = snapshot(row, *INCIDENT_FIELDS)
        set_status(w, row, "pending")
        row.cleared_at = None
        row.disposition_code = None
        w.event(row.id, "reopened", f"Reopened: {why}")
        return _finish(w, row, "reopen_incident", before, units=())


def transfer_to_sheriff(
    db: Database,
    actor: Actor,
    incident_id: int,
    *,
    joint: bool = False,
    note: str = "",
    expected_version: int | None = None,
) -> IncidentRecord:
    """Hand the incident to law enforcement (closed here, disposition 15) or mark a joint response (stays open)."""
    body = validate.text("note", note, limit=rules.MAX_REASON)
    with work(db, actor) as w:
        return hand_over(w, load_incident(w, incident_id, expected_version), joint=joint, body=body)


def hand_over(w: Work, row: Incident, *, joint: bool, body: str) -> IncidentRecord:
    """Transfer or joint response of a loaded incident, inside the caller's action."""
    agency = w.db.pack.agency
    if row.status not in OPEN_STATUSES:
        raise InvalidTransitionError(f"Incident {row.number} is closed; it cannot be transferred.")
    before = snapshot(row, *INCIDENT_FIELDS)
    if joint:
        if row.response == "joint":
            raise InvalidTransitionError(f"Incident {row.number} is already a joint response with {agency}.")
        row.response = "joint"
        w.event(row.id, "transferred", f"Joint response with {agency}" + (f": {body}" if body else ""))
    else:
        row.response = "sheriff"
        set_status(w, row, "transferred")
        row.disposition_code = "15"
        row.disposition_note = body or f"Transferred to {agency}"
        released = release_units(w, row)
        text = f"Transferred to {agency}" + (f": {body}" if body else "")
        if released:
            text += f"; released {', '.join(released)}"
        w.event(row.id, "transferred", text)
    return _finish(w, row, "transfer_to_sheriff", before)


def merge_duplicate(
    db: Database, actor: Actor, *, duplicate_id: int, into_id: int, expected_version: int | None = None
) -> IncidentRecord:
    """Close a duplicate call into the open incident it repeats; returns the surviving incident."""
    if duplicate_id == into_id:
        raise ValidationError("incident", "An incident cannot be merged into itself.")
    with work(db, actor) as w:
        dup = load_incident(w, duplicate_id, expected_version)
        target = load_incident(w, into_id)
        refuse_merge_into(target)
        return merge_into(w, dup, target)


def refuse_merge_into(target: Incident) -> None:
    if target.status not in OPEN_STATUSES:
        raise InvalidTransitionError(f"Incident {target.number} is closed; merge into an open incident.")


def merge_into(w: Work, dup: Incident, target: Incident) -> IncidentRecord:
    """Close ``dup`` as a duplicate of the open ``target``, inside the caller's action; the target's record."""
    before = snapshot(dup, *INCIDENT_FIELDS)
    set_status(w, dup, "merged")
    dup.merged_into_id = target.id
    dup.disposition_code = "22"
    dup.disposition_note = f"Duplicate of {target.number}"
    release_units(w, dup)
    w.event(dup.id, "merged", f"Merged into {target.number} as a duplicate call")
    caller = f" from {dup.caller_name}" if dup.caller_name else ""
    w.event(target.id, "merged", f"Duplicate call {dup.number}{caller} merged: {dup.narrative[:500]}")
    w.session.flush()
    w.audit("merge_duplicate", "incident", dup.id, before, snapshot(dup, *INCIDENT_FIELDS) | {"into": target.number})
    w.changed("incident", dup.id, dup.version)
    w.changed("incident", target.id, target.version)
    return record(w, target)
