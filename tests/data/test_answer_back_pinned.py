"""The EIDO update owed to the agency that transferred a call (data/services/answer_back.py): what the
document says about the link, the file's name and text, and which rows a console publishes."""

from __future__ import annotations

import dataclasses
import json
import logging
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import select, update

from data import services
from data.models import EidoIdentifier, EidoOutbox
from data.services import answer_back, transfers
from data.services.incident_paperwork import read_incident_paperwork
from tests.data.eido_documents import CALL_ID, INCIDENT_ID, sample
from tests.data.helpers import small_shift

SCREENED_THERE = "LASD screened the call before transferring it"
OURS = "cso.weho.ca.us"  # the West Hollywood pack's agency_id


def outbox_rows(db) -> list[EidoOutbox]:
    with db.read() as s:
        return list(s.execute(select(EidoOutbox).order_by(EidoOutbox.id)).scalars())


@pytest.fixture
def transferred(db, dispatcher):
    units = small_shift(db, units=2)
    incident = transfers.import_eido(db, dispatcher, sample()).incident
    return incident, units


@pytest.mark.parametrize(
    ("text", "safe"),
    [
        ("2026-000001", "2026-000001"),
        ("dispatch_units", "dispatch_units"),
        ("A.b_c-d", "A.b_c-d"),
        ("a b/c", "a-b-c"),
        ("a  !! b", "a-b"),
        ("--x--", "x"),
        (" (note) ", "note"),
        ("!!!", "x"),
        ("", "x"),
        ("café", "caf"),
        ("X-RAY LAB X", "X-RAY-LAB-X"),  # a capital X at either end is kept
    ],
)
def test_a_file_name_part_keeps_letters_digits_dot_dash_and_underscore(text, safe):
    assert answer_back._safe(text) == safe


def document_for(db, incident_id, link, their_calls=(), pack=None):
    with db.read() as s:
        paperwork = read_incident_paperwork(s, db.pack, incident_id)
    return answer_back.answer_document(paperwork, link, list(their_calls), pack or db.pack, now=db.clock())


def link(**fields):
    values = {"their_incident": "", "agency": "lasd.example", "agency_name": ""}
    values.update(fields)
    return SimpleNamespace(**values)


def test_the_update_links_their_incident_and_names_them_as_the_agency_that_received_the_call(db, transferred):
    incident, _ = transferred
    document = document_for(
        db, incident.id, link(their_incident="urn:their:1", agency_name="LA Sheriff"), ["urn:call:1", "urn:call:2"]
    )
    stamp = document["lastUpdateTimeStamp"]
    assert document["linkComponent"] == [
        {
            "$id": f"urn:emergency:uid:linkid:{incident.number}.transfer:{OURS}",
            "lastUpdateTimeStamp": stamp,
            "updatedByAgencyReference": {"$ref": OURS},
            "incidentTrackingIdentifier": "urn:their:1",
            "linkDirectionCode": "RELATED",
            "transactionReasonText": f"Call transferred from LA Sheriff to {OURS}",
            "involvedAgencyReference": {"$ref": "lasd.example"},
        }
    ]
    assert document["agencyComponent"][-1] == {
        "$id": "lasd.example",
        "lastUpdateTimeStamp": stamp,
        "updatedByAgencyReference": {"$ref": OURS},
        "agencyRoleDescriptionRegistryText": ["CallReceiving"],
        "agencyType": ["psap"],
        "incidentOwningAgencyIndicator": False,
    }
    assert document["callComponent"][0]["relatedCallIdentifier"] == ["urn:call:1", "urn:call:2"]


def test_without_their_agency_name_the_reason_names_their_agency_identifier(db, transferred):
    incident, _ = transferred
    (linked,) = document_for(db, incident.id, link(their_incident="urn:their:1"))["linkComponent"]
    assert linked["transactionReasonText"] == f"Call transferred from lasd.example to {OURS}"


def test_without_their_incident_or_calls_the_update_has_no_link_and_no_related_calls(db, transferred):
    incident, _ = transferred
    document = document_for(db, incident.id, link())
    assert "linkComponent" not in document
    assert "relatedCallIdentifier" not in document["callComponent"][0]
    assert document["agencyComponent"][-1]["$id"] == "lasd.example"


def test_a_pack_without_an_agency_identifier_signs_as_cso_invalid(db, transferred):
    incident, _ = transferred
    pack = dataclasses.replace(db.pack, city={k: v for k, v in db.pack.city.items() if k != "agency_id"})
    document = document_for(db, incident.id, link(their_incident="urn:their:1"), pack=pack)
    assert document["linkComponent"][0]["updatedByAgencyReference"] == {"$ref": "cso.invalid"}
    assert document["linkComponent"][0]["$id"].endswith(".transfer:cso.invalid")


def test_their_calls_are_named_sorted_and_without_their_incident(db, dispatcher, transferred):
    incident, units = transferred
    with db.writer() as s, s.begin():
        transfer_id = s.execute(select(EidoIdentifier.transfer_id)).scalars().first()
        s.add_all([EidoIdentifier(identifier=i, transfer_id=transfer_id) for i in ("urn:zz:call", "urn:aa:call")])
    services.dispatch_units(db, dispatcher, incident.id, [units[0]], override_reason=SCREENED_THERE)
    (row,) = outbox_rows(db)
    document = json.loads(row.document)
    assert document["callComponent"][0]["relatedCallIdentifier"] == sorted(["urn:aa:call", CALL_ID, "urn:zz:call"])
    assert document["linkComponent"][0]["incidentTrackingIdentifier"] == INCIDENT_ID


