"""EIDO updates for the agency that transferred a call: one per action, valid, and delivered once."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from data import eido, services
from data.db import Database
from data.errors import UnitBusyError
from data.models import EidoOutbox
from data.services import answer_back, transfers
from tests.data.eido_documents import CALL_ID, INCIDENT_ID, sample
from tests.data.helpers import NO_SCREENING, at_once, small_shift

ROOT = Path(__file__).resolve().parents[2]


def outbox_rows(db) -> list[EidoOutbox]:
    with db.read() as s:
        return list(s.execute(select(EidoOutbox).order_by(EidoOutbox.id)).scalars())


def published(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.glob("*.json"))


# A transferred call was screened by the sending agency, not here: CSOs alone need a reason on record.
SCREENED_THERE = "LASD screened the call before transferring it"


@pytest.fixture
def transferred(db, dispatcher):
    units = small_shift(db, units=2)
    incident = transfers.import_eido(db, dispatcher, sample()).incident
    return incident, units


def test_dispatch_edit_note_and_clear_each_owe_one_valid_update(db, dispatcher, clock, transferred, tmp_path):
    incident, units = transferred
    assert outbox_rows(db) == []  # their own document is not news to them
    clock.advance(seconds=40)
    rec = services.dispatch_units(db, dispatcher, incident.id, [units[0]], override_reason=SCREENED_THERE)
    clock.advance(seconds=20)
    rec = services.update_incident(db, dispatcher, incident.id, expected_version=rec.version, priority=3)
    services.add_note(db, dispatcher, incident.id, "Resident answered the door, fine")
    clock.advance(minutes=5)
    services.clear_incident(db, dispatcher, incident.id, disposition="18", note="settled by contact")
    written = answer_back.drain_outbox(db, tmp_path / "outbox")
    number = incident.number
    assert [p.name for p in written] == [
        f"eido-{number}-000001-dispatch_units.json",
        f"eido-{number}-000002-update_incident.json",
        f"eido-{number}-000003-add_note.json",
        f"eido-{number}-000004-clear_incident.json",
    ]
    documents = [json.loads(p.read_text(encoding="utf-8")) for p in written]
    for document in documents:
        assert eido.validation_errors(document) == []
        assert document["linkComponent"][0]["incidentTrackingIdentifier"] == INCIDENT_ID
        assert document["linkComponent"][0]["involvedAgencyReference"] == {"$ref": "state.pa.us"}
        assert document["callComponent"][0]["relatedCallIdentifier"] == [CALL_ID]
        assert "state.pa.us" in {a["$id"] for a in document["agencyComponent"]}
    statuses = [d["incidentComponent"]["incidentStatusCommonRegistryText"] for d in documents]
    assert statuses == [["ResourcesAssigned"], ["ResourcesAssigned"], ["ResourcesAssigned"], ["Closed"]]
    assert documents[1]["incidentComponent"]["incidentPriorityInternalText"] == "P3"
    assert "Resident answered the door, fine" in " ".join(
        n["notesActionComments"] for n in documents[2]["notesComponent"]
    )
    final = documents[3]["incidentComponent"]["dispositionComponent"][0]
    assert (final["dispositionCommonRegistryCode"], final["dispositionDescriptionText"]) == (
        "18",
        "Settled by contact: settled by contact",
    )
    assert all(r.written_at is not None for r in outbox_rows(db))
    assert answer_back.drain_outbox(db, tmp_path / "outbox") == []


def test_our_own_calls_and_refused_actions_owe_nothing(db, dispatcher, transferred):
    incident, units = transferred
    ours = services.create_incident(db, dispatcher, screening=NO_SCREENING, call_type="NOISE", location="Plummer Park")
    services.dispatch_units(db, dispatcher, ours.id, [units[1]])
    with pytest.raises(UnitBusyError):
        services.dispatch_units(db, dispatcher, incident.id, [units[1]], override_reason=SCREENED_THERE)
    assert outbox_rows(db) == []


def test_an_update_staged_for_another_folder_is_left_to_it(db, dispatcher, transferred, tmp_path, monkeypatch):
    incident, units = transferred
    services.dispatch_units(db, dispatcher, incident.id, [units[0]], override_reason=SCREENED_THERE)
    with monkeypatch.context() as patch:  # console A stages it, then stops before publishing
        patch.setattr(answer_back, "_release", lambda *_args: None)
        assert answer_back.drain_outbox(db, tmp_path / "a") == []
    assert answer_back.drain_outbox(db, tmp_path / "b") == []  # console B writes to another folder
    assert published(tmp_path / "b") == []
    assert published(tmp_path / "a") == []
    assert [p.name for p in answer_back.drain_outbox(db, tmp_path / "a")] == [
        f"eido-{incident.number}-000001-dispatch_units.json"
    ]


@pytest.mark.parametrize("point", ["staged-not-committed", "committed-not-renamed", "renamed-not-committed"])
def test_a_console_killed_while_publishing_neither_loses_nor_repeats_an_update(
    db, dispatcher, transferred, tmp_path, point
):
    incident, units = transferred
    services.dispatch_units(db, dispatcher, incident.id, [units[0]], override_reason=SCREENED_THERE)
    services.clear_incident(db, dispatcher, incident.id, disposition="18")
    outbox = tmp_path / "outbox"
    outbox.mkdir()
    child = subprocess.run(
        [sys.executable, "-m", "tests.data.outbox_crash_child", db.url, str(outbox), point],
        cwd=ROOT,
        capture_output=True,
        timeout=120,
    )
    assert child.returncode == -9, child.stderr.decode()[-2000:]
    before = published(outbox)
    assert before == (
        [f"eido-{incident.number}-000001-dispatch_units.json"] if point == "renamed-not-committed" else []
    )
    first = (outbox / before[0]).stat() if before else None
    answer_back.drain_outbox(db, outbox)
    assert published(outbox) == [
        f"eido-{incident.number}-000001-dispatch_units.json",
        f"eido-{incident.number}-000002-clear_incident.json",
    ]
    if first is not None:  # published before the kill: not written a second time
        again = (outbox / before[0]).stat()
        assert (again.st_ino, again.st_mtime_ns) == (first.st_ino, first.st_mtime_ns)
    assert list((outbox / answer_back.STAGING).glob("*.json")) == []
    assert all(r.written_at is not None for r in outbox_rows(db))
    for path in outbox.glob("*.json"):
        assert eido.validation_errors(json.loads(path.read_text(encoding="utf-8"))) == []


def test_two_consoles_draining_one_outbox_write_each_update_once(db, dispatcher, transferred, tmp_path):
    incident, units = transferred
    services.dispatch_units(db, dispatcher, incident.id, [units[0]], override_reason=SCREENED_THERE)
    for n in range(6):
        services.add_note(db, dispatcher, incident.id, f"note {n}")
    services.clear_incident(db, dispatcher, incident.id, disposition="18")
    other = Database(db.url, clock=db.clock)
    outbox = tmp_path / "outbox"
    try:
        results = at_once(lambda: answer_back.drain_outbox(db, outbox), lambda: answer_back.drain_outbox(other, outbox))
    finally:
        other.dispose()
    names = [p.name for written in results for p in written]
    assert len(names) == len(set(names)) == 8
    assert len(published(outbox)) == 8
