"""What another agency's EIDO says about a call, read into plain records (no database, no network).

NENA's call transfer has no incident component: the call, its locations (PIDF-LO by value, or by
reference), the persons with their roles, callbacks, notes and additional data are all read. What
this console does not understand is kept verbatim as timeline lines rather than dropped.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import html
import json
import re
import urllib.parse
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from data import eido, rules
from data.eido_reader import check_text, parse_time, refuse
from data.pack import Pack
from data.pidf_lo import PidfLocation, leaf_values, local_name, parse_pidf_lo, parse_xml

PROLOGUE = frozenset(
    {
        "$id",
        "lastUpdateTimeStamp",
        "updatedByAgencyReference",
        "updatedByAgentReference",
        "AlternateValueReferences",
        "externalInformationSourceReferences",
        "mediaReferences",
    }
)
# The keys each component is read for; anything else in it is kept verbatim.
READ_KEYS: dict[str, frozenset[str]] = {
    "callComponent": PROLOGUE
    | {
        "standardPrimaryCallType",
        "standardSecondaryCallType",
        "localCallType",
        "direction",
        "priorityIdentifier",
        "callStartTimestamp",
        "answerDate",
        "callStateRegistryText",
        "agentReference",
        "callBackReference",
        "locationReference",
        "personReference",
        "notesReference",
        "additionalDataReference",
        "queueIdentifier",
        "relatedCallIdentifier",
        "agencyReference",
    },
    "incidentComponent": PROLOGUE
    | {
        "incidentTypeInternalCode",
        "incidentTypeInternalText",
        "incidentTypeCommonRegistryText",
        "incidentStatusInternalText",
        "incidentStatusCommonRegistryText",
        "internalIncidentId",
        "agentReference",
        "locationReference",
        "personReference",
        "notesReference",
        "incidentPriorityInternalText",
        "incidentCommonPriorityNumber",
        "beatOrDispatchGroupText",
        "dispositionComponent",
    },
    "locationComponent": PROLOGUE
    | {
        "locationTypeDescriptionRegistryText",
        "locationByValue",
        "locationByReferenceUrl",
        "locationDereferencedFromReference",
        "locationDescriptionText",
        "notesReference",
        "additionalDataReference",
    },
    "personComponent": PROLOGUE
    | {"personIncidentRoleRegistryText", "callIdentifier", "callBackReference", "notesReference"},
    "callbackComponent": PROLOGUE | {"callBackInformationUri", "deviceContactHeader", "updatedCbn"},
    "notesComponent": PROLOGUE | {"notesActionComments", "agentReference"},
    "agencyComponent": PROLOGUE
    | {"agencyJcard", "agencyRoleDescriptionRegistryText", "agencyType", "incidentOwningAgencyIndicator"},
    "agentComponent": PROLOGUE
    | {"agentJcard", "agentWorkstationPositionIdentification", "agentRoleRegistryText", "agencyReference"},
    "additionalDataComponent": PROLOGUE
    | {
        "additionalDataByValue",
        "additionalDataByReferenceUrl",
        "urlPurpose",
        "additionalDataDereferencedFromReference",
    },
    # Our own export describes its units; another CSO console's units are summarised, not dumped.
    "emergencyResourceComponent": PROLOGUE
    | {
        "emergencyResourceName",
        "primaryUnitStatusRegistryText",
        "secondaryUnitStatusRegistryText",
        "unitStatusInternal",
        "emergencyResourceTypeCommonRegistryText",
        "emergencyResourceTypeInternalText",
        "resourceAttributeRegistryText",
        "resourceAttributeInternalText",
        "agentReference",
    },
}
DOCUMENT_KEYS = PROLOGUE | {
    "eidoVersion",
    "eidoExtensionId",
    "issuingElementIdentification",
    "@context",
    "dispatchComponent",  # our own export's list of unit references: the units are read above
    *READ_KEYS,
}
# Location types in the order one is taken as the incident's location.
LOCATION_PREFERENCE = ("incident", "caller", "routinglocation")
CALL_PRIORITY = {"highest": 1, "high": 2, "normal": 3, "low": 4, "lowest": 4}
MAX_IDENTIFIER = 300
MAX_NOTES = 500
MAX_ITEMS = 1_000
TEXT_LIMIT = rules.MAX_NARRATIVE


@dataclass(frozen=True)
class Place:
    """One location of the call as the sender gave it."""

    kind: str  # the location type registry text (Incident, Caller, RoutingLocation…)
    text: str  # civic address or description, as sent
    civic: dict[str, str]
    latitude: float | None = None
    longitude: float | None = None
    radius_m: float | None = None
    shape: str = ""
    reference: str = ""  # a URL this console did not fetch

    @property
    def usable(self) -> bool:
        return bool(self.text) or self.latitude is not None

    @property
    def key(self) -> str:
        """Equal for the same location sent twice; a change of text or point is a new key."""
        point = f"{self.latitude:.6f},{self.longitude:.6f}" if self.latitude is not None else ""
        return f"{self.text}|{point}"

    def describe(self) -> str:
        """ "42 W Cellular Street, Wilmington, DE (civic address)", "circle 34.090000, -118.370000 ± 50 m"."""
        parts = [f"{self.text} (civic address)" if self.civic else self.text] if self.text else []
        if self.latitude is not None and self.longitude is not None:
            point = f"{(self.shape or 'point').lower()} {self.latitude:.6f}, {self.longitude:.6f}"
            if self.radius_m is not None:
                point += f" ± {self.radius_m:,.0f} m"
            parts.append(point)
        return "; ".join(parts)


@dataclass(frozen=True)
class Item:
    """One line for the timeline; `key` is stable, so an update adds it only if it is new."""

    key: str
    kind: str  # note, transfer_data
    text: str


@dataclass(frozen=True)
class Transfer:
    """A call another agency sent, as this console uses it."""

    agency: str  # the sender's agency identifier, e.g. "lasd.lacounty.gov"
    agency_name: str
    issuing_element: str
    incident_identifier: str  # their incident tracking identifier ("" when none)
    internal_incident_id: str
    call_identifiers: tuple[str, ...]
    sent_at: dt.datetime
    call_started_at: dt.datetime | None
    call_type: str  # a local code
    priority: int | None
    status: str  # their incident status as one line ("" when not given)
    place: Place | None
    caller_name: str
    caller_phone: str
    narrative: str  # their notes on the call and incident, in order, for the incident's narrative
    items: tuple[Item, ...]

    @property
    def identifiers(self) -> tuple[str, ...]:
        return tuple(i for i in (self.incident_identifier, *self.call_identifiers) if i)

    @property
    def sender(self) -> str:
        return self.agency_name or self.agency or self.issuing_element or "another agency"


# --- small readers ---------------------------------------------------------------------------------


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:16]


def _by_id(document: dict[str, Any], key: str) -> dict[str, dict[str, Any]]:
    return {str(c.get("$id", "")): c for c in _components(document, key)}


def _components(document: dict[str, Any], key: str) -> list[dict[str, Any]]:
    value = document.get(key)
    if isinstance(value, dict):
        value = [value]
    return [c for c in value or [] if isinstance(c, dict)]


def _refs(component: dict[str, Any], key: str) -> list[str]:
    value = component.get(key)
    if isinstance(value, dict):
        value = [value]
    return [str(r.get("$ref", "")) for r in value or [] if isinstance(r, dict) and r.get("$ref")]


def _texts(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value.strip()] if value.strip() else []
    if isinstance(value, list):
        return [v.strip() for v in value if isinstance(v, str) and v.strip()]
    return []


def plain(note_html: str, where: str) -> str:
    """A note's HTML as plain text (line breaks kept); what the HTML hid is checked like any text."""
    text = re.sub(r"<br\s*/?>|</p>", "\n", note_html or "", flags=re.I)
    text = html.unescape(re.sub(r"<[^>]+>", "", text)).replace("\r\n", "\n").replace("\r", "\n")
    check_text(text, where)
    return text.strip()


