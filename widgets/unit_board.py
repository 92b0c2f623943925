"""The unit status board: units on shift with status, status-check timers and acknowledgement."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import (
    QAbstractTableModel,
    QByteArray,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSize,
    QSortFilterProxyModel,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QColor, QFont, QFontMetrics, QKeyEvent, QKeySequence, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from data.records import IncidentRecord, UnitRecord
from data.rules import STATUS_LABELS, check_state
from widgets import theme
from widgets.actions import DispatchActions
from widgets.incident_queue import ElidingLabel, format_elapsed, spoken_elapsed
from widgets.store import BoardStore

ModelIndex = QModelIndex | QPersistentModelIndex

# Columns -----------------------------------------------------------------------------------------
# What a dispatcher scans first comes first, so a narrow dock still shows it; crew and skills last.
COL_UNIT, COL_STATUS, COL_TIME, COL_CHECK, COL_INCIDENT, COL_LOCATION, COL_ZONE, COL_OFFICERS, COL_SKILLS = range(9)
HEADERS = ("Unit", "Status", "Time", "Check", "Incident", "Location", "Zone", "Officers", "Skills")
TIME_COLUMNS = (COL_TIME, COL_CHECK)

# Roles -------------------------------------------------------------------------------------------
UnitIdRole = Qt.ItemDataRole.UserRole + 1
UnitStatusRole = Qt.ItemDataRole.UserRole + 2
StatusCheckRole = Qt.ItemDataRole.UserRole + 3  # "none" (no timer), "ok", "warning" or "critical"
SortKeyRole = Qt.ItemDataRole.UserRole + 4
RecordRole = Qt.ItemDataRole.UserRole + 5
FlashRole = Qt.ItemDataRole.UserRole + 6  # True while an alerting row shows its bright phase
IncidentIdRole = Qt.ItemDataRole.UserRole + 7

ROLE_NAMES = {
    UnitIdRole: b"unitId",
    UnitStatusRole: b"status",
    StatusCheckRole: b"statusCheck",
    SortKeyRole: b"sortKey",
    RecordRole: b"record",
    FlashRole: b"flash",
    IncidentIdRole: b"incidentId",
}

ROW_ROLES = [
    Qt.ItemDataRole.DisplayRole,
    Qt.ItemDataRole.ToolTipRole,
    Qt.ItemDataRole.AccessibleTextRole,
    Qt.ItemDataRole.ForegroundRole,
    Qt.ItemDataRole.BackgroundRole,
    Qt.ItemDataRole.FontRole,
    UnitIdRole,
    UnitStatusRole,
    StatusCheckRole,
    SortKeyRole,
    RecordRole,
    FlashRole,
    IncidentIdRole,
]
TICK_ROLES = [
    Qt.ItemDataRole.DisplayRole,
    Qt.ItemDataRole.ToolTipRole,
    Qt.ItemDataRole.AccessibleTextRole,
    Qt.ItemDataRole.ForegroundRole,
    Qt.ItemDataRole.BackgroundRole,
    StatusCheckRole,
    FlashRole,
]
FLASH_ROLES = [Qt.ItemDataRole.BackgroundRole, FlashRole]
INCIDENT_ROLES = [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole]

# Board order: who can take a call soonest comes first.
STATUS_GROUPS = {
    "available": 0,
    "busy": 1,
    "dispatched": 2,
    "enroute": 2,
    "onscene": 2,
    "break": 3,
    "meal": 3,
    "out_of_service": 4,
    "off_duty": 5,
}
ALERT_STATES = ("warning", "critical")
ACK_KEY = QKeySequence("Ctrl+K")  # the command line's ACK does the same


def natural_key(text: str) -> tuple[Any, ...]:
    """CSO2 before CSO10."""
    return tuple(int(part) if part.isdigit() else part.casefold() for part in re.split(r"(\d+)", text))


def board_key(unit: UnitRecord) -> tuple[Any, ...]:
    return (STATUS_GROUPS.get(unit.status, 9), natural_key(unit.call_sign), unit.id)


# The model ---------------------------------------------------------------------------------------
class UnitBoardModel(QAbstractTableModel):
    """One row per unit on shift; units signing off leave, units signing on arrive."""

    ticked = Signal(object)

    def __init__(
        self,
        store: BoardStore,
        *,
        clock: Callable[[], dt.datetime] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._store = store
        self._clock = clock or store.db.clock
        self.timers: dict[str, tuple[int, int]] = dict(store.db.pack.timers)
        self._tz = ZoneInfo(store.db.pack.timezone)
        self._rows: list[UnitRecord] = []
        self._keys: list[tuple[Any, ...]] = []
        self._row_of: dict[int, int] = {}
        self._now = self._clock()
        self.flash_on = False
        store.board_loaded.connect(self._on_store_board_loaded)
        store.units_changed.connect(self._on_store_units_changed)
        store.incidents_changed.connect(self._on_store_incidents_changed)
        # The same one-second tick moves the timers on and flashes rows whose status check is due.
        self.tick_timer = QTimer(self)
        self.tick_timer.setInterval(1000)
        self.tick_timer.timeout.connect(self.tick)
        self.tick_timer.start()
        self._fill(u for u in store.units.values() if u.on_shift)

    # Store events --------------------------------------------------------------------------------
    def _on_store_board_loaded(self) -> None:
        self.beginResetModel()
        self._rows.clear()
        self._keys.clear()
        self._row_of.clear()
        self._now = self._clock()
        self._fill(u for u in self._store.units.values() if u.on_shift)
        self.endResetModel()

    def _fill(self, units: Iterable[UnitRecord]) -> None:
        for unit in units:
            self._row_of[unit.id] = len(self._rows)
            self._rows.append(unit)
            self._keys.append(board_key(unit))

    def _on_store_units_changed(self, units: Sequence[UnitRecord]) -> None:
        latest = {u.id: u for u in units}
        last_column = self.columnCount() - 1
        leaving: list[int] = []
        arriving: list[UnitRecord] = []
        for unit in latest.values():
            row = self._row_of.get(unit.id)
            if row is None:
                if unit.on_shift:
                    arriving.append(unit)
                continue
            if not unit.on_shift:
                leaving.append(unit.id)
                continue
            self._rows[row] = unit
            self._keys[row] = board_key(unit)
            self.dataChanged.emit(self.index(row, 0), self.index(row, last_column), ROW_ROLES)
        # Remove from the bottom up so the rows still to go keep their numbers.
        for row in sorted((self._row_of[uid] for uid in leaving), reverse=True):
            self.beginRemoveRows(QModelIndex(), row, row)
            del self._rows[row]
            del self._keys[row]
            self._row_of = {u.id: i for i, u in enumerate(self._rows)}
            self.endRemoveRows()
        if arriving:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(arriving) - 1)
            self._fill(arriving)
            self.endInsertRows()

    def _on_store_incidents_changed(self, incidents: Sequence[IncidentRecord]) -> None:
        # A unit's incident location shows the incident's latest address, not the one it was sent to.
        changed = {rec.id for rec in incidents}
        for row, unit in enumerate(self._rows):
            if unit.incident_id in changed:
                self.dataChanged.emit(self.index(row, COL_INCIDENT), self.index(row, COL_LOCATION), INCIDENT_ROLES)

    def tick(self) -> None:
        """Move the timers on and flip the flash phase of rows with a status check due."""
        self._now = self._clock()
        self.flash_on = not self.flash_on
        if self._rows:
            last_row = len(self._rows) - 1
            self.dataChanged.emit(self.index(0, TIME_COLUMNS[0]), self.index(last_row, TIME_COLUMNS[-1]), TICK_ROLES)
            last_column = self.columnCount() - 1
            for row, unit in enumerate(self._rows):
                if self.check_state(unit) in ALERT_STATES:
                    self.dataChanged.emit(self.index(row, 0), self.index(row, last_column), FLASH_ROLES)
        self.ticked.emit(self._now)

    # Lookups -------------------------------------------------------------------------------------
    def now(self) -> dt.datetime:
        return self._now

    def record(self, row: int) -> UnitRecord:
        return self._rows[row]

    def row_of(self, unit_id: int) -> int | None:
        return self._row_of.get(unit_id)

    def sort_key(self, row: int) -> tuple[Any, ...]:
        return self._keys[row]

    def has_timer(self, unit: UnitRecord) -> bool:
        return unit.status in self.timers and unit.check_started_at is not None

    def check_state(self, unit: UnitRecord) -> str:
        """'none' when no timer runs, else data.rules.check_state: 'ok', 'warning' or 'critical'."""
        if not self.has_timer(unit):
            return "none"
        return check_state(unit.status, unit.check_started_at, self._now, self.timers)

    def check_minutes(self, unit: UnitRecord) -> int:
        if unit.check_started_at is None:
            return 0
        return int((self._now - unit.check_started_at).total_seconds() // 60)

    def counts(self) -> dict[str, int]:
        """Units per board heading: available, on calls, busy, break (or meal), out of service; checks due."""
        out = {"available": 0, "assigned": 0, "busy": 0, "break": 0, "out_of_service": 0, "checks": 0}
        for unit in self._rows:
            group = STATUS_GROUPS.get(unit.status, 9)
            key = {0: "available", 1: "busy", 2: "assigned", 3: "break"}.get(group, "out_of_service")
            out[key] += 1
            if self.check_state(unit) in ALERT_STATES:
                out["checks"] += 1
        return out

    def incident_location(self, unit: UnitRecord) -> str:
        incident = self._store.incidents.get(unit.incident_id) if unit.incident_id else None
        if incident is not None:
            return incident.location
        return unit.incident_location or ""

    # Qt model interface --------------------------------------------------------------------------
    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(HEADERS)

    def roleNames(self) -> dict[int, QByteArray]:
        names = dict(super().roleNames())
        names.update({role: QByteArray(name) for role, name in ROLE_NAMES.items()})
        return names

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(HEADERS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(_alignment(section) | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            return _HEADER_TIPS[section]
        return None

    def flags(self, index: ModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row, col = index.row(), index.column()
        if not (0 <= row < len(self._rows) and 0 <= col < len(HEADERS)):
            return None
        unit = self._rows[row]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(unit, col)
        if role == UnitIdRole:
            return unit.id
        if role == UnitStatusRole:
            return unit.status
        if role == StatusCheckRole:
            return self.check_state(unit)
        if role == SortKeyRole:
            return self._keys[row]
        if role == RecordRole:
            return unit
        if role == IncidentIdRole:
            return unit.incident_id
        if role == FlashRole:
            return self.flash_on and self.check_state(unit) in ALERT_STATES
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(_alignment(col) | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(unit, col)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return self._spoken(unit, col)
        if role == Qt.ItemDataRole.BackgroundRole:
            return self._background(unit)
        if role == Qt.ItemDataRole.ForegroundRole:
            return self._foreground(unit, col)
        if role == Qt.ItemDataRole.FontRole:
            if col == COL_UNIT or (col == COL_CHECK and self.check_state(unit) in ALERT_STATES):
                font = QFont()
                font.setBold(True)
                return font
            return None
        return None

    def _display(self, unit: UnitRecord, col: int) -> str:
        if col == COL_UNIT:
            return unit.call_sign
        if col == COL_OFFICERS:
            return " / ".join(unit.officers)
        if col == COL_STATUS:
            return STATUS_LABELS.get(unit.status, unit.status)
        if col == COL_TIME:
            return format_elapsed((self._now - unit.status_since).total_seconds())
        if col == COL_CHECK:
            state = self.check_state(unit)
            if state == "none":
                return ""
            minutes = self.check_minutes(unit)
            if state == "critical":
                return f"CHECK! {minutes}m"
            if state == "warning":
                return f"CHECK {minutes}m"
            return f"{minutes}m"
        if col == COL_INCIDENT:
            return unit.incident_number or ""
        if col == COL_LOCATION:
            return self.incident_location(unit)
        if col == COL_ZONE:
            return unit.zone or ""
        return ", ".join(unit.skills)

    def _timer_limits(self, unit: UnitRecord) -> str:
        warning, critical = self.timers[unit.status]
        return f"warning at {warning} min, critical at {critical} min"

    def _tooltip(self, unit: UnitRecord, col: int) -> str:
        if col in (COL_CHECK, COL_TIME):
            since = unit.status_since.astimezone(self._tz).strftime("%H:%M:%S")
            tip = f"{STATUS_LABELS.get(unit.status, unit.status)} since {since}"
            state = self.check_state(unit)
            if state != "none":
                tip += f"\nLast status check {self.check_minutes(unit)} min ago ({self._timer_limits(unit)})"
                if state in ALERT_STATES:
                    tip += "\nStatus check due: call the unit, then Ctrl+K to acknowledge"
            return tip
        if col == COL_OFFICERS:
            return "\n".join(unit.officers) or "No officers signed on"
        if col == COL_SKILLS:
            return "\n".join(unit.skills)
        lines = [f"{unit.call_sign} · {STATUS_LABELS.get(unit.status, unit.status)}"]
        if unit.incident_number:
            lines.append(f"On {unit.incident_number} at {self.incident_location(unit)}")
        if unit.officers:
            lines.append(" / ".join(unit.officers))
        return "\n".join(lines)

    def _spoken(self, unit: UnitRecord, col: int) -> str:
        if col == COL_TIME:
            return f"In status {spoken_elapsed((self._now - unit.status_since).total_seconds())}"
        if col == COL_CHECK:
            state = self.check_state(unit)
            if state == "none":
                return "No status-check timer"
            if state in ALERT_STATES:
                return f"Status check {'overdue' if state == 'critical' else 'due'}, {self.check_minutes(unit)} minutes"
            return f"Status check {self.check_minutes(unit)} minutes ago"
        if col == COL_STATUS:
            return f"Status {STATUS_LABELS.get(unit.status, unit.status)}"
        return self._display(unit, col)

    def _background(self, unit: UnitRecord) -> QColor | None:
        state = self.check_state(unit)
        if state not in ALERT_STATES:
            return None
        palette = theme.colors()
        if state == "critical":
            return palette.flash if self.flash_on else palette.red_tint
        return palette.flash_warning if self.flash_on else palette.amber_tint

    def _foreground(self, unit: UnitRecord, col: int) -> QColor | None:
        palette = theme.colors()
        if col == COL_CHECK:
            state = self.check_state(unit)
            if state == "critical":
                return palette.text if self.flash_on else palette.red
            if state == "warning":
                return palette.text if self.flash_on else palette.amber
            return palette.muted
        if col in (COL_TIME, COL_ZONE, COL_SKILLS, COL_OFFICERS):
            return palette.muted
        return None


_HEADER_TIPS = (
    "Call sign",
    "Unit status",
    "Time in the current status",
    "Minutes since the last status check (CHECK when due, CHECK! when overdue; Ctrl+K acknowledges)",
    "Incident the unit is on",
    "Where the incident is",
    "Patrol zone",
    "Officers signed on to the unit",
    "Skills and languages of the crew",
)


def _alignment(col: int) -> Qt.AlignmentFlag:
    if col in (COL_TIME, COL_CHECK):
        return Qt.AlignmentFlag.AlignRight
    if col == COL_ZONE:
        return Qt.AlignmentFlag.AlignHCenter
    return Qt.AlignmentFlag.AlignLeft


# The proxy ---------------------------------------------------------------------------------------
class UnitBoardProxy(QSortFilterProxyModel):
    """Board order: available, busy, on a call, on break or meal, out of service; then call sign."""

    def __init__(self, source: UnitBoardModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._source = source
        self.setDynamicSortFilter(True)
        self.setSortRole(SortKeyRole)
        self.setSourceModel(source)
        self.sort(COL_UNIT, Qt.SortOrder.AscendingOrder)

    def lessThan(self, source_left: ModelIndex, source_right: ModelIndex) -> bool:
        return self._source.sort_key(source_left.row()) < self._source.sort_key(source_right.row())


# The delegate ------------------------------------------------------------------------------------
class UnitBoardDelegate(QStyledItemDelegate):
    """Status pills, a check badge that always carries its text, and the flashing row background."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: ModelIndex) -> None:
        palette = theme.colors()
        col = index.column()
        tint = index.data(Qt.ItemDataRole.BackgroundRole)
        painter.save()
        selected = theme.paint_cell_background(painter, option, palette, tint if isinstance(tint, QColor) else None)
        text = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
        if col == COL_STATUS:
            status = str(index.data(UnitStatusRole))
            theme.paint_pill(painter, option.rect, text, theme.status_pill(status, palette.name), option.font)
        elif col == COL_CHECK and index.data(StatusCheckRole) in ALERT_STATES:
            state = index.data(StatusCheckRole)
            fill = palette.red if state == "critical" else palette.amber
            pill = theme.Pill(fill, palette.base if palette.name == "night" else QColor("#ffffff"))
            theme.paint_pill(painter, _right_aligned(option, text), text, pill, option.font, padding=0)
        else:
            font = QFont(option.font)
            override = index.data(Qt.ItemDataRole.FontRole)
            if isinstance(override, QFont):
                font.setBold(override.bold())
            color = index.data(Qt.ItemDataRole.ForegroundRole)
            if not isinstance(color, QColor):
                color = palette.selection_text if selected else palette.text
            align = Qt.AlignmentFlag(int(index.data(Qt.ItemDataRole.TextAlignmentRole) or 0))
            align &= Qt.AlignmentFlag.AlignHorizontal_Mask
            theme.paint_text(painter, option.rect, text, color, font, align=align)
        theme.paint_focus_edge(painter, option, palette, col == COL_UNIT)
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: ModelIndex) -> QSize:
        metrics = QFontMetrics(option.font)
        text = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
        extra = 28 if index.column() in (COL_STATUS, COL_CHECK) else 12
        return QSize(metrics.horizontalAdvance(text) + extra, theme.row_height(option.font))


