"""Paperwork from the window: each form is built off the GUI thread, previewed, then printed or saved."""

from __future__ import annotations

import json
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QWidget

from console.paperwork.files import safe_file_name, save_folder, write_pdf_file
from console.paperwork.preview import PrinterFactory, PrintPreview, default_printer
from data.db import Database
from data.services.shifts import resolve_shift

if TYPE_CHECKING:
    from console.main_window import MainWindow


# Builders: (title, bytes) of one form; they run on the task runner's thread and touch no widget.
def handoff_form(db: Database, incident_id: int) -> tuple[str, bytes]:
    from console.paperwork.handoff import handoff_pdf

    return f"Handoff sheet {_incident_number(db, incident_id)}", handoff_pdf(db, incident_id)


def citation_form(db: Database, number: str) -> tuple[str, bytes]:
    from console.paperwork.citation import build_citation
    from data.services.citations import get_citation

    citation = get_citation(db, number)
    void = " (VOID)" if citation.status == "void" else ""
    return f"Citation {citation.number}{void}", build_citation(citation, db.pack, generated_at=db.clock())


def welfare_check_form(db: Database, incident_id: int) -> tuple[str, bytes]:
    from console.paperwork.welfare import welfare_check_pdf

    return f"Welfare-check form {_incident_number(db, incident_id)}", welfare_check_pdf(db, incident_id)


def welfare_log_form(db: Database, shift: str | int) -> tuple[str, bytes]:
    from console.paperwork.welfare import welfare_log_pdf

    record = resolve_shift(db, shift)
    return f"Welfare-check log {record.name}", welfare_log_pdf(db, record.id)


def shift_report_form(db: Database, shift: str | int) -> tuple[str, bytes]:
    from console.paperwork.shift_report import shift_report_pdf

    record = resolve_shift(db, shift)
    return f"Shift report {record.name}", shift_report_pdf(db, record.id)


def eido_document(db: Database, incident_id: int) -> tuple[str, bytes]:
    from data.eido import export_incident

    text = json.dumps(export_incident(db, incident_id), indent=2, ensure_ascii=False) + "\n"
    return _incident_number(db, incident_id), text.encode("utf-8")


def _incident_number(db: Database, incident_id: int) -> str:
    from data.services import get_incident

    return get_incident(db, incident_id).number


