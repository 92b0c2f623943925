"""Issuing an administrative citation on an incident: violator, officer, place and time, code sections, fines."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from PySide6.QtCore import QDate, QDateTime, Qt, QTime, QTimer, QTimeZone, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from data.db import Database
from data.errors import DispatchError
from data.pack import Provision
from data.permissions import Actor
from data.records import CitationRecord
from data.services.citations import CitationQuote, issue_citation, quote_citation
from data.services.incident_paperwork import PaperworkContext
from widgets.completion import CompletingLineEdit
from widgets.inline import InlineMessage
from widgets.operations import Operations, failure_text

MAX_SUGGESTIONS = 10


def local_wall(moment: dt.datetime, tz: ZoneInfo) -> QDateTime:
    """A moment as the wall-clock time of the jurisdiction, whatever the computer's own zone."""
    local = moment.astimezone(tz)
    return QDateTime(
        QDate(local.year, local.month, local.day), QTime(local.hour, local.minute, local.second), QTimeZone.utc()
    )


def from_wall(edit: QDateTimeEdit, tz: ZoneInfo) -> dt.datetime:
    q = edit.dateTime()
    d, t = q.date(), q.time()
    return dt.datetime(d.year(), d.month(), d.day(), t.hour(), t.minute(), t.second(), tzinfo=tz)