def jcard_name(jcard: Any) -> str:
    """The fn (formatted name) of a jCard (RFC 7095) given as JSON text; "" when there is none."""
    if not isinstance(jcard, str):
        return ""
    try:
        card = json.loads(jcard)
    except (ValueError, RecursionError):
        return ""
    if isinstance(card, list) and len(card) == 2 and isinstance(card[1], list):
        for prop in card[1]:
            if isinstance(prop, list) and len(prop) >= 4 and prop[0] == "fn" and isinstance(prop[3], str):
                check_text(prop[3], "a jCard name")  # its own JSON escapes were not checked with the document
                return prop[3].strip()[:200]
    return ""


def callback_number(uri: str) -> str:
    """A tel: URI as a number a dispatcher dials: "tel:8195551212" → "819-555-1212"; "" for other URIs."""
    if not uri.lower().startswith("tel:"):
        return ""
    number = urllib.parse.unquote(uri[4:]).split(";", 1)[0].strip()
    digits = re.sub(r"\D", "", number)
    if len(digits) == 10 and not number.startswith("+"):
        return f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"
    cleaned = re.sub(r"[^0-9+()\-. ]", "", number)[: rules.MAX_PHONE]
    return cleaned if re.search(r"\d", cleaned) else ""


def _leftover(name: str, component: dict[str, Any]) -> dict[str, Any]:
    read = READ_KEYS.get(name, PROLOGUE)
    return {k: v for k, v in component.items() if k not in read}


