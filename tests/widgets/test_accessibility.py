"""What a screen reader receives, read through QAccessible as an AT-SPI bridge would read it."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import QApplication, QWidget

from console.main_window import MainWindow
from console.settings import Settings
from data import services
from tests.data.helpers import small_shift
from tests.widgets.helpers import welfare
from widgets.accessibility import Announcer, announcer_for, spoken

# The offscreen platform cannot raise or grab for the completion popup; it says so, harmlessly.
pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")


def iface(widget: QWidget):
    interface = QAccessible.queryAccessibleInterface(widget)
    assert interface is not None and interface.isValid()
    return interface


def name(widget: QWidget) -> str:
    return iface(widget).text(QAccessible.Text.Name)


def description(widget: QWidget) -> str:
    return iface(widget).text(QAccessible.Text.Description)


def focused(widget: QWidget) -> bool:
    return bool(iface(widget).state().focused)


def labelled_by(widget: QWidget) -> list[str]:
    """Names of the objects that label the widget (the Label relation a screen reader follows)."""
    return [
        other.text(QAccessible.Text.Name)
        for other, relation in iface(widget).relations(QAccessible.RelationFlag.Label)
        if relation & QAccessible.RelationFlag.Label
    ]


@pytest.fixture
def window(qtbot, qloop, db, tmp_path, dispatcher):
    small_shift(db, units=3)
    settings = Settings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    win = MainWindow(db, dispatcher, with_map=False, settings=settings)
    win.store.flush_timer.setInterval(0)
    win.intake.form.geocode_timer.setInterval(0)
    win.announcer.window_timer.setInterval(0)
    qtbot.addWidget(win)
    win.resize(1500, 950)
    win.show()
    win.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is win, timeout=5000)
    qtbot.waitUntil(lambda: len(win.store.units) == 3, timeout=5000)
    return win


class Heard:
    """The announcements one announcer sent, in order."""

    def __init__(self, announcer: Announcer) -> None:
        self.items: list[tuple[str, bool]] = []
        announcer.announced.connect(self._on_announced)

    def _on_announced(self, text: str, urgent: bool) -> None:
        self.items.append((text, urgent))

    def texts(self) -> list[str]:
        return [t for t, _ in self.items]


# 1. Completion popups keep the screen reader's focus in the field ---------------------------------
def test_typing_a_command_keeps_accessible_focus_in_the_command_line(qtbot, window):
    win = window
    edit = win.command_line.edit
    popup = edit.completer_.popup()
    qtbot.keyClick(win, Qt.Key.Key_F3)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is edit)
    for key in "D C":
        qtbot.keyClick(edit, key)
        # The popup may show, but it never claims focus: no focus event points into it.
        assert focused(edit) and not focused(popup) and not popup.hasFocus(), f"after {key!r}"
    assert edit.suggestions_visible()
    assert "Tab takes CSO" in description(edit)
    qtbot.keyClick(edit, Qt.Key.Key_Escape)
    assert not edit.suggestions_visible()
    assert QApplication.focusWidget() is edit and focused(edit)
    assert "suggestion" not in description(edit)


def test_typing_a_call_type_keeps_accessible_focus_and_enter_moves_it_on(qtbot, window):
    win = window
    form = win.intake.form
    qtbot.keyClick(win, Qt.Key.Key_F2)
    qtbot.waitUntil(lambda: win.intake.isVisible() and QApplication.focusWidget() is form.type_edit)
    popup = form.type_edit.completer_.popup()
    for key in "we":
        qtbot.keyClick(form.type_edit, key)
        assert focused(form.type_edit) and not focused(popup), f"after {key!r}"
    assert form.type_edit.suggestions_visible()
    qtbot.keyClick(form.type_edit, Qt.Key.Key_Down)
    assert focused(form.type_edit) and not focused(popup)
    qtbot.keyClick(form.type_edit, Qt.Key.Key_Return)
    # Enter took the suggestion and moved on: the location field has focus, for Qt and for the reader.
    qtbot.waitUntil(lambda: QApplication.focusWidget() is form.location_edit)
    assert focused(form.location_edit) and not focused(popup)


# 2. Results and refusals are announced -------------------------------------------------------------
def command(qtbot, win, line: str) -> None:
    qtbot.keyClick(win, Qt.Key.Key_F3)
    edit = win.command_line.edit
    qtbot.keyClicks(edit, line)
    edit.hide_suggestions()
    qtbot.keyClick(edit, Qt.Key.Key_Return)


def test_a_command_result_and_a_refusal_are_announced(qtbot, window, db, dispatcher):
    win = window
    heard = Heard(win.announcer)
    incident = welfare(db, dispatcher)
    qtbot.waitUntil(lambda: incident.id in win.store.incidents, timeout=5000)
    command(qtbot, win, f"D 12 {incident.short_number}")
    qtbot.waitUntil(lambda: bool(heard.items), timeout=5000)
    text, urgent = heard.items[-1]
    assert text.startswith(f"CSO12 dispatched to {incident.number}") and not urgent
    command(qtbot, win, "ER 99")
    qtbot.waitUntil(lambda: len(heard.items) >= 2, timeout=5000)
    text, urgent = heard.items[-1]
    assert "99" in text and urgent  # a refusal interrupts: nothing was done
    assert "✖" not in text  # the visual mark is not read out


def test_announcements_are_merged_in_a_burst_and_follow_the_setting(qtbot):
    holder = QWidget()
    qtbot.addWidget(holder)
    announcer = Announcer(holder, interval_ms=60_000)
    heard = Heard(announcer)
    for n in range(5):
        announcer.announce(f"CSO-1{n} available")
    assert heard.items == [("CSO-10 available", False)]  # the rest wait for the window to close
    announcer.announce("No unit '99'.", urgent=True)
    assert heard.items[-1] == ("No unit '99'.", True)  # a refusal never waits
    announcer.window_timer.timeout.emit()
    assert heard.items[-1] == ("CSO-14 available (and 3 more)", False)
    announcer.window_timer.stop()
    announcer.level = "important"
    announcer.announce("2026-000051 saved")
    announcer.announce("Status check due: CSO-12", urgent=True)
    announcer.level = "off"
    announcer.announce("No unit '98'.", urgent=True)
    assert heard.texts()[-1] == "Status check due: CSO-12" and len(heard.items) == 4


def test_the_announcement_setting_reaches_the_window(qtbot, qloop, db, tmp_path, dispatcher):
    settings = Settings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    settings.set("announcements", "important")
    win = MainWindow(db, dispatcher, with_map=False, settings=settings)
    qtbot.addWidget(win)
    assert win.announcer.level == "important"
    assert announcer_for(win.command_line.edit) is win.announcer
    assert announcer_for(win.intake.form.type_edit) is win.announcer  # the intake is its own window


def test_spoken_text_drops_visual_marks():
    assert spoken("● connected") == "connected"
    assert spoken("⚠ 1 check due  ·  3 available") == "1 check due · 3 available"


# 3. Intake errors are tied to their fields, and focus goes to the first -----------------------------
def test_intake_errors_are_read_with_their_fields_and_announced(qtbot, window):
    win = window
    form = win.intake.form
    heard = Heard(win.announcer)
    qtbot.keyClick(win, Qt.Key.Key_F2)
    qtbot.waitUntil(lambda: win.intake.isVisible() and QApplication.focusWidget() is form.type_edit)
    qtbot.keyClicks(form.location_edit, "8300 Santa Monica Blvd")
    qtbot.keyClicks(form.phone_edit, "12")
    form.caller_edit.setFocus()
    qtbot.keyClick(form.caller_edit, Qt.Key.Key_Return)  # save with two mistakes
    # Focus moves to the first field in error, for Qt and for the screen reader.
    qtbot.waitUntil(lambda: QApplication.focusWidget() is form.type_edit)
    assert focused(form.type_edit)
    assert description(form.type_edit).startswith("Invalid entry: ") and "call type" in description(form.type_edit)
    assert "too few digits" in description(form.phone_edit)
    assert "Invalid" not in description(form.location_edit)
    text, urgent = heard.items[-1]
    assert urgent and text.startswith("Nothing saved: fix the 3 fields marked above. Call type: ")  # and screening
    # Fixing a field takes its error off its description.
    qtbot.keyClicks(form.phone_edit, "3")
    assert "Invalid" not in description(form.phone_edit)


def test_screening_error_is_read_with_the_response_choices(qtbot, window):
    win = window
    form = win.intake.form
    qtbot.keyClick(win, Qt.Key.Key_F2)
    qtbot.waitUntil(lambda: win.intake.isVisible() and QApplication.focusWidget() is form.type_edit)
    qtbot.keyClicks(form.type_edit, "WELFARE")
    qtbot.keyClicks(form.location_edit, "8300 Santa Monica Blvd")
    form.screening["weapon"].set_answer(True, by_person=True)
    form.answer_rest_no()
    form.submit()
    transfer = form.response_buttons["transfer"]
    qtbot.waitUntil(lambda: QApplication.focusWidget() is transfer)
    assert "Invalid entry: Screening says" in description(transfer)
    assert "Invalid entry" in description(form.override_edit)


# 4. The status-check bar says which unit and incident; its note field is labelled -----------------
def test_status_check_bar_names_the_unit_and_labels_the_note(qtbot, window, db, dispatcher):
    win = window
    incident = welfare(db, dispatcher)
    unit_id = next(u.id for u in win.store.units.values() if u.call_sign == "CSO12")
    services.dispatch_units(db, dispatcher, incident.id, [unit_id])
    qtbot.waitUntil(lambda: win.store.units[unit_id].incident_id == incident.id, timeout=5000)
    assert win.board.begin_acknowledge(unit_id)
    bar_label = name(win.board.ack_label)
    assert bar_label.startswith(f"Status check CSO12 on {incident.number}")
    assert QApplication.focusWidget() is win.board.ack_note and focused(win.board.ack_note)
    assert name(win.board.ack_note) == f"Status check note for CSO12 on {incident.number}"
    assert labelled_by(win.board.ack_note) == [bar_label]


# 5. Status bar labels and pane titles carry what they show ----------------------------------------
def test_status_bar_and_pane_titles_carry_their_text(qtbot, window):
    win = window
    assert name(win.connection_label) == "Connection: connected"
    assert name(win.clock_label).startswith("Clock: ") and name(win.clock_label).endswith(win.clock_label.text()[-8:])
    assert name(win.user_label).startswith("Signed in: dispatcher1")
    assert name(win.queue.title) == "Incidents" and name(win.board.title) == "Units"
    qtbot.waitUntil(lambda: "available" in win.board.count_label.text(), timeout=5000)
    assert name(win.board.count_label) == "Unit counts: " + spoken(win.board.count_label.text())
    assert "3 available" in name(win.board.count_label)
    win.connection_label.setText("○ disconnected since 16:02:11")
    assert name(win.connection_label) == "Connection: disconnected since 16:02:11"


# 6. Tab leaves the timeline -------------------------------------------------------------------------
def test_tab_leaves_the_timeline_for_the_note_and_reaches_the_command_line(qtbot, window, db, dispatcher):
    win = window
    incident = welfare(db, dispatcher)
    qtbot.waitUntil(lambda: incident.id in win.store.incidents, timeout=5000)
    win.select_incident(incident.id)
    qtbot.waitUntil(lambda: win.detail.timeline.rowCount() > 0, timeout=5000)
    win.detail.timeline_view.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is win.detail.timeline_view)
    reached = []
    for _ in range(40):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        reached.append(QApplication.focusWidget())
        if reached[-1] is win.command_line.edit:
            break
    assert reached[:2] == [win.detail.note_edit, win.detail.note_button]
    assert name(win.detail.note_button) == "Add note"
    assert win.command_line.edit in reached


# 10. A status check falling due and a call waiting too long interrupt ------------------------------
def test_a_status_check_falling_due_is_announced_once_per_step(qtbot, window, db, dispatcher, clock):
    win = window
    heard = Heard(win.announcer)
    incident = welfare(db, dispatcher)
    unit_id = next(u.id for u in win.store.units.values() if u.call_sign == "CSO12")
    services.dispatch_units(db, dispatcher, incident.id, [unit_id])
    qtbot.waitUntil(lambda: win.store.units[unit_id].incident_id == incident.id, timeout=5000)
    warn, critical = db.pack.timers["dispatched"]
    clock.advance(minutes=warn + 1)
    win.board.model.tick()
    qtbot.waitUntil(lambda: any("Status check" in t for t in heard.texts()), timeout=5000)
    text, urgent = next(item for item in heard.items if "Status check" in item[0])
    assert urgent and text == f"Status check due: CSO12 on {incident.number}, {warn + 1} minutes"
    count = len(heard.items)
    win.board.model.tick()  # still due: not told again
    win.board._refresh_counts()
    assert len(heard.items) == count
    clock.advance(minutes=critical - warn)
    win.board.model.tick()
    qtbot.waitUntil(lambda: any("Status check overdue" in t for t in heard.texts()), timeout=5000)


def test_a_call_waiting_too_long_is_announced(qtbot, window, db, dispatcher, clock):
    win = window
    heard = Heard(win.announcer)
    incident = welfare(db, dispatcher)
    qtbot.waitUntil(lambda: incident.id in win.store.incidents, timeout=5000)
    amber_s, _red_s = db.pack.targets.get("pending_escalate_s", (300, 900))
    clock.advance(seconds=amber_s + 5)
    win.queue.model.tick()
    qtbot.waitUntil(lambda: any("waiting too long" in t for t in heard.texts()), timeout=5000)
    text, urgent = next(item for item in heard.items if "waiting too long" in item[0])
    assert urgent and text.startswith(f"Call waiting too long: {incident.number}, priority ")
    assert "8300 Santa Monica Blvd" in text


# 8 (issue). Revealing the law-enforcement choice is announced --------------------------------------
def test_checking_weapon_announces_the_law_enforcement_choice(qtbot, window, db):
    win = window
    form = win.intake.form
    heard = Heard(win.announcer)
    qtbot.keyClick(win, Qt.Key.Key_F2)
    qtbot.waitUntil(lambda: win.intake.isVisible() and QApplication.focusWidget() is form.type_edit)
    qtbot.keyClicks(form.type_edit, "WELFARE")
    qtbot.keyClick(form.type_edit, Qt.Key.Key_W, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: form.screening["weapon"].answer() is True)
    agency = db.pack.agency
    text, urgent = heard.items[-1]
    assert urgent and text.startswith(f"{agency} first (weapon): choose how this call is answered: transfer")
    count = len(heard.items)
    form.screening["violence"].set_answer(True, by_person=True)  # already shown: not told again
    assert len(heard.items) == count


# 9 (issue). Combo boxes are named through their labels; placeholders are not read as values -------
def test_combo_boxes_have_label_relations_and_the_callback_is_described(qtbot, window):
    win = window
    for combo in (win.queue.view_combo, win.queue.zone_combo, win.queue.type_combo):
        assert labelled_by(combo) and labelled_by(combo)[0] in ("View", "Zone", "Type")
    form = win.intake.form
    win.open_intake()
    qtbot.keyClicks(form.location_edit, "8300 Santa Monica Blvd")
    qtbot.waitUntil(lambda: bool(form.places), timeout=8000)
    form._set_places(form.places * 2, text=form.location_edit.text().strip())  # two matches to choose from
    assert form.match_combo.isVisible() and labelled_by(form.match_combo) == ["Map match"]
    assert labelled_by(form.priority) == ["Priority"]
    assert "310-555-0100" in description(form.phone_edit) and description(form.phone_edit).startswith("Phone number")


# The F1 cheat sheet: sections a screen reader can move between, rows of key and meaning ------------
def test_cheat_sheet_is_sections_of_key_and_meaning_rows(qtbot, window, tmp_path):
    win = window
    qtbot.keyClick(win, Qt.Key.Key_F1)
    sheet = win.cheat_sheet
    qtbot.waitUntil(sheet.isVisible)
    tree = sheet.tree
    qtbot.waitUntil(lambda: QApplication.focusWidget() is tree)
    headings = [tree.topLevelItem(i).text(0) for i in range(tree.topLevelItemCount())]
    assert headings[:2] == ["Commands", "Anywhere"] and "Call intake" in headings and "Window" in headings
    assert iface(tree).role() == QAccessible.Role.Tree  # rows with levels: a section, then its keys
    # Each section's rows read as key and meaning under the column headers.
    commands = tree.topLevelItem(0)
    dispatch = next(
        commands.child(i) for i in range(commands.childCount()) if commands.child(i).text(0).startswith("D ")
    )
    assert dispatch.text(1) and tree.headerItem().text(0) == "Key or command"
    assert name(tree) == "Commands and keys" and "last digits" in description(tree)
    sheet.grab().save(str(tmp_path / "cheat_sheet.png"))
    qtbot.keyClick(tree, Qt.Key.Key_F1)
    qtbot.waitUntil(lambda: not sheet.isVisible())


def test_incident_facts_and_times_are_read_with_their_titles(qtbot, window, db, dispatcher):
    win = window
    incident = welfare(db, dispatcher)
    qtbot.waitUntil(lambda: incident.id in win.store.incidents, timeout=5000)
    win.select_incident(incident.id)
    qtbot.waitUntil(lambda: win.detail.incident_id == incident.id, timeout=5000)
    assert labelled_by(win.detail.location_label) == ["Location"]
    assert name(win.detail.location_label).startswith("8300 Santa Monica Blvd")
    assert labelled_by(win.detail.caller_label) == ["Caller"]
    assert labelled_by(win.detail.time_labels["received_at"]) == ["Received"]


def unnamed_focusable(root: QWidget) -> list[str]:
    """Visible widgets that take focus yet give a screen reader neither a name nor a label."""
    out = []
    for widget in [root, *root.findChildren(QWidget)]:
        if not widget.isVisible() or widget.focusPolicy() == Qt.FocusPolicy.NoFocus or widget.focusProxy():
            continue
        if not name(widget).strip() and not labelled_by(widget):
            out.append(f"{type(widget).__name__} {widget.objectName()!r} in {type(widget.parentWidget()).__name__}")
    return out


def test_every_focusable_control_in_the_window_and_its_dialogs_has_a_name(qtbot, window, db, dispatcher):
    win = window
    incident = welfare(db, dispatcher)
    qtbot.waitUntil(lambda: incident.id in win.store.incidents, timeout=5000)
    win.select_incident(incident.id)
    qtbot.waitUntil(lambda: win.detail.incident_id == incident.id, timeout=5000)
    assert unnamed_focusable(win) == []
    win.open_intake()
    assert unnamed_focusable(win.intake) == []
    win.intake.form.cancel()
    for opener in (win.detail.open_clear_dialog, win.detail.open_cancel_dialog, win.detail.open_transfer_dialog):
        opener()
        dialogs = [w for w in QApplication.topLevelWidgets() if w.isVisible() and w not in (win, win.intake)]
        assert dialogs, opener
        for dialog in dialogs:
            assert unnamed_focusable(dialog) == [], dialog.windowTitle()
            dialog.close()


def test_alarm_flashing_can_be_turned_off(qtbot, qloop, db, tmp_path, dispatcher, clock):
    small_shift(db, units=1)
    settings = Settings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    settings.set("alarm_flashing", "off")
    win = MainWindow(db, dispatcher, with_map=False, settings=settings)
    qtbot.addWidget(win)
    win.store.flush_timer.setInterval(0)
    qtbot.waitUntil(lambda: len(win.store.units) == 1, timeout=5000)
    unit_id = next(iter(win.store.units))
    incident = welfare(db, dispatcher)
    services.dispatch_units(db, dispatcher, incident.id, [unit_id])
    qtbot.waitUntil(lambda: win.store.units[unit_id].incident_id == incident.id, timeout=5000)
    clock.advance(minutes=db.pack.timers["dispatched"][0] + 1)
    phases = set()
    for _ in range(3):
        win.board.model.tick()
        phases.add(win.board.model.flash_on)
    assert phases == {False}  # due, tinted, but never flashing
    assert win.board.model.counts()["checks"] == 1


def test_nothing_is_announced_while_the_screen_is_locked(qtbot, qloop, db, tmp_path, dispatcher):
    settings = Settings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    win = MainWindow(db, dispatcher, with_map=False, settings=settings, demo_sign_in=False)
    qtbot.addWidget(win)
    win.show()
    heard = Heard(win.announcer)
    win.lock_screen()
    assert win.idle_lock.is_locked
    win.show_refusal("No unit '99'.")
    win.board.status_checks_due.emit(["Status check due: CSO12 on 2026-000051, 31 minutes"])
    assert heard.items == []  # the locked screen hides the work from the room, in sound too
    win.idle_lock.unlocked.emit()
    win.show_refusal("No unit '98'.")
    assert heard.items == [("No unit '98'.", True)]
    win.idle_lock.stop()
