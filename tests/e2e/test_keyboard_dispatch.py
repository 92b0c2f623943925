"""A dispatcher's whole welfare check, keyboard only, through the real main window."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from console.main_window import MainWindow
from console.settings import Settings
from data import services
from tests.data.helpers import NO_SCREENING, small_shift

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")


class Keyboard:
    """Types into whatever has focus, like a person; counts keys outside free text."""

    def __init__(self, qtbot) -> None:
        self.qtbot = qtbot
        self.counted = 0

    def target(self):
        widget = QApplication.focusWidget()
        assert widget is not None, "nothing has keyboard focus"
        return widget

    def type(self, text: str, *, free: bool = False) -> None:
        self.qtbot.keyClicks(self.target(), text)
        if not free:
            self.counted += len(text)

    def press(self, key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
        self.qtbot.keyClick(self.target(), key, modifier)
        self.counted += 1

    def command(self, text: str) -> None:
        """F3, the command, Enter."""
        self.press(Qt.Key.Key_F3)
        self.type(text)
        self.press(Qt.Key.Key_Return)


@pytest.fixture
def window(qtbot, qloop, db, tmp_path, dispatcher):
    from PySide6.QtCore import QSettings

    small_shift(db, units=3)
    settings = Settings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    win = MainWindow(db, dispatcher, with_map=False, settings=settings)
    win.store.flush_timer.setInterval(0)
    win.intake.form.geocode_timer.setInterval(0)
    qtbot.addWidget(win)
    win.resize(1500, 950)
    win.show()
    win.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is win, timeout=5000)
    qtbot.waitUntil(lambda: len(win.store.units) == 3, timeout=5000)
    win.queue.focus_table()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None, timeout=5000)
    return win


def queue_row(win, number: str) -> dict[str, str]:
    model = win.queue.proxy
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    for row in range(model.rowCount()):
        values = [str(model.index(row, c).data() or "") for c in range(model.columnCount())]
        if values[0] == number:
            return dict(zip(headers, values, strict=True))
    return {}


def board_row(win, call_sign: str) -> dict[str, str]:
    model = win.board.proxy
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    for row in range(model.rowCount()):
        values = [str(model.index(row, c).data() or "") for c in range(model.columnCount())]
        if values[0] == call_sign:
            return dict(zip(headers, values, strict=True))
    return {}


def timeline_texts(win) -> list[str]:
    model = win.detail.timeline
    return [str(model.index(r, model.columnCount() - 1).data()) for r in range(model.rowCount())]


def test_welfare_check_keyboard_only_from_call_to_clear(qtbot, window, db):
    win = window
    keys = Keyboard(qtbot)
    form = win.intake.form

    # New call: F2, the type, the address, the caller, Enter.
    keys.press(Qt.Key.Key_F2)
    qtbot.waitUntil(lambda: win.intake.isVisible() and QApplication.focusWidget() is form.type_edit)
    keys.type("welf")
    keys.press(Qt.Key.Key_Tab)
    keys.type("8300 Santa Monica Blvd", free=True)
    qtbot.waitUntil(lambda: "zone 0976 · in city" in form.match_info.text(), timeout=8000)
    keys.press(Qt.Key.Key_Tab)  # takes the top suggestion: the same address
    keys.type("Ana Ruiz", free=True)
    keys.press(Qt.Key.Key_Tab)
    keys.type("310-555-0100", free=True)
    keys.press(Qt.Key.Key_N, Qt.KeyboardModifier.AltModifier)  # the caller said no to every screening question
    with qtbot.waitSignal(form.incident_created, timeout=5000) as created:
        keys.press(Qt.Key.Key_Return)
    incident = created.args[0]
    short = incident.short_number
    qtbot.waitUntil(lambda: queue_row(win, incident.number).get("Status") == "Pending")
    row = queue_row(win, incident.number)
    assert (
        row["Type"] == "Welfare check"
        and row["Location"].startswith("8300 Santa Monica Blvd")
        and row["Zone"] == "0976"
    )
    assert not win.intake.isVisible()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is win, timeout=3000)

    # Dispatch from the command line: D <unit> <incident>, with short names.
    keys.command(f"D 12 {short}")
    qtbot.waitUntil(lambda: queue_row(win, incident.number).get("Status") == "Dispatched", timeout=5000)
    assert keys.counted <= 25, f"{keys.counted} keys from new call to dispatched"
    assert queue_row(win, incident.number)["Units"] == "CSO12"
    qtbot.waitUntil(lambda: board_row(win, "CSO12").get("Status") == "Dispatched", timeout=5000)
    qtbot.waitUntil(lambda: any("Dispatched CSO12" in t for t in timeline_texts(win)), timeout=5000)

    keys.command("ER 12")
    qtbot.waitUntil(lambda: board_row(win, "CSO12").get("Status") == "En route", timeout=5000)
    qtbot.waitUntil(lambda: queue_row(win, incident.number).get("Status") == "En route", timeout=5000)
    keys.command("OS 12")
    qtbot.waitUntil(lambda: queue_row(win, incident.number).get("Status") == "On scene", timeout=5000)
    qtbot.waitUntil(lambda: board_row(win, "CSO12").get("Status") == "On scene", timeout=5000)
    qtbot.waitUntil(lambda: any("CSO12 on scene" in t for t in timeline_texts(win)), timeout=5000)

    keys.command(f"C {short} 18 resident fine, phone was off")
    qtbot.waitUntil(lambda: board_row(win, "CSO12").get("Status") == "Available", timeout=5000)
    stored = services.get_incident(db, incident.id)
    assert (stored.status, stored.disposition_code) == ("cleared", "18")
    assert stored.dispatched_at and stored.enroute_at and stored.onscene_at and stored.cleared_at
    qtbot.waitUntil(
        lambda: any("Cleared 18 Settled by contact: resident fine" in t for t in timeline_texts(win)), timeout=5000
    )
    assert [e.kind for e in services.timeline(db, incident.id)] == [
        "created",
        "unit_assigned",
        "status",
        "status",
        "status",
    ]


def test_alt_i_edits_the_selected_incident_and_the_change_reaches_the_queue(qtbot, window, db, dispatcher):
    win = window
    incident = services.create_incident(db, dispatcher, call_type="NOISE", location="Plummer Park")
    qtbot.waitUntil(lambda: queue_row(win, incident.number).get("Location") == "Plummer Park", timeout=5000)
    win.select_incident(incident.id)
    qtbot.waitUntil(lambda: win.detail.incident_id == incident.id and win.detail.edit_button.isEnabled())
    win.detail.edit_button.setFocus()
    qtbot.keyClick(win.detail.edit_button, Qt.Key.Key_I, Qt.KeyboardModifier.AltModifier)
    dialog = win.editor.dialog
    qtbot.waitUntil(dialog.isVisible, timeout=3000)
    assert dialog.windowTitle() == f"Edit incident {incident.number}"
    dialog.location.selectAll()
    qtbot.keyClicks(dialog.location, "Kings Road Park")
    qtbot.keyClick(dialog.location, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: queue_row(win, incident.number).get("Location") == "Kings Road Park", timeout=5000)
    assert services.timeline(db, incident.id)[-1].kind == "updated"


def test_a_change_from_another_workstation_shows_within_a_second_without_a_reset(qtbot, window, db, clock):
    from data.db import Database
    from data.permissions import Actor

    win = window
    resets: list[str] = []
    win.queue.model.modelReset.connect(lambda: resets.append("queue"))
    win.board.model.modelReset.connect(lambda: resets.append("board"))
    other = Database(db.url, clock=clock, upgrade=False)  # a second position on the same database file
    try:
        them = Actor("dispatcher2", workstation="ws-2")
        incident = services.create_incident(
            other, them, call_type="NOISE", location="Plummer Park", screening=NO_SCREENING
        )
        qtbot.waitUntil(lambda: queue_row(win, incident.number).get("Status") == "Pending", timeout=1000)
        unit = services.find_unit(other, "13")
        services.dispatch_units(other, them, incident.id, [unit.id])
        qtbot.waitUntil(lambda: board_row(win, "CSO13").get("Status") == "Dispatched", timeout=1000)
        qtbot.waitUntil(lambda: queue_row(win, incident.number).get("Units") == "CSO13", timeout=1000)
    finally:
        other.dispose()
    assert resets == []
