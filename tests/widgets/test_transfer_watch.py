"""The inbox watched from the console: a new call reaches the store marked transferred, with one cue; updates owed
are published when an action commits."""

from __future__ import annotations

import json
import os
import shutil

import pytest
from PySide6.QtCore import Qt

from data import eido
from data.services.transfers import placement_by_name
from tests.data.eido_documents import SAMPLE, sample, to_bytes
from tests.data.helpers import small_shift
from widgets.incident_queue import COL_NUMBER, IncidentQueueModel
from widgets.transfer_watch import TransferWatch


def drop(folder, name: str, data: bytes) -> None:
    """As a sender should: written under a temporary name, then renamed into the inbox."""
    partial = folder / f".{name}.part"
    partial.write_bytes(data)
    os.utime(partial, (0, 0))
    os.replace(partial, folder / name)


@pytest.fixture
def watch(qtbot, store, operations, dispatcher, tmp_path):
    pack = store.db.pack
    box = TransferWatch(
        store,
        dispatcher,
        operations=operations,
        inbox=tmp_path / "inbox",
        outbox=tmp_path / "outbox",
        locator=lambda: lambda place: placement_by_name(place, pack),
        poll_ms=60_000,  # the tests scan and drain when they mean to
    )
    box.start()
    qtbot.waitUntil(lambda: operations.pending(box) == 0, timeout=5000)
    yield box
    box.stop()


def test_a_new_call_arrives_marked_transferred_with_one_cue(qtbot, watch, store, operations, tmp_path):
    model = IncidentQueueModel(store)
    cues = []
    watch.cue_sounded.connect(lambda: cues.append(1))
    with qtbot.waitSignal(watch.call_transferred, timeout=10_000) as arrived:
        drop(tmp_path / "inbox", "lasd-1.json", to_bytes(sample()))
    record = arrived.args[0]
    assert store.incidents[record.id].transferred_from == "state.pa.us"
    row = next(
        r for r in range(model.rowCount()) if model.index(r, COL_NUMBER).data(Qt.ItemDataRole.UserRole + 1) == record.id
    )
    cell = model.index(row, COL_NUMBER)
    assert cell.data() == f"⇄ {record.number}"
    assert cell.data(Qt.ItemDataRole.AccessibleTextRole) == f"{record.number}, transferred from state.pa.us"
    assert cell.data(Qt.ItemDataRole.ToolTipRole).splitlines()[1] == "⇄ Transferred from state.pa.us"
    assert cues == [1]
    assert [(r.kind, r.text) for r in operations.reports] == [
        (
            "done",
            f"{record.number} transferred from state.pa.us: Assist LASD or Fire at 42 W Cellular Street, Wilmington, DE "
            "(outside the city); pending",
        )
    ]
    # The same document again: filed, reported, no second cue and no second call.
    operations.reports.clear()
    drop(tmp_path / "inbox", "lasd-1.json", to_bytes(sample()))
    qtbot.waitUntil(lambda: len(operations.reports) == 1, timeout=10_000)
    assert operations.reports[0].text.startswith(f"Already imported as {record.number}")
    assert cues == [1] and len(store.incidents) == 1


def test_a_refused_document_is_reported_with_its_reason(qtbot, watch, operations, tmp_path):
    drop(tmp_path / "inbox", "broken.json", b'{"eidoVersion": "1.0", "eidoVersion": "2.0"}')
    watch.scan()
    qtbot.waitUntil(lambda: bool(operations.reports), timeout=10_000)
    report = operations.reports[0]
    assert (report.kind, report.owner) == ("refused", watch)
    assert (
        report.text
        == "broken.json refused: The document names 'eidoVersion' twice in one object; which one is meant is unclear."
    )
    assert (tmp_path / "inbox" / "refused" / "broken.json.txt").read_text(encoding="utf-8") == report.text + "\n"


def test_an_action_on_the_transferred_call_is_published_to_the_outbox(qtbot, watch, store, actions, tmp_path, db):
    units = small_shift(db, units=1)
    with qtbot.waitSignal(watch.call_transferred, timeout=10_000) as arrived:
        shutil.copy(SAMPLE, tmp_path / "inbox" / ".sample.part")
        os.utime(tmp_path / "inbox" / ".sample.part", (0, 0))
        os.replace(tmp_path / "inbox" / ".sample.part", tmp_path / "inbox" / "sample.json")
    record = arrived.args[0]
    actions.dispatch(record.id, [units[0]], override_reason="LASD screened the call before sending it")
    outbox = tmp_path / "outbox"
    qtbot.waitUntil(lambda: len(list(outbox.glob("*.json"))) == 1, timeout=10_000)
    document = json.loads(next(outbox.glob("*.json")).read_text(encoding="utf-8"))
    assert eido.validation_errors(document) == []
    assert document["incidentComponent"]["incidentStatusCommonRegistryText"] == ["ResourcesAssigned"]


def test_an_outbox_that_cannot_be_written_is_reported_once(qtbot, store, operations, dispatcher, tmp_path):
    blocked = tmp_path / "outbox"
    blocked.write_text("a file where the folder should be")
    box = TransferWatch(store, dispatcher, operations=operations, inbox=None, outbox=blocked, poll_ms=60_000)
    box.start()
    qtbot.waitUntil(lambda: operations.pending(box) == 0, timeout=5000)
    box.drain()
    qtbot.waitUntil(lambda: operations.pending(box) == 0, timeout=5000)
    assert [r.kind for r in operations.reports] == ["failed"]
    assert operations.reports[0].text.startswith(f"EIDO updates cannot be written to {blocked}: ")
    box.stop()


def test_an_inbox_that_is_also_the_outbox_is_switched_off(qtbot, store, operations, dispatcher, tmp_path):
    box = TransferWatch(
        store, dispatcher, operations=operations, inbox=tmp_path / "x", outbox=tmp_path / "x", poll_ms=60_000
    )
    box.start()
    qtbot.waitUntil(lambda: operations.pending(box) == 0, timeout=5000)
    assert box.inbox is None
    assert [(r.kind, r.text) for r in operations.reports] == [
        ("failed", f"The EIDO inbox and outbox are the same folder ({tmp_path / 'x'}); the inbox is off.")
    ]
    box.stop()
