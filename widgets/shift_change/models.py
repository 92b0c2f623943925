"""The shift change's two editable tables: open incidents carried over (with handoff notes) and the
incoming roster (officer → unit → zone, with the problems the service would refuse)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, ClassVar, TypeVar
from zoneinfo import ZoneInfo

from PySide6.QtCore import (
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import (
    QWidget,
)

from data import rules
from data.records import OfficerRecord, UnitRecord
from data.services.shift_change import HANDOFF_PREFIX
from data.shift_summary import CarriedOver
from widgets import theme
from widgets.record_table import RowListModel

Index = QModelIndex | QPersistentModelIndex
T = TypeVar("T")
IdRole = Qt.ItemDataRole.UserRole + 1


class EditableRowsModel(RowListModel[T]):
    """A list-backed table whose rows are public (`rows`, live) and whose `editable_columns` take edits."""

    editable_columns: ClassVar[tuple[int, ...]] = ()

    @property
    def rows(self) -> list[T]:
        return self._rows

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        return base | Qt.ItemFlag.ItemIsEditable if index.column() in self.editable_columns else base


# Carry-over table -------------------------------------------------------------------------------
class CarryModel(EditableRowsModel[CarriedOver]):
    """Open incidents that move to the new shift; the last column is the handoff note, editable."""

    COLUMNS = ("Incident", "P", "Type", "Location", "Status", "Last entry", "Handoff note")
    NOTE = 6
    headers = COLUMNS
    editable_columns = (NOTE,)

    def __init__(self, timezone: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tz = ZoneInfo(timezone)
        self._notes: dict[int, str] = {}

    def set_rows(self, rows: Sequence[CarriedOver]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        keep = {r.incident.id for r in self.rows}
        self._notes = {k: v for k, v in self._notes.items() if k in keep}
        self.endResetModel()

    def notes(self) -> dict[int, str]:
        """Handoff notes typed so far, by incident id (empty ones left out)."""
        return {k: v.strip() for k, v in self._notes.items() if v.strip()}

    def set_note(self, incident_id: int, text: str) -> bool:
        for row, item in enumerate(self.rows):
            if item.incident.id == incident_id:
                return self.setData(self.index(row, self.NOTE), text)
        return False

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        item = self.rows[index.row()]
        inc = item.incident
        column = index.column()
        if role == IdRole:
            return inc.id
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            if column == self.NOTE:
                return self._notes.get(inc.id, "")
            if role == Qt.ItemDataRole.EditRole:
                return None
            return (
                inc.number,
                f"P{inc.priority}",
                inc.call_type_label,
                inc.location,
                rules.STATUS_LABELS.get(inc.status, inc.status) + (f" · {', '.join(inc.units)}" if inc.units else ""),
                item.last_note or "—",
            )[column]
        if role == Qt.ItemDataRole.ToolTipRole:
            if column in (2, 3, 4):
                return str(self.data(index))
            if column == 5 and item.last_note:
                when = item.last_note_at.astimezone(self._tz).strftime("%H:%M") if item.last_note_at else ""
                return f"{when} {item.last_note_by}: {item.last_note}".strip()
            if column == self.NOTE:
                return f"Goes into {inc.number}'s timeline as “{HANDOFF_PREFIX}…” when the new shift starts."
            return None
        if role == Qt.ItemDataRole.ForegroundRole and column == 1:
            return QBrush(theme.colors().priority.get(inc.priority, theme.colors().muted))
        if role == Qt.ItemDataRole.ForegroundRole and column == self.NOTE and not self._notes.get(inc.id):
            return QBrush(theme.colors().muted)
        return None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid() or index.column() != self.NOTE:
            return False
        self._notes[self.rows[index.row()].incident.id] = str(value or "")
        self.dataChanged.emit(index, index, [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole])
        return True


# Incoming roster --------------------------------------------------------------------------------
@dataclass(frozen=True)
class RosterRow:
    officer_id: int
    unit_id: int
    zone: str | None


class RosterModel(EditableRowsModel[RosterRow]):
    """Officer → call sign → zone for the incoming shift; editable with combo boxes."""

    COLUMNS = ("Officer", "Unit", "Zone", "Now")
    OFFICER, UNIT, ZONE, NOW = range(4)
    headers = COLUMNS
    editable_columns = (OFFICER, UNIT, ZONE)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.officers: dict[int, OfficerRecord] = {}
        self.units: dict[int, UnitRecord] = {}
        self.zones: list[str] = []

    def set_context(self, officers: Sequence[OfficerRecord], units: Sequence[UnitRecord], zones: Sequence[str]) -> None:
        self.beginResetModel()
        self.officers = {o.id: o for o in officers}
        self.units = {u.id: u for u in units}
        self.zones = list(zones)
        self.endResetModel()

    def set_rows(self, rows: Sequence[RosterRow]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def lines(self) -> list[tuple[int, int, str | None]]:
        return [(r.officer_id, r.unit_id, r.zone) for r in self.rows]

    def unit_ids(self) -> set[int]:
        return {r.unit_id for r in self.rows}

    def add_row(self) -> int:
        """Append the first officer not yet rostered, in the first unit not yet used (or the first unit)."""
        used_officers = {r.officer_id for r in self.rows}
        officer = next((o for o in self.officers.values() if o.id not in used_officers), None)
        if officer is None or not self.units:
            return -1
        used_units = self.unit_ids()
        unit = next((u for u in self.units.values() if u.id not in used_units), next(iter(self.units.values())))
        row = len(self.rows)
        self.beginInsertRows(QModelIndex(), row, row)
        self.rows.append(RosterRow(officer.id, unit.id, unit.zone))
        self.endInsertRows()
        return row

    def remove_row(self, row: int) -> None:
        if 0 <= row < len(self.rows):
            self.beginRemoveRows(QModelIndex(), row, row)
            del self.rows[row]
            self.endRemoveRows()

    def officer_label(self, officer_id: int) -> str:
        o = self.officers.get(officer_id)
        return f"{o.name} ({o.badge})" if o else f"Officer {officer_id}"

    def problems(self, row: int) -> str:
        """Why a roster line would be refused, or ''."""
        line = self.rows[row]
        if sum(1 for r in self.rows if r.officer_id == line.officer_id) > 1:
            return "listed twice"
        zones = {r.zone for r in self.rows if r.unit_id == line.unit_id and r.zone}
        if len(zones) > 1:
            return "unit given two zones"
        return ""

    def _now(self, unit_id: int) -> str:
        unit = self.units.get(unit_id)
        if unit is None:
            return ""
        if not unit.on_shift:
            return "signs on (available)"
        status = rules.STATUS_LABELS.get(unit.status, unit.status)
        if unit.incident_number:
            status += f" · {unit.incident_number.split('-')[-1].lstrip('0')}"
        return f"stays on: {status}"

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        line = self.rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            if column == self.OFFICER:
                return self.officer_label(line.officer_id)
            if column == self.UNIT:
                unit = self.units.get(line.unit_id)
                return unit.call_sign if unit else f"Unit {line.unit_id}"
            if column == self.ZONE:
                return line.zone or "—"
            problem = self.problems(index.row())
            return f"⚠ {problem}" if problem else self._now(line.unit_id)
        if role == Qt.ItemDataRole.EditRole or role == IdRole:
            return (line.officer_id, line.unit_id, line.zone or "", None)[column]
        if role == Qt.ItemDataRole.ForegroundRole and column == self.NOW:
            c = theme.colors()
            return QBrush(c.red if self.problems(index.row()) else c.muted)
        return None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid() or index.column() == self.NOW:
            return False
        line = self.rows[index.row()]
        if index.column() == self.OFFICER:
            if int(value) not in self.officers:
                return False
            line = replace(line, officer_id=int(value))
        elif index.column() == self.UNIT:
            if int(value) not in self.units:
                return False
            unit = self.units[int(value)]
            line = replace(line, unit_id=unit.id, zone=line.zone or unit.zone)
        else:
            line = replace(line, zone=str(value).strip() or None)
        self.rows[index.row()] = line
        # Problems depend on other rows (duplicates, zones): refresh the whole status column.
        self.dataChanged.emit(self.index(index.row(), 0), self.index(index.row(), self.ZONE))
        self.dataChanged.emit(self.index(0, self.NOW), self.index(len(self.rows) - 1, self.NOW))
        return True


__all__ = ["CarryModel", "EditableRowsModel", "IdRole", "RosterModel", "RosterRow"]
