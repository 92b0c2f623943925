"""Printing from the whole window with the map loaded: every print completes, its file is there and valid."""

from __future__ import annotations

import json

import pytest
import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from tests.e2e.paperwork_window import (
    QT_NOISE,
    close_window,
    command,
    key,
    open_window,
    pdf_pages,
    pdftotext,
    print_preview,
)

pytestmark = [pytest.mark.qt_log_ignore(*QT_NOISE), pytest.mark.slow]


def status_text(win) -> str:
    return win.statusBar().currentMessage()


def test_handoff_prints_from_the_command_line_and_ctrl_p_and_eido_exports(qtbot, qloop, demo_db, tmp_path, dispatcher):
    win = open_window(qtbot, demo_db, dispatcher, tmp_path)
    number = "2026-000026"

    # P 26: the handoff sheet of incident 26, through the preview and the print dialog.
    command(qtbot, win, "P 26")
    printed = print_preview(qtbot, win)
    text = pdftotext(printed)
    assert number in text and "HANDOFF" in text.upper()
    qtbot.waitUntil(lambda: status_text(win).startswith("Saved Handoff sheet"))
    assert str(printed) in status_text(win)

    # Ctrl+P in the incident pane: the same sheet again, to the next file.
    qtbot.waitUntil(lambda: win.detail.record is not None and win.detail.record.number == number)
    win.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is win)
    key(qtbot, Qt.Key.Key_F6, widget=win)
    key(qtbot, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    again = print_preview(qtbot, win)
    assert again != printed and number in pdftotext(again)

    # Ctrl+E: the EIDO document, saved where the dispatcher types.
    win.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is win)
    key(qtbot, Qt.Key.Key_F6, widget=win)
    key(qtbot, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: win.paperwork.save_dialog is not None, timeout=15_000)
    dialog = win.paperwork.save_dialog
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog)
    target = tmp_path / "exported.json"
    line = QApplication.focusWidget()
    line.selectAll()
    key(qtbot, str(target))
    key(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(target.exists, timeout=15_000)
    qtbot.waitUntil(lambda: status_text(win) == f"Saved EIDO of {number} to {target}")
    document = json.loads(target.read_text(encoding="utf-8"))
    assert isinstance(document, dict) and number in json.dumps(document)
    close_window(win)


def test_shift_change_prints_and_new_shift_with_printing_ticked(qtbot, qloop, demo_db, tmp_path, supervisor):
    win = open_window(qtbot, demo_db, supervisor, tmp_path)
    key(qtbot, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier, widget=win)
    view = win.supervisor_tools.shift_change
    assert view is not None
    qtbot.waitUntil(lambda: view.state is not None and view.pending == 0, timeout=20_000)
    outgoing = view.state.shift.name

    view.print_report_button.click()
    report = print_preview(qtbot, win)
    assert "SHIFT REPORT" in pdftotext(report).upper() and outgoing in pdftotext(report)

    view.print_welfare_button.click()
    log = print_preview(qtbot, win)
    assert "WELFARE" in pdftotext(log).upper() and pdf_pages(log) >= 1

    # Start new shift with "print" ticked: both documents of the outgoing shift come up to print.
    assert view.print_check.isChecked()
    view.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is view)
    view.start_button.setFocus()
    key(qtbot, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: len(win.paperwork.make_printer.files) >= 4, timeout=30_000)
    first = print_preview(qtbot, win)
    second = print_preview(qtbot, win)
    texts = {pdftotext(first).upper(), pdftotext(second).upper()}
    assert any("SHIFT REPORT" in t for t in texts) and any("WELFARE" in t for t in texts)
    assert all(outgoing.upper() in t for t in texts)
    qtbot.waitUntil(lambda: view.state is not None and view.state.shift.name != outgoing, timeout=20_000)
    assert shiboken6.isValid(win) and win.isVisible()
    close_window(win)
