"""NENA EIDO 1.0: every incident exports to a document that validates (import: test_eido_import.py)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

from console.benchmarks.paperwork import populate_shift
from data import eido, services
from data.services import citations
from tests.data.helpers import NO_SCREENING

SAMPLE = Path(__file__).with_name("eido_sample_call_transfer.json")


@pytest.fixture
def shift(db, clock):
    return populate_shift(db, clock, incidents=16, hours=6, leave_open=2)


def test_the_schema_typo_is_fixed_when_loading_and_nenas_sample_validates():
    raw = yaml.safe_load(eido.schema_path().read_text(encoding="utf-8"))
    agent = raw["components"]["schemas"]["AgentType"]["allOf"][1]["properties"]["agentRoleRegistryText"]
    assert agent["minItems"] == "1,"  # the file as NENA ships it
    assert eido.validation_errors(json.loads(SAMPLE.read_text(encoding="utf-8"))) == []
    broken = {"eidoVersion": "2.0"}
    errors = eido.validation_errors(broken)
    assert any("eidoVersion" in e for e in errors) and any("agencyComponent" in e for e in errors)


def test_every_incident_in_every_state_exports_to_a_valid_eido(db, clock, dispatcher, supervisor, shift):
    ids = list(shift.incident_ids)
    pending = [i for i in services.load_board(db).incidents if i.status == "pending"]
    extra = services.create_incident(
        db,
        dispatcher,
        screening=NO_SCREENING,
        call_type="NOISE",
        location="Plummer Park",
        caller_phone="(323) 555-0100",
    )
    services.cancel_incident(db, dispatcher, extra.id, reason="Caller called back: resolved")
    moved = services.create_incident(
        db, dispatcher, screening=NO_SCREENING, call_type="DISORD", location="8800 Sunset Blvd"
    )
    services.transfer_to_sheriff(db, dispatcher, moved.id, note="Weapon seen")
    dup = services.create_incident(
        db, dispatcher, screening=NO_SCREENING, call_type="DISORD", location="8800 Sunset Blvd"
    )
    open_one = services.create_incident(
        db, dispatcher, screening=NO_SCREENING, call_type="NOISE", location="Sunset & Doheny"
    )
    services.merge_duplicate(db, dispatcher, duplicate_id=dup.id, into_id=open_one.id)
    services.reopen_incident(db, supervisor, extra.id, reason="Caller called again")
    gone = services.create_incident(db, dispatcher, screening=NO_SCREENING, call_type="PARKING", location="Kings Road")
    services.cancel_incident(db, dispatcher, gone.id, reason="Car left")
    ids += [extra.id, moved.id, dup.id, open_one.id, gone.id] + [p.id for p in pending]
    statuses = set()
    for ident in ids:
        document = eido.export_incident(db, ident)
        assert eido.validation_errors(document) == [], ident
        statuses.update(document["incidentComponent"]["incidentStatusCommonRegistryText"])
    assert {"Closed", "Cancelled", "ResourcesOnscene", "Active", "ReOpened"} <= statuses
    merged = eido.export_incident(db, dup.id)
    assert merged["mergeComponent"][0]["incidentMergeDirectionCode"] == "REPLACED"
    assert all(not eido.validation_errors(d) for _n, d in eido.export_all(db))


def test_export_maps_types_priority_units_location_and_notes(db, shift):
    cleared = next(
        i for i in services.get_incidents(db, list(shift.incident_ids)) if i.status == "cleared" and i.caller_name
    )
    doc = eido.export_incident(db, cleared.id)
    inc = doc["incidentComponent"]
    assert inc["incidentTypeInternalCode"] == cleared.call_type
    assert inc["incidentTypeInternalText"] == cleared.call_type_label
    assert inc["incidentTypeCommonRegistryText"] == cleared.apco_code
    assert inc["incidentCommonPriorityNumber"] == {1: 10, 2: 7, 3: 4, 4: 1}[cleared.priority]
    assert inc["incidentStatusCommonRegistryText"] == ["Closed"]
    assert inc["dispositionComponent"][0]["dispositionCommonRegistryCode"] == cleared.disposition_code
    location = doc["locationComponent"][0]
    root = ET.fromstring(location["locationByValue"].split("?>", 1)[1])
    civic = {el.tag.rsplit("}", 1)[1]: el.text for el in root.iter() if el.text and el.text.strip()}
    assert civic["A3"] == "West Hollywood" and civic["A1"] == "CA" and civic["country"] == "US"
    assert civic["LOC"] == cleared.location
    assert f"{civic['HNO']} {civic['RD']}" == cleared.location
    lat, lon = map(float, civic["pos"].split())
    assert (round(lat, 5), round(lon, 5)) == (round(cleared.latitude, 5), round(cleared.longitude, 5))
    unit = doc["emergencyResourceComponent"][0]
    assert unit["primaryUnitStatusRegistryText"] in ("Available", "NotAvailable", "ConditionallyAvailable")
    assert unit["secondaryUnitStatusRegistryText"] == ["Cleared"]
    assert len(unit["agentReference"]) == 2
    agent_ids = {a["$id"] for a in doc["agentComponent"]}
    assert all(ref["$ref"] in agent_ids for ref in unit["agentReference"])
    notes = {n["$id"]: n for n in doc["notesComponent"]}
    assert all(ref["$ref"] in notes for ref in inc["notesReference"])
    texts = " ".join(n["notesActionComments"] for n in notes.values())
    for event in services.timeline(db, cleared.id):
        assert event.text.replace("&", "&amp;")[:40] in texts


def test_units_on_an_open_incident_carry_their_pack_status(db, shift):
    on_scene = next(i for i in services.load_board(db).incidents if i.status == "onscene")
    unit = eido.export_incident(db, on_scene.id)["emergencyResourceComponent"][0]
    mapping = db.pack.unit_statuses["onscene"]
    assert unit["primaryUnitStatusRegistryText"] == mapping.eido_primary == "NotAvailable"
    assert unit["secondaryUnitStatusRegistryText"] == list(mapping.eido_secondary) == ["OnScene"]


def test_citation_incident_exports_disposition_04(db, dispatcher, shift):
    cited = citations.get_citation(db, shift.citation_numbers[0])
    doc = eido.export_incident(db, cited.incident_id)
    assert doc["incidentComponent"]["dispositionComponent"][0]["dispositionCommonRegistryCode"] == "04"
