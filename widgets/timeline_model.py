"""Item model of one incident's timeline: time (local), author, event text."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, Qt

from data.records import EventRecord
from widgets.record_table import RowListModel

EventIdRole = Qt.ItemDataRole.UserRole + 1
EventKindRole = Qt.ItemDataRole.UserRole + 2
COLUMNS = ("Time", "By", "Event")
KIND_LABELS = {
    "created": "Call created",
    "unit_assigned": "Dispatch",
    "unit_released": "Unit released",
    "status": "Status",
    "status_check": "Status check",
    "note": "Note",
    "priority": "Priority",
    "updated": "Updated",
    "transferred": "Transfer",
    "merged": "Merged",
    "reopened": "Reopened",
    "transfer_in": "Transfer in",
    "transfer_data": "From the sending agency",
    "transfer_update": "Sender's update",
}

Index = QModelIndex | QPersistentModelIndex


class TimelineModel(RowListModel[EventRecord]):
    """Events oldest first; new events are appended as rows, never by a reset."""

    headers = COLUMNS

    def __init__(self, timezone: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tz = ZoneInfo(timezone)
        self.incident_id: int | None = None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        event = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == 0:
                return self.local_time(event.at)
            if column == 1:
                return event.author
            return event.text
        if role == Qt.ItemDataRole.ToolTipRole:
            when = event.at.astimezone(self._tz)
            kind = KIND_LABELS.get(event.kind, event.kind)
            return f"{when:%a %d %b %Y %H:%M:%S} · {kind} · {event.author} at {event.workstation}\n{event.text}"
        if role == EventIdRole:
            return event.id
        if role == EventKindRole:
            return event.kind
        if role == Qt.ItemDataRole.TextAlignmentRole and column == 0:
            return int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        return None

    def local_time(self, moment: dt.datetime) -> str:
        return f"{moment.astimezone(self._tz):%H:%M:%S}"

    def events(self) -> list[EventRecord]:
        return list(self._rows)

    def set_events(self, incident_id: int | None, events: Sequence[EventRecord]) -> None:
        """Show another incident's events (a reset), or append what is new for the same one."""
        fresh = list(events)
        same = incident_id == self.incident_id
        known = [e.id for e in self._rows]
        if same and [e.id for e in fresh[: len(known)]] == known:
            extra = fresh[len(known) :]
            if extra:
                self.beginInsertRows(QModelIndex(), len(self._rows), len(self._rows) + len(extra) - 1)
                self._rows.extend(extra)
                self.endInsertRows()
            return
        self.beginResetModel()
        self.incident_id = incident_id
        self._rows = fresh
        self.endResetModel()
