"""The whole window with its map: screening is asked, closed incidents stay closed, drafts survive, roles are current."""

from __future__ import annotations

import pytest
import shiboken6
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication

from console.cli import main as cli_main
from console.main_window import MainWindow
from console.settings import Settings
from data import services
from data.db import Database
from data.permissions import Actor
from tests.console.paperwork_helpers import pdf_text, squash
from tests.data.helpers import small_shift, welfare_call
from tests.e2e.test_keyboard_dispatch import Keyboard, queue_row

HEADLESS_NOISE = (r"QRhiGles2: Failed to create", r"Failed to create RHI", r"GPUInfo not initialized")
pytestmark = [pytest.mark.qt_log_ignore(*HEADLESS_NOISE, "This plugin does not support"), pytest.mark.slow]


def open_window(qtbot, db, actor, tmp_path, *, units: int = 2, shift: bool = True) -> MainWindow:
    if shift:
        small_shift(db, units=units)
    settings = Settings(QSettings(str(tmp_path / f"settings-{actor.username}.ini"), QSettings.Format.IniFormat))
    win = MainWindow(db, actor, with_map=True, settings=settings)
    win.store.flush_timer.setInterval(0)
    win.intake.form.geocode_timer.setInterval(0)
    win.resize(1500, 950)
    win.show()
    win.activateWindow()
    assert win.map_view is not None
    qtbot.waitUntil(lambda: win.map_view.is_ready, timeout=30_000)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is win, timeout=5000)
    if shift:
        qtbot.waitUntil(lambda: len(win.store.units) == units, timeout=5000)
    win.queue.focus_table()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None, timeout=5000)
    return win


def close_window(win: MainWindow) -> None:
    win.close()
    # The page must go before QtWebEngine's profile does at exit (pytest-qt only schedules deleteLater).
    shiboken6.delete(win)


def test_unanswered_screening_is_refused_then_alt_n_answers_and_the_sheet_prints_no(
    qtbot, qloop, db, tmp_path, dispatcher
):
    win = open_window(qtbot, db, dispatcher, tmp_path)
    keys = Keyboard(qtbot)
    form = win.intake.form
    keys.press(Qt.Key.Key_F2)
    qtbot.waitUntil(lambda: win.intake.isVisible() and QApplication.focusWidget() is form.type_edit)
    keys.type("welf")
    keys.press(Qt.Key.Key_Tab)
    keys.type("8300 Santa Monica Blvd", free=True)
    qtbot.waitUntil(lambda: "zone 0976 · in city" in form.match_info.text(), timeout=8000)
    keys.press(Qt.Key.Key_Tab)
    keys.type("Ana Ruiz", free=True)

    # Enter without asking the screening questions: nothing is saved, the first question has the focus.
    keys.press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: form.screening_error.isVisible())
    assert "weapon, violence, medical, crime not answered" in form.screening_error.text()
    assert QApplication.focusWidget() is form.screening["weapon"].yes
    assert services.search_incidents(db, "", limit=10) == []
    win.intake.grab().save(str(tmp_path / "intake-unanswered.png"))

    # Escape with a call typed asks before anything is lost; Escape again goes back to the call.
    keys.press(Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: form.leave_question is not None and form.leave_question.isVisible(), timeout=5000)
    assert "WELFARE · 8300 Santa Monica Blvd · Ana Ruiz" in form.leave_question.informativeText()
    qtbot.keyClick(form.leave_question, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not form.leave_question.isVisible())
    assert win.intake.isVisible() and form.caller_edit.text() == "Ana Ruiz"
    win.intake.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is win.intake, timeout=5000)
    form.caller_edit.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is form.caller_edit, timeout=5000)

    # The caller said no to everything: Alt+N, and Enter saves.
    keys.press(Qt.Key.Key_N, Qt.KeyboardModifier.AltModifier)
    assert not form.screening_error.isVisible()
    with qtbot.waitSignal(form.incident_created, timeout=5000) as created:
        keys.press(Qt.Key.Key_Return)
    incident = created.args[0]
    assert incident.screening == {"weapon": False, "violence": False, "medical": False, "crime": False}
    qtbot.waitUntil(lambda: win.detail.incident_id == incident.id, timeout=5000)
    assert win.detail.screening_label.text() == "weapon no · violence no · medical no · crime no"

    # The handoff sheet, written to disk as the CLI prints it: ☑ No, because the caller said no.
    out = tmp_path / "handoff.pdf"
    assert cli_main(["print", "handoff", incident.number, "--db", db.url, "--out", str(out)]) == 0
    flat = squash(pdf_text(out.read_bytes()))
    assert squash("Is a weapon involved or mentioned? ☐ Yes ☑ No") in flat
    assert "Not asked" not in flat
    close_window(win)