class CitationForm(QDialog):
    """Opened with open(); the fines shown come from the same service that issues, before anything is written."""

    issued = Signal(object)  # CitationRecord

    def __init__(
        self,
        db: Database,
        operations: Operations,
        actor: Actor,
        context: PaperworkContext,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("citationForm")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        self._db = db
        self._ops = operations
        self._actor = actor
        self._tz = ZoneInfo(db.pack.timezone)
        self.context = context
        incident = context.incident
        self.setWindowTitle(f"Citation on {incident.number}")
        self.sections: list[str] = []
        self.quote: CitationQuote | None = None
        self._quoted_for: tuple[str, str, tuple[str, ...]] | None = None
        self.record: CitationRecord | None = None
        self.quote_timer = QTimer(self)
        self.quote_timer.setSingleShot(True)
        self.quote_timer.setInterval(250)
        self.quote_timer.timeout.connect(self.refresh_quote)
        self._build()
        self._connect_signals()
        self.name_edit.setFocus()

    # Building ----------------------------------------------------------------------------------
    def _build(self) -> None:
        incident = self.context.incident
        heading = QLabel(f"{incident.number} · {incident.call_type_label} · {incident.location}", self)
        heading.setObjectName("sectionTitle")
        heading.setWordWrap(True)
        self.name_edit = QLineEdit(self)
        self.name_edit.setPlaceholderText("Required: the person cited, as on their ID")
        self.dob_edit = QLineEdit(self)
        self.dob_edit.setPlaceholderText("YYYY-MM-DD or M/D/YYYY (optional)")
        self.address_edit = QLineEdit(self)
        self.address_edit.setPlaceholderText("Optional")
        self.id_edit = QLineEdit(self)
        self.id_edit.setPlaceholderText("Driver licence or ID number (optional)")
        self.officer_combo = QComboBox(self)
        worked = set(self.context.on_scene_officer_ids)
        ordered = sorted(self.context.officers, key=lambda o: (o.id not in worked, o.name))
        for officer in ordered:
            mark = " · on this incident" if officer.id in worked else ""
            self.officer_combo.addItem(f"{officer.badge}  {officer.name}{mark}", officer.id)
        self.location_edit = QLineEdit(incident.location, self)
        self.time_edit = QDateTimeEdit(self)
        self.time_edit.setDisplayFormat("ddd d MMM yyyy HH:mm")
        self.time_edit.setTimeZone(QTimeZone.utc())
        # Now while the officer is on the call; for a closed call, the moment it was cleared (editable).
        moment = (incident.cleared_at if not incident.is_open else None) or self._db.clock()
        self.time_edit.setDateTime(local_wall(moment, self._tz))
        self.section_edit = CompletingLineEdit(self, tab_takes_first=True, enter_takes_first=True)
        self.section_edit.setPlaceholderText("Type a section number or words of its title; Enter adds it")
        self.lines = QTableWidget(0, 4, self)
        self.lines.setHorizontalHeaderLabels(["Section", "Title", "Offense (12 months)", "Fine"])
        self.lines.verticalHeader().setVisible(False)
        self.lines.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.lines.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        header = self.lines.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.lines.setAccessibleName("Code sections cited (Delete removes the selected one)")
        self.lines.setMinimumHeight(90)
        self.lines.setMaximumHeight(150)
        self.total_label = QLabel("No code section yet.", self)
        self.total_label.setObjectName("panelCount")
        self.description_edit = QPlainTextEdit(self)
        self.description_edit.setTabChangesFocus(True)
        self.description_edit.setPlaceholderText(
            "The officer's own account of the violation (printed on every copy; never the caller's words)"
        )
        self.description_edit.setMaximumHeight(110)
        self.message = InlineMessage(self)
        self.buttons = QDialogButtonBox(self)
        self.issue_button = self.buttons.addButton(
            "&Issue and print  Ctrl+Enter", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.issue_button.setDefault(False)
        self.issue_button.setAutoDefault(False)

        form = QFormLayout()
        for label, widget in (
            ("Violator &name", self.name_edit),
            ("Date of &birth", self.dob_edit),
            ("&Address", self.address_edit),
            ("ID n&umber", self.id_edit),
            ("Issuing &officer", self.officer_combo),
            ("&Location", self.location_edit),
            ("&Time", self.time_edit),
            ("Code &sections", self.section_edit),
        ):
            title = QLabel(label, self)
            title.setBuddy(widget)
            form.addRow(title, widget)
        form.addRow("", self.lines)
        form.addRow("", self.total_label)
        description_title = QLabel("&Description", self)
        description_title.setBuddy(self.description_edit)
        form.addRow(description_title, self.description_edit)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.resize(760, self.sizeHint().height())

    def _connect_signals(self) -> None:
        self.buttons.accepted.connect(self.issue)
        self.buttons.rejected.connect(self.reject)
        self.message.follow_reports(self._ops, self)
        self.name_edit.textEdited.connect(self._on_inputs_edited)
        self.dob_edit.textEdited.connect(self._on_inputs_edited)
        self.section_edit.textEdited.connect(self._on_section_edit_text_edited)
        self.section_edit.completion_accepted.connect(self._on_section_edit_completion_accepted)
        self.section_edit.submitted.connect(self._on_section_edit_submitted)
        QShortcut(QKeySequence("Ctrl+Return"), self, self.issue)
        QShortcut(QKeySequence("Ctrl+Enter"), self, self.issue)
        QShortcut(QKeySequence(Qt.Key.Key_Delete), self.lines, self.remove_selected_section)

    # Code sections -----------------------------------------------------------------------------
    def provisions(self) -> list[Provision]:
        """The sections in effect on the citation's date, one version each."""
        on = from_wall(self.time_edit, self._tz).date()
        found: dict[str, Provision] = {}
        for p in self._db.pack.provisions:
            current = self._db.pack.provision(p.section, on)
            if current is not None:
                found[current.section] = current
        return sorted(found.values(), key=lambda p: p.section)

    def suggestions_for(self, text: str) -> list[tuple[str, str]]:
        words = text.casefold().split()
        rows = []
        for p in self.provisions():
            if p.section in self.sections:
                continue
            haystack = f"{p.section} {p.title} {p.chapter}".casefold()
            if all(w in haystack for w in words):
                fines = " / ".join(f"${f}" for f in p.fines)
                rows.append((f"{p.section:<22} {p.title}  ({fines})", p.section))
        return rows[:MAX_SUGGESTIONS]

    def _on_section_edit_text_edited(self, text: str) -> None:
        self.section_edit.set_suggestions(self.suggestions_for(text) if text.strip() else [])

    def _on_section_edit_completion_accepted(self, value: str, _by_enter: bool) -> None:
        self.add_section(value)

    def _on_section_edit_submitted(self) -> None:
        text = self.section_edit.text().strip()
        if not text:
            return
        exact = [p.section for p in self.provisions() if p.section.casefold() == text.casefold()]
        if exact:
            self.add_section(exact[0])
            return
        self.message.show_message(f"{text[:40]!r} is not a section of the city's code table.", "error")

    def add_section(self, section: str) -> None:
        self.section_edit.clear()
        self.section_edit.hide_suggestions()
        if section in self.sections:
            self.message.show_message(f"{section} is listed already; list each violation once.", "warning")
            return
        self.sections.append(section)
        self.message.clear_message()
        self._show_lines()
        self._on_inputs_edited()

    def remove_selected_section(self) -> None:
        row = self.lines.currentRow()
        if 0 <= row < len(self.sections):
            del self.sections[row]
            self._show_lines()
            self._on_inputs_edited()

    # Fines -------------------------------------------------------------------------------------
    def _inputs(self) -> tuple[str, str, tuple[str, ...]]:
        return (" ".join(self.name_edit.text().split()), self.dob_edit.text().strip(), tuple(self.sections))

    def _on_inputs_edited(self, *_: object) -> None:
        self.quote_timer.start()

    def refresh_quote(self) -> None:
        """Ask the service what each section would cost this person now (offense count, fine, refusal)."""
        name, dob, sections = self._inputs()
        if not name or not sections:
            self.quote = None
            self._quoted_for = None
            self._show_lines()
            return
        db = self._db
        at = from_wall(self.time_edit, self._tz)
        inputs = (name, dob, sections)

        def call() -> CitationQuote:
            return quote_citation(db, violator_name=name, violator_dob=dob, violations=list(sections), issued_at=at)

        self._ops.run(
            call,
            owner=self,
            on_success=lambda q: self._on_quoted(inputs, q),
            on_failure=self._on_quote_failed,
            report_failure=False,
        )

    def _on_quoted(self, inputs: tuple[str, str, tuple[str, ...]], quote: CitationQuote) -> None:
        if inputs != self._inputs():
            return  # typed on since; a newer quote is on its way
        self.quote = quote
        self._quoted_for = inputs
        self._show_lines()

    def _on_quote_failed(self, exc: Exception) -> None:
        self.quote = None
        self._quoted_for = None
        self._show_lines()
        self.message.show_message(failure_text(exc), "error")

    def _show_lines(self) -> None:
        quotes = {q.section: q for q in self.quote.lines} if self.quote is not None else {}
        titles = {p.section: p.title for p in self._db.pack.provisions}
        self.lines.setRowCount(len(self.sections))
        for row, section in enumerate(self.sections):
            q = quotes.get(section)
            offense = fine = "…" if self.name_edit.text().strip() else "name first"
            if q is not None:
                offense = {1: "1st", 2: "2nd", 3: "3rd"}.get(q.offense_number, f"{q.offense_number}th")
                fine = f"${q.fine_dollars}" if q.fine_dollars is not None else "misdemeanor: refused"
            for column, text in enumerate((section, q.title if q else titles.get(section, ""), offense, fine)):
                self.lines.setItem(row, column, QTableWidgetItem(text))
        refusal = self.quote.refusal if self.quote is not None else ""
        if refusal:
            self.total_label.setText("Cannot be issued as an administrative citation.")
            self.message.show_message(refusal, "error")
        elif self.quote is not None:
            self.total_label.setText(f"Total fine ${self.quote.total_dollars}")
            if self.message.severity == "error":
                self.message.clear_message()
        else:
            self.total_label.setText("Fines appear once the name and a section are entered.")
        self.issue_button.setEnabled(not refusal)

    # Issuing -----------------------------------------------------------------------------------
    def missing(self) -> str:
        if not self.name_edit.text().strip():
            return "Enter the violator's name."
        if not self.sections:
            return "Add at least one code section."
        if not self.description_edit.toPlainText().strip():
            return "Describe the violation in the officer's own words."
        if not self.location_edit.text().strip():
            return "Enter where the violation happened."
        if self.officer_combo.currentData() is None:
            return "Choose the issuing officer."
        return ""

    def issue(self) -> None:
        """Issue through the service (it refuses a fourth offense itself); the form stays open on a refusal."""
        problem = self.missing()
        if problem:
            self.message.show_message(problem, "error")
            return
        if self.quote is not None and self.quote.refusal and self._quoted_for == self._inputs():
            self.message.show_message(self.quote.refusal, "error")
            return
        db, actor = self._db, self._actor
        incident_id = self.context.incident.id
        fields = {
            "officer_id": int(self.officer_combo.currentData()),
            "violator_name": self.name_edit.text(),
            "violator_dob": self.dob_edit.text(),
            "violator_address": self.address_edit.text(),
            "violator_id_number": self.id_edit.text(),
            "violations": list(self.sections),
            "location": self.location_edit.text(),
            "description": self.description_edit.toPlainText(),
            "issued_at": from_wall(self.time_edit, self._tz),
        }

        def call() -> CitationRecord:
            return issue_citation(db, actor, incident_id=incident_id, **fields)  # type: ignore[arg-type]

        self._ops.run(
            call,
            owner=self,
            message=lambda c: f"Citation {c.number} issued to {c.violator_name}: ${c.total_dollars}",
            on_success=self._on_issued,
            busy=[self.issue_button],
        )

    def _on_issued(self, record: CitationRecord) -> None:
        self.record = record
        self.issued.emit(record)
        self.accept()

    @property
    def pending(self) -> int:
        return self._ops.pending(self)


__all__ = ["CitationForm", "DispatchError", "from_wall", "local_wall"]
