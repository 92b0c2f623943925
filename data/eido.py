"""NENA EIDO 1.0 (JSON) export of incidents, validated against NENA's OpenAPI schema (import: data.eido_transfer)."""

from __future__ import annotations

import datetime as dt
import functools
import html
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import yaml
from sqlalchemy import select

from data import rules
from data.db import Database
from data.models import Incident
from data.pack import Pack
from data.services.incident_paperwork import IncidentPaperwork, incident_paperwork

if TYPE_CHECKING:
    from openapi_schema_validator import OAS30Validator

EIDO_VERSION = "1.0"
DOCUMENT_SCHEMA = "EmergencyIncidentDataObjectType"
ISSUING_ELEMENT = "cad"

# Local incident status -> EIDO incident status registry value.
INCIDENT_STATUS = {
    "pending": "Active",
    "dispatched": "ResourcesAssigned",
    "enroute": "ResourcesEnroute",
    "onscene": "ResourcesOnscene",
    "cleared": "Closed",
    "cancelled": "Cancelled",
    "transferred": "Closed",
    "merged": "Closed",
}
# Local priority 1 (most urgent) .. 4 onto EIDO's common priority 0..10 (10 highest).
PRIORITY_TO_COMMON = {1: 10, 2: 7, 3: 4, 4: 1}

NS = {
    "pidf": "urn:ietf:params:xml:ns:pidf",
    "gp": "urn:ietf:params:xml:ns:pidf:geopriv10",
    "ca": "urn:ietf:params:xml:ns:pidf:geopriv10:civicAddr",
    "dm": "urn:ietf:params:xml:ns:pidf:data-model",
    "gml": "http://www.opengis.net/gml",
}
for _prefix, _uri in NS.items():
    ET.register_namespace("" if _prefix == "pidf" else _prefix, _uri)

_HOUSE = re.compile(r"^\s*(\d+[A-Za-z]?(?:[-/]\d+[A-Za-z]?)?)\s+(.+?)\s*$")


# --- schema ---------------------------------------------------------------------------------------


def schema_path() -> Path:
    return Path(str(resources.files("resources") / "standards" / "eido_openapi.yaml"))