def _compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(", ", ": "))


def _verbatim_items(kind: str, label: str, text: str, key: str) -> list[Item]:
    """Verbatim text as one timeline line, or several when it is longer than a timeline entry holds."""
    head = f"{label}: "
    room = TEXT_LIMIT - len(head) - 20
    chunks = [text[i : i + room] for i in range(0, len(text), room)] or [""]
    if len(chunks) == 1:
        return [Item(key, kind, head + text)]
    return [
        Item(f"{key}.{n}", kind, f"{label} (part {n} of {len(chunks)}): {chunk}")
        for n, chunk in enumerate(chunks, start=1)
    ]


# --- the reader ------------------------------------------------------------------------------------


class _Reader:
    """Reads one document; `items` collects the timeline lines in the order a dispatcher reads them."""

    def __init__(self, document: dict[str, Any], pack: Pack, now: dt.datetime) -> None:
        self.doc = document
        self.pack = pack
        self.now = now
        self.tz = ZoneInfo(pack.timezone)
        self.items: list[Item] = []
        self.locations = _by_id(document, "locationComponent")
        self.persons = _by_id(document, "personComponent")
        self.callbacks = _by_id(document, "callbackComponent")
        self.notes = _by_id(document, "notesComponent")
        self.agents = _by_id(document, "agentComponent")
        self.agencies = _by_id(document, "agencyComponent")
        self.additional = _by_id(document, "additionalDataComponent")
        self.used_notes: set[str] = set()
        self.used_callbacks: set[str] = set()
        self.narrative: list[str] = []
        self.agency = self.agency_name = self.issuing = ""
        self.incident: dict[str, Any] = {}

    # Helpers ---------------------------------------------------------------------------------
    def time(self, value: Any, where: str) -> dt.datetime | None:
        return parse_time(value, where, now=self.now)

    def clock(self, moment: dt.datetime | None) -> str:
        # Always with the date: the same document must give the same lines whenever it is read again.
        return f"{moment.astimezone(self.tz):%Y-%m-%d %H:%M:%S}" if moment else "undated"

    def add(self, kind: str, text: str, *key_parts: str) -> None:
        if len(text) > TEXT_LIMIT:
            self.items += _verbatim_items(kind, text[:60], text, _digest(kind, *key_parts, text))
        else:
            self.items.append(Item(_digest(kind, *key_parts, text), kind, text))

    def keep_leftover(self, name: str, component: dict[str, Any], rest: dict[str, Any] | None = None) -> None:
        rest = _leftover(name, component) if rest is None else rest
        if rest:
            ident = str(component.get("$id", ""))[:80]
            label = f"{self.sender} sent, in {name} {ident}, what this console does not read"
            body = _compact(rest)
            self.items += _verbatim_items("transfer_data", label, body, _digest("leftover", name, ident, body))

    def agent_name(self, ref: str) -> str:
        agent = self.agents.get(ref)
        name = jcard_name(agent.get("agentJcard")) if agent else ""
        return name or ref

    @property
    def sender(self) -> str:
        return self.agency_name or self.agency or self.issuing or "another agency"

    # Whole document ----------------------------------------------------------------------------
    def identity(self) -> None:
        doc = self.doc
        self.agency = str((doc.get("updatedByAgencyReference") or {}).get("$ref", "")).strip()
        own = str(self.pack.city.get("agency_id") or "")
        if own and self.agency.casefold() == own.casefold():
            raise refuse(
                f"The document comes from this dispatch centre ({own}); importing it would copy our own incident."
            )
        agency = self.agencies.get(self.agency, {})
        self.agency_name = jcard_name(agency.get("agencyJcard"))
        self.issuing = str(doc.get("issuingElementIdentification") or "")
        incident = doc.get("incidentComponent") if isinstance(doc.get("incidentComponent"), dict) else None
        self.incident = incident or {}
        self.incident_identifier = str((incident or doc).get("$id") or "")
        self.call_identifiers = tuple(str(c.get("$id")) for c in _components(doc, "callComponent") if c.get("$id"))
        for ident in (self.incident_identifier, *self.call_identifiers):
            if len(ident) > MAX_IDENTIFIER:
                raise refuse(
                    f"An identifier in the document is {len(ident):,} characters; the limit is {MAX_IDENTIFIER}."
                )
        if not self.incident_identifier and not self.call_identifiers:
            raise refuse("The document names neither an incident nor a call; nothing to track updates by.")
        self.sent_at = self.time(doc.get("lastUpdateTimeStamp"), "lastUpdateTimeStamp") or self.now
        if len(self.notes) > MAX_NOTES:
            raise refuse(f"The document has {len(self.notes):,} notes; the limit for one call is {MAX_NOTES}.")
        # Every time in the document is checked, so a year-9999 stamp anywhere refuses the whole document.
        for component in self._all_components():
            self.time(component.get("lastUpdateTimeStamp"), f"{str(component.get('$id', ''))[:60]} lastUpdateTimeStamp")

    def _all_components(self) -> Iterable[dict[str, Any]]:
        for key in self.doc:
            if key.endswith("Component"):
                yield from _components(self.doc, key)
        yield from _components(self.incident, "dispositionComponent")

    # Incident ----------------------------------------------------------------------------------
    def incident_facts(self) -> tuple[str, int | None, str]:
        inc = self.incident
        call_type = self.pack_default_type()
        priority: int | None = None
        if inc:
            call_type = local_call_type(self.pack, inc) or call_type
            number = inc.get("incidentCommonPriorityNumber")
            if isinstance(number, int) and not isinstance(number, bool):
                priority = priority_from_common(number)
            else:
                m = re.fullmatch(r"P?([1-4])", str(inc.get("incidentPriorityInternalText") or "").strip())
                priority = int(m.group(1)) if m else None
        if priority is None:
            for call in _components(self.doc, "callComponent"):
                priority = CALL_PRIORITY.get(str(call.get("priorityIdentifier") or "").lower())
                if priority:
                    break
        status = ", ".join(
            _texts(inc.get("incidentStatusCommonRegistryText")) + _texts(inc.get("incidentStatusInternalText"))
        )
        if inc:
            described = " · ".join(
                p
                for p in (
                    str(inc.get("internalIncidentId") or ""),
                    str(inc.get("incidentTypeInternalText") or inc.get("incidentTypeInternalCode") or ""),
                    f"APCO {inc.get('incidentTypeCommonRegistryText')}"
                    if inc.get("incidentTypeCommonRegistryText")
                    else "",
                    str(inc.get("incidentPriorityInternalText") or ""),
                    str(inc.get("beatOrDispatchGroupText") or ""),
                )
                if p
            )
            if described:
                self.add("transfer_data", f"Their incident: {described}", "incident")
            for disposition in _components(inc, "dispositionComponent"):
                text = " ".join(
                    str(disposition.get(k) or "")
                    for k in ("dispositionCommonRegistryCode", "dispositionDescriptionText")
                ).strip()
                if text:
                    self.add("transfer_data", f"Their disposition: {text}", "disposition")
            self.keep_leftover("incidentComponent", inc)
        return call_type, priority, status

    def pack_default_type(self) -> str:
        return str(self.pack.transfers.get("call_type", "ASSIST"))

    # Calls -------------------------------------------------------------------------------------
    def calls(self) -> dt.datetime | None:
        started = None
        for call in _components(self.doc, "callComponent"):
            ident = str(call.get("$id", ""))
            start = self.time(call.get("callStartTimestamp"), f"call {ident[:60]} callStartTimestamp")
            answered = self.time(call.get("answerDate"), f"call {ident[:60]} answerDate")
            started = started or start
            kind = " ".join(
                p
                for p in (
                    str(call.get("direction") or ""),
                    str(call.get("standardPrimaryCallType") or ""),
                    str(call.get("standardSecondaryCallType") or ""),
                )
                if p
            )
            parts = [f"{kind} call" if kind else "call", f"started {self.clock(start)}"]
            if answered:
                parts.append(f"answered {self.clock(answered)}")
            takers = []
            for ref in _refs(call, "agentReference"):
                agent = self.agents.get(ref, {})
                roles = ", ".join(_texts(agent.get("agentRoleRegistryText")))
                position = agent.get("agentWorkstationPositionIdentification")
                detail = ", ".join(p for p in (roles, f"position {position}" if position else "") if p)
                takers.append(self.agent_name(ref) + (f" ({detail})" if detail else ""))
            if takers:
                parts.append("by " + ", ".join(takers))
            for label, key in (
                ("queue", "queueIdentifier"),
                ("call state", "callStateRegistryText"),
                ("local type", "localCallType"),
            ):
                if call.get(key):
                    parts.append(f"{label} {call[key]}")
            related = _texts(call.get("relatedCallIdentifier"))
            if related:
                parts.append("related calls " + ", ".join(related))
            self.add("transfer_data", f"Their call {ident}: " + "; ".join(parts), "call", ident)
            self.keep_leftover("callComponent", call)
        return started

    # Persons and callbacks -----------------------------------------------------------------------
    def callback_text(self, ref: str) -> tuple[str, str]:
        """(number to dial, description of every way back) of a callback component."""
        callback = self.callbacks.get(ref)
        if callback is None:
            return "", ""
        self.used_callbacks.add(ref)
        uris = _texts(callback.get("callBackInformationUri"))
        updated = callback.get("updatedCbn")
        if isinstance(updated, dict) and updated.get("updatedCbnIdentifierUri"):
            uris.append(str(updated["updatedCbnIdentifierUri"]))
        number = next((n for n in (callback_number(u) for u in uris) if n), "")
        text = ", ".join(uris)
        if callback.get("deviceContactHeader"):
            text += f"; device contact {callback['deviceContactHeader']}"
        if isinstance(updated, dict) and updated.get("updatedCbnCallerDescription"):
            text += f" ({updated['updatedCbnCallerDescription']})"
        self.keep_leftover("callbackComponent", callback)
        return number, text

    def person_name(self, person: dict[str, Any]) -> str:
        """The name from NIEM's PersonName, or (as this console exports it) from the person's note."""
        nc = person.get("ncPersonComponent")
        if isinstance(nc, dict):
            name = nc.get("PersonName")
            if isinstance(name, dict):
                full = name.get("PersonFullName")
                if isinstance(full, str) and full.strip():
                    return full.strip()[: rules.MAX_NAME]
                parts = [name.get(k) for k in ("PersonGivenName", "PersonMiddleName", "PersonSurName")]
                joined = " ".join(p.strip() for p in parts if isinstance(p, str) and p.strip())
                if joined:
                    return joined[: rules.MAX_NAME]
        for ref in _refs(person, "notesReference"):
            note = self.notes.get(ref)
            if note is not None:
                self.used_notes.add(ref)
                return plain(str(note.get("notesActionComments", "")), f"note {ref[:60]}")[: rules.MAX_NAME]
        return ""

    def persons_facts(self) -> tuple[str, str]:
        caller_name = caller_phone = ""
        caller_found = False
        calls = _components(self.doc, "callComponent")
        for ident, person in self.persons.items():
            roles = _texts(person.get("personIncidentRoleRegistryText"))
            name = self.person_name(person)
            number, ways = self.callback_text(next(iter(_refs(person, "callBackReference")), ""))
            is_caller = any(r.casefold() == "caller" for r in roles)
            if is_caller and not caller_found:
                caller_found = True
                caller_name, caller_phone = name, number
            parts = [f"name {name}" if name else "name not given"]
            if ways:
                parts.append(f"callback {ways}")
            on_calls = _texts(person.get("callIdentifier"))
            if on_calls:
                parts.append("on call " + ", ".join(on_calls))
            role_text = ", ".join(roles) or "no role given"
            self.add("transfer_data", f"Person ({role_text}): " + "; ".join(parts), "person", ident)
            rest = _leftover("personComponent", person)
            nc = person.get("ncPersonComponent")
            if isinstance(nc, dict) and name and set(nc) <= {"PersonName"}:
                rest.pop("ncPersonComponent")  # the name, read above
            self.keep_leftover("personComponent", person, rest)
        for call in calls:
            ref = next(iter(_refs(call, "callBackReference")), "")
            if ref and ref not in self.used_callbacks:
                number, ways = self.callback_text(ref)
                caller_phone = caller_phone or number
                if ways:
                    self.add("transfer_data", f"Callback for the call: {ways}", "callback", ref)
        for ref in self.callbacks:
            if ref not in self.used_callbacks:
                _number, ways = self.callback_text(ref)
                self.add("transfer_data", f"Callback: {ways}", "callback", ref)
        return caller_name, caller_phone

    # Locations ---------------------------------------------------------------------------------
    def place_of(self, ident: str, seen: frozenset[str] = frozenset()) -> Place:
        """A location component as a Place; by reference only when the value is inside the document."""
        loc = self.locations[ident]
        kind = str(loc.get("locationTypeDescriptionRegistryText") or "")
        description = str(loc.get("locationDescriptionText") or "").strip()
        where = f"location {ident[:60]}"
        value = loc.get("locationByValue")
        reference = str(loc.get("locationByReferenceUrl") or "").strip()
        pidf: PidfLocation | None = None
        if isinstance(value, str) and value.strip():
            pidf = parse_pidf_lo(value, where)
        elif reference:
            inline = self.dereference(ident, reference, seen | {ident})
            if inline is not None:
                return Place(kind, inline.text or description, inline.civic, inline.latitude, inline.longitude,
                             inline.radius_m, inline.shape)  # fmt: skip
            if reference.lower().startswith("data:"):
                pidf = parse_pidf_lo(data_url_text(reference, where), where)
                reference = ""
        if pidf is None:
            return Place(kind, description, {}, reference=reference)
        text = pidf.address_text() or description
        if description and pidf.address_text() and description not in text:
            text = f"{text} ({description})"
        return Place(kind, text, pidf.civic, pidf.latitude, pidf.longitude, pidf.radius_m, pidf.shape, reference)

    def dereference(self, ident: str, reference: str, seen: frozenset[str]) -> Place | None:
        """The value of a by-reference location when the document carries it: a component dereferenced from
        this one (NENA's locationDereferencedFromReference), or a `#id` / `$id` naming another component."""
        for other_id, other in self.locations.items():
            if other_id in seen:
                continue
            source = other.get("locationDereferencedFromReference")
            if isinstance(source, dict) and source.get("$ref") == ident:
                return self.place_of(other_id, seen)
        target = reference[1:] if reference.startswith("#") else reference
        if target in self.locations and target not in seen:
            return self.place_of(target, seen)
        return None

    def places(self) -> Place | None:
        order: list[str] = []
        for component in (self.incident, *_components(self.doc, "callComponent")):
            order += [r for r in _refs(component, "locationReference") if r in self.locations and r not in order]
        order += [r for r in self.locations if r not in order]
        places = {ident: self.place_of(ident) for ident in order}
        chosen: Place | None = None
        for wanted in (*LOCATION_PREFERENCE, None):
            for place in places.values():
                if place.usable and (wanted is None or place.kind.casefold() == wanted):
                    chosen = place
                    break
            if chosen:
                break
        for ident, place in places.items():
            loc = self.locations[ident]
            label = f"Location ({place.kind or 'no type'})"
            if place.usable:
                self.add("transfer_data", f"{label}: {place.describe()}", "location", ident)
            if place.reference:
                self.add(
                    "transfer_data",
                    f"{label} by reference, not fetched (this console makes no network requests): {place.reference}",
                    "location-ref",
                    ident,
                )
            for ref in _refs(loc, "notesReference"):
                self._note(ref, prefix=f"{label} note")
            self.keep_leftover("locationComponent", loc)
        return chosen

    # Notes -------------------------------------------------------------------------------------
    def _note(self, ref: str, prefix: str = "") -> None:
        note = self.notes.get(ref)
        if note is None or ref in self.used_notes:
            return
        self.used_notes.add(ref)
        body = plain(str(note.get("notesActionComments", "")), f"note {ref[:60]}")
        if not body:
            return
        if len(body) > TEXT_LIMIT - 200:
            raise refuse(f"Note {ref[:60]} is {len(body):,} characters; a note holds at most {TEXT_LIMIT - 200:,}.")
        at = self.time(note.get("lastUpdateTimeStamp"), f"note {ref[:60]}")
        author_ref = next(iter(_refs(note, "agentReference") or _refs(note, "updatedByAgentReference")), "")
        author = self.agent_name(author_ref).split("@")[0] if author_ref else ""
        head = " ".join(p for p in (self.clock(at), author) if p)
        label = f"{prefix} " if prefix else ""
        if not prefix:
            self.narrative.append(body)
        self.add("note", f"{label}[{self.sender} {head}] {body}", "note", ref)
        self.keep_leftover("notesComponent", note)

    def all_notes(self) -> None:
        refs = _refs(self.incident, "notesReference")
        for call in _components(self.doc, "callComponent"):
            refs += _refs(call, "notesReference")
        for ref in [*refs, *self.notes]:
            self._note(ref)

    # Additional data, other agencies, units, everything else ----------------------------------------
    def additional_data(self) -> None:
        for ident, data in self.additional.items():
            where = f"additional data {ident[:60]}"
            value = data.get("additionalDataByValue")
            url = str(data.get("additionalDataByReferenceUrl") or "").strip()
            purpose = f" ({data['urlPurpose']})" if data.get("urlPurpose") else ""
            if isinstance(value, str) and value.strip():
                kind, text = additional_text(value, where)
                if kind == "note":
                    self.narrative.append(text)
                self.add(kind, text, "additional", ident)
            elif url:
                self.add(
                    "transfer_data",
                    f"Additional data{purpose} by reference, not fetched (this console makes no network requests): {url}",
                    "additional-ref",
                    ident,
                )
            self.keep_leftover("additionalDataComponent", data)

    def agencies_and_agents(self) -> None:
        for ident, agency in self.agencies.items():
            roles = ", ".join(_texts(agency.get("agencyRoleDescriptionRegistryText")))
            types = ", ".join(_texts(agency.get("agencyType")))
            name = jcard_name(agency.get("agencyJcard"))
            owning = "; owns the incident" if agency.get("incidentOwningAgencyIndicator") is True else ""
            title = f"{name} ({ident})" if name else ident
            self.add(
                "transfer_data",
                f"Agency {title}: {roles or 'no role'}; type {types or 'not given'}{owning}",
                "agency",
                ident,
            )
            self.keep_leftover("agencyComponent", agency)
        for agent in self.agents.values():
            self.keep_leftover("agentComponent", agent)

    def units(self) -> None:
        for unit in _components(self.doc, "emergencyResourceComponent"):
            name = unit.get("emergencyResourceName") or unit.get("$id")
            status = " / ".join(
                [
                    str(unit.get("primaryUnitStatusRegistryText") or ""),
                    *_texts(unit.get("secondaryUnitStatusRegistryText")),
                ]
            ).strip(" /")
            self.add(
                "transfer_data", f"Their unit {name}: {status or 'status not given'}", "unit", str(unit.get("$id"))
            )
            self.keep_leftover("emergencyResourceComponent", unit)

    def unknown_components(self) -> None:
        for key, value in self.doc.items():
            if key in DOCUMENT_KEYS:
                continue
            for n, part in enumerate(value if isinstance(value, list) else [value]):
                ident = str(part.get("$id", n)) if isinstance(part, dict) else str(n)
                body = _compact(part)
                label = f"{self.sender} sent {key} {ident[:80]}, which this console does not read"
                self.items += _verbatim_items("transfer_data", label, body, _digest("unknown", key, ident, body))


