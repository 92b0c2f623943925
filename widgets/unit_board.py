"""The unit status board: units on shift with status, status-check timers and acknowledgement."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QEvent, QObject, QRect, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QKeyEvent, QKeySequence, QPainter
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QLineEdit, QPushButton, QStyleOptionViewItem, QWidget

from data.records import IncidentRecord, UnitRecord
from data.rules import STATUS_LABELS, check_state, unit_actions
from widgets import theme
from widgets.actions import DispatchActions
from widgets.incident_queue import format_elapsed, spoken_elapsed
from widgets.record_table import (
    ModelIndex,
    RecordRole,
    RecordTableDelegate,
    RecordTableModel,
    RecordTablePane,
    RecordTableProxy,
    SortKeyRole,
    bold_font,
)
from widgets.store import BoardStore

# Columns -----------------------------------------------------------------------------------------
# What a dispatcher scans first comes first, so a narrow dock still shows it; crew and skills last.
COL_UNIT, COL_STATUS, COL_TIME, COL_CHECK, COL_INCIDENT, COL_LOCATION, COL_ZONE, COL_OFFICERS, COL_SKILLS = range(9)
HEADERS = ("Unit", "Status", "Time", "Check", "Incident", "Location", "Zone", "Officers", "Skills")
TIME_COLUMNS = (COL_TIME, COL_CHECK)

# Roles -------------------------------------------------------------------------------------------
UnitIdRole = Qt.ItemDataRole.UserRole + 1
UnitStatusRole = Qt.ItemDataRole.UserRole + 2
StatusCheckRole = Qt.ItemDataRole.UserRole + 3  # "none" (no timer), "ok", "warning" or "critical"
# SortKeyRole (UserRole + 4) is the board order; RecordRole (+ 5) the UnitRecord.
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


# A unit's place on the board: check order, status group, call sign in natural order, id.
NaturalKey = tuple[int | str, ...]
BoardKey = tuple[int, int, NaturalKey, int]


def natural_key(text: str) -> NaturalKey:
    """CSO2 before CSO10."""
    return tuple(int(part) if part.isdigit() else part.casefold() for part in re.split(r"(\d+)", text))


CHECK_ORDER = {"critical": 0, "warning": 1}


def board_key(unit: UnitRecord) -> tuple[int, NaturalKey, int]:
    return (STATUS_GROUPS.get(unit.status, 9), natural_key(unit.call_sign), unit.id)


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


# The model ---------------------------------------------------------------------------------------
class UnitBoardModel(RecordTableModel[UnitRecord, BoardKey]):
    """One row per unit on shift; units signing off leave, units signing on arrive."""

    headers = HEADERS
    header_tips = _HEADER_TIPS
    custom_role_names = ROLE_NAMES
    time_columns = TIME_COLUMNS
    centred_columns = (COL_ZONE,)
    row_roles = ROW_ROLES
    tick_roles = TICK_ROLES

    def __init__(
        self,
        store: BoardStore,
        *,
        clock: Callable[[], dt.datetime] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(store, clock=clock, parent=parent)
        self.timers: dict[str, tuple[int, int]] = dict(store.db.pack.timers)
        self._tz = ZoneInfo(store.db.pack.timezone)
        self.flash_on = False
        self.flashing = True  # setting alarm_flashing: off keeps a due row tinted but still (WCAG 2.2.2)
        store.units_changed.connect(self._on_store_units_changed)
        store.incidents_changed.connect(self._on_store_incidents_changed)
        self._fill(self._board_records())

    # Rows ----------------------------------------------------------------------------------------
    def _board_records(self) -> Iterable[UnitRecord]:
        return (u for u in self._store.units.values() if u.on_shift)

    def _belongs(self, record: UnitRecord) -> bool:
        return record.on_shift

    def key_of(self, record: UnitRecord) -> BoardKey:
        # Overdue status checks first, then checks due: the dispatcher must not scroll to find them.
        return (CHECK_ORDER.get(self.check_state(record), 2), *board_key(record))

    def _on_store_units_changed(self, units: Sequence[UnitRecord]) -> None:
        self._update_rows(units)

    def _on_store_incidents_changed(self, incidents: Sequence[IncidentRecord]) -> None:
        # A unit's incident location shows the incident's latest address, not the one it was sent to.
        changed = {rec.id for rec in incidents}
        for row, unit in enumerate(self._rows):
            if unit.incident_id in changed:
                self.dataChanged.emit(self.index(row, COL_INCIDENT), self.index(row, COL_LOCATION), INCIDENT_ROLES)

    def _announce_tick(self) -> None:
        """The timers move on and rows with a status check due flip their flash phase."""
        self.flash_on = not self.flash_on and self.flashing
        super()._announce_tick()
        last_column = self.columnCount() - 1
        for row, unit in enumerate(self._rows):
            if not self.has_timer(unit) and self._keys[row][0] == 2:
                continue  # no status check can fall due
            if CHECK_ORDER.get(self.check_state(unit), 2) != self._keys[row][0]:
                self._keys[row] = self.key_of(unit)  # a check fell due or overdue: the row moves up
                self.dataChanged.emit(self.index(row, 0), self.index(row, last_column), [SortKeyRole])
        for row, unit in enumerate(self._rows):
            if self.check_state(unit) in ALERT_STATES:
                self.dataChanged.emit(self.index(row, 0), self.index(row, last_column), FLASH_ROLES)

    # Lookups -------------------------------------------------------------------------------------
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
    def cell_data(self, row: int, col: int, role: int) -> Any:
        unit = self._rows[row]
        if role == UnitIdRole:
            return unit.id
        if role == UnitStatusRole:
            return unit.status
        if role == StatusCheckRole:
            return self.check_state(unit)
        if role == IncidentIdRole:
            return unit.incident_id
        if role == FlashRole:
            return self.flash_on and self.check_state(unit) in ALERT_STATES
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
                return bold_font()
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


# The proxy ---------------------------------------------------------------------------------------
class UnitBoardProxy(RecordTableProxy[UnitRecord, BoardKey]):
    """Board order: overdue checks, checks due, then available, busy, on a call, on break or meal, out of service."""

    def __init__(self, source: UnitBoardModel, parent: QObject | None = None) -> None:
        super().__init__(source, parent)
        self._attach_source()


# The delegate ------------------------------------------------------------------------------------
class UnitBoardDelegate(RecordTableDelegate):
    """Status pills, a check badge that always carries its text, and the flashing row background."""

    key_column = COL_UNIT
    pill_columns = (COL_STATUS, COL_CHECK)

    def _paint_cell(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: ModelIndex,
        palette: theme.ThemeColors,
        selected: bool,
    ) -> None:
        col = index.column()
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
            self._paint_text(painter, option, index, palette, selected, text)


def _right_aligned(option: QStyleOptionViewItem, text: str) -> QRect:
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
class UnitBoard(RecordTablePane):
    """The board table with an inline bar to acknowledge a unit's status check with a note."""

    unit_selected = Signal(int)
    unit_activated = Signal(int)
    status_checks_due = Signal(list)  # one line per unit whose status check fell due or overdue just now
    id_role = UnitIdRole

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
        self._ack_unit_id: int | None = None
        self._alarmed: set[tuple[int, str]] = set()  # (unit id, check state) already told
        self.model = UnitBoardModel(store, clock=clock, parent=self)
        self.proxy = UnitBoardProxy(self.model, parent=self)

        row = self._build_header("Units", count_name="Unit counts", bar_name="Unit board header")
        self.hint_label = QLabel("Ctrl+K: acknowledge check")
        self.hint_label.setObjectName("filterLabel")
        self.hint_label.setAccessibleName("Unit board keyboard hint")
        self.hint_label.setMinimumWidth(1)  # gives way on a narrow column: the board's rows matter more
        row.addWidget(self.hint_label)

        self._build_table(
            self.proxy,
            UnitBoardDelegate,
            name="Unit list",
            description="Units on shift: overdue status checks first, then available. Ctrl+K acknowledges a check.",
        )
        self.table.horizontalHeader().setStretchLastSection(True)
        self._apply_metrics()

        # Inline acknowledgement: the dispatcher keeps seeing the board while typing the note.
        self.ack_bar = QFrame()
        self.ack_bar.setObjectName("ackBar")
        self.ack_bar.setAccessibleName("Acknowledge status check")
        self.ack_label = QLabel()  # read as its text: which unit, which incident, how long
        self.ack_note = QLineEdit()
        self.ack_note.setAccessibleName("Status check note")
        self.ack_label.setBuddy(self.ack_note)
        self.ack_note.setPlaceholderText("Note (optional), e.g. code 4, all OK")
        self.ack_note.setMaxLength(2000)
        self.ack_button = QPushButton("Acknow&ledge")
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

        self._stack(self.ack_bar)

        self._connect_signals()
        self._refresh_counts()
        # Installed last: the filter looks at widgets that must all exist by then.
        self.ack_note.installEventFilter(self)
        self.table.installEventFilter(self)

    def _connect_signals(self) -> None:
        # Table, and the counts that follow its rows
        self._connect_table(self.proxy, selected=self.unit_selected, activated=self.unit_activated)
        # Acknowledgement bar
        self.ack_button.clicked.connect(self._on_ack_button_clicked)
        self.ack_cancel.clicked.connect(self.cancel_acknowledge)
        # Counts follow the data and the clock
        self.model.ticked.connect(self._schedule_counts)
        self._store.units_changed.connect(self._schedule_counts)

    # Public API ----------------------------------------------------------------------------------
    def select_unit(self, unit_id: int) -> bool:
        """Select and show a unit; no unit_selected echo, so windows can mirror selections freely."""
        row = self.model.row_of(unit_id)
        if row is None:
            return False
        self._show_index(self.proxy.mapFromSource(self.model.index(row, COL_UNIT)))
        return True

    def current_unit_id(self) -> int | None:
        return self._current_id()

    def required_height(self) -> int:
        """Height the pane needs to show every unit on the board without scrolling."""
        table = self.table
        rows = max(self.proxy.rowCount(), 1)
        bar = table.horizontalScrollBar().sizeHint().height()  # the columns may scroll sideways
        header = table.horizontalHeader().sizeHint().height()
        body = rows * table.verticalHeader().defaultSectionSize() + header + bar + 2 * table.frameWidth()
        return self.header_bar.sizeHint().height() + body + 4

    def begin_acknowledge(self, unit_id: int | None = None) -> bool:
        """Open the note bar for a unit (the selected one by default); False when there is none."""
        target = unit_id if unit_id is not None else self.current_unit_id()
        row = self.model.row_of(target) if target is not None else None
        if target is None or row is None:
            return False
        unit = self.model.record(row)
        self._ack_unit_id = target
        can_ack = "acknowledge" in unit_actions(unit.status, timed_statuses=self.model.timers)
        if can_ack:
            where = f" on {unit.incident_number}" if unit.incident_number else ""
            minutes = self.model.check_minutes(unit)
            self.ack_label.setText(f"Status check {unit.call_sign}{where} ({minutes} min):")
            self.ack_note.setAccessibleName(f"Status check note for {unit.call_sign}{where}")
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
        self._actions.acknowledge(unit_id, note.strip(), owner=self)

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
        self._tell_checks_due()

    def _tell_checks_due(self) -> None:
        """Tell once when a unit's check falls due and once more when it is overdue (screen readers hear it)."""
        due: dict[tuple[int, str], UnitRecord] = {}
        for unit in self.model.records():
            state = self.model.check_state(unit)
            if state in ALERT_STATES:
                due[(unit.id, state)] = unit
        fresh = [key for key in due if key not in self._alarmed]
        self._alarmed = set(due)
        lines = []
        for unit_id, state in fresh:
            unit = due[(unit_id, state)]
            where = f" on {unit.incident_number}" if unit.incident_number else ""
            word = "overdue" if state == "critical" else "due"
            lines.append(f"Status check {word}: {unit.call_sign}{where}, {self.model.check_minutes(unit)} minutes")
        if lines:
            self.status_checks_due.emit(lines)

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