def test_the_queued_update_is_the_document_as_indented_json_with_its_own_letters(db, dispatcher, clock, transferred):
    incident, _ = transferred
    clock.advance(minutes=3)
    services.add_note(db, dispatcher, incident.id, "Résident à la porte")
    (row,) = outbox_rows(db)
    assert (row.action, row.created_at, row.incident_id, row.staged_in, row.written_at) == (
        "add_note",
        clock(),
        incident.id,
        None,
        None,
    )
    assert row.file_name == f"eido-{incident.number}-{row.id:06d}-add_note.json"
    assert row.document.endswith("}\n") and '\n  "' in row.document
    assert "Résident à la porte" in row.document
    assert json.loads(row.document)["linkComponent"][0]["incidentTrackingIdentifier"] == INCIDENT_ID


def test_publishing_creates_the_staging_folder_and_returns_nothing_when_nothing_is_owed(db, tmp_path):
    assert answer_back.drain_outbox(db, tmp_path / "out") == []
    assert (tmp_path / "out" / ".staging").is_dir()


def test_a_staged_file_is_written_whole_under_its_name_with_no_partial_left(tmp_path):
    answer_back._write_staged(tmp_path / "a.json", '{"x": "é"}\n')
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.json"]
    assert (tmp_path / "a.json").read_text(encoding="utf-8") == '{"x": "é"}\n'


@pytest.mark.parametrize(("dialect", "locked"), [("postgresql", {"skip_locked": True}), ("sqlite", None)])
def test_only_postgresql_skips_rows_another_console_is_publishing(dialect, locked):
    assert answer_back._locked(SimpleNamespace(dialect=dialect)) == locked


def test_an_invalid_update_is_kept_logged_and_not_sent_while_the_next_one_is(
    db, dispatcher, transferred, tmp_path, caplog
):
    incident, units = transferred
    services.dispatch_units(db, dispatcher, incident.id, [units[0]], override_reason=SCREENED_THERE)
    services.add_note(db, dispatcher, incident.id, "Second update")
    first, second = outbox_rows(db)
    with db.writer() as s, s.begin():
        s.execute(update(EidoOutbox).where(EidoOutbox.id == first.id).values(document="{}"))
    outbox = tmp_path / "out"
    with caplog.at_level(logging.ERROR, logger="data.services.answer_back"):
        written = answer_back.drain_outbox(db, outbox)
    assert [p.name for p in written] == [second.file_name]
    assert f"EIDO update {first.file_name} is not valid and was not written" in caplog.text
    kept, sent = outbox_rows(db)
    assert (kept.staged_in, kept.written_at) == (None, None)
    assert sent.staged_in == str(outbox.resolve()) and sent.written_at is not None
    assert answer_back.pending_answers(db, outbox.resolve()) == [first.id]


def test_a_console_publishes_rows_never_staged_or_staged_in_its_own_folder_oldest_first(
    db, dispatcher, transferred, tmp_path
):
    incident, units = transferred
    services.dispatch_units(db, dispatcher, incident.id, [units[0]], override_reason=SCREENED_THERE)
    for n in range(3):
        services.add_note(db, dispatcher, incident.id, f"note {n}")
    a, b, c, d = (row.id for row in outbox_rows(db))
    here, there = tmp_path / "here", tmp_path / "there"
    with db.writer() as s, s.begin():
        s.execute(update(EidoOutbox).where(EidoOutbox.id == b).values(staged_in=str(there)))
        s.execute(update(EidoOutbox).where(EidoOutbox.id == c).values(staged_in=str(here)))
        s.execute(update(EidoOutbox).where(EidoOutbox.id == a).values(written_at=db.clock(), staged_in=str(here)))
    assert answer_back.pending_answers(db, here) == [c, d]
    assert answer_back.pending_answers(db, there) == [b, d]


def test_a_row_staged_whose_file_is_gone_was_already_published_and_is_only_marked_written(
    db, dispatcher, transferred, tmp_path, clock
):
    incident, units = transferred
    services.dispatch_units(db, dispatcher, incident.id, [units[0]], override_reason=SCREENED_THERE)
    (row,) = outbox_rows(db)
    outbox = (tmp_path / "out").resolve()
    (outbox / ".staging").mkdir(parents=True)
    with db.writer() as s, s.begin():
        s.execute(update(EidoOutbox).values(staged_in=str(outbox)))
    clock.advance(minutes=1)
    assert answer_back.drain_outbox(db, outbox) == [outbox / row.file_name]
    assert not (outbox / row.file_name).exists()  # it left with the run that stopped; nothing is written twice
    (done,) = outbox_rows(db)
    assert done.written_at == clock()


def test_publishing_a_row_already_written_or_staged_elsewhere_does_nothing(db, dispatcher, transferred, tmp_path):
    incident, units = transferred
    services.dispatch_units(db, dispatcher, incident.id, [units[0]], override_reason=SCREENED_THERE)
    (row,) = outbox_rows(db)
    here = (tmp_path / "here").resolve()
    staging = here / ".staging"
    staging.mkdir(parents=True)
    assert answer_back._stage(db, row.id + 1, here, staging) is None
    assert answer_back._release(db, row.id + 1, here, staging) is None
    with db.writer() as s, s.begin():
        s.execute(update(EidoOutbox).values(staged_in=str(tmp_path / "there")))
    assert answer_back._stage(db, row.id, here, staging) is None
    assert answer_back._release(db, row.id, here, staging) is None
    with db.writer() as s, s.begin():
        s.execute(update(EidoOutbox).values(staged_in=None, written_at=db.clock()))
    assert answer_back._stage(db, row.id, here, staging) is None
    assert answer_back._release(db, row.id, here, staging) is None
    assert list(Path(here).rglob("*.json")) == []
