"""The incident queue: a table model over the board's incidents, its sort/filter proxy, delegate and pane."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QEvent, QObject, QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QKeyEvent, QKeySequence, QPainter, QResizeEvent
from PySide6.QtWidgets import QComboBox, QHeaderView, QLabel, QLineEdit, QSizePolicy, QStyleOptionViewItem, QWidget

from data.records import CLOSED_STATUSES, IncidentRecord
from data.rules import STATUS_LABELS
from widgets import theme
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
COL_NUMBER, COL_PRIORITY, COL_TYPE, COL_LOCATION, COL_ZONE, COL_STATUS, COL_UNITS, COL_AGE, COL_IN_STATUS = range(9)
HEADERS = ("Incident", "Pri", "Type", "Location", "Zone", "Status", "Units", "Age", "In status")
TIME_COLUMNS = (COL_AGE, COL_IN_STATUS)

# Roles -------------------------------------------------------------------------------------------
IncidentIdRole = Qt.ItemDataRole.UserRole + 1
PriorityRole = Qt.ItemDataRole.UserRole + 2
StatusRole = Qt.ItemDataRole.UserRole + 3
# SortKeyRole (UserRole + 4) is the queue order: group, priority, age; RecordRole (+ 5) the IncidentRecord.
EscalationRole = Qt.ItemDataRole.UserRole + 6  # "", "amber" or "red" for a pending call waiting too long
GroupRole = Qt.ItemDataRole.UserRole + 7  # 0 pending, 1 active, 2 closed

ROLE_NAMES = {
    IncidentIdRole: b"incidentId",
    PriorityRole: b"priority",
    StatusRole: b"status",
    SortKeyRole: b"sortKey",
    RecordRole: b"record",
    EscalationRole: b"escalation",
    GroupRole: b"group",
}

# What a changed record can alter, and what the clock alone alters.
ROW_ROLES = [
    Qt.ItemDataRole.DisplayRole,
    Qt.ItemDataRole.ToolTipRole,
    Qt.ItemDataRole.AccessibleTextRole,
    Qt.ItemDataRole.ForegroundRole,
    Qt.ItemDataRole.BackgroundRole,
    Qt.ItemDataRole.FontRole,
    IncidentIdRole,
    PriorityRole,
    StatusRole,
    SortKeyRole,
    RecordRole,
    EscalationRole,
    GroupRole,
]
TICK_ROLES = [
    Qt.ItemDataRole.DisplayRole,
    Qt.ItemDataRole.ToolTipRole,
    Qt.ItemDataRole.AccessibleTextRole,
    Qt.ItemDataRole.ForegroundRole,
    Qt.ItemDataRole.BackgroundRole,
    Qt.ItemDataRole.FontRole,
    EscalationRole,
]

GROUP_PENDING, GROUP_ACTIVE, GROUP_CLOSED = 0, 1, 2

# View filters, in the order the combo lists them.
VIEW_FILTERS = {
    "open": "Open",
    "pending": "Pending",
    "active": "Active",
    "closed": "Closed 24 h",
    "all": "All",
}
VIEW_TIPS = {
    "open": "Pending and active incidents",
    "pending": "Calls waiting for a unit",
    "active": "Incidents with units dispatched, en route or on scene",
    "closed": "Cleared, cancelled, transferred or merged in the last 24 hours",
    "all": "Every incident on the board",
}
CLOSED_WINDOW = dt.timedelta(hours=24)

WARNING_SIGN = "⚠"
TRANSFERRED_MARK = "⇄"  # a call another agency transferred in (NENA EIDO)


def group_of(status: str) -> int:
    if status == "pending":
        return GROUP_PENDING
    if status in CLOSED_STATUSES:
        return GROUP_CLOSED
    return GROUP_ACTIVE


# Seconds since 1970 (34 bits, good past 2500) and the id as tie-break: the key fits a signed 64-bit
# QVariant, so SortKeyRole can hand it out too.
_STAMP_BITS = 34
_ID_BITS = 24


def queue_key(rec: IncidentRecord) -> int:
    """One integer in queue order: pending by priority then oldest, active likewise, closed newest first.

    An int rather than a tuple: the proxy compares keys thousands of times when a filter widens.
    """
    group = group_of(rec.status)
    if group == GROUP_CLOSED:
        closed = rec.cleared_at or rec.status_changed_at
        major = group * 10
        stamp = (1 << _STAMP_BITS) - 1 - int(closed.timestamp())
    else:
        major = group * 10 + rec.priority
        stamp = int(rec.received_at.timestamp())
    return (major << (_STAMP_BITS + _ID_BITS)) | (stamp << _ID_BITS) | (rec.id & ((1 << _ID_BITS) - 1))


def format_elapsed(seconds: float) -> str:
    """Elapsed time as a dispatcher reads it: 4:07 under an hour, 2h 05m under a day, then 3d 4h."""
    total = max(0, int(seconds))
    if total < 3600:
        return f"{total // 60}:{total % 60:02d}"
    if total < 86400:
        return f"{total // 3600}h {total % 3600 // 60:02d}m"
    return f"{total // 86400}d {total % 86400 // 3600}h"


def spoken_elapsed(seconds: float) -> str:
    total = max(0, int(seconds))
    hours, minutes, secs = total // 3600, total % 3600 // 60, total % 60
    if hours:
        return f"{hours} hours {minutes} minutes"
    return f"{minutes} minutes {secs} seconds"


def _search_text(rec: IncidentRecord) -> str:
    parts = (
        rec.number,
        rec.short_number,
        rec.location,
        rec.call_type,
        rec.call_type_label,
        rec.caller_name,
        rec.caller_phone,
        " ".join(rec.units),
    )
    return " ".join(p for p in parts if p).casefold()


_HEADER_TIPS = (
    "Incident number",
    "Priority: ◆1 most urgent, ▲2, ●3, ■4",
    "Call type",
    "Location",
    "Patrol zone (reporting district)",
    "Incident status",
    "Units assigned",
    "Time since the call was received (⚠ when a pending call waits too long)",
    "Time in the current status",
)


# The model ---------------------------------------------------------------------------------------
class IncidentQueueModel(RecordTableModel[IncidentRecord, int]):
    """One row per incident the store holds; rows are appended, never reordered (the proxy sorts)."""

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
        pack = store.db.pack
        amber_s, red_s = pack.targets.get("pending_escalate_s", (300, 900))
        self.escalate_amber_s = float(amber_s)
        self.escalate_red_s = float(red_s)
        self._tz = ZoneInfo(pack.timezone)
        self._agency = pack.agency
        self._haystacks: list[str] = []
        store.incidents_changed.connect(self._on_store_incidents_changed)
        self._fill(self._board_records())

    # Rows ----------------------------------------------------------------------------------------
    def _board_records(self) -> list[IncidentRecord]:
        # Rows in queue order already: the proxy's sort then makes half the comparisons.
        return sorted(self._store.incidents.values(), key=queue_key)

    def key_of(self, record: IncidentRecord) -> int:
        return queue_key(record)

    def _clear_rows(self) -> None:
        super()._clear_rows()
        self._haystacks.clear()

    def _append_row(self, record: IncidentRecord) -> None:
        super()._append_row(record)
        self._haystacks.append(_search_text(record))

    def _replace_row(self, row: int, record: IncidentRecord) -> None:
        super()._replace_row(row, record)
        self._haystacks[row] = _search_text(record)

    def _remove_row(self, row: int) -> None:
        super()._remove_row(row)
        del self._haystacks[row]

    def _on_store_incidents_changed(self, records: Sequence[IncidentRecord]) -> None:
        self._update_rows(records)

    # Lookups -------------------------------------------------------------------------------------
    def search_text(self, row: int) -> str:
        return self._haystacks[row]

    def zones(self) -> list[str]:
        return sorted({rec.zone for rec in self._rows if rec.zone})

    def counts(self) -> dict[str, int]:
        out = {"pending": 0, "active": 0, "closed": 0, "escalated": 0}
        for rec in self._rows:
            group = group_of(rec.status)
            if group == GROUP_PENDING:
                out["pending"] += 1
                if self.escalation(rec):
                    out["escalated"] += 1
            elif group == GROUP_ACTIVE:
                out["active"] += 1
            else:
                out["closed"] += 1
        return out

    def age_seconds(self, rec: IncidentRecord) -> float:
        return (self._now - rec.received_at).total_seconds()

    def in_status_seconds(self, rec: IncidentRecord) -> float:
        return (self._now - rec.status_changed_at).total_seconds()

    def escalation(self, rec: IncidentRecord) -> str:
        """'red' or 'amber' for a pending call past the pack's thresholds, else ''."""
        if rec.status != "pending":
            return ""
        age = self.age_seconds(rec)
        if age >= self.escalate_red_s:
            return "red"
        if age >= self.escalate_amber_s:
            return "amber"
        return ""

    # Qt model interface --------------------------------------------------------------------------
    def cell_data(self, row: int, col: int, role: int) -> Any:
        rec = self._rows[row]
        if role == IncidentIdRole:
            return rec.id
        if role == PriorityRole:
            return rec.priority
        if role == StatusRole:
            return rec.status
        if role == EscalationRole:
            return self.escalation(rec)
        if role == GroupRole:
            return group_of(rec.status)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(rec, col)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return self._spoken(rec, col)
        if role == Qt.ItemDataRole.ForegroundRole:
            return self._foreground(rec, col)
        if role == Qt.ItemDataRole.BackgroundRole:
            level = self.escalation(rec)
            if not level:
                return None
            palette = theme.colors()
            return palette.red_tint if level == "red" else palette.amber_tint
        if role == Qt.ItemDataRole.FontRole:
            if col in (COL_NUMBER, COL_PRIORITY) or (col == COL_AGE and self.escalation(rec)):
                return bold_font()
            return None
        return None

    def _display(self, rec: IncidentRecord, col: int) -> str:
        if col == COL_NUMBER:
            return f"{TRANSFERRED_MARK} {rec.number}" if rec.transferred_from else rec.number
        if col == COL_PRIORITY:
            return f"P{rec.priority}"
        if col == COL_TYPE:
            return rec.call_type_label
        if col == COL_LOCATION:
            return rec.location
        if col == COL_ZONE:
            # Never a blank that reads as "somewhere in town": say where the call is not.
            if rec.zone:
                return rec.zone
            if rec.in_city is False:
                return "Outside city"
            return "No map point" if rec.latitude is None else ""
        if col == COL_STATUS:
            if rec.status == "transferred":
                return f"To {self._agency}"
            return STATUS_LABELS.get(rec.status, rec.status)
        if col == COL_UNITS:
            return ", ".join(rec.units)
        if col == COL_AGE:
            text = format_elapsed(self.age_seconds(rec))
            return f"{WARNING_SIGN} {text}" if self.escalation(rec) else text
        return format_elapsed(self.in_status_seconds(rec))

    def _local(self, moment: dt.datetime | None) -> str:
        return moment.astimezone(self._tz).strftime("%H:%M:%S") if moment else "—"

    def _tooltip(self, rec: IncidentRecord, col: int) -> str:
        if col == COL_AGE:
            tip = f"Received {self._local(rec.received_at)}; waiting {spoken_elapsed(self.age_seconds(rec))}"
            level = self.escalation(rec)
            if level:
                limit = self.escalate_red_s if level == "red" else self.escalate_amber_s
                tip += f"\nPending longer than {int(limit // 60)} min: dispatch or review"
            return tip
        if col == COL_IN_STATUS:
            return f"{STATUS_LABELS.get(rec.status, rec.status)} since {self._local(rec.status_changed_at)}"
        if col == COL_STATUS:
            return STATUS_LABELS.get(rec.status, rec.status)
        lines = [
            f"{rec.number} · P{rec.priority} · {rec.call_type_label} ({rec.call_type})",
            rec.location,
        ]
        if rec.transferred_from:
            lines.insert(1, f"{TRANSFERRED_MARK} Transferred from {rec.transferred_from}")
        if rec.caller_name or rec.caller_phone:
            lines.append(f"Caller: {' '.join(p for p in (rec.caller_name, rec.caller_phone) if p)}")
        if rec.units:
            lines.append(f"Units: {', '.join(rec.units)}")
        if rec.response != "cso":
            agency = self._agency
            lines.append(f"Joint response with {agency}" if rec.response == "joint" else f"{agency} response")
        return "\n".join(lines)

    def _spoken(self, rec: IncidentRecord, col: int) -> str:
        if col == COL_NUMBER and rec.transferred_from:
            return f"{rec.number}, transferred from {rec.transferred_from}"
        if col == COL_PRIORITY:
            return f"Priority {rec.priority}"
        if col == COL_AGE:
            level = self.escalation(rec)
            text = f"Age {spoken_elapsed(self.age_seconds(rec))}"
            return text + (", waiting too long" if level else "")
        if col == COL_IN_STATUS:
            return f"In status {spoken_elapsed(self.in_status_seconds(rec))}"
        if col == COL_STATUS:
            return f"Status {STATUS_LABELS.get(rec.status, rec.status)}"
        return self._display(rec, col)

    def _foreground(self, rec: IncidentRecord, col: int) -> QColor | None:
        palette = theme.colors()
        if col == COL_AGE:
            level = self.escalation(rec)
            if level:
                return palette.red if level == "red" else palette.amber
        if col == COL_PRIORITY:
            return palette.priority.get(rec.priority, palette.muted)
        if group_of(rec.status) == GROUP_CLOSED or col in (COL_ZONE, COL_IN_STATUS):
            return palette.muted
        return None


