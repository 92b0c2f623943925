"""Citations in the whole window with the map loaded: CIT, the form by keyboard, print; a fourth offense; VOID."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from sqlalchemy import func, select

from data.models import AuditEntry, Citation
from data.services import citations
from tests.e2e.paperwork_window import QT_NOISE, close_window, command, key, open_window, pdftotext, print_preview
from widgets.citation_form import CitationForm

pytestmark = [pytest.mark.qt_log_ignore(*QT_NOISE), pytest.mark.slow]

CALLER_WORDS = "despite requests"  # from the caller's narrative of incident 32: never on a citation
OFFICER_TEXT = "Lit a cigarette at table 4 on the patio after two requests by staff to stop."


def counts(db) -> tuple[int, int]:
    with db.read() as s:
        cited = s.scalar(select(func.count()).select_from(Citation))
        audits = s.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "issue_citation"))
    return cited, audits


def open_form(qtbot, win, line: str) -> CitationForm:
    command(qtbot, win, line)
    qtbot.waitUntil(
        lambda: isinstance(win.detail.dialog, CitationForm) and win.detail.dialog.isVisible(), timeout=15_000
    )
    form = win.detail.dialog
    form.quote_timer.setInterval(0)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is form.name_edit)
    return form


def fill_form(qtbot, form: CitationForm, name: str, description: str) -> None:
    key(qtbot, name)
    key(qtbot, Qt.Key.Key_Tab)  # date of birth: left empty
    assert QApplication.focusWidget() is form.dob_edit
    key(qtbot, Qt.Key.Key_S, Qt.KeyboardModifier.AltModifier)  # Alt+S: code sections
    assert QApplication.focusWidget() is form.section_edit
    key(qtbot, "smoking dining")
    qtbot.waitUntil(form.section_edit.suggestions_visible)
    key(qtbot, Qt.Key.Key_Return)
    assert form.sections == ["Ord. 11-863"]
    key(qtbot, Qt.Key.Key_D, Qt.KeyboardModifier.AltModifier)
    assert QApplication.focusWidget() is form.description_edit
    key(qtbot, description)


def list_texts(view) -> list[str]:
    return [view.item(row).text() for row in range(view.count())]


def cell(form: CitationForm, row: int, column: int) -> str:
    item = form.lines.item(row, column)
    return item.text() if item is not None else ""


def test_cit_issues_a_citation_by_keyboard_and_prints_it_and_a_fourth_offense_is_refused(
    qtbot, qloop, demo_db, tmp_path, dispatcher
):
    db = demo_db
    win = open_window(qtbot, db, dispatcher, tmp_path)
    assert counts(db) == (3, 3)  # Julia Hartmann has two smoking citations in the demo shift

    form = open_form(qtbot, win, "CIT 32")
    assert form.location_edit.text() == win.store.incidents[form.context.incident.id].location
    assert "on this incident" in form.officer_combo.currentText()
    fill_form(qtbot, form, "Julia  Hartmann", OFFICER_TEXT)
    qtbot.waitUntil(lambda: cell(form, 0, 3) == "$500", timeout=10_000)
    assert cell(form, 0, 2) == "3rd" and form.total_label.text() == "Total fine $500"

    key(qtbot, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    printed = print_preview(qtbot, win)
    text = pdftotext(printed)
    assert "AC-000004" in text and "$500" in text and "Julia Hartmann" in text
    assert " ".join(OFFICER_TEXT.split()[:6]) in " ".join(text.split())
    assert CALLER_WORDS not in text
    for copy in ("Violator copy", "City copy", "Officer copy"):
        assert f"{copy} · page 1 of 1" in text
    assert counts(db) == (4, 4)
    qtbot.waitUntil(lambda: win.detail.citations_list.count() == 2, timeout=10_000)

    # The same person, the same section, a fourth time within 12 months: refused in the form, nothing written.
    win.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is win)
    form = open_form(qtbot, win, "CIT 32")
    fill_form(qtbot, form, "julia hartmann", "Smoking again on the patio.")
    qtbot.waitUntil(lambda: not form.issue_button.isEnabled(), timeout=10_000)
    assert cell(form, 0, 2) == "4th" and "refused" in cell(form, 0, 3)
    assert "misdemeanor" in form.message.message and "cannot be issued" in form.message.message
    key(qtbot, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert form.isVisible() and form.pending == 0 and "misdemeanor" in form.message.message
    assert counts(db) == (4, 4)
    key(qtbot, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: win.detail.dialog is None)

    # A dispatcher cannot void: told why, by the command and by the pane; the citation stays in force.
    win.activateWindow()
    command(qtbot, win, "VOID AC-000004 wrong table")
    qtbot.waitUntil(lambda: "supervisor" in win.statusBar().currentMessage().lower(), timeout=10_000)
    assert citations.get_citation(db, "AC-000004").status == "issued"
    win.detail.void_button.click()
    assert "Only a supervisor can void" in win.statusBar().currentMessage()
    close_window(win)


def test_void_as_supervisor_reprints_with_void(qtbot, qloop, demo_db, tmp_path, supervisor):
    db = demo_db
    win = open_window(qtbot, db, supervisor, tmp_path)
    command(qtbot, win, "VOID AC-3")
    qtbot.waitUntil(lambda: "needs the reason" in win.command_line.answer.message)
    key(qtbot, Qt.Key.Key_Escape)
    win.command_line.edit.clear()
    command(qtbot, win, "VOID AC-3 Issued to the wrong table; the smoker was at table 6")
    printed = print_preview(qtbot, win)
    text = pdftotext(printed)
    assert "AC-000003" in text and "VOID" in text and "the smoker was at table 6" in " ".join(text.split())
    voided = citations.get_citation(db, "AC-000003")
    assert voided.status == "void" and voided.voided_by == supervisor.username
    qtbot.waitUntil(lambda: any("VOID" in c for c in list_texts(win.detail.citations_list)), timeout=10_000)
    # Reprint from the incident pane: Enter on the highlighted citation.
    win.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is win)
    win.detail.citations_list.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is win.detail.citations_list)
    key(qtbot, Qt.Key.Key_Return)
    again = print_preview(qtbot, win)
    assert "VOID" in pdftotext(again)

    # From the pane: the citation of incident 17, Delete in the list, the reason, Enter; the reprint says VOID.
    first = citations.get_citation(db, "AC-000001")
    win.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is win)
    win.select_incident(first.incident_id)
    qtbot.waitUntil(lambda: any("AC-000001" in t for t in list_texts(win.detail.citations_list)))
    win.detail.citations_list.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is win.detail.citations_list)
    key(qtbot, Qt.Key.Key_Delete)  # Delete on the highlighted citation: void it
    qtbot.waitUntil(lambda: win.detail.dialog is not None and win.detail.dialog.isVisible(), timeout=5_000)
    dialog = win.detail.dialog
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.reason)
    key(qtbot, "Duplicate of a warning, not a citation")
    key(qtbot, Qt.Key.Key_Return)
    reprint = print_preview(qtbot, win)
    assert "AC-000001" in pdftotext(reprint) and "VOID" in pdftotext(reprint)
    assert citations.get_citation(db, "AC-000001").void_reason == "Duplicate of a warning, not a citation"
    close_window(win)
