"""Calls other agencies transfer in as NENA EIDO: one pending incident per call, updated by later documents.

One document is one transaction: the incident, its timeline, the sender's identifiers and the audit
entry are written together or not at all. A later document naming the same incident or call
identifier updates that incident with what is new in it; a document with nothing new writes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from data import rules
from data.db import Database
from data.eido_reader import parse_document, refuse
from data.eido_transfer import Place, Transfer, read_transfer
from data.errors import ValidationError
from data.models import EidoIdentifier, EidoTransfer, Incident
from data.pack import Pack
from data.permissions import Actor
from data.pidf_lo import civic_text
from data.records import OPEN_STATUSES, IncidentRecord
from data.services import validate
from data.services._work import Work, row_lock, snapshot, work
from data.services.incidents import INCIDENT_FIELDS, add_incident_row, load_incident, record


@dataclass(frozen=True)
class Placement:
    """What the map makes of the sender's location (maps.placement builds it from the offline geocoder)."""

    label: str | None  # the location as this console writes it; None keeps the sender's text
    latitude: float | None
    longitude: float | None
    zone: str | None
    in_city: bool | None  # False: outside the city, flagged on the incident and in its timeline
    note: str = ""  # what the geocoder did, for the timeline


Locate = Callable[[Place], Placement]


def placement_by_name(place: Place, pack: Pack) -> Placement:
    """Without the map: the sender's point as given, outside the city when the civic address names another
    city or state, and an address in our city written as ours are (without city and state)."""
    city = str(pack.city.get("name", "")).casefold()
    state = str(pack.city.get("state", "")).casefold()
    named_city = place.civic.get("A3", "").casefold()
    named_state = place.civic.get("A1", "").casefold()
    outside = bool((named_state and named_state != state) or (named_city and named_city != city))
    label = None
    if named_city == city and not outside:
        label = civic_text(place.civic, with_city=False) or None
    return Placement(label, place.latitude, place.longitude, None, False if outside else None)


@dataclass(frozen=True)
class TransferResult:
    outcome: str  # created, updated, unchanged
    incident: IncidentRecord
    sender: str
    changes: tuple[str, ...] = ()

    @property
    def message(self) -> str:
        inc = self.incident
        if self.outcome == "created":
            outside = " (outside the city)" if inc.in_city is False else ""
            return f"{inc.number} transferred from {self.sender}: {inc.call_type_label} at {inc.location}{outside}; pending"
        if self.outcome == "updated":
            return f"{inc.number} updated from {self.sender}: {'; '.join(self.changes)}"
        return f"Already imported as {inc.number} (transferred from {self.sender}); nothing changed."


class _NothingNew(Exception):
    """Leaves the transaction without writing: the document holds nothing the incident lacks."""

    def __init__(self, result: TransferResult) -> None:
        super().__init__(result.message)
        self.result = result


def import_eido_bytes(db: Database, actor: Actor, raw: bytes, *, locate: Locate | None = None) -> TransferResult:
    """A document as it arrived (a file, the inbox): checked, then imported."""
    return import_eido(db, actor, parse_document(raw), locate=locate)


def import_eido(
    db: Database, actor: Actor, document: dict[str, Any], *, locate: Locate | None = None
) -> TransferResult:
    """Create the pending incident a document transfers, or update the one an earlier document created."""
    transfer = read_transfer(document, db.pack, now=db.clock())
    if transfer.place is None:
        raise refuse("The document gives no location this console can use (no address, point or description).")
    placement = (locate or (lambda p: placement_by_name(p, db.pack)))(transfer.place)
    try:
        return _import(db, actor, transfer, placement)
    except IntegrityError:
        # Another workstation created the incident for the same identifiers a moment ago: update it instead.
        return _import(db, actor, transfer, placement)


def _import(db: Database, actor: Actor, transfer: Transfer, placement: Placement) -> TransferResult:
    try:
        with work(db, actor) as w:
            w.answer_back = False  # their own document is not news to them
            existing = _find(w, transfer)
            if existing is None:
                return _create(w, transfer, placement)
            return _update(w, existing, transfer, placement)
    except _NothingNew as nothing:
        return nothing.result