# The proxy ---------------------------------------------------------------------------------------
class IncidentQueueProxy(RecordTableProxy[IncidentRecord, int]):
    """Queue order (pending by priority then age, active, closed) and the dispatcher's filters."""

    def __init__(self, source: IncidentQueueModel, parent: QObject | None = None) -> None:
        super().__init__(source, parent)
        self._queue = source  # the base keeps it as a plain record model
        self._view = "open"
        self._zone = ""
        self._call_type = ""
        self._terms: tuple[str, ...] = ()
        self._closed_since = source.now() - CLOSED_WINDOW
        self._attach_source()
        source.ticked.connect(self._on_source_ticked)

    # Filter settings -----------------------------------------------------------------------------
    @property
    def view_filter(self) -> str:
        return self._view

    @property
    def zone_filter(self) -> str:
        return self._zone

    @property
    def type_filter(self) -> str:
        return self._call_type

    @property
    def search_text(self) -> str:
        return " ".join(self._terms)

    def set_view_filter(self, name: str) -> None:
        if name not in VIEW_FILTERS:
            raise ValueError(f"Unknown queue view {name!r}; choose one of {', '.join(VIEW_FILTERS)}.")
        if name != self._view:
            self._change(lambda: setattr(self, "_view", name))

    def set_zone_filter(self, zone: str | None) -> None:
        value = zone or ""
        if value != self._zone:
            self._change(lambda: setattr(self, "_zone", value))

    def set_type_filter(self, call_type: str | None) -> None:
        value = (call_type or "").upper()
        if value != self._call_type:
            self._change(lambda: setattr(self, "_call_type", value))

    def set_search(self, text: str) -> None:
        terms = tuple(text.casefold().split())
        if terms != self._terms:
            self._change(lambda: setattr(self, "_terms", terms))

    def clear_filters(self, view: str = "all") -> None:
        def reset() -> None:
            self._view, self._zone, self._call_type, self._terms = view, "", "", ()

        self._change(reset)

    def _change(self, apply: Callable[[], None]) -> None:
        self.beginFilterChange()
        apply()
        self._closed_since = self._queue.now() - CLOSED_WINDOW
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def _on_source_ticked(self, now: dt.datetime) -> None:
        # Closed incidents age out of the 24-hour view; a minute's resolution is plenty.
        if self._view == "closed" and now - CLOSED_WINDOW - self._closed_since >= dt.timedelta(minutes=1):
            self._change(lambda: None)

    # QSortFilterProxyModel -----------------------------------------------------------------------
    def filterAcceptsRow(self, source_row: int, source_parent: ModelIndex) -> bool:
        rec = self._queue.record(source_row)
        view = self._view
        if view != "all":
            group = group_of(rec.status)
            if view == "open" and group == GROUP_CLOSED:
                return False
            if view == "pending" and group != GROUP_PENDING:
                return False
            if view == "active" and group != GROUP_ACTIVE:
                return False
            if view == "closed" and (
                group != GROUP_CLOSED or (rec.cleared_at or rec.status_changed_at) < self._closed_since
            ):
                return False
        if self._zone and rec.zone != self._zone:
            return False
        if self._call_type and rec.call_type != self._call_type:
            return False
        if self._terms:
            haystack = self._queue.search_text(source_row)
            return all(term in haystack for term in self._terms)
        return True


