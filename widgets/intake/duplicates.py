"""Possible duplicates: the calls at the place being typed, and the merge into one of them."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGroupBox,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from data import rules, services
from data.db import Database
from data.records import DuplicateCandidate
from widgets.inline import InlineMessage
from widgets.operations import Operations
from widgets.places import Place


class DuplicatesBox(QGroupBox):
    """Open calls (or calls closed minutes ago) at the chosen place; shown only when there are some."""

    settled = Signal()  # the check for the chosen place has answered
    merge_clicked = Signal()

    def __init__(self, db: Database, ops: Operations, form: QWidget) -> None:
        super().__init__("Possible duplicate: calls at this place", form)
        self._db = db
        self._ops = ops
        self._tz = ZoneInfo(db.pack.timezone)
        self.duplicates: list[DuplicateCandidate] = []
        self.checked_for: Place | None = None
        self.pending = False
        self.acknowledged = False
        self.setObjectName("duplicateBox")
        self.duplicate_list = QListWidget(self)
        self.duplicate_list.setAccessibleName("Possible duplicates")
        self.duplicate_list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.duplicate_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.duplicate_list.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.merge_button = QPushButton("Mer&ge into selected", self)
        self.merge_button.setToolTip("Save this call as a duplicate: the caller's details go to the selected incident")
        self.duplicate_hint = InlineMessage(self)
        layout = QVBoxLayout(self)
        layout.addWidget(self.duplicate_list)
        row = QHBoxLayout()
        row.addWidget(self.duplicate_hint, 1)
        row.addWidget(self.merge_button)
        layout.addLayout(row)
        self.setVisible(False)
        self.merge_button.clicked.connect(self._on_merge_button_clicked)

    def _on_merge_button_clicked(self) -> None:
        self.merge_clicked.emit()

    def selected_id(self) -> int | None:
        item = self.duplicate_list.currentItem()
        return None if item is None else int(item.data(Qt.ItemDataRole.UserRole))

    def check(self, place: Place, *, received_at: dt.datetime | None, location: str) -> None:
        """Look for calls the one being typed may repeat, off the GUI thread."""
        self.pending = True
        self.checked_for = place
        db = self._db
        self._ops.run(
            lambda: services.duplicates_near(
                db, latitude=place.latitude, longitude=place.longitude, received_at=received_at, location=location
            ),
            owner=self.parent(),  # the form: its pending count covers this panel's reads
            on_success=lambda found: self._on_duplicates_found(place, found),
            on_failure=lambda _exc: self._on_duplicates_found(place, []),
            report_failure=False,
        )

    def _on_duplicates_found(self, place: Place, found: list[DuplicateCandidate]) -> None:
        if place != self.checked_for:
            return
        self.pending = False
        self.show_duplicates(found, place)
        self.settled.emit()

    def show_duplicates(self, found: list[DuplicateCandidate], place: Place | None) -> None:
        if place is None:
            self.checked_for = None
            self.pending = False
        changed = [c.incident.id for c in found] != [c.incident.id for c in self.duplicates]
        self.duplicates = list(found)
        if changed:
            self.acknowledged = False
        self.duplicate_list.clear()
        for cand in found:
            inc = cand.incident
            local = inc.received_at.astimezone(self._tz)
            units = f" · {', '.join(inc.units)}" if inc.units else ""
            age = self._age(cand.minutes_apart)
            state = rules.STATUS_LABELS.get(inc.status, inc.status)
            when = f"received {local:%H:%M}, {age} ago" if inc.is_open else f"{state.lower()} {age} ago"
            item = QListWidgetItem(
                f"{inc.number}  P{inc.priority} {inc.call_type_label} · {inc.location} · "
                f"{cand.distance_m:.0f} m away · {state} · {when}{units}"
            )
            item.setData(Qt.ItemDataRole.UserRole, inc.id)
            self.duplicate_list.addItem(item)
        rows = min(max(len(found), 1), 3)
        self.duplicate_list.setFixedHeight(
            self.duplicate_list.sizeHintForRow(0) * rows + 2 * self.duplicate_list.frameWidth() + 2
        )
        if found:
            self.duplicate_list.setCurrentRow(0)
            self.duplicate_hint.show_message(
                "Same place, still open (or closed minutes ago): merge keeps this caller's details.", "warning"
            )
        else:
            self.duplicate_hint.clear_message()
        self.setVisible(bool(found))

    @staticmethod
    def _age(minutes: float) -> str:
        if minutes < 90:
            return f"{minutes:.0f} min"
        return f"{minutes / 60:.0f} h" if minutes < 48 * 60 else f"{minutes / 1440:.0f} days"
