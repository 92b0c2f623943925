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

    # Save as PDF (Ctrl+S in the preview): the file the supervisor names, with the report's text.
    view.print_report_button.click()
    qtbot.waitUntil(
        lambda: win.paperwork.preview is not None and win.paperwork.preview.print_button.isEnabled(), timeout=30_000
    )
    preview = win.paperwork.preview
    preview.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is preview)
    key(qtbot, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier, widget=preview)
    qtbot.waitUntil(lambda: preview.save_dialog is not None and preview.save_dialog.isVisible(), timeout=10_000)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is preview.save_dialog)
    saved = tmp_path / "saved report.pdf"
    QApplication.focusWidget().selectAll()
    key(qtbot, str(saved))
    key(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: status_text(win) == f"Saved Shift report {outgoing} to {saved}", timeout=15_000)
    assert "SHIFT REPORT" in pdftotext(saved).upper()
    qtbot.waitUntil(lambda: not shiboken6.isValid(preview) or not preview.isVisible())

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


def test_a_print_failure_is_an_error_and_the_window_carries_on(qtbot, qloop, demo_db, tmp_path, dispatcher):
    from PySide6.QtPrintSupport import QPrinter

    win = open_window(qtbot, demo_db, dispatcher, tmp_path)
    good = win.paperwork.make_printer

    def refusing_printer() -> QPrinter:
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(tmp_path / "no-such-folder" / "out.pdf"))
        return printer

    win.paperwork.make_printer = refusing_printer
    command(qtbot, win, "P 26")
    qtbot.waitUntil(
        lambda: win.paperwork.preview is not None and win.paperwork.preview.print_button.isEnabled(), timeout=30_000
    )
    preview = win.paperwork.preview
    # Qt's print dialog itself warns about a folder that does not exist; past it, the write can still fail
    # (disk full, a share gone): that is the moment the printer refuses.
    preview.print_now()
    qtbot.waitUntil(lambda: status_text(win).startswith("✖ Could not save"), timeout=15_000)
    assert "✓" not in status_text(win) and "Saved" not in status_text(win)
    assert preview.isVisible() and preview.message.severity == "error"
    assert not (tmp_path / "no-such-folder").exists()
    key(qtbot, Qt.Key.Key_Escape, widget=preview)
    qtbot.waitUntil(lambda: not shiboken6.isValid(preview) or not preview.isVisible())

    # A document that cannot be rendered: an error in the preview and the status line, nothing printed.
    win.paperwork.open_preview(win, b"%PDF-1.4 broken", "Broken document")
    broken = win.paperwork.preview
    qtbot.waitUntil(lambda: status_text(win).startswith("✖ Broken document cannot be shown"), timeout=15_000)
    assert broken is not None and not broken.print_button.isEnabled()
    broken.close()

    # The window carries on: the next print works.
    win.paperwork.make_printer = good
    win.activateWindow()
    command(qtbot, win, "P 26")
    printed = print_preview(qtbot, win)
    assert "2026-000026" in pdftotext(printed)
    close_window(win)
