"""The whole window with its map: a call the Sheriff's dispatch drops into the inbox appears in the queue marked
transferred, with the cue; dispatched and cleared by keys, it answers with valid EIDO updates in the outbox."""

from __future__ import annotations

import json
import os
import shutil

import pytest
import shiboken6
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication

from console.main_window import MainWindow
from console.settings import Settings
from data import eido, services
from tests.data.eido_documents import INCIDENT_ID, SAMPLE
from tests.data.helpers import small_shift
from tests.e2e.test_keyboard_dispatch import Keyboard

HEADLESS_NOISE = (r"QRhiGles2: Failed to create", r"Failed to create RHI", r"GPUInfo not initialized")
pytestmark = pytest.mark.qt_log_ignore(*HEADLESS_NOISE, "This plugin does not support")


def queue_row(win, number: str) -> dict[str, str]:
    model = win.queue.proxy
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    for row in range(model.rowCount()):
        values = [str(model.index(row, c).data() or "") for c in range(model.columnCount())]
        if values[0].endswith(number):
            return dict(zip(headers, values, strict=True))
    return {}


def test_a_dropped_call_is_queued_marked_transferred_and_clearing_it_answers(
    qtbot, qloop, db, tmp_path, dispatcher, monkeypatch
):
    small_shift(db, units=2)
    inbox, outbox = tmp_path / "inbox", tmp_path / "outbox"
    monkeypatch.delenv("CSO_EIDO_INBOX", raising=False)
    monkeypatch.delenv("CSO_EIDO_OUTBOX", raising=False)
    settings = Settings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    settings.set("eido_inbox", str(inbox))
    settings.set("eido_outbox", str(outbox))
    win = MainWindow(db, dispatcher, with_map=True, settings=settings)
    win.store.flush_timer.setInterval(0)
    win.resize(1500, 950)
    win.show()
    win.activateWindow()
    assert win.map_view is not None
    qtbot.waitUntil(lambda: win.map_view.is_ready, timeout=30_000)
    qtbot.waitUntil(lambda: len(win.store.units) == 2, timeout=5000)
    assert inbox.is_dir() and (inbox / "done").is_dir()

    # The Sheriff's side writes the document under a temporary name and renames it into the inbox.
    cues = []
    win.transfers.cue_sounded.connect(lambda: cues.append(1))
    with qtbot.waitSignal(win.transfers.call_transferred, timeout=30_000) as arrived:
        shutil.copy(SAMPLE, inbox / ".lasd-4471.json.part")
        os.utime(inbox / ".lasd-4471.json.part", (0, 0))
        os.replace(inbox / ".lasd-4471.json.part", inbox / "lasd-4471.json")
    incident = arrived.args[0]
    qtbot.waitUntil(lambda: queue_row(win, incident.number).get("Status") == "Pending", timeout=5000)
    row = queue_row(win, incident.number)
    assert row["Incident"] == f"⇄ {incident.number}"
    assert (row["Type"], row["Location"]) == ("Assist LASD or Fire", "42 W Cellular Street, Wilmington, DE")
    assert cues == [1]
    assert (inbox / "done" / "lasd-4471.json").exists()
    assert win.statusBar().currentMessage().startswith(f"{incident.number} transferred from state.pa.us")

    # The dispatcher works it from the keyboard: dispatch, then clear.
    keys = Keyboard(qtbot)
    win.queue.focus_table()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None, timeout=5000)
    keys.command(f"D 12 {incident.short_number} LASD screened the call before sending it")
    qtbot.waitUntil(lambda: queue_row(win, incident.number).get("Status") == "Dispatched", timeout=10_000)
    keys.command(f"C {incident.short_number} 13 handled by phone with the caller")
    qtbot.waitUntil(lambda: services.get_incident(db, incident.id).status == "cleared", timeout=10_000)

    qtbot.waitUntil(lambda: len(list(outbox.glob("*.json"))) == 2, timeout=15_000)
    files = sorted(outbox.glob("*.json"))
    assert [p.name for p in files] == [
        f"eido-{incident.number}-000001-dispatch_units.json",
        f"eido-{incident.number}-000002-clear_incident.json",
    ]
    cleared = json.loads(files[1].read_text(encoding="utf-8"))
    assert eido.validation_errors(cleared) == []
    assert cleared["incidentComponent"]["incidentStatusCommonRegistryText"] == ["Closed"]
    assert cleared["incidentComponent"]["dispositionComponent"][0]["dispositionCommonRegistryCode"] == "13"
    assert cleared["linkComponent"][0]["incidentTrackingIdentifier"] == INCIDENT_ID
    win.close()
    # The page must go before QtWebEngine's profile does at exit (pytest-qt only schedules deleteLater).
    shiboken6.delete(win)