class PaperworkDesk:
    """The window's paperwork: print previews (each owns its printer) and the EIDO export.

    Holds the window weakly: the desk is the window's attribute, and a reference back would make a
    cycle through Qt objects. ``make_printer`` is the one thing a test replaces (a PDF printer).
    """

    def __init__(self, window: MainWindow) -> None:
        self._window = weakref.ref(window)
        self.make_printer: PrinterFactory = default_printer
        self.folder: Path | None = None
        self._previews: list[weakref.ref[PrintPreview]] = []
        self._save_dialog: weakref.ref[QFileDialog] | None = None

    @property
    def window(self) -> MainWindow:
        window = self._window()
        assert window is not None, "the window is gone"
        return window

    @property
    def preview(self) -> PrintPreview | None:
        """The preview opened last that is still open."""
        open_now = self.previews
        return open_now[-1] if open_now else None

    @property
    def previews(self) -> list[PrintPreview]:
        """Previews still open, oldest first."""
        import shiboken6

        alive = [p for p in (ref() for ref in self._previews) if p is not None and shiboken6.isValid(p)]
        self._previews = [weakref.ref(p) for p in alive]
        return [p for p in alive if p.isVisible()]

    @property
    def save_dialog(self) -> QFileDialog | None:
        import shiboken6

        found = self._save_dialog() if self._save_dialog is not None else None
        return found if found is not None and shiboken6.isValid(found) and found.isVisible() else None

    # Previews ----------------------------------------------------------------------------------
    def open_preview(self, parent: QWidget | None, pdf: bytes, title: str, file_name: str = "") -> PrintPreview:
        """Show a built PDF in a preview window; Print… and Save as PDF… report once they happened."""
        window = self.window
        preview = PrintPreview(
            pdf,
            title,
            file_name=file_name or safe_file_name(title),
            printer=self.make_printer(),
            folder=self.folder or save_folder(),
            parent=parent if parent is not None else window,
        )
        preview.setWindowFlag(Qt.WindowType.Window, True)
        preview.reported.connect(self._on_preview_reported)
        preview.finished_printing.connect(self._on_preview_finished_printing)
        self._previews.append(weakref.ref(preview))
        preview.show()
        preview.raise_()
        preview.activateWindow()
        window.operations.report("info", f"Preview of {title}: Ctrl+P prints, Ctrl+S saves it as a PDF.")
        return preview

    def _on_preview_reported(self, kind: str, text: str) -> None:
        window = self._window()
        if window is not None:
            window.operations.report("failed" if kind == "failed" else "done", text)

    def _on_preview_finished_printing(self, where: str) -> None:
        if where.lower().endswith(".pdf"):
            self.folder = Path(where).parent

    def _build(self, call: Callable[[], tuple[str, bytes]], parent: QWidget | None = None) -> None:
        window = self.window

        def built(result: tuple[str, bytes]) -> None:
            title, pdf = result
            self.open_preview(parent, pdf, title)

        window.operations.run(call, on_success=built)

    # Forms -------------------------------------------------------------------------------------
    def print_handoff(self, incident_id: int) -> None:
        db = self.window.db
        self._build(lambda: handoff_form(db, incident_id))

    def print_citation(self, number: str, parent: QWidget | None = None) -> None:
        db = self.window.db
        self._build(lambda: citation_form(db, number), parent)

    def print_welfare_check(self, incident_id: int, parent: QWidget | None = None) -> None:
        db = self.window.db
        self._build(lambda: welfare_check_form(db, incident_id), parent)

    def print_welfare_log(self, shift: str | int = "current", parent: QWidget | None = None) -> None:
        db = self.window.db
        self._build(lambda: welfare_log_form(db, shift), parent)

    def print_shift_report(self, shift: str | int = "current", parent: QWidget | None = None) -> None:
        db = self.window.db
        self._build(lambda: shift_report_form(db, shift), parent)

    # EIDO --------------------------------------------------------------------------------------
    def export_eido(self, incident_id: int) -> None:
        """Build the incident's EIDO document, ask where to save it, write it; reported once written."""
        window = self.window
        db = window.db
        window.operations.run(lambda: eido_document(db, incident_id), on_success=self._ask_eido_path)

    def _ask_eido_path(self, result: tuple[str, bytes]) -> None:
        number, data = result
        window = self.window
        dialog = QFileDialog(
            window, f"Export {number} as EIDO", str(self.folder or save_folder()), "EIDO JSON (*.json)"
        )
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix("json")
        dialog.selectFile(safe_file_name(f"eido-{number}", ".json"))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        # A bound method of a plain object: the dialog keeps the desk, the desk only a weak reference back.
        dialog.fileSelected.connect(_EidoWrite(self, number, data))
        self._save_dialog = weakref.ref(dialog)
        dialog.open()

    def _write_eido(self, number: str, data: bytes, path: str) -> None:
        window = self.window
        target = Path(path)
        self.folder = target.parent
        window.operations.run(lambda: write_pdf_file(target, data), message=f"Saved EIDO of {number} to {target}")


class _EidoWrite:
    """The file dialog's answer, carried to the desk (which the dialog must not keep alive)."""

    def __init__(self, desk: PaperworkDesk, number: str, data: bytes) -> None:
        self._desk = weakref.ref(desk)
        self._number = number
        self._data = data

    def __call__(self, path: str) -> None:
        desk = self._desk()
        if desk is not None:
            desk._write_eido(self._number, self._data, path)


__all__ = [
    "PaperworkDesk",
    "citation_form",
    "eido_document",
    "handoff_form",
    "shift_report_form",
    "welfare_check_form",
    "welfare_log_form",
]