def test_a_clear_that_lost_the_race_opens_the_conflict_panel_and_reapply_is_refused(
    qtbot, qloop, db, tmp_path, dispatcher, clock
):
    win = open_window(qtbot, db, dispatcher, tmp_path)
    incident = welfare_call(db, dispatcher)
    qtbot.waitUntil(lambda: queue_row(win, incident.number).get("Status") == "Pending", timeout=5000)
    # This position has not heard the other's clear yet (its sync is paused): it clears what it saw.
    stopping = win.sync.stop()
    if stopping is not None:
        qtbot.waitUntil(stopping.done, timeout=5000)
    other = Database(db.url, clock=clock, upgrade=False)
    try:
        them = Actor("dispatcher2", role="dispatcher", workstation="ws-2")
        services.clear_incident(other, them, incident.id, disposition="13", expected_version=incident.version)
    finally:
        other.dispose()

    keys = Keyboard(qtbot)
    keys.command(f"C {incident.short_number} 18 resident fine")
    panel = win.editor.resolver.panel
    qtbot.waitUntil(panel.isVisible, timeout=10_000)
    assert "changed by dispatcher2 (clear incident" in panel.message.text()
    rows = dict((field, (now, yours)) for field, now, yours in panel.rows())
    assert rows["Status"] == ("cleared", "cleared") and rows["Disposition"] == ("13", "18")
    assert win.command_line.edit.text() == f"C {incident.short_number} 18 resident fine"  # kept to fix or retype
    panel.grab().save(str(tmp_path / "conflict.png"))

    # Reapply on the incident as it is now: closed means closed.
    qtbot.mouseClick(panel.reapply_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "reopen it first" in win.statusBar().currentMessage(), timeout=10_000)
    assert "already cleared (13 Information / administrative) by dispatcher2" in win.statusBar().currentMessage()
    stored = services.get_incident(db, incident.id)
    assert (stored.status, stored.disposition_code) == ("cleared", "13")
    close_window(win)


def test_a_supervisor_demoted_while_signed_in_is_refused_and_offered_to_sign_out(qtbot, qloop, db, tmp_path, clock):
    from data import auth

    admin = Actor("root.admin", role="admin", workstation="ws-admin")
    auth.create_user(db, admin, "maria", role="supervisor", password="Melrose Place 1994 rain")
    maria = auth.authenticate(db, "maria", "Melrose Place 1994 rain", workstation="ws-sup")
    win = open_window(qtbot, db, maria, tmp_path)
    incident = welfare_call(db, maria)
    services.cancel_incident(db, maria, incident.id, reason="caller called back")
    qtbot.waitUntil(lambda: getattr(win.store.incidents.get(incident.id), "status", "") == "cancelled", timeout=10_000)
    win.select_incident(incident.id)
    qtbot.waitUntil(lambda: win.detail.incident_id == incident.id and win.detail.reopen_button.isEnabled())
    signed_out = []
    win.sign_out_requested.connect(lambda: signed_out.append(1))

    # Meanwhile an administrator makes her a dispatcher; her next reopen is refused and the window says why.
    auth.set_role(db, admin, "maria", "dispatcher")
    qtbot.keyClick(win.detail, Qt.Key.Key_R, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: win.detail.dialog is not None and win.detail.dialog.isVisible())
    dialog = win.detail.dialog
    qtbot.keyClicks(dialog.reason, "caller reports it again")
    qtbot.keyClick(dialog.reason, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: win.account_notice is not None and win.account_notice.isVisible(), timeout=10_000)
    assert win.account_notice.text().startswith("Your role is now dispatcher (it was supervisor")
    assert win.account_keep_button.isVisible()
    assert services.get_incident(db, incident.id).status == "cancelled"
    win.account_notice.grab().save(str(tmp_path / "account-notice.png"))
    qtbot.mouseClick(win.account_keep_button, Qt.MouseButton.LeftButton)

    # Disabled: any action is refused, and the notice offers only signing out.
    auth.disable_user(db, admin, "maria")
    win.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is win, timeout=5000)
    win.queue.focus_table()
    Keyboard(qtbot).command(f"NOTE {incident.short_number} still here")
    qtbot.waitUntil(lambda: win.account_notice.isVisible() and "disabled" in win.account_notice.text(), timeout=10_000)
    assert not win.account_keep_button.isVisible()
    qtbot.mouseClick(win.account_sign_out_button, Qt.MouseButton.LeftButton)
    assert signed_out == [1]
    close_window(win)