def data_url_text(url: str, where: str) -> str:
    """The text inside a data: URL (RFC 2397), base64 or percent-encoded."""
    head, sep, body = url.partition(",")
    if not sep:
        raise refuse(f"The data URL in {where} has no data.")
    try:
        raw = (
            base64.b64decode(body, validate=True)
            if head.lower().endswith(";base64")
            else urllib.parse.unquote_to_bytes(body)
        )
        text = raw.decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        raise refuse(f"The data URL in {where} is not base64 or UTF-8 text.") from None
    check_text(text, where)
    return text


def _vcard_summary(element: ET.Element) -> str:
    """Name, telephone and e-mail of an xCard (RFC 6351): the parts a dispatcher can use."""
    parts = []
    for el in element.iter():
        name = local_name(el.tag)
        if name in ("fn", "tel", "email"):
            values = [text for _n, text in leaf_values(el) if _n in ("text", "uri")]
            if values:
                parts.append(values[-1])
    return ", ".join(parts)


def additional_text(value: str, where: str) -> tuple[str, str]:
    """(timeline kind, line) for an additional-data block: a comment is a note; the RFC 7852 blocks are
    their fields with the contact's name and numbers; anything else is kept verbatim."""
    if not value.lstrip().startswith("<"):
        return "transfer_data", f"Additional data: {value.strip()}"
    root = parse_xml(value, where)
    block = local_name(root.tag)
    if block == "EmergencyCallData.Comment":
        comments = [text for name, text in leaf_values(root) if name == "Comment"]
        return "note", "Comment from the call: " + " / ".join(comments)
    if block.startswith("EmergencyCallData."):
        pairs = []
        for child in root:
            name = local_name(child.tag)
            if len(child):
                summary = _vcard_summary(child)
                if summary:
                    pairs.append(f"{name} {summary}")
            elif child.text and child.text.strip():
                pairs.append(f"{name} {child.text.strip()}")
        return "transfer_data", f"{block.removeprefix('EmergencyCallData.')}: " + "; ".join(pairs)
    return "transfer_data", f"Additional data (not read by this console, verbatim): {value.strip()}"