def _find(w: Work, transfer: Transfer) -> EidoTransfer | None:
    transfer_id = w.session.execute(
        select(EidoIdentifier.transfer_id).where(EidoIdentifier.identifier.in_(transfer.identifiers)).limit(1)
    ).scalar_one_or_none()
    if transfer_id is None:
        return None
    return w.session.get(EidoTransfer, transfer_id, with_for_update=row_lock(w.db))


def _location_text(transfer: Transfer, placement: Placement) -> str:
    assert transfer.place is not None
    place = transfer.place
    point = f"{place.latitude:.6f}, {place.longitude:.6f}" if place.latitude is not None else ""
    text = placement.label or place.text or point
    if len(text) > rules.MAX_LOCATION:  # the whole text is in the timeline's location line
        text = text[: rules.MAX_LOCATION - 1] + "…"
    return text


def _caller(transfer: Transfer) -> tuple[str, str]:
    """Caller name and callback for the incident's own fields; a number the rules refuse stays in the timeline."""
    name = transfer.caller_name[: rules.MAX_NAME]
    try:
        phone = validate.phone(transfer.caller_phone)
    except ValidationError:
        phone = ""
    return name, phone


def _local(db: Database, moment: dt.datetime) -> str:
    return f"{moment.astimezone(ZoneInfo(db.pack.timezone)):%Y-%m-%d %H:%M:%S}"


def _taken(transfer: Transfer) -> dict[str, Any]:
    return {
        "items": [item.key for item in transfer.items],
        "status": transfer.status,
        "place": transfer.place.key if transfer.place else "",
        "caller": [transfer.caller_name, transfer.caller_phone],
    }


def _create(w: Work, transfer: Transfer, placement: Placement) -> TransferResult:
    db = w.db
    ct = db.pack.call_types[transfer.call_type]
    priority = transfer.priority or ct.priority
    location = _location_text(transfer, placement)
    name, phone = _caller(transfer)
    row = add_incident_row(
        w,
        ct,
        received_at=w.now,  # the queue time starts when the call reaches us, not when they took it
        priority=priority,
        location=location,
        latitude=placement.latitude,
        longitude=placement.longitude,
        zone=placement.zone,
        in_city=placement.in_city,
        caller_name=name,
        caller_phone=phone,
        narrative=transfer.narrative[: rules.MAX_NARRATIVE],
        screening={},  # nobody here asked the screening questions
        response="cso",
        override_reason="",
        transferred_from=transfer.sender[:200],
    )
    w.event(row.id, "created", f"{ct.label} (P{priority}) at {location}")
    theirs = [f"their incident {transfer.incident_identifier}"] if transfer.incident_identifier else []
    theirs += [f"their call {ident}" for ident in transfer.call_identifiers]
    line = f"Transferred from {transfer.sender} at {_local(db, transfer.sent_at)}; " + "; ".join(theirs)
    if transfer.status:
        line += f"; their status {transfer.status}"
    w.event(row.id, "transfer_in", line)
    flag = f"Outside {db.pack.city.get('name', 'the city')}: {location}." if placement.in_city is False else ""
    if flag or placement.note:
        w.event(row.id, "transfer_data", " ".join(p for p in (flag, placement.note) if p))
    for item in transfer.items:
        w.event(row.id, item.kind, item.text)
    link = EidoTransfer(
        incident_id=row.id,
        agency=transfer.agency[:300],
        agency_name=transfer.agency_name[:200],
        issuing_element=transfer.issuing_element[:300],
        their_incident=transfer.incident_identifier,
        received_at=w.now,
        updated_at=w.now,
        taken=_taken(transfer),
    )
    w.session.add(link)
    w.session.flush()
    w.session.add_all(
        EidoIdentifier(identifier=ident, transfer_id=link.id) for ident in dict.fromkeys(transfer.identifiers)
    )
    w.session.flush()
    w.audit(
        "import_eido",
        "incident",
        row.id,
        {},
        snapshot(row, *INCIDENT_FIELDS) | {"from": transfer.agency, "identifiers": list(transfer.identifiers)},
    )
    w.changed("incident", row.id, row.version)
    return TransferResult("created", record(w, row, ()), transfer.sender)