def _right_aligned(option: QStyleOptionViewItem, text: str) -> Any:
    """The rect a right-aligned pill of this text needs inside the cell."""
    bold = QFont(option.font)
    bold.setBold(True)
    if bold.pointSizeF() > 0:
        bold.setPointSizeF(max(7.0, bold.pointSizeF() - 1))
    width = QFontMetrics(bold).horizontalAdvance(text) + 14
    rect = option.rect.adjusted(0, 0, -6, 0)
    if width < rect.width():
        rect.setLeft(rect.right() - width)
    return rect


# The pane ----------------------------------------------------------------------------------------
class UnitBoard(QWidget):
    """The board table with an inline bar to acknowledge a unit's status check with a note."""

    unit_selected = Signal(int)
    unit_activated = Signal(int)

    def __init__(
        self,
        store: BoardStore,
        actions: DispatchActions,
        *,
        clock: Callable[[], dt.datetime] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setAccessibleName("Unit status board")
        self._store = store
        self._actions = actions
        self._programmatic = False
        self._ack_unit_id: int | None = None
        self._counts_timer = QTimer(self)
        self._counts_timer.setSingleShot(True)
        self._counts_timer.setInterval(0)
        self.model = UnitBoardModel(store, clock=clock, parent=self)
        self.proxy = UnitBoardProxy(self.model, parent=self)

        self.title = QLabel("Units")
        self.title.setObjectName("panelTitle")
        self.title.setAccessibleName("Unit board title")
        self.count_label = ElidingLabel()
        self.count_label.setObjectName("panelCount")
        self.count_label.setAccessibleName("Unit counts")
        self.hint_label = QLabel("Ctrl+K: acknowledge check")
        self.hint_label.setObjectName("filterLabel")
        self.hint_label.setAccessibleName("Unit board keyboard hint")
        bar = QWidget()
        bar.setObjectName("filterBar")
        bar.setAccessibleName("Unit board header")
        row = QHBoxLayout(bar)
        row.setContentsMargins(8, 5, 8, 5)
        row.setSpacing(6)
        row.addWidget(self.title)
        row.addWidget(self.count_label, 1)
        row.addWidget(self.hint_label)

        self.table = QTableView()
        self.table.setAccessibleName("Unit list")
        self.table.setAccessibleDescription("Units on shift: available first. Ctrl+K acknowledges a status check.")
        self.table.setModel(self.proxy)
        self.delegate = UnitBoardDelegate(self.table)
        self.table.setItemDelegate(self.delegate)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.setTabKeyNavigation(False)
        self.table.setSortingEnabled(False)
        self.table.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setSectionsMovable(False)
        header.setStretchLastSection(True)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self._apply_metrics()

        # Inline acknowledgement: the dispatcher keeps seeing the board while typing the note.
        self.ack_bar = QFrame()
        self.ack_bar.setObjectName("ackBar")
        self.ack_bar.setAccessibleName("Acknowledge status check")
        self.ack_label = QLabel()
        self.ack_label.setAccessibleName("Status check unit")
        self.ack_note = QLineEdit()
        self.ack_note.setAccessibleName("Status check note")
        self.ack_note.setPlaceholderText("Note (optional), e.g. code 4, all OK")
        self.ack_note.setMaxLength(2000)
        self.ack_button = QPushButton("&Acknowledge")
        self.ack_button.setAccessibleName("Acknowledge status check")
        self.ack_button.setDefault(True)
        self.ack_cancel = QPushButton("Cancel")
        self.ack_cancel.setAccessibleName("Cancel status check acknowledgement")
        ack_row = QHBoxLayout(self.ack_bar)
        ack_row.setContentsMargins(8, 5, 8, 5)
        ack_row.setSpacing(6)
        ack_row.addWidget(self.ack_label)
        ack_row.addWidget(self.ack_note, 1)
        ack_row.addWidget(self.ack_button)
        ack_row.addWidget(self.ack_cancel)
        self.ack_bar.hide()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(bar)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.ack_bar)

        self._connect_signals()
        self._refresh_counts()
        # Installed last: the filter looks at widgets that must all exist by then.
        self.ack_note.installEventFilter(self)
        self.table.installEventFilter(self)

    def _connect_signals(self) -> None:
        # Table
        self.table.selectionModel().currentRowChanged.connect(self._on_table_current_changed)
        self.table.activated.connect(self._on_table_activated)
        # Acknowledgement bar
        self.ack_button.clicked.connect(self._on_ack_button_clicked)
        self.ack_cancel.clicked.connect(self.cancel_acknowledge)
        # Counts follow the data and the clock
        self.proxy.rowsInserted.connect(self._schedule_counts)
        self.proxy.rowsRemoved.connect(self._schedule_counts)
        self.proxy.modelReset.connect(self._schedule_counts)
        self.model.ticked.connect(self._schedule_counts)
        self._store.units_changed.connect(self._schedule_counts)
        self._counts_timer.timeout.connect(self._refresh_counts)

    # Public API ----------------------------------------------------------------------------------
    def select_unit(self, unit_id: int) -> bool:
        """Select and show a unit; no unit_selected echo, so windows can mirror selections freely."""
        row = self.model.row_of(unit_id)
        if row is None:
            return False
        index = self.proxy.mapFromSource(self.model.index(row, COL_UNIT))
        self._programmatic = True
        try:
            self.table.setCurrentIndex(index)
        finally:
            self._programmatic = False
        self.table.scrollTo(index, QAbstractItemView.ScrollHint.EnsureVisible)
        return True

    def current_unit_id(self) -> int | None:
        index = self.table.currentIndex()
        if not index.isValid() or not self.table.selectionModel().isRowSelected(index.row(), QModelIndex()):
            return None
        return int(index.data(UnitIdRole))

    def focus_table(self) -> None:
        self.table.setFocus(Qt.FocusReason.ShortcutFocusReason)
        if not self.table.selectionModel().hasSelection() and self.proxy.rowCount() > 0:
            # Focus alone leaves a current cell unselected; the keyboard user needs a selected row.
            current = self.table.currentIndex()
            self.table.selectRow(current.row() if current.isValid() else 0)

    def begin_acknowledge(self, unit_id: int | None = None) -> bool:
        """Open the note bar for a unit (the selected one by default); False when there is none."""
        target = unit_id if unit_id is not None else self.current_unit_id()
        row = self.model.row_of(target) if target is not None else None
        if target is None or row is None:
            return False
        unit = self.model.record(row)
        self._ack_unit_id = target
        can_ack = self.model.has_timer(unit)
        if can_ack:
            where = f" on {unit.incident_number}" if unit.incident_number else ""
            minutes = self.model.check_minutes(unit)
            self.ack_label.setText(f"Status check {unit.call_sign}{where} ({minutes} min):")
        else:
            self.ack_label.setText(f"{unit.call_sign} has no status-check timer running.")
        self.ack_note.setEnabled(can_ack)
        self.ack_button.setEnabled(can_ack)
        self.ack_note.clear()
        self.ack_bar.show()
        (self.ack_note if can_ack else self.ack_cancel).setFocus(Qt.FocusReason.ShortcutFocusReason)
        return True

    def acknowledge(self, unit_id: int, note: str = "") -> None:
        """Restart the unit's status-check timer; the note goes to its incident's timeline."""
        self._actions.acknowledge(unit_id, note.strip())

    def cancel_acknowledge(self) -> None:
        self._ack_unit_id = None
        self.ack_bar.hide()
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)

    # Handlers ------------------------------------------------------------------------------------
    def _on_ack_button_clicked(self) -> None:
        if self._ack_unit_id is None or not self.ack_button.isEnabled():
            return
        unit_id, note = self._ack_unit_id, self.ack_note.text()
        self.cancel_acknowledge()
        self.acknowledge(unit_id, note)

    def _on_table_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid() and not self._programmatic:
            self.unit_selected.emit(int(current.data(UnitIdRole)))

    def _on_table_activated(self, index: QModelIndex) -> None:
        if index.isValid():
            self.unit_activated.emit(int(index.data(UnitIdRole)))

    def _schedule_counts(self, *_args: object) -> None:
        # Counted once per burst of changes, after it.
        if not self._counts_timer.isActive():
            self._counts_timer.start()

    def _refresh_counts(self, *_args: object) -> None:
        counts = self.model.counts()
        parts = [f"{counts['available']} available", f"{counts['assigned']} on calls"]
        for key, label in (("busy", "busy"), ("break", "on break"), ("out_of_service", "out of service")):
            if counts[key]:
                parts.append(f"{counts[key]} {label}")
        if counts["checks"]:
            parts.insert(0, f"⚠ {counts['checks']} check due")  # first, so a narrow dock still shows it
        text = "  ·  ".join(parts)
        if text != self.count_label.text():
            self.count_label.setText(text)

    # Keyboard and font changes -------------------------------------------------------------------
    def keyPressEvent(self, event: QKeyEvent) -> None:
        # A key press the table leaves alone bubbles up here; no window shortcut to collide with.
        if QKeySequence(event.keyCombination()) == ACK_KEY:
            self.begin_acknowledge()
            event.accept()
            return
        super().keyPressEvent(event)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.ack_note and event.type() == QEvent.Type.KeyPress:
            key = event.key()  # type: ignore[attr-defined]
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self._on_ack_button_clicked()
                return True
            if key == Qt.Key.Key_Escape:
                self.cancel_acknowledge()
                return True
        elif watched is self.table and event.type() == QEvent.Type.FontChange:
            self._apply_metrics()
        return super().eventFilter(watched, event)

    def _apply_metrics(self) -> None:
        font = self.table.font()
        metrics = QFontMetrics(font)
        bold = QFont(font)
        bold.setBold(True)
        wide = QFontMetrics(bold)
        self.table.verticalHeader().setDefaultSectionSize(theme.row_height(font))
        widths = {
            COL_UNIT: wide.horizontalAdvance("CSO00") + 18,
            COL_OFFICERS: metrics.horizontalAdvance("D. Sullivan / F. Ibrahim") + 14,
            COL_STATUS: wide.horizontalAdvance("Out of service") + 30,
            COL_TIME: metrics.horizontalAdvance("00h 00m") + 14,
            COL_CHECK: wide.horizontalAdvance("CHECK! 00m") + 28,
            COL_INCIDENT: metrics.horizontalAdvance("2026-000000") + 14,
            COL_LOCATION: metrics.horizontalAdvance("Crescent Heights Blvd & Fountain Ave") + 12,
            COL_ZONE: metrics.horizontalAdvance("00000") + 12,
        }
        header = self.table.horizontalHeader()
        header.setMinimumSectionSize(metrics.horizontalAdvance("Zone") + 12)
        for col, width in widths.items():
            header.resizeSection(col, width)
