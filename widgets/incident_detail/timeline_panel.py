"""The incident's timeline and the note line under it."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from data.records import EventRecord
from widgets.timeline_model import TimelineModel


class TimelinePanel(QWidget):
    """Every event in order (it stays at the newest when it was there); Enter in the note line adds a note."""

    def __init__(self, timeline: TimelineModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.timeline = timeline
        self.timeline_view = QTableView(self)
        self.timeline_view.setModel(timeline)
        self.timeline_view.setAccessibleName("Timeline")
        self.timeline_view.setTabKeyNavigation(False)  # Tab leaves the table for the note line
        self.timeline_view.verticalHeader().setVisible(False)
        self.timeline_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.timeline_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.timeline_view.setWordWrap(True)
        self.timeline_view.setAlternatingRowColors(True)
        self.timeline_view.setShowGrid(False)
        header_view = self.timeline_view.horizontalHeader()
        header_view.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header_view.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header_view.setStretchLastSection(True)
        self.timeline_view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.note_edit = QLineEdit(self)
        self.note_edit.setPlaceholderText("Add a note to the timeline and press Enter")
        self.note_edit.setAccessibleName("Note")
        note_title = QLabel("&Note", self)
        note_title.setObjectName("sectionTitle")
        note_title.setBuddy(self.note_edit)
        self.note_button = QPushButton("Add", self)
        self.note_button.setAccessibleName("Add note")
        self.note_button.setAutoDefault(False)
        note_row = QHBoxLayout()
        note_row.addWidget(note_title)
        note_row.addWidget(self.note_edit, 1)
        note_row.addWidget(self.note_button)
        timeline_title = QLabel("Timeline", self)
        timeline_title.setObjectName("sectionTitle")
        self.timeline_view.setMinimumHeight(6 * self.timeline_view.fontMetrics().height() + 30)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 6)
        layout.setSpacing(4)
        layout.addWidget(timeline_title)
        layout.addWidget(self.timeline_view, 1)
        layout.addLayout(note_row)

    def set_events(self, incident_id: int | None, events: Sequence[EventRecord]) -> None:
        """Show the events; a view scrolled to the newest one stays there as new ones arrive."""
        bar = self.timeline_view.verticalScrollBar()
        at_end = bar.value() >= bar.maximum() - 4
        self.timeline.set_events(incident_id, list(events))
        if at_end:
            self.timeline_view.scrollToBottom()

    def show_allowed(self, *, may_note: bool) -> None:
        self.note_edit.setEnabled(may_note)
        self.note_button.setEnabled(may_note)
