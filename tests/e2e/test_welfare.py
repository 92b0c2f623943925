"""Welfare checks in the whole window with the map loaded: WC, the form by keyboard, print; clearing; the log."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from data import services
from data.services import welfare
from tests.e2e.paperwork_window import QT_NOISE, close_window, command, key, open_window, pdftotext, print_preview
from widgets.welfare_form import MissingWelfareForm, WelfareForm

pytestmark = [pytest.mark.qt_log_ignore(*QT_NOISE), pytest.mark.slow]


def squash(text: str) -> str:
    return "".join(text.split())


def back_to_window(qtbot, win) -> None:
    win.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is win)


def wait_dialog(qtbot, win, kind):
    qtbot.waitUntil(lambda: isinstance(win.detail.dialog, kind) and win.detail.dialog.isVisible(), timeout=15_000)
    dialog = win.detail.dialog
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    return dialog


def test_wc_records_a_welfare_form_by_keyboard_and_prints_it_and_the_log_lists_missing_forms(
    qtbot, qloop, demo_db, tmp_path, dispatcher
):
    db = demo_db
    win = open_window(qtbot, db, dispatcher, tmp_path)

    command(qtbot, win, "WC 45")
    form = wait_dialog(qtbot, win, WelfareForm)
    assert form.windowTitle() == "Record the welfare-check form of 2026-000045"
    assert QApplication.focusWidget() is form.subject_edit
    key(qtbot, "Eddie Walker")
    key(qtbot, Qt.Key.Key_A, Qt.KeyboardModifier.AltModifier)
    key(qtbot, "50s")
    key(qtbot, Qt.Key.Key_D, Qt.KeyboardModifier.AltModifier)
    key(qtbot, "Man on the bench, no shoes, blanket over his legs.")
    key(qtbot, Qt.Key.Key_H, Qt.KeyboardModifier.AltModifier)
    key(qtbot, "u")  # Unhoused
    assert form.housing_combo.currentData() == "unhoused"
    key(qtbot, Qt.Key.Key_O, Qt.KeyboardModifier.AltModifier)
    key(qtbot, "Shelter bed through LA-HOP, socks")
    key(qtbot, Qt.Key.Key_Tab)
    key(qtbot, "a")  # Accepted
    key(qtbot, Qt.Key.Key_F, Qt.KeyboardModifier.AltModifier)
    key(qtbot, Qt.Key.Key_Space)
    key(qtbot, Qt.Key.Key_Tab)
    key(qtbot, "Check back at the bench at 8 tomorrow")
    key(qtbot, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    printed = print_preview(qtbot, win)
    text = pdftotext(printed)
    assert "WELFARE-CHECK FORM · 2026-000045" in text and "Eddie Walker" in text
    assert "Check back at the bench at 8 tomorrow" in text and "LA-HOP" in text
    saved = welfare.welfare_check_for_incident(db, win.detail.incident_id)
    assert saved is not None and saved.observations["housing_status"] == "unhoused"
    assert saved.services_accepted is True and saved.follow_up_needed

    # A form on file opens filled in, to correct.
    back_to_window(qtbot, win)
    command(qtbot, win, "WC 39")
    form = wait_dialog(qtbot, win, WelfareForm)
    assert form.windowTitle().startswith("Correct") and form.subject_edit.text() == "Dorothy Kaplan"
    key(qtbot, Qt.Key.Key_Escape)

    # Clearing a welfare-check call without its form offers the form; skipping needs a reason, kept in the timeline.
    back_to_window(qtbot, win)
    command(qtbot, win, "C 51 18 Brother called back, he is fine")
    offer = wait_dialog(qtbot, win, MissingWelfareForm)
    key(qtbot, Qt.Key.Key_S, Qt.KeyboardModifier.AltModifier)  # skip, without a reason
    qtbot.waitUntil(lambda: "Say why" in offer.message.message)  # a mnemonic clicks after a short animation
    assert offer.isVisible()
    key(qtbot, Qt.Key.Key_R, Qt.KeyboardModifier.AltModifier)
    key(qtbot, "No contact: caller reached her brother by phone")
    key(qtbot, Qt.Key.Key_Return)
    incident_51 = services.find_incident(db, "51")
    qtbot.waitUntil(
        lambda: any(
            "Welfare-check form not filled in: No contact" in e.text for e in services.timeline(db, incident_51.id)
        ),
        timeout=10_000,
    )

    # The log of this shift from the window (Ctrl+Shift+W): every welfare-check call, forms or not.
    back_to_window(qtbot, win)
    key(qtbot, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier, widget=win)
    log = print_preview(qtbot, win)
    text = pdftotext(log)
    flat = squash(text)
    assert "WELFARE-CHECK LOG" in text and "WELFARE-CHECK FORM" not in text
    for number in ("2026-000045", "2026-000051", "2026-000057", "2026-000039"):
        assert number in text
    rows = {line.split()[0]: line for line in text.splitlines() if line.strip().startswith("2026-")}
    assert "Form not recorded" in rows["2026-000051"] and "Form not recorded" in rows["2026-000057"]
    assert "Eddie Walker" in rows["2026-000045"] and "Dorothy Kaplan" in rows["2026-000039"]
    missing = [i for i in welfare.welfare_incidents_for_shift(db, services.active_shift(db).id)]
    assert len(missing) == 14
    assert squash("7 form(s) not recorded") in flat  # 14 welfare-check calls, 7 forms on file

    # And by command, for a shift by number.
    back_to_window(qtbot, win)
    command(qtbot, win, f"WL {services.active_shift(db).id}")
    again = print_preview(qtbot, win)
    assert "WELFARE-CHECK LOG" in pdftotext(again)
    close_window(win)
