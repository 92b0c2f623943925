"""Audit log viewer for supervisors: filters, a table loaded off the GUI thread, CSV export."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QDateTime, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from data.audit_export import AuditFilters, export_filtered, read_audit, timestamp
from data.db import Database
from data.permissions import Actor
from data.records import AuditRecord
from widgets import theme
from widgets.dates import to_qdatetime
from widgets.operations import Operations, failure_text
from widgets.record_table import RowListModel

AuditIdRole = Qt.ItemDataRole.UserRole + 1
AuditRecordRole = Qt.ItemDataRole.UserRole + 2
COLUMNS = ("Time", "User", "Workstation", "Action", "Entity", "Outcome", "Details")
VIEW_LIMIT = 2000
PERIODS = (
    ("Last hour", dt.timedelta(hours=1)),
    ("Last 24 hours", dt.timedelta(hours=24)),
    ("Last 7 days", dt.timedelta(days=7)),
    ("Last 30 days", dt.timedelta(days=30)),
    ("Last 365 days", dt.timedelta(days=365)),
    ("Custom range", None),
)
OUTCOMES = (("Any outcome", ""), ("ok", "ok"), ("refused", "refused"), ("failed", "failed"))

Index = QModelIndex | QPersistentModelIndex


def summary(values: dict[str, Any] | None, limit: int = 160) -> str:
    if not values:
        return ""
    text = "; ".join(f"{k}={v}" for k, v in values.items())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class AuditTableModel(RowListModel[AuditRecord]):
    """Audit rows newest first; a new query replaces them all (a reset is right: everything changed)."""

    headers = COLUMNS

    def __init__(self, timezone: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tz = ZoneInfo(timezone)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._rows) or index.parent().isValid():
            return None
        r = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(r, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(r)
        if role == Qt.ItemDataRole.ForegroundRole and column == 5 and r.outcome != "ok":
            colors = theme.colors()
            return QBrush(colors.red if r.outcome == "refused" else colors.amber)
        if role == AuditIdRole:
            return r.id
        if role == AuditRecordRole:
            return r
        return None

    def _display(self, r: AuditRecord, column: int) -> str:
        if column == 0:
            return r.at.astimezone(self._tz).isoformat(sep=" ", timespec="milliseconds")[:23]
        if column == 1:
            return r.username
        if column == 2:
            return r.workstation
        if column == 3:
            return r.action
        if column == 4:
            return f"{r.entity} {r.entity_id}" if r.entity_id is not None else r.entity
        if column == 5:
            return r.outcome
        return summary(r.after) or summary(r.before)

    def _tooltip(self, r: AuditRecord) -> str:
        lines = [
            f"{timestamp(r.at.astimezone(dt.UTC))} UTC · {r.action} · {r.outcome}",
            f"{r.username} at {r.workstation}",
        ]
        if r.before is not None:
            lines.append("before: " + json.dumps(r.before, ensure_ascii=False, sort_keys=True))
        if r.after is not None:
            lines.append("after: " + json.dumps(r.after, ensure_ascii=False, sort_keys=True))
        return "\n".join(lines)

    def set_records(self, records: Sequence[AuditRecord]) -> None:
        self.beginResetModel()
        self._rows = list(records)
        self.endResetModel()


class AuditViewer(QDialog):
    """Who did what, where and when. Each load is itself audited; a dispatcher is refused by the service."""

    loaded = Signal(int)  # rows shown
    exported = Signal(str)  # path written

    def __init__(self, db: Database, actor: Actor, operations: Operations, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.actor = actor
        self._ops = operations
        self._serial = 0
        self._tz = ZoneInfo(db.pack.timezone)
        self.setObjectName("auditViewer")
        self.setWindowTitle("Audit log — CSO Console")
        self.setAccessibleName("Audit log")
        self.setModal(False)

        self.user_filter = QLineEdit()
        self.user_filter.setPlaceholderText("User")
        self.user_filter.setAccessibleName("Filter by user")
        self.action_filter = QLineEdit()
        self.action_filter.setPlaceholderText("Action (e.g. sign_in)")
        self.action_filter.setAccessibleName("Filter by action")
        self.incident_filter = QLineEdit()
        self.incident_filter.setPlaceholderText("Incident number")
        self.incident_filter.setAccessibleName("Filter by incident")
        self.outcome_filter = QComboBox()
        self.outcome_filter.setAccessibleName("Filter by outcome")
        for label, value in OUTCOMES:
            self.outcome_filter.addItem(label, value)
        self.period = QComboBox()
        self.period.setAccessibleName("Time range")
        for label, _delta in PERIODS:
            self.period.addItem(label)
        self.period.setCurrentIndex(1)
        now_local = to_qdatetime(db.clock().astimezone(self._tz).replace(tzinfo=None))
        self.from_edit = QDateTimeEdit(now_local.addDays(-1))
        self.from_edit.setAccessibleName("From (local time)")
        self.until_edit = QDateTimeEdit(now_local.addSecs(60))
        self.until_edit.setAccessibleName("Until (local time)")
        for edit in (self.from_edit, self.until_edit):
            edit.setDisplayFormat("yyyy-MM-dd HH:mm")
            edit.setCalendarPopup(True)
            edit.setEnabled(False)
        self.show_button = QPushButton("Show")
        self.show_button.setAutoDefault(False)
        self.dialog: QFileDialog | None = None  # the open file dialog, if any
        self.export_button = QPushButton("Export CSV…")
        self.export_button.setAutoDefault(False)
        self.status = QLabel()
        self.status.setObjectName("auditStatus")
        self.status.setAccessibleName("Audit log status")

        self.model = AuditTableModel(db.pack.timezone, self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName("Audit entries")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)

        filters = QHBoxLayout()
        for widget in (self.user_filter, self.action_filter, self.incident_filter, self.outcome_filter, self.period):
            filters.addWidget(widget)
        filters.addWidget(QLabel("from"))
        filters.addWidget(self.from_edit)
        filters.addWidget(QLabel("until"))
        filters.addWidget(self.until_edit)
        filters.addWidget(self.show_button)
        bottom = QHBoxLayout()
        bottom.addWidget(self.status, 1)
        bottom.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addLayout(bottom)
        self.resize(1100, 640)
        self._connect_signals()

    def _connect_signals(self) -> None:
        self.show_button.clicked.connect(self.refresh)
        for edit in (self.user_filter, self.action_filter, self.incident_filter):
            edit.returnPressed.connect(self.refresh)
        self.period.currentIndexChanged.connect(self._on_period_current_index_changed)
        self.export_button.clicked.connect(self.export_csv)

    def _on_period_current_index_changed(self, index: int) -> None:
        custom = PERIODS[index][1] is None
        self.from_edit.setEnabled(custom)
        self.until_edit.setEnabled(custom)

    def filters(self) -> AuditFilters:
        delta = PERIODS[self.period.currentIndex()][1]
        if delta is not None:
            since, until = self.db.clock() - delta, None
        else:
            since = self._utc(self.from_edit.dateTime())
            until = self._utc(self.until_edit.dateTime())
        return AuditFilters(
            username=self.user_filter.text().strip(),
            action=self.action_filter.text().strip(),
            outcome=str(self.outcome_filter.currentData() or ""),
            incident=self.incident_filter.text().strip(),
            since=since,
            until=until,
        )

    def _utc(self, value: QDateTime) -> dt.datetime:
        local = value.toPython()
        assert isinstance(local, dt.datetime)
        return local.replace(tzinfo=self._tz).astimezone(dt.UTC)

    @property
    def pending(self) -> int:
        return self._ops.pending(self)

    def _begin(self, text: str) -> int:
        self._serial += 1
        self.status.setText(text)
        return self._serial

    def _on_task_failed(self, exc: Exception) -> None:
        self.status.setText(f"✖ {failure_text(exc)}")

    # Loading -----------------------------------------------------------------------------------
    def refresh(self) -> None:
        serial = self._begin("Loading…")
        db, actor, filters = self.db, self.actor, self.filters()
        self._ops.run(
            lambda: read_audit(db, actor, filters, limit=VIEW_LIMIT),
            owner=self,
            on_success=lambda records: self._on_load_done(serial, records),
            on_failure=self._on_task_failed,
        )

    def _on_load_done(self, serial: int, records: list[AuditRecord]) -> None:
        if serial != self._serial:
            return  # a newer query is on its way
        self.model.set_records(records)
        more = " (the newest; narrow the filters to see older ones)" if len(records) >= VIEW_LIMIT else ""
        self.status.setText(f"{len(records)} entries, newest first{more}.")
        self.loaded.emit(len(records))

    # Export ------------------------------------------------------------------------------------
    def export_csv(self) -> None:
        """Ask where to write the CSV; the export starts when a file is chosen."""
        stamp = self.db.clock().astimezone(self._tz).strftime("%Y%m%d-%H%M")
        dialog = QFileDialog(self, "Export audit log", f"audit-{stamp}.csv", "CSV files (*.csv)")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix("csv")
        dialog.fileSelected.connect(self.export_to)
        dialog.finished.connect(dialog.deleteLater)
        self.dialog = dialog
        # open(), not exec(): a nested event loop would stall the qasync loop.
        dialog.open()

    def export_to(self, path: str) -> None:
        if not path:
            return
        self._begin("Exporting…")
        db, actor, filters = self.db, self.actor, self.filters()
        self._ops.run(
            lambda: export_filtered(db, actor, filters, path),
            owner=self,
            message=lambda count: f"Exported {count} entries to {path}.",
            on_success=lambda count: self._on_export_done(path, count),
            on_failure=self._on_task_failed,
        )

    def _on_export_done(self, path: str, count: int) -> None:
        self.status.setText(f"Exported {count} entries to {path}.")
        self.exported.emit(path)