def local_call_type(pack: Pack, incident: dict[str, Any]) -> str | None:
    """The local call type for the sender's incident type: its code if it is ours, else through its APCO type."""
    code = str(incident.get("incidentTypeInternalCode") or "").upper()
    common = str(incident.get("incidentTypeCommonRegistryText") or "")
    if code in pack.call_types and (not common or pack.call_types[code].apco == common):
        return code
    for ct in pack.call_types.values():
        if ct.apco == common:
            return ct.code
    return None


def priority_from_common(number: int) -> int:
    """EIDO common priority (0..10, 10 highest) to the local 1..4 scale."""
    best = min(eido.PRIORITY_TO_COMMON.items(), key=lambda kv: (abs(kv[1] - number), kv[0]))
    return best[0]


def read_transfer(document: dict[str, Any], pack: Pack, *, now: dt.datetime) -> Transfer:
    """The call in a checked document (eido_reader.parse_document); refused when it is not a valid EIDO."""
    problems = eido.validation_errors(document)
    if problems:
        raise refuse(f"Not a valid EIDO 1.0 document: {problems[0][:300]}")
    reader = _Reader(document, pack, now)
    reader.identity()
    call_type, priority, status = reader.incident_facts()
    started = reader.calls()
    caller_name, caller_phone = reader.persons_facts()
    place = reader.places()
    reader.all_notes()
    reader.additional_data()
    reader.agencies_and_agents()
    reader.units()
    reader.unknown_components()
    if len(reader.items) > MAX_ITEMS:
        raise refuse(
            f"The document would add {len(reader.items):,} timeline lines; the limit for one call is {MAX_ITEMS:,}."
        )
    return Transfer(
        agency=reader.agency,
        agency_name=reader.agency_name,
        issuing_element=reader.issuing,
        incident_identifier=reader.incident_identifier,
        internal_incident_id=str(reader.incident.get("internalIncidentId") or ""),
        call_identifiers=reader.call_identifiers,
        sent_at=reader.sent_at,
        call_started_at=started,
        call_type=call_type,
        priority=priority,
        status=status,
        place=place,
        caller_name=caller_name,
        caller_phone=caller_phone,
        narrative="\n".join(reader.narrative)[:TEXT_LIMIT],
        items=tuple(dict.fromkeys(reader.items)),
    )