def _fix_min_items(node: Any) -> Any:
    """NENA's file has `minItems: '1,'` (a string); validators need the integer."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key in ("minItems", "maxItems") and isinstance(value, str):
                digits = re.sub(r"\D", "", value)
                out[key] = int(digits) if digits else 0
            else:
                out[key] = _fix_min_items(value)
        return out
    if isinstance(node, list):
        return [_fix_min_items(v) for v in node]
    return node


@functools.cache
def validator() -> OAS30Validator:
    # Imported here: the validator library is large and the console starts without it.
    from openapi_schema_validator import OAS30Validator

    with schema_path().open(encoding="utf-8") as fh:
        spec = _fix_min_items(yaml.safe_load(fh))
    schema = {"$ref": f"#/components/schemas/{DOCUMENT_SCHEMA}", "components": spec["components"]}
    return OAS30Validator(schema, format_checker=OAS30Validator.FORMAT_CHECKER)


def validation_errors(document: dict[str, Any]) -> list[str]:
    """Readable schema violations of an EIDO document (empty when valid)."""
    errors = sorted(validator().iter_errors(document), key=lambda e: list(e.absolute_path))
    return [f"{'/'.join(str(p) for p in e.absolute_path) or '(document)'}: {e.message}" for e in errors]


# --- export ----------------------------------------------------------------------------------------


def _stamp(moment: dt.datetime, tz: str) -> str:
    return moment.astimezone(ZoneInfo(tz)).isoformat(timespec="milliseconds")


def _uid(kind: str, local_id: str, agency: str) -> str:
    return f"urn:emergency:uid:{kind}:{local_id}:{agency}"


def tel_uri(phone: str) -> str:
    """A callback number as an RFC 3966 tel URI (North American numbers made global)."""
    digits = re.sub(r"\D", "", phone)
    if len(digits) == 10:
        return f"tel:+1-{digits[:3]}-{digits[3:6]}-{digits[6:]}"
    if len(digits) == 11 and digits.startswith("1"):
        return f"tel:+1-{digits[1:4]}-{digits[4:7]}-{digits[7:]}"
    return f"tel:{digits or phone.strip()}"


def pidf_lo(location: str, latitude: float | None, longitude: float | None, pack: Pack, entity: str) -> str:
    """A PIDF-LO document with the civic address (house number and road parsed when possible) and point."""
    presence = ET.Element(f"{{{NS['pidf']}}}presence", {"entity": entity})
    device = ET.SubElement(presence, f"{{{NS['dm']}}}device", {"id": "incident-location"})
    geopriv = ET.SubElement(device, f"{{{NS['gp']}}}geopriv")
    info = ET.SubElement(geopriv, f"{{{NS['gp']}}}location-info")
    civic = ET.SubElement(info, f"{{{NS['ca']}}}civicAddress")
    parts = [("country", "US"), ("A1", str(pack.city.get("state", ""))), ("A3", str(pack.city.get("name", "")))]
    m = _HOUSE.match(location)
    if m and not re.search(r"&| and |/", m.group(2)):
        parts += [("HNO", m.group(1)), ("RD", m.group(2))]
    parts.append(("LOC", location))
    for tag, value in parts:
        if value:
            ET.SubElement(civic, f"{{{NS['ca']}}}{tag}").text = value
    if latitude is not None and longitude is not None:
        point = ET.SubElement(info, f"{{{NS['gml']}}}Point", {"srsName": "urn:ogc:def:crs:EPSG::4326"})
        ET.SubElement(point, f"{{{NS['gml']}}}pos").text = f"{latitude:.6f} {longitude:.6f}"
    ET.SubElement(geopriv, f"{{{NS['gp']}}}usage-rules")
    ET.SubElement(geopriv, f"{{{NS['gp']}}}method").text = "Manual"
    return '<?xml version="1.0" encoding="UTF-8"?>' + ET.tostring(presence, encoding="unicode")


def _note_html(text: str) -> str:
    return html.escape(text).replace("\n", "<br>")


def build_eido(p: IncidentPaperwork, pack: Pack, *, now: dt.datetime) -> dict[str, Any]:
    """The EIDO document of one incident (pure: no database access)."""
    inc = p.incident
    tz = pack.timezone
    agency = str(pack.city.get("agency_id") or "cso.invalid")
    by_agency = {"$ref": agency}
    number = inc.number
    updated = max([inc.status_changed_at, *(e.at for e in p.events)])

    def prologue(uid: str, at: dt.datetime, agent: str | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {"$id": uid, "lastUpdateTimeStamp": _stamp(at, tz), "updatedByAgencyReference": by_agency}
        if agent:
            out["updatedByAgentReference"] = {"$ref": agent}
        return out

    def agent_id(username: str) -> str:
        return f"{username}@{agency}"

    agents: dict[str, dict[str, Any]] = {}

    def dispatcher_agent(username: str, at: dt.datetime) -> str:
        uid = agent_id(username or "unknown")
        if uid not in agents:
            agents[uid] = prologue(uid, at) | {
                "agentRoleRegistryText": ["Dispatcher"],
                "agencyReference": by_agency,
            }
        return uid

    creator = dispatcher_agent(inc.created_by, inc.entered_at)
    notes: list[dict[str, Any]] = []
    if inc.narrative:
        notes.append(
            prologue(_uid("notesid", f"{number}.narrative", agency), inc.entered_at, creator)
            | {"notesActionComments": _note_html(inc.narrative), "agentReference": {"$ref": creator}}
        )
    for ev in p.events:
        author = dispatcher_agent(ev.author, ev.at)
        text = ev.text if ev.kind == "note" else f"[{ev.kind.replace('_', ' ')}] {ev.text}"
        notes.append(
            prologue(_uid("notesid", f"{number}.{ev.id}", agency), ev.at, author)
            | {"notesActionComments": _note_html(text), "agentReference": {"$ref": author}}
        )

    location_id = _uid("locationid", f"{number}.1", agency)
    location = prologue(location_id, inc.status_changed_at) | {
        "locationTypeDescriptionRegistryText": "Incident",
        "locationByValue": pidf_lo(inc.location, inc.latitude, inc.longitude, pack, f"pres:{number}@{agency}"),
        "locationDescriptionText": inc.location,
    }

    persons: list[dict[str, Any]] = []
    callbacks: list[dict[str, Any]] = []
    person_notes: list[dict[str, Any]] = []
    if inc.caller_name or inc.caller_phone:
        person: dict[str, Any] = prologue(_uid("personid", f"{number}.caller", agency), inc.entered_at, creator) | {
            "personIncidentRoleRegistryText": ["Caller"]
        }
        if inc.caller_name:
            # ncPersonComponent points into NIEM files the schema does not ship; the name travels as a note.
            name_note = prologue(_uid("notesid", f"{number}.caller", agency), inc.entered_at, creator) | {
                "notesActionComments": _note_html(inc.caller_name)
            }
            person_notes.append(name_note)
            person["notesReference"] = [{"$ref": name_note["$id"]}]
        if inc.caller_phone:
            callback = prologue(_uid("callbackid", f"{number}.caller", agency), inc.entered_at, creator) | {
                "callBackInformationUri": [tel_uri(inc.caller_phone)]
            }
            callbacks.append(callback)
            person["callBackReference"] = {"$ref": callback["$id"]}
        persons.append(person)

    officers: dict[str, dict[str, Any]] = {}
    resources_: list[dict[str, Any]] = []
    for u in p.units:
        refs = []
        for name, badge in zip(u.officers, u.badges, strict=False):
            uid = f"officer.{badge}@{agency}"
            officers[uid] = prologue(uid, updated) | {
                "agentRoleRegistryText": ["Responder"],
                "agencyReference": by_agency,
                "agentJcard": json.dumps(["vcard", [["version", {}, "text", "4.0"], ["fn", {}, "text", name]]]),
            }
            refs.append({"$ref": uid})
        status = pack.unit_statuses.get(u.status)
        primary = status.eido_primary if status else "NotAvailable"
        secondary = list(status.eido_secondary) if status and u.on_incident else ["Cleared"]
        resources_.append(
            prologue(_uid("resourceid", u.call_sign, agency), updated)
            | {
                "emergencyResourceTypeCommonRegistryText": "Other",
                "emergencyResourceTypeInternalText": "Community Safety Officer unit",
                "resourceAttributeRegistryText": ["Other"],
                "resourceAttributeInternalText": ["Unarmed civilian responders"],
                "emergencyResourceName": u.call_sign,
                "primaryUnitStatusRegistryText": primary,
                "secondaryUnitStatusRegistryText": secondary,
                "unitStatusInternal": [u.status if u.on_incident else f"released ({u.status})"],
                "agentReference": refs,
            }
        )

    statuses = [INCIDENT_STATUS.get(inc.status, "Active")]
    if inc.is_open and any(e.kind == "reopened" for e in p.events):
        statuses.append("ReOpened")
    incident: dict[str, Any] = prologue(_uid("incidentid", number, agency), updated) | {
        "incidentTypeInternalCode": inc.call_type,
        "incidentTypeInternalText": inc.call_type_label,
        "incidentTypeCommonRegistryText": inc.apco_code,
        "incidentStatusInternalText": [rules.STATUS_LABELS.get(inc.status, inc.status)],
        "incidentStatusCommonRegistryText": statuses,
        "internalIncidentId": number,
        "incidentPriorityInternalText": f"P{inc.priority}",
        "incidentCommonPriorityNumber": PRIORITY_TO_COMMON.get(inc.priority, 5),
        "locationReference": [{"$ref": location_id}],
        "agentReference": [{"$ref": uid} for uid in agents],
        "notesReference": [{"$ref": n["$id"]} for n in notes],
    }
    if inc.zone:
        incident["beatOrDispatchGroupText"] = inc.zone
    if persons:
        incident["personReference"] = [{"$ref": person["$id"]} for person in persons]
    if inc.disposition_code:
        found = pack.dispositions.get(inc.disposition_code)
        disposition = prologue(_uid("dispositionid", number, agency), inc.cleared_at or updated) | {
            "dispositionCommonRegistryCode": inc.disposition_code,
            "dispositionPrimaryIndicator": True,
            "dispositionDescriptionText": (found.label if found else inc.disposition_code)
            + (f": {inc.disposition_note}" if inc.disposition_note else ""),
        }
        incident["dispositionComponent"] = [disposition]

    document: dict[str, Any] = {
        "$id": _uid("incidentid", number, agency),
        "lastUpdateTimeStamp": _stamp(now, tz),
        "updatedByAgencyReference": by_agency,
        "eidoVersion": EIDO_VERSION,
        "issuingElementIdentification": f"{ISSUING_ELEMENT}.{agency}",
        "incidentComponent": incident,
        "callComponent": [
            prologue(_uid("callid", number, agency), inc.entered_at, creator)
            | {
                # The one primary call type value confirmed against NENA's own sample.
                "standardPrimaryCallType": "emergency",
                "localCallType": inc.kind,
                "direction": "incoming",
                "callStartTimestamp": _stamp(inc.received_at, tz),
                "answerDate": _stamp(inc.entered_at, tz),
                "callStateRegistryText": "callEnd",
                "agentReference": [{"$ref": creator}],
                "locationReference": [{"$ref": location_id}],
                **({"personReference": [{"$ref": persons[0]["$id"]}]} if persons else {}),
            }
        ],
        "agencyComponent": [
            prologue(agency, updated)
            | {
                "agencyRoleDescriptionRegistryText": ["Dispatching", "Responding"],
                "agencyType": ["psap"],
                "incidentOwningAgencyIndicator": True,
            }
        ],
        "agentComponent": [*agents.values(), *officers.values()],
        "locationComponent": [location],
        "notesComponent": [*notes, *person_notes],
    }
    if persons:
        document["personComponent"] = persons
    if callbacks:
        document["callbackComponent"] = callbacks
    if resources_:
        document["emergencyResourceComponent"] = resources_
        document["dispatchComponent"] = [
            prologue(_uid("dispatchid", number, agency), updated, creator)
            | {
                "agencyReference": by_agency,
                "emergencyResourceReference": [{"$ref": r["$id"]} for r in resources_],
            }
        ]
    if inc.status == "merged" and p.merged_into_number:
        document["mergeComponent"] = [
            prologue(_uid("mergeid", number, agency), updated)
            | {
                "incidentTrackingIdentifier": _uid("incidentid", p.merged_into_number, agency),
                "incidentMergeDirectionCode": "REPLACED",
            }
        ]
    return document


def export_incident(db: Database, incident_id: int) -> dict[str, Any]:
    return build_eido(incident_paperwork(db, incident_id), db.pack, now=db.clock())


def export_all(db: Database) -> Iterator[tuple[str, dict[str, Any]]]:
    """(incident number, EIDO document) for every incident, oldest first."""
    with db.read() as s:
        ids = [
            (ident, number) for ident, number in s.execute(select(Incident.id, Incident.number).order_by(Incident.id))
        ]
    for ident, number in ids:
        yield number, export_incident(db, ident)