def _update(w: Work, link: EidoTransfer, transfer: Transfer, placement: Placement) -> TransferResult:
    row = load_incident(w, link.incident_id)
    before = snapshot(row, *INCIDENT_FIELDS)
    taken = dict(link.taken or {})
    sender = transfer.sender
    changes: list[str] = []
    if transfer.status and transfer.status != taken.get("status"):
        w.event(row.id, "transfer_update", f"{sender} status: {taken.get('status') or 'not given'} → {transfer.status}")
        changes.append(f"their status {transfer.status}")
    place_key = transfer.place.key if transfer.place else ""
    if place_key != taken.get("place"):
        changes.append(_move(w, row, transfer, placement))
    caller = [transfer.caller_name, transfer.caller_phone]
    if caller != taken.get("caller"):
        changes.append(_recall(w, row, transfer))
    seen = set(taken.get("items") or ())
    fresh = [item for item in transfer.items if item.key not in seen]
    for item in fresh:
        w.event(row.id, item.kind, item.text)
    notes = sum(1 for item in fresh if item.kind == "note")
    if notes:
        changes.append(f"{notes} new note{'s' if notes != 1 else ''}")
    if len(fresh) > notes:
        changes.append(f"{len(fresh) - notes} new detail{'s' if len(fresh) - notes != 1 else ''}")
    if not changes:
        raise _NothingNew(TransferResult("unchanged", record(w, row), sender))
    known = set(
        w.session.execute(select(EidoIdentifier.identifier).where(EidoIdentifier.transfer_id == link.id)).scalars()
    )
    w.session.add_all(
        EidoIdentifier(identifier=ident, transfer_id=link.id)
        for ident in dict.fromkeys(transfer.identifiers)
        if ident not in known
    )
    link.taken = _taken(transfer) | {"items": sorted(seen | {item.key for item in transfer.items})}
    link.updated_at = w.now
    w.session.flush()
    w.audit("import_eido", "incident", row.id, before, snapshot(row, *INCIDENT_FIELDS) | {"from": transfer.agency})
    w.changed("incident", row.id, row.version)
    return TransferResult("updated", record(w, row), sender, tuple(changes))


def _move(w: Work, row: Incident, transfer: Transfer, placement: Placement) -> str:
    """A new location from the sender: applied while the incident is open, recorded either way."""
    assert transfer.place is not None
    location = _location_text(transfer, placement)
    if row.status not in OPEN_STATUSES:
        w.event(
            row.id,
            "transfer_update",
            f"{transfer.sender} gives a new location: {location} (not applied: {row.number} is closed)",
        )
        return f"new location {location} (not applied)"
    old = row.location
    row.location = location
    row.latitude, row.longitude = placement.latitude, placement.longitude
    row.zone, row.in_city = placement.zone, placement.in_city
    outside = f" (outside {w.db.pack.city.get('name', 'the city')})" if placement.in_city is False else ""
    w.event(row.id, "updated", f"location by {transfer.sender}: {old} → {location}{outside}")
    return f"location {location}"


def _recall(w: Work, row: Incident, transfer: Transfer) -> str:
    """A changed caller or callback from the sender: fills the incident's fields while it is open."""
    name, phone = _caller(transfer)
    text = ", ".join(p for p in (name or "name not given", transfer.caller_phone or "no callback") if p)
    if row.status in OPEN_STATUSES:
        row.caller_name = name or row.caller_name
        row.caller_phone = phone or row.caller_phone
    w.event(row.id, "transfer_update", f"{transfer.sender} caller: {text}")
    return f"caller {text}"