# The delegate ------------------------------------------------------------------------------------
class IncidentQueueDelegate(RecordTableDelegate):
    """Paints priority badges (shape + number) and status pills (text always) in theme colours."""

    key_column = COL_NUMBER
    pill_columns = (COL_PRIORITY, COL_STATUS)

    def _paint_cell(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: ModelIndex,
        palette: theme.ThemeColors,
        selected: bool,
    ) -> None:
        col = index.column()
        if col == COL_PRIORITY:
            theme.paint_priority_badge(painter, option.rect, int(index.data(PriorityRole)), palette, option.font)
        elif col == COL_STATUS:
            status = str(index.data(StatusRole))
            text = str(index.data(Qt.ItemDataRole.DisplayRole))
            theme.paint_pill(painter, option.rect, text, theme.status_pill(status, palette.name), option.font)
        else:
            self._paint_text(painter, option, index, palette, selected)
        row = index.row()
        if row > 0 and index.data(GroupRole) != index.sibling(row - 1, col).data(GroupRole):
            # A rule between pending, active and closed: the groups read apart at a glance.
            painter.fillRect(option.rect.left(), option.rect.top(), option.rect.width(), 2, palette.muted)


# The pane ----------------------------------------------------------------------------------------
class IncidentQueue(RecordTablePane):
    """Filter bar over the queue table; tells the window which incident is selected or opened."""

    incident_selected = Signal(int)
    incident_activated = Signal(int)
    calls_waiting_too_long = Signal(list)  # one line per pending call that just passed a waiting limit
    metrics_changed = Signal()  # the columns' widths follow a new text size (required_width changed)
    id_role = IncidentIdRole

    def __init__(
        self,
        store: BoardStore,
        *,
        clock: Callable[[], dt.datetime] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setAccessibleName("Incident queue")
        self.model = IncidentQueueModel(store, clock=clock, parent=self)
        self.proxy = IncidentQueueProxy(self.model, parent=self)
        self._store = store
        self._alarmed: set[tuple[int, str]] = set()  # (incident id, escalation level) already told
        self._type_labels = [ct.label for ct in store.db.pack.call_types.values()] or ["Welfare check"]
        row = self._build_header(
            "Incidents",
            count_name="Incident counts",
            bar_name="Incident queue filters",
        )

        self.view_combo = QComboBox()
        self.view_combo.setAccessibleName("Queue view")
        self.view_combo.setToolTip("Which incidents the queue shows (Alt+V)")
        for key, view_label in VIEW_FILTERS.items():
            self.view_combo.addItem(view_label, key)
            self.view_combo.setItemData(self.view_combo.count() - 1, VIEW_TIPS[key], Qt.ItemDataRole.ToolTipRole)
        self.zone_combo = QComboBox()
        self.zone_combo.setAccessibleName("Zone filter")
        self.zone_combo.setToolTip("Show one patrol zone only (Alt+Z)")
        self.zone_combo.addItem("All zones", "")
        self.type_combo = QComboBox()
        self.type_combo.setAccessibleName("Call type filter")
        self.type_combo.setToolTip("Show one call type only (Alt+Y)")
        self.type_combo.addItem("All types", "")
        for call_type in sorted(store.db.pack.call_types.values(), key=lambda ct: ct.label):
            self.type_combo.addItem(call_type.label, call_type.code)
        self.type_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.type_combo.setMinimumContentsLength(11)
        self.search = QLineEdit()
        self.search.setAccessibleName("Search incidents")
        self.search.setAccessibleDescription("Matches incident number, location, call type and caller")
        self.search.setPlaceholderText("Search number, place, type, caller  (Ctrl+F)")
        self.search.setClearButtonEnabled(True)

        self._filter_labels: list[QLabel] = []
        for text, combo in (("&View", self.view_combo), ("&Zone", self.zone_combo), ("T&ype", self.type_combo)):
            label = QLabel(text)
            self._filter_labels.append(label)
            label.setObjectName("filterLabel")
            label.setBuddy(combo)
            label.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Preferred)
            row.addWidget(label)
            row.addWidget(combo)
        row.addWidget(self.search, 1)

        self._build_table(
            self.proxy,
            IncidentQueueDelegate,
            name="Incident list",
            description="Pending calls first by priority and age, then active, then closed. Enter opens the incident.",
        )
        header = self.table.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(COL_LOCATION, QHeaderView.ResizeMode.Stretch)
        self._widths: dict[int, int] = {}
        self._type_narrow = 0
        self._location_min = 0
        self._fitted: tuple[int, tuple[int, ...]] | None = None
        self._apply_metrics()
        self._stack()

        self._connect_signals()
        self._refresh_zones()
        self._refresh_counts()
        # Installed last: the filter looks at widgets that must all exist by then.
        self.search.installEventFilter(self)
        self.table.installEventFilter(self)

    def _connect_signals(self) -> None:
        # Filter bar
        self.view_combo.currentIndexChanged.connect(self._on_view_combo_changed)
        self.zone_combo.currentIndexChanged.connect(self._on_zone_combo_changed)
        self.type_combo.currentIndexChanged.connect(self._on_type_combo_changed)
        self.search.textChanged.connect(self.proxy.set_search)
        # Table, and the counts that follow its rows
        self._connect_table(self.proxy, selected=self.incident_selected, activated=self.incident_activated)
        # Counts and zone list follow the data
        self.proxy.layoutChanged.connect(self._schedule_counts)
        self.model.ticked.connect(self._schedule_counts)
        self._store.incidents_changed.connect(self._on_store_incidents_changed)
        self.model.modelReset.connect(self._refresh_zones)

    # Public API ----------------------------------------------------------------------------------
    def select_incident(self, incident_id: int) -> bool:
        """Select and show an incident, widening the filters if they hide it; no incident_selected echo."""
        row = self.model.row_of(incident_id)
        if row is None:
            return False
        index = self.proxy.mapFromSource(self.model.index(row, COL_NUMBER))
        if not index.isValid():
            self.proxy.clear_filters("all")
            self._set_filter_widgets(view="all")
            index = self.proxy.mapFromSource(self.model.index(row, COL_NUMBER))
            if not index.isValid():
                return False
        self._show_index(index)
        return True

    def current_incident_id(self) -> int | None:
        return self._current_id()

    def required_width(self) -> int:
        """Width the pane needs to show number, priority, the whole type, location, status, units and age."""
        columns = (COL_NUMBER, COL_PRIORITY, COL_TYPE, COL_STATUS, COL_UNITS, COL_AGE)
        chrome = 2 * self.table.frameWidth() + self.table.verticalScrollBar().sizeHint().width()
        margins = self.contentsMargins()
        return sum(self._widths[c] for c in columns) + self._location_min + chrome + margins.left() + margins.right()

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def set_view_filter(self, name: str) -> None:
        self.proxy.set_view_filter(name)
        self._set_filter_widgets(view=name)

    # Handlers ------------------------------------------------------------------------------------
    def _on_view_combo_changed(self, _index: int) -> None:
        self.proxy.set_view_filter(str(self.view_combo.currentData()))

    def _on_zone_combo_changed(self, _index: int) -> None:
        self.proxy.set_zone_filter(str(self.zone_combo.currentData() or ""))

    def _on_type_combo_changed(self, _index: int) -> None:
        self.proxy.set_type_filter(str(self.type_combo.currentData() or ""))

    def _on_store_incidents_changed(self, records: list[IncidentRecord]) -> None:
        self._refresh_zones({rec.zone for rec in records if rec.zone})
        self._schedule_counts()

    def _set_filter_widgets(self, *, view: str) -> None:
        """Show the proxy's filters in the bar without re-entering the proxy setters."""
        widgets = [self.view_combo, self.zone_combo, self.type_combo, self.search]
        for widget in widgets:
            widget.blockSignals(True)
        try:
            self.view_combo.setCurrentIndex(max(0, self.view_combo.findData(view)))
            self.zone_combo.setCurrentIndex(max(0, self.zone_combo.findData(self.proxy.zone_filter)))
            self.type_combo.setCurrentIndex(max(0, self.type_combo.findData(self.proxy.type_filter)))
            if self.search.text().casefold().split() != self.proxy.search_text.split():
                self.search.setText(self.proxy.search_text)
        finally:
            for widget in widgets:
                widget.blockSignals(False)
        self._refresh_counts()

    def _refresh_zones(self, zones: set[str] | None = None) -> None:
        """Offer every zone seen on the board (only the given ones are checked when known)."""
        have = {str(self.zone_combo.itemData(i)) for i in range(1, self.zone_combo.count())}
        if zones is None:
            zones = set(self.model.zones())
        if zones <= have:
            return
        current = self.zone_combo.currentData()
        self.zone_combo.blockSignals(True)
        try:
            # Row 0 is "All zones"; the zones follow in order.
            for position, zone in enumerate(sorted(zones | have), start=1):
                if zone not in have:
                    self.zone_combo.insertItem(position, f"Zone {zone}", zone)
            self.zone_combo.setCurrentIndex(max(0, self.zone_combo.findData(current)))
        finally:
            self.zone_combo.blockSignals(False)

    def _refresh_counts(self, *_args: object) -> None:
        counts = self.model.counts()
        parts = [f"{counts['pending']} pending", f"{counts['active']} active"]
        if counts["escalated"]:
            # First, so a narrow pane still shows it.
            parts.insert(0, f"{WARNING_SIGN} {counts['escalated']} overdue")
        parts.append(f"{self.proxy.rowCount()} shown")
        self.count_label.setText("  ·  ".join(parts))
        self._tell_waiting_too_long()

    def _tell_waiting_too_long(self) -> None:
        """Tell once per limit passed (amber, then red) for each pending call; screen readers hear it."""
        late: dict[tuple[int, str], IncidentRecord] = {}
        for rec in self.model.records():
            level = self.model.escalation(rec)
            if level:
                late[(rec.id, level)] = rec
        fresh = [key for key in late if key not in self._alarmed]
        self._alarmed = set(late)
        lines = [
            f"Call waiting too long: {rec.number}, priority {rec.priority}, {rec.call_type_label}, {rec.location}, "
            f"{spoken_elapsed(self.model.age_seconds(rec))}"
            for rec in (late[key] for key in fresh)
        ]
        if lines:
            self.calls_waiting_too_long.emit(lines)

    # Keyboard and font changes -------------------------------------------------------------------
    def keyPressEvent(self, event: QKeyEvent) -> None:
        # Ctrl+F reaches here only when no window-wide shortcut took it first (the pane on its own).
        if event.matches(QKeySequence.StandardKey.Find):
            self.focus_search()
            event.accept()
            return
        super().keyPressEvent(event)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.search and event.type() == QEvent.Type.KeyPress:
            key = event.key()  # type: ignore[attr-defined]
            if key == Qt.Key.Key_Escape:
                if self.search.text():
                    self.search.clear()
                else:
                    self.focus_table()
                return True
            if key in (Qt.Key.Key_Down, Qt.Key.Key_Return, Qt.Key.Key_Enter):
                self.focus_table()
                return True
        elif watched is self.table and event.type() == QEvent.Type.FontChange:
            self._apply_metrics()
        elif watched is self.table and event.type() == QEvent.Type.Resize:
            # Filters run before the view lays out its viewport: take the new size from the event.
            bar = self.table.verticalScrollBar()
            chrome = 2 * self.table.frameWidth() + (bar.sizeHint().width() if bar.isVisible() else 0)
            self._fit_columns(event.size().width() - chrome)  # type: ignore[attr-defined]
        return super().eventFilter(watched, event)

    def _apply_metrics(self) -> None:
        """Row height and column widths from the current font, so a larger text size still fits."""
        font = self.table.font()
        metrics = QFontMetrics(font)
        self.table.verticalHeader().setDefaultSectionSize(theme.row_height(font))
        bold = QFont(font)
        bold.setBold(True)
        wide = QFontMetrics(bold)
        self._widths = {
            COL_NUMBER: wide.horizontalAdvance(f"{TRANSFERRED_MARK} 2026-000000") + 18,
            COL_PRIORITY: wide.horizontalAdvance("P4") + metrics.ascent() + 22,
            # The pack's longest call type, whole: a dispatcher reads the type, not its first letters.
            COL_TYPE: max(metrics.horizontalAdvance(label) for label in self._type_labels) + 16,
            COL_ZONE: metrics.horizontalAdvance("00000") + 12,
            COL_STATUS: wide.horizontalAdvance("Dispatched") + 30,
            COL_UNITS: metrics.horizontalAdvance("CSO10, CSO12") + 12,
            COL_AGE: wide.horizontalAdvance(f"{WARNING_SIGN} 00h 00m") + 14,
            COL_IN_STATUS: metrics.horizontalAdvance("In status") + 24,
        }
        self._type_narrow = metrics.horizontalAdvance("Welfare check") + 12
        self._location_min = metrics.horizontalAdvance("Crescent Heights Blvd & Fou") + 12
        self.table.horizontalHeader().setMinimumSectionSize(metrics.horizontalAdvance("Zone") + 12)
        search_metrics = QFontMetrics(self.search.font())
        self.search.setMinimumWidth(search_metrics.horizontalAdvance("Search number, place") + 40)
        self.search.setMaximumWidth(
            search_metrics.horizontalAdvance("Search number, place, type, caller (Ctrl+F)") + 50
        )
        self._fitted = None
        self._fit_columns()
        self._fit_filter_bar(self.width())
        self.metrics_changed.emit()

    def _fit_columns(self, available: int | None = None) -> None:
        """Keep Location readable on a narrow pane: Zone and In status step aside, then Type narrows.

        Widths are set only when that choice changes, so a column the dispatcher resized stays put.
        """
        if available is None:
            available = self.table.viewport().width()
        widths = dict(self._widths)
        hidden: list[int] = []

        def needed() -> int:
            return sum(w for c, w in widths.items() if c not in hidden) + self._location_min

        for col in (COL_ZONE, COL_IN_STATUS):
            if needed() > available:
                hidden.append(col)
        if needed() > available:
            widths[COL_TYPE] = self._type_narrow
        fitted = (widths[COL_TYPE], tuple(hidden))
        if fitted == self._fitted:
            return
        self._fitted = fitted
        header = self.table.horizontalHeader()
        for col in (COL_ZONE, COL_IN_STATUS):
            header.setSectionHidden(col, col in hidden)
        for col, width in widths.items():
            header.resizeSection(col, width)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_filter_bar(event.size().width())

    def _fit_filter_bar(self, width: int) -> None:
        # The filter labels give their room to the counts on a narrow pane (the combos say enough).
        wide = width >= 130 * QFontMetrics(self.search.font()).averageCharWidth()
        for label in self._filter_labels:
            label.setVisible(wide)
