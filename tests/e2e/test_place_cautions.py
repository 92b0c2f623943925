"""The whole window with its map, keys only: a supervisor marks a caution while taking a call at the address;
it shows in red before the call is saved, on the map as a red sign, in the detail and on the handoff sheet."""

from __future__ import annotations

import subprocess

import pytest
import shiboken6
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication, QLabel

from console.main_window import MainWindow
from console.paperwork.handoff import handoff_pdf
from console.settings import Settings
from data import services
from data.services.cautions import cautions_at
from tests.console.paperwork_helpers import poppler
from tests.data.helpers import small_shift

HEADLESS_NOISE = (r"QRhiGles2: Failed to create", r"Failed to create RHI", r"GPUInfo not initialized")
pytestmark = [pytest.mark.slow, pytest.mark.qt_log_ignore(*HEADLESS_NOISE, "This plugin does not support")]
HALL = (34.090496, -118.370685)


def focused():
    widget = QApplication.focusWidget()
    assert widget is not None, "nothing has keyboard focus"
    return widget


def test_a_caution_marked_at_intake_shows_in_red_on_the_map_and_on_the_handoff_sheet(
    qtbot, qloop, db, tmp_path, supervisor, dispatcher
):
    small_shift(db, units=1)
    earlier = services.create_incident(
        db, dispatcher, call_type="WELFARE", location="8300 Santa Monica Blvd", latitude=HALL[0], longitude=HALL[1]
    )
    services.clear_incident(db, dispatcher, earlier.id, disposition="18", note="resident fine")
    settings = Settings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    win = MainWindow(db, supervisor, with_map=True, settings=settings)
    win.store.flush_timer.setInterval(0)
    win.intake.form.geocode_timer.setInterval(0)
    win.resize(1500, 950)
    win.show()
    win.activateWindow()
    assert win.map_view is not None
    win.map_view.update_timer.setInterval(0)
    qtbot.waitUntil(lambda: win.map_view.is_ready, timeout=60_000)
    form = win.intake.form
    panel = form.place_panel

    # F2, the type, the address: the place's history shows before anything is saved.
    win.queue.focus_table()
    qtbot.keyClick(focused(), Qt.Key.Key_F2)
    qtbot.waitUntil(lambda: win.intake.isVisible() and QApplication.focusWidget() is form.type_edit, timeout=5000)
    qtbot.keyClicks(focused(), "noise")
    qtbot.keyClick(focused(), Qt.Key.Key_Tab)
    qtbot.keyClicks(focused(), "8300 Santa Monica Blvd")
    qtbot.waitUntil(lambda: "1 incident here in 12 months" in panel.summary_label.text(), timeout=20_000)
    assert earlier.number in panel.recent_label.text() and "18 Settled by contact" in panel.recent_label.text()
    assert not panel.caution_label.isVisible()

    # Alt+K: the supervisor marks a caution at the address; Alt+F makes it Sheriff first; Enter adds it.
    qtbot.keyClick(focused(), Qt.Key.Key_K, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: panel.dialog is not None and panel.dialog.isVisible(), timeout=5000)
    dialog = panel.dialog
    qtbot.waitUntil(lambda: dialog.isActiveWindow() and QApplication.focusWidget() is dialog.text_edit, timeout=5000)
    qtbot.keyClicks(focused(), "Prior assault on staff")
    qtbot.keyClick(focused(), Qt.Key.Key_F, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(dialog.sheriff_first.isChecked, timeout=3000)  # a mnemonic clicks after a short animation
    qtbot.keyClick(dialog.text_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: panel.caution_label.isVisible(), timeout=10_000)
    assert "SAFETY · LASD FIRST: Prior assault on staff" in panel.caution_label.text()
    assert form.response_box.isVisible() and "caution at this place" in form.response_box.title()
    assert services.search_incidents(db, "8300") == [services.get_incident(db, earlier.id)]  # nothing saved yet

    # The map: a red caution sign at the address.
    def map_cautions():
        found: list = []
        win.map_view.evaluate("cso.state().cautions", found.append)
        qtbot.waitUntil(lambda: bool(found), timeout=5000)
        return found[0] or {}

    qtbot.waitUntil(lambda: len(map_cautions()) == 1, timeout=20_000)
    drawn = next(iter(map_cautions().values()))
    assert "Prior assault on staff" in drawn["text"] and drawn["sheriff_first"] and drawn["shown"]
    assert drawn["lat"] == pytest.approx(HALL[0], abs=1e-4) and 'class="cso-caution first"' in drawn["html"]

    # The caller says no to every screening question (Alt+N); joint response (Alt+J); Enter saves the call.
    qtbot.keyClick(focused(), Qt.Key.Key_N, Qt.KeyboardModifier.AltModifier)
    assert form.response_box.isVisible()
    qtbot.keyClick(focused(), Qt.Key.Key_J, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(form.response_buttons["joint"].isChecked, timeout=3000)
    # The call cleared there minutes ago is offered as a possible duplicate first; Enter again saves.
    qtbot.keyClick(focused(), Qt.Key.Key_Return)
    qtbot.waitUntil(
        lambda: any("Enter again saves a new incident" in label.text() for label in form.findChildren(QLabel)),
        timeout=10_000,
    )
    with qtbot.waitSignal(form.incident_created, timeout=10_000) as created:
        qtbot.keyClick(focused(), Qt.Key.Key_Return)
    call = created.args[0]
    assert call.response == "joint" and call.screening["caution"] is True

    # The detail shows the caution in red for the new call.
    qtbot.waitUntil(lambda: win.detail.incident_id == call.id, timeout=5000)
    qtbot.waitUntil(lambda: win.detail.place_panel.caution_label.isVisible(), timeout=10_000)
    assert "Prior assault on staff" in win.detail.place_panel.caution_label.text()

    # The handoff sheet, printed off the GUI thread, written to disk and read back as text.
    out = tmp_path / f"handoff-{call.number}.pdf"
    op = win.operations.run(lambda: handoff_pdf(db, call.id), owner=win, on_success=out.write_bytes)
    qtbot.waitUntil(lambda: op.finished, timeout=30_000)
    assert op.succeeded
    text = subprocess.run(
        [poppler("pdftotext"), "-layout", str(out), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Cautions at this place" in text and "CAUTION · SAFETY · LASD FIRST: Prior assault on staff" in text
    assert "History of this place" in text and earlier.number in text
    stored = cautions_at(db, latitude=HALL[0], longitude=HALL[1])
    assert [(c.author, c.sheriff_first) for c in stored] == [(supervisor.username, True)]
    win.close()
    shiboken6.delete(win)
