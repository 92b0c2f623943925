"""The inbox folder: each document imported once, filed in done/ or refused/ with the reason beside it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from data import services
from data.db import Database
from data.transfer_inbox import STALE_CLAIM_S, Inbox
from tests.data.eido_documents import row_counts, sample, to_bytes, with_notes
from tests.data.helpers import at_once

NOW = 1_800_000_000.0  # the inbox's wall clock in these tests; file times are set against it


def drop(folder: Path, name: str, data: bytes, *, age_s: float = 60.0) -> Path:
    path = folder / name
    path.write_bytes(data)
    os.utime(path, (NOW - age_s, NOW - age_s))
    return path


def inbox(folder: Path, settle_s: float = 2.0) -> Inbox:
    return Inbox(folder, settle_s=settle_s, clock=lambda: NOW)


@pytest.fixture
def folder(tmp_path):
    """The inbox folder: beside the test database, not around it."""
    folder = tmp_path / "inbox"
    folder.mkdir()
    return folder


def test_a_document_is_imported_once_and_filed_in_done_with_what_happened(db, dispatcher, folder):
    drop(folder, "lasd-1.json", to_bytes(sample()))
    outcomes = inbox(folder).process(db, dispatcher)
    assert [o.kind for o in outcomes] == ["created"]
    number = outcomes[0].incident.number
    assert not (folder / "lasd-1.json").exists()
    assert (folder / "done" / "lasd-1.json").read_bytes() == to_bytes(sample())
    assert (folder / "done" / "lasd-1.json.txt").read_text(encoding="utf-8") == (
        f"{number} transferred from state.pa.us: Assist LASD or Fire at 42 W Cellular Street, Wilmington, DE "
        "(outside the city); pending\n"
    )
    assert inbox(folder).process(db, dispatcher) == []
    # The same name again (a resend): filed beside the first, and nothing new in it.
    drop(folder, "lasd-1.json", to_bytes(sample()))
    again = inbox(folder).process(db, dispatcher)
    assert [o.kind for o in again] == ["unchanged"]
    assert (
        (folder / "done" / "lasd-1-2.json.txt").read_text(encoding="utf-8").startswith(f"Already imported as {number}")
    )
    assert len(services.load_board(db).incidents) == 1


def test_a_refused_document_goes_to_refused_with_the_reason_and_writes_nothing(db, dispatcher, folder):
    counts = row_counts(db)
    drop(folder, "bad.json", '{"x": "café"}'.encode("latin-1"))
    outcomes = inbox(folder).process(db, dispatcher)
    assert [o.kind for o in outcomes] == ["refused"]
    reason = (folder / "refused" / "bad.json.txt").read_text(encoding="utf-8")
    assert reason.startswith("bad.json refused: The document is not UTF-8 text: byte 0xE9 at offset 10")
    assert (folder / "refused" / "bad.json").exists()
    assert row_counts(db) == counts


def test_documents_still_being_written_are_left_alone(db, dispatcher, folder):
    drop(folder, "fresh.json", to_bytes(sample()), age_s=1.0)  # changed a second ago
    drop(folder, ".hidden.json", to_bytes(sample()))
    drop(folder, "call.json.part", to_bytes(sample()))
    drop(folder, "notes.txt", b"not a document")
    assert inbox(folder, settle_s=2.0).process(db, dispatcher) == []
    assert sorted(p.name for p in folder.iterdir() if p.is_file()) == [
        ".hidden.json",
        "call.json.part",
        "fresh.json",
        "notes.txt",
    ]
    os.utime(folder / "fresh.json", (NOW - 2.0, NOW - 2.0))  # settled: exactly settle_s old
    assert [o.kind for o in inbox(folder, settle_s=2.0).process(db, dispatcher)] == ["created"]


def test_a_fifo_or_a_symlink_is_refused_without_reading_it(db, dispatcher, folder):
    os.mkfifo(folder / "pipe.json")  # opening it to read would wait for a writer forever
    (folder / "link.json").symlink_to("/etc/passwd")
    for name in ("pipe.json", "link.json"):
        os.utime(folder / name, (NOW - 60, NOW - 60), follow_symlinks=False)
    outcomes = sorted(inbox(folder).process(db, dispatcher), key=lambda o: o.name)
    assert [(o.name, o.kind) for o in outcomes] == [("link.json", "refused"), ("pipe.json", "refused")]
    assert "link.json is a symbolic link; refused unread." in outcomes[0].text
    assert "pipe.json is not a regular file; refused unread." in outcomes[1].text
    assert services.load_board(db).incidents == ()


def test_a_name_too_long_for_the_claim_prefix_is_cut_not_stuck(db, dispatcher, folder):
    name = "é" * 120 + ".json"  # 245 bytes: 13 more for the claim prefix would not fit a file name
    drop(folder, name, to_bytes(sample()))
    outcomes = inbox(folder).process(db, dispatcher)
    assert [o.kind for o in outcomes] == ["created"]
    assert outcomes[0].filed_as is not None and outcomes[0].filed_as.name.endswith("é.json")
    assert list(folder.glob("*.json")) == []


def test_an_update_in_the_inbox_updates_the_incident(db, dispatcher, folder):
    drop(folder, "a.json", to_bytes(sample()))
    drop(
        folder,
        "b.json",
        to_bytes(with_notes(sample(), ("n1", "2021-04-30T14:44:00-04:00", "Caller called back"))),
        age_s=30,
    )
    outcomes = inbox(folder).process(db, dispatcher)
    assert [(o.name, o.kind) for o in outcomes] == [("a.json", "created"), ("b.json", "updated")]
    assert outcomes[1].text == f"{outcomes[0].incident.number} updated from state.pa.us: 1 new note"


def test_a_claim_left_by_a_stopped_console_is_finished_later(db, dispatcher, folder):
    box = inbox(folder)
    box.prepare()
    claimed = box.claim(drop(folder, "lasd-7.json", to_bytes(sample())))
    assert claimed is not None and claimed.parent.name == ".claimed"
    assert box.process(db, dispatcher) == []  # claimed a moment ago: its console may still be at it
    os.utime(claimed, (NOW - STALE_CLAIM_S, NOW - STALE_CLAIM_S))
    assert [(o.name, o.kind) for o in box.process(db, dispatcher)] == [("lasd-7.json", "created")]
    assert (folder / "done" / "lasd-7.json").exists() and list((folder / ".claimed").iterdir()) == []


def test_two_consoles_watching_one_inbox_import_each_document_once(db, dispatcher, folder):
    for n in range(5):
        document = sample()
        document["$id"] = f"urn:emergency:uid:incidentid:race{n}:lasd.example"
        document["callComponent"][0]["$id"] = f"urn:emergency:uid:callid:race{n}:lasd.example"
        document["personComponent"][0]["callIdentifier"] = [document["callComponent"][0]["$id"]]
        drop(folder, f"call-{n}.json", to_bytes(document))
    other = Database(db.url, clock=db.clock)
    try:
        results = at_once(
            lambda: inbox(folder).process(db, dispatcher), lambda: inbox(folder).process(other, dispatcher)
        )
    finally:
        other.dispose()
    names = sorted(o.name for batch in results for o in batch)
    assert names == [f"call-{n}.json" for n in range(5)]
    assert {o.kind for batch in results for o in batch} == {"created"}
    assert len(services.load_board(db).incidents) == 5
    assert sorted(p.name for p in (folder / "done").glob("*.json")) == names