def test_supervisor_tools_are_disabled_for_a_dispatcher_with_the_reason(qtbot, qloop, db, tmp_path, dispatcher):
    win = open_window(qtbot, db, dispatcher, tmp_path)
    tools = win.supervisor_tools
    assert not tools.shift_action.isEnabled() and not tools.statistics_action.isEnabled()
    assert tools.shift_action.toolTip() == (
        "Only supervisors and admins can start or end a shift; you are signed in as dispatcher."
    )
    assert not win.audit_action.isEnabled()
    # The key of a disabled tool answers on the refusal line instead of doing nothing.
    qtbot.keyClick(win.queue, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert win.statusBar().currentMessage() == (
        "✖ Only supervisors and admins can start or end a shift; you are signed in as dispatcher."
    )
    qtbot.keyClick(win.queue, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert "Only supervisors and admins can read the audit log" in win.statusBar().currentMessage()
    assert tools.shift_change is None
    close_window(win)


def test_a_draft_survives_killing_the_console_mid_typing(qtbot, qloop, db, tmp_path, dispatcher):
    import os
    import signal
    import subprocess
    import sys
    from pathlib import Path

    small_shift(db, units=1)
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.e2e.draft_child", db.url],
        cwd=Path(__file__).resolve().parents[2],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "typed"

        def kept() -> int:
            drafts = services.list_drafts(db, dispatcher)
            return len(drafts[0].fields.get("narrative", "")) if drafts else 0

        qtbot.waitUntil(lambda: kept() >= 1000, timeout=30_000)  # a thousand characters are on disk
        assert child.poll() is None  # still typing
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL

    # A new console: F2 lists the draft with its text; Alt+R carries on with it.
    win = open_window(qtbot, db, dispatcher, tmp_path, shift=False)
    form = win.intake.form
    keys = Keyboard(qtbot)
    keys.press(Qt.Key.Key_F2)
    qtbot.waitUntil(lambda: win.intake.isVisible() and QApplication.focusWidget() is form.type_edit, timeout=10_000)
    qtbot.waitUntil(lambda: form.drafts_box.isVisible(), timeout=10_000)
    item = form.draft_list.item(0).text()
    assert "WELFARE · 8300 Santa Monica Blvd · line 000 of what the caller says" in item
    win.intake.grab().save(str(tmp_path / "intake-drafts.png"))
    keys.press(Qt.Key.Key_R, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: form.type_edit.text() == "WELFARE", timeout=5000)
    assert form.location_edit.text() == "8300 Santa Monica Blvd"
    assert form.narrative.toPlainText().startswith("line 000 of what the caller says")
    assert len(form.narrative.toPlainText()) >= 1000
    assert form._answers() == {"weapon": True, "violence": None, "medical": None, "crime": None}
    qtbot.waitUntil(lambda: not form.drafts_box.isVisible(), timeout=20_000)  # the one resumed is not listed

    # Finished and saved: the draft is gone with the same commit.
    keys.press(Qt.Key.Key_N, Qt.KeyboardModifier.AltModifier)
    form.response_buttons["joint"].setChecked(True)
    with qtbot.waitSignal(form.incident_created, timeout=20_000) as created:
        qtbot.keyClick(form.location_edit, Qt.Key.Key_Return)
    assert created.args[0].screening == {"weapon": True, "violence": False, "medical": False, "crime": False}
    assert services.list_drafts(db, dispatcher) == []
    qtbot.waitUntil(lambda: win.detail.incident_id == created.args[0].id, timeout=5000)
    close_window(win)
