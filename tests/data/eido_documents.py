"""Hand-made variants of NENA's call-transfer sample, and a count of every row an import could write."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from data.db import Database
from data.models import (
    AuditEntry,
    ChangeLog,
    Counter,
    EidoIdentifier,
    EidoOutbox,
    EidoTransfer,
    Incident,
    IncidentEvent,
)

SAMPLE = Path(__file__).with_name("eido_sample_call_transfer.json")
CALL_ID = "urn:emergency:uid:callid:a56e556d871:bcf.state.pa.us"
INCIDENT_ID = "urn:emergency:uid:incidentid:a56e556d871:bcf.state.pa.us"
CIVIC_LOCATION = "123e4567-dead-12d3-a456-426614174000"
AGENCY = {"$ref": "state.pa.us"}

PIDF_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:gp="urn:ietf:params:xml:ns:pidf:geopriv10" '
    'xmlns:gml="http://www.opengis.net/gml" xmlns:gs="http://www.opengis.net/pidflo/1.0" '
    'xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model" entity="pres:caller@lasd.example">'
    '<dm:device id="d1"><gp:geopriv><gp:location-info>'
)
PIDF_TAIL = "</gp:location-info><gp:usage-rules/><gp:method>GPS</gp:method></gp:geopriv></dm:device></presence>"


def sample() -> dict[str, Any]:
    return json.loads(SAMPLE.read_text(encoding="utf-8"))


def point_pidf(lat: float, lon: float) -> str:
    return f'{PIDF_HEAD}<gml:Point srsName="urn:ogc:def:crs:EPSG::4326"><gml:pos>{lat} {lon}</gml:pos></gml:Point>{PIDF_TAIL}'


def circle_pidf(lat: float, lon: float, radius_m: float) -> str:
    return (
        f'{PIDF_HEAD}<gs:Circle srsName="urn:ogc:def:crs:EPSG::4326"><gml:pos>{lat} {lon}</gml:pos>'
        f'<gs:radius uom="urn:ogc:def:uom:EPSG::9001">{radius_m}</gs:radius></gs:Circle>{PIDF_TAIL}'
    )


def with_location_value(document: dict[str, Any], pidf: str) -> dict[str, Any]:
    """The sample with its civic location replaced by another PIDF-LO."""
    out = copy.deepcopy(document)
    for loc in out["locationComponent"]:
        if loc["$id"] == CIVIC_LOCATION:
            loc["locationByValue"] = pidf
    return out


def with_notes(document: dict[str, Any], *notes: tuple[str, str, str]) -> dict[str, Any]:
    """The document with notes (id, time, text) on its call, as a call-taker adds them."""
    out = copy.deepcopy(document)
    out["notesComponent"] = [
        {
            "$id": ident,
            "lastUpdateTimeStamp": at,
            "updatedByAgencyReference": AGENCY,
            "notesActionComments": text,
            "agentReference": {"$ref": "tjones.atroop@state.pa.us"},
        }
        for ident, at, text in notes
    ]
    out["callComponent"][0]["notesReference"] = [{"$ref": ident} for ident, _at, _text in notes]
    return out


def to_bytes(document: dict[str, Any]) -> bytes:
    return json.dumps(document).encode("utf-8")


def row_counts(db: Database) -> dict[str, Any]:
    """Every table an import writes, counted, and the counters' values: equal before and after means nothing written."""
    with db.read() as s:
        counts: dict[str, Any] = {
            model.__tablename__: s.execute(select(func.count()).select_from(model)).scalar_one()
            for model in (Incident, IncidentEvent, AuditEntry, ChangeLog, EidoTransfer, EidoIdentifier, EidoOutbox)
        }
        counts["counters"] = sorted((name, value) for name, value in s.execute(select(Counter.name, Counter.value)))
    return counts
