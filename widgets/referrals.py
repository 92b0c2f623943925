"""Referrals: record one from an incident (offered, accepted, declined; follow-up date); follow-ups due."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from data.db import Database
from data.permissions import Actor
from data.records import IncidentRecord, ReferralRecord
from data.services.directory import DirectoryRecord
from data.services.referrals import (
    REFERRAL_OUTCOMES,
    FollowUpRecord,
    ReferralForm,
    add_referral,
    complete_follow_up,
    referral_follow_ups,
    referral_form,
)
from widgets.dates import to_date
from widgets.figures import RowsModel, rows_table, section_title, tile_style_sheet
from widgets.inline import InlineMessage
from widgets.operations import Operations

OUTCOME_LABELS = {"offered": "&Offered", "accepted": "&Accepted", "declined": "&Declined"}


class ReferralDialog(QDialog):
    """Record referrals for one incident; the list above the form shows those made so far."""

    referral_added = Signal(object)  # ReferralRecord
    loaded = Signal()

    def __init__(
        self,
        db: Database,
        operations: Operations,
        actor: Actor,
        incident: IncidentRecord,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setModal(False)
        self.setWindowTitle(f"Referrals · {incident.number}")
        self.setObjectName("referralDialog")
        self._db = db
        self._ops = operations
        self._actor = actor
        self._tz = ZoneInfo(db.pack.timezone)
        self.incident = incident
        self.entries: list[DirectoryRecord] = []

        self.made = RowsModel(("Agency", "Outcome", "Follow up", "Note", "By"), self)
        self.made_view = rows_table(self.made, "Referrals made", self)
        self.made_view.setMinimumHeight(110)
        self.agency = QComboBox(self)
        self.agency.setAccessibleName("Agency")
        self.agency_note = QLabel("", self)
        self.agency_note.setObjectName("panelCount")
        self.agency_note.setWordWrap(True)
        self.outcomes = QButtonGroup(self)
        outcome_row = QHBoxLayout()
        for n, outcome in enumerate(REFERRAL_OUTCOMES):
            button = QRadioButton(OUTCOME_LABELS[outcome], self)
            button.setProperty("outcome", outcome)
            self.outcomes.addButton(button, n)
            outcome_row.addWidget(button)
        outcome_row.addStretch(1)
        self.outcomes.button(0).setChecked(True)
        self.follow_check = QCheckBox("Follow &up on", self)
        self.follow_date = QDateEdit(self)
        self.follow_date.setAccessibleName("Follow-up date")
        self.follow_date.setCalendarPopup(True)
        self.follow_date.setDisplayFormat("ddd d MMM yyyy")
        self.follow_date.setEnabled(False)
        today = self._today()
        self.follow_date.setMinimumDate(today)
        self.follow_date.setDate(today.addDays(3))
        follow_row = QHBoxLayout()
        follow_row.addWidget(self.follow_check)
        follow_row.addWidget(self.follow_date)
        follow_row.addStretch(1)
        self.note = QLineEdit(self)
        self.note.setPlaceholderText("What was offered, who to call back, what they said")
        self.note.setAccessibleName("Referral note")
        self.record_button = QPushButton("&Record referral", self)
        self.record_button.setObjectName("primaryAction")
        self.record_button.setDefault(True)
        self.close_button = QPushButton("Close", self)
        self.close_button.setAutoDefault(False)
        self.message = InlineMessage(self)
        self.message.follow_reports(operations, self)

        form = QFormLayout()
        agency_label = QLabel("A&gency", self)
        agency_label.setBuddy(self.agency)
        form.addRow(agency_label, self.agency)
        form.addRow("", self.agency_note)
        form.addRow("Outcome", outcome_row)
        form.addRow("", follow_row)
        note_label = QLabel("&Note", self)
        note_label.setBuddy(self.note)
        form.addRow(note_label, self.note)
        buttons = QHBoxLayout()
        buttons.addWidget(self.message, 1)
        buttons.addWidget(self.close_button)
        buttons.addWidget(self.record_button)

        header = QLabel(f"{incident.number} · {incident.call_type_label} · {incident.location}", self)
        header.setObjectName("referralHeader")
        header.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 12, 14, 12)
        layout.setSpacing(8)
        layout.addWidget(header)
        layout.addWidget(section_title("Referrals made", self))
        layout.addWidget(self.made_view, 1)
        layout.addWidget(section_title("New referral", self))
        layout.addLayout(form)
        layout.addLayout(buttons)
        self.setStyleSheet(tile_style_sheet() + "QLabel#referralHeader { font-weight: 700; font-size: 11pt; }")
        self.resize(640, 480)

        self.follow_check.toggled.connect(self.follow_date.setEnabled)
        self.agency.currentIndexChanged.connect(self._on_agency_changed)
        self.record_button.clicked.connect(self.record)
        self.close_button.clicked.connect(self.close)
        self.record_button.setEnabled(False)
        self.load()

    def _today(self) -> QDate:
        day = self._db.clock().astimezone(self._tz).date()
        return QDate(day.year, day.month, day.day)

    @property
    def pending(self) -> int:
        return self._ops.pending(self)

    def load(self) -> None:
        db, incident_id = self._db, self.incident.id
        self._ops.run(lambda: referral_form(db, incident_id), owner=self, on_success=self._on_loaded)

    def _on_loaded(self, form: ReferralForm) -> None:
        entries, made = list(form.agencies), form.made
        keep = self.agency.currentData()
        self.entries = entries
        self.agency.blockSignals(True)
        self.agency.clear()
        for entry in entries:
            self.agency.addItem(entry.name + (f" · {entry.phone}" if entry.phone else ""), entry.key)
        found = self.agency.findData(keep)
        self.agency.setCurrentIndex(max(0, found))
        self.agency.blockSignals(False)
        self._on_agency_changed()
        self.record_button.setEnabled(bool(entries))
        if not entries:
            self.message.show_message("The referral directory is empty; ask an administrator to fill it.", "warning")
        self._show_made(made)
        self.loaded.emit()

    def _show_made(self, made: Sequence[ReferralRecord]) -> None:
        self.made.set_rows(
            [
                (
                    r.agency_name,
                    r.outcome,
                    r.follow_up_on.strftime("%a %b %-d") if r.follow_up_on else "—",
                    r.note or "—",
                    f"{r.created_by} {r.created_at.astimezone(self._tz):%H:%M}",
                )
                for r in made
            ]
        )

    def _on_agency_changed(self, *_: object) -> None:
        entry = next((e for e in self.entries if e.key == self.agency.currentData()), None)
        self.agency_note.setText(entry.description if entry else "")

    def outcome(self) -> str:
        checked = self.outcomes.checkedButton()
        return str(checked.property("outcome")) if checked else "offered"

    def set_outcome(self, outcome: str) -> None:
        self.outcomes.button(REFERRAL_OUTCOMES.index(outcome)).setChecked(True)

    def record(self) -> None:
        """Save the referral on the form (off the GUI thread)."""
        key = self.agency.currentData()
        if not key:
            self.message.show_message("Choose an agency.")
            return
        follow: dt.date | None = to_date(self.follow_date.date()) if self.follow_check.isChecked() else None
        db, actor, incident_id = self._db, self._actor, self.incident.id
        outcome, note = self.outcome(), self.note.text()
        self._ops.run(
            lambda: add_referral(
                db, actor, incident_id=incident_id, agency_key=key, outcome=outcome, follow_up_on=follow, note=note
            ),
            owner=self,
            message=lambda r: f"Referral to {r.agency_name} recorded ({r.outcome}).",
            on_success=self._on_recorded,
            busy=(self.record_button,),
        )

    def _on_recorded(self, referral: ReferralRecord) -> None:
        self.note.clear()
        self.follow_check.setChecked(False)
        self.referral_added.emit(referral)
        self.load()


class FollowUpList(QWidget):
    """Referral follow-ups due by a date, oldest first; mark one done with a note."""

    incident_selected = Signal(int)
    loaded = Signal()

    def __init__(self, db: Database, operations: Operations, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("followUps")
        self.setWindowTitle("Referral follow-ups")
        self._db = db
        self._ops = operations
        self._actor = actor
        self._tz = ZoneInfo(db.pack.timezone)
        self.items: list[FollowUpRecord] = []

        day = db.clock().astimezone(self._tz).date()
        self.due_by = QDateEdit(QDate(day.year, day.month, day.day), self)
        self.due_by.setCalendarPopup(True)
        self.due_by.setDisplayFormat("ddd d MMM yyyy")
        self.due_by.setAccessibleName("Due by")
        due_label = QLabel("Due &by", self)
        due_label.setBuddy(self.due_by)
        self.include_done = QCheckBox("&Include done", self)
        self.refresh_button = QPushButton("&Refresh", self)
        self.count = QLabel("", self)
        self.count.setObjectName("panelCount")
        bar = QHBoxLayout()
        bar.addWidget(due_label)
        bar.addWidget(self.due_by)
        bar.addWidget(self.include_done)
        bar.addWidget(self.refresh_button)
        bar.addStretch(1)
        bar.addWidget(self.count)

        self.model = RowsModel(("Due", "Incident", "Type", "Location", "Agency", "Outcome", "Note", "Done"), self)
        self.view = rows_table(self.model, "Referral follow-ups", self)
        self.view.horizontalHeader().setStretchLastSection(False)
        self.done_note = QLineEdit(self)
        self.done_note.setPlaceholderText("What the follow-up found (goes into the incident's timeline)")
        self.done_note.setAccessibleName("Follow-up note")
        self.done_button = QPushButton("&Mark done", self)
        self.done_button.setObjectName("primaryAction")
        self.open_button = QPushButton("&Open incident", self)
        actions = QHBoxLayout()
        actions.addWidget(self.done_note, 1)
        actions.addWidget(self.done_button)
        actions.addWidget(self.open_button)
        self.message = InlineMessage(self)
        self.message.follow_reports(operations, self)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.addLayout(bar)
        layout.addWidget(self.view, 1)
        layout.addLayout(actions)
        layout.addWidget(self.message)
        self.setStyleSheet(tile_style_sheet())

        self.refresh_button.clicked.connect(self.refresh)
        self.due_by.dateChanged.connect(self.refresh)
        self.include_done.toggled.connect(self.refresh)
        self.done_button.clicked.connect(self.mark_done)
        self.done_note.returnPressed.connect(self.mark_done)
        self.open_button.clicked.connect(self._on_open_button_clicked)
        self.view.doubleClicked.connect(lambda _index: self._on_open_button_clicked())
        self.view.selectionModel().selectionChanged.connect(self._update_buttons)
        self._update_buttons()

    @property
    def pending(self) -> int:
        return self._ops.pending(self)

    def refresh(self) -> None:
        db, day, include_done = self._db, to_date(self.due_by.date()), self.include_done.isChecked()
        self._ops.run(
            lambda: referral_follow_ups(db, due_by=day, include_done=include_done),
            owner=self,
            on_success=self._on_loaded,
            on_finished=self._update_buttons,
        )

    def _on_loaded(self, items: list[FollowUpRecord]) -> None:
        self.items = items
        today = self._db.clock().astimezone(self._tz).date()
        rows, tones = [], []
        for f in items:
            late = (today - f.due_on).days
            due = f.due_on.strftime("%a %b %-d") + (f" ({late} d late)" if late > 0 and not f.done else "")
            done = (
                f"{f.followed_up_by} {f.followed_up_at.astimezone(self._tz):%b %-d %H:%M}" if f.followed_up_at else "—"
            )
            rows.append(
                (
                    due,
                    f.incident_number,
                    f.call_type_label,
                    f.incident_location,
                    f.referral.agency_name,
                    f.referral.outcome,
                    f.referral.note or "—",
                    done,
                )
            )
            tones.append("good" if f.done else ("bad" if late > 0 else ""))
        self.model.set_rows(rows, tones)
        open_count = sum(1 for f in items if not f.done)
        self.count.setText(
            f"{open_count} due" + (f", {len(items) - open_count} done" if len(items) > open_count else "")
        )
        self._update_buttons()
        self.loaded.emit()

    def selected(self) -> FollowUpRecord | None:
        index = self.view.currentIndex()
        return self.items[index.row()] if index.isValid() and index.row() < len(self.items) else None

    def _update_buttons(self, *_: object) -> None:
        chosen = self.selected()
        self.done_button.setEnabled(chosen is not None and not chosen.done)
        self.open_button.setEnabled(chosen is not None)

    def mark_done(self) -> None:
        chosen = self.selected()
        if chosen is None or chosen.done:
            return
        db, actor, referral_id, note = self._db, self._actor, chosen.referral.id, self.done_note.text()

        def done(_record: FollowUpRecord) -> None:
            self.done_note.clear()
            self.refresh()

        self._ops.run(
            lambda: complete_follow_up(db, actor, referral_id, note=note),
            owner=self,
            message=lambda r: f"Follow-up on {r.incident_number} recorded.",
            on_success=done,
            on_finished=self._update_buttons,
            busy=(self.done_button,),
        )

    def _on_open_button_clicked(self) -> None:
        chosen = self.selected()
        if chosen is not None:
            self.incident_selected.emit(chosen.referral.incident_id)


__all__ = ["FollowUpList", "ReferralDialog"]
