"""The units on an incident and the ranked recommendation of who to send next."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QGridLayout, QLabel, QListWidget, QListWidgetItem, QWidget

from data import rules
from data.records import IncidentRecord, UnitRecord
from data.rules import STATUS_LABELS, Recommendation
from widgets.incident_detail.summary import local_time
from widgets.store import BoardStore


class UnitsPanel(QWidget):
    """Assigned units (status and minutes in it) beside the recommended ones; both read the store only."""

    def __init__(self, store: BoardStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self._tz = ZoneInfo(store.db.pack.timezone)
        self.recommendations: list[Recommendation] = []
        self.assigned_list = QListWidget(self)
        self.assigned_list.setAccessibleName("Assigned units")
        self.assigned_list.setMaximumHeight(96)
        self.recommended_list = QListWidget(self)
        self.recommended_list.setAccessibleName("Recommended units")
        self.recommended_list.setMaximumHeight(96)
        for view in (self.assigned_list, self.recommended_list):
            view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
            view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            view.setTextElideMode(Qt.TextElideMode.ElideRight)
            view.setUniformItemSizes(True)
        assigned_title = QLabel("Assigned", self)
        assigned_title.setObjectName("sectionTitle")
        assigned_title.setBuddy(self.assigned_list)
        recommended_title = QLabel("Recommended (select, then Dispatch)", self)
        recommended_title.setObjectName("sectionTitle")
        recommended_title.setBuddy(self.recommended_list)
        units = QGridLayout(self)
        units.setContentsMargins(0, 0, 0, 0)
        units.setHorizontalSpacing(8)
        units.setVerticalSpacing(2)
        units.addWidget(assigned_title, 0, 0)
        units.addWidget(recommended_title, 0, 1)
        units.addWidget(self.assigned_list, 1, 0)
        units.addWidget(self.recommended_list, 1, 1)
        units.setColumnStretch(0, 2)
        units.setColumnStretch(1, 3)

    def assigned_units(self, rec: IncidentRecord | None) -> list[UnitRecord]:
        if rec is None:
            return []
        return sorted((u for u in self._store.units.values() if u.incident_id == rec.id), key=lambda u: u.call_sign)

    def selected_unit_id(self, view: QListWidget) -> int | None:
        item = view.currentItem()
        return int(item.data(Qt.ItemDataRole.UserRole)) if item is not None else None

    def show_assigned(self, rec: IncidentRecord | None) -> None:
        keep = self.selected_unit_id(self.assigned_list)
        self.assigned_list.clear()
        now = self._store.db.clock()
        for unit in self.assigned_units(rec):
            minutes = max(0, int((now - unit.status_since).total_seconds() // 60))
            crew = f" · {', '.join(unit.officers)}" if unit.officers else ""
            item = QListWidgetItem(
                f"{unit.call_sign}  {STATUS_LABELS.get(unit.status, unit.status)} {minutes} min{crew}"
            )
            item.setToolTip(
                f"{unit.call_sign}: {STATUS_LABELS.get(unit.status, unit.status)} since "
                f"{local_time(unit.status_since, self._tz)}{crew}"
            )
            item.setData(Qt.ItemDataRole.UserRole, unit.id)
            self.assigned_list.addItem(item)
            if unit.id == keep:
                self.assigned_list.setCurrentItem(item)
        if rec is not None and not self.assigned_list.count() and rec.units:
            # Units named on the record but not (yet) in the store: show the names.
            for sign in rec.units:
                self.assigned_list.addItem(QListWidgetItem(sign))

    def recommend(self, rec: IncidentRecord | None, *, may_dispatch: bool) -> None:
        """Rank the store's units for the incident: a pure rule, no database round trip on each unit change."""
        if rec is None or not may_dispatch:
            self.recommendations = []
        else:
            call_type = self._store.db.pack.call_types.get(rec.call_type)
            skills = call_type.skills if call_type else ()
            self.recommendations = rules.recommend_units(rec, list(self._store.units.values()), skills)
        self._show_recommendations()

    def _show_recommendations(self) -> None:
        keep = self.selected_unit_id(self.recommended_list)
        self.recommended_list.clear()
        for rec in self.recommendations:
            crew = f" · {', '.join(rec.unit.officers)}" if rec.unit.officers else ""
            item = QListWidgetItem(f"{rec.unit.call_sign}  {rec.reason}{crew}")
            item.setData(Qt.ItemDataRole.UserRole, rec.unit.id)
            item.setToolTip(rec.reason)
            self.recommended_list.addItem(item)
            if rec.unit.id == keep:
                self.recommended_list.setCurrentItem(item)
        if self.recommended_list.currentItem() is None and self.recommended_list.count():
            self.recommended_list.setCurrentRow(0)
