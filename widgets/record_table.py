"""What the record tables share: a list-backed model, the board's live model, key-sorted proxy, delegate, pane."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, ClassVar, Generic, Protocol, TypeVar

from PySide6.QtCore import (
    QAbstractTableModel,
    QByteArray,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSize,
    QSortFilterProxyModel,
    Qt,
    QTimer,
    Signal,
    SignalInstance,
)
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPaintEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSizePolicy,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from widgets import theme
from widgets.accessibility import spoken
from widgets.store import BoardStore

ModelIndex = QModelIndex | QPersistentModelIndex

# Roles both tables hand out under the same numbers; each table adds its own around them.
SortKeyRole = Qt.ItemDataRole.UserRole + 4  # the row's place in the table's fixed order
RecordRole = Qt.ItemDataRole.UserRole + 5  # the record itself


class Record(Protocol):
    @property
    def id(self) -> int: ...


R = TypeVar("R", bound=Record)
K = TypeVar("K")
T = TypeVar("T")


class ElidingLabel(QLabel):
    """A one-line label that gives up width gracefully: it ends in … and keeps the full text as tooltip."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)

    caption = ""  # when set, the accessible name is "caption: text", so it carries what is shown

    def setText(self, text: str) -> None:
        super().setText(text)
        self.setToolTip(text)
        if self.caption:
            words = spoken(text)
            self.setAccessibleName(f"{self.caption}: {words}" if words else self.caption)

    def minimumSizeHint(self) -> QSize:
        return QSize(0, super().minimumSizeHint().height())

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        rect = self.contentsRect()
        text = self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight, rect.width())
        painter.setPen(self.palette().color(self.foregroundRole()))
        painter.drawText(rect, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), text)


# The models --------------------------------------------------------------------------------------
class RowListModel(QAbstractTableModel, Generic[T]):
    """A flat, read-only table of one row per item of a list, under fixed column headers."""

    headers: ClassVar[tuple[str, ...]] = ()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[T] = []

    def record(self, row: int) -> T:
        return self._rows[row]

    def records(self) -> list[T]:
        return list(self._rows)

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.headers)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(self.headers)
        ):
            return self.headers[section]
        return None


class RecordTableModel(RowListModel[R], Generic[R, K]):
    """One row per record the store holds, a precomputed sort key per row and a one-second tick.

    Rows are appended and removed, never reordered: the proxy sorts by the keys. A subclass names its
    columns and roles, says which records belong (`_board_records`, `_belongs`) and answers `cell_data`.
    """

    ticked = Signal(object)  # the clock's time at this tick (datetime)

    header_tips: ClassVar[tuple[str, ...]] = ()
    custom_role_names: ClassVar[Mapping[int, bytes]] = {}
    time_columns: ClassVar[tuple[int, int]] = (0, 0)  # first and last column the tick changes; right-aligned
    centred_columns: ClassVar[tuple[int, ...]] = ()
    row_roles: ClassVar[list[int]] = []  # what a changed record can alter
    tick_roles: ClassVar[list[int]] = []  # what the clock alone alters

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
        self._keys: list[K] = []  # the proxy holds this very list: cleared and refilled, never replaced
        self._row_of: dict[int, int] = {}
        self._now = self._clock()
        # Asked for every painted cell: worked out once per column.
        self._cell_alignments = [
            int(self.alignment(col) | Qt.AlignmentFlag.AlignVCenter) for col in range(len(self.headers))
        ]
        store.board_loaded.connect(self._on_store_board_loaded)
        # One timer moves the time columns on; only those columns are announced as changed.
        self.tick_timer = QTimer(self)
        self.tick_timer.setInterval(1000)
        self.tick_timer.timeout.connect(self.tick)
        self.tick_timer.start()

    # What a subclass decides ---------------------------------------------------------------------
    def _board_records(self) -> Iterable[R]:
        """The records a freshly loaded board shows, in the order they become rows."""
        raise NotImplementedError

    def _belongs(self, record: R) -> bool:
        """Whether a changed record has a row (False removes it)."""
        return True

    def key_of(self, record: R) -> K:
        raise NotImplementedError

    def _display(self, record: R, col: int) -> str:
        raise NotImplementedError

    def cell_data(self, row: int, col: int, role: int) -> Any:
        """data() for a valid cell, for every role but display text and the shared ones."""
        raise NotImplementedError

    # Row bookkeeping -----------------------------------------------------------------------------
    def _on_store_board_loaded(self) -> None:
        self.beginResetModel()
        self._clear_rows()
        self._now = self._clock()
        self._fill(self._board_records())
        self.endResetModel()

    def _clear_rows(self) -> None:
        self._rows.clear()
        self._keys.clear()
        self._row_of.clear()

    def _fill(self, records: Iterable[R]) -> None:
        for record in records:
            self._row_of[record.id] = len(self._rows)
            self._append_row(record)

    def _append_row(self, record: R) -> None:
        self._rows.append(record)
        self._keys.append(self.key_of(record))

    def _replace_row(self, row: int, record: R) -> None:
        self._rows[row] = record
        self._keys[row] = self.key_of(record)

    def _remove_row(self, row: int) -> None:
        del self._rows[row]
        del self._keys[row]

    def _update_rows(self, records: Sequence[R]) -> None:
        """Changed records update their rows in place; records that stop belonging leave, new ones arrive."""
        latest = {rec.id: rec for rec in records}  # a burst may carry one record twice
        last_column = self.columnCount() - 1
        leaving: list[int] = []
        arriving: list[R] = []
        for rec in latest.values():
            row = self._row_of.get(rec.id)
            if row is None:
                if self._belongs(rec):
                    arriving.append(rec)
                continue
            if not self._belongs(rec):
                leaving.append(rec.id)
                continue
            self._replace_row(row, rec)
            self.dataChanged.emit(self.index(row, 0), self.index(row, last_column), self.row_roles)
        # Remove from the bottom up so the rows still to go keep their numbers.
        for row in sorted((self._row_of[rid] for rid in leaving), reverse=True):
            self.beginRemoveRows(QModelIndex(), row, row)
            self._remove_row(row)
            self._row_of = {rec.id: i for i, rec in enumerate(self._rows)}
            self.endRemoveRows()
        if arriving:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(arriving) - 1)
            self._fill(arriving)
            self.endInsertRows()

    def tick(self) -> None:
        """Move the clock on: the time columns change, nothing else."""
        self._now = self._clock()
        self._announce_tick()
        self.ticked.emit(self._now)

    def _announce_tick(self) -> None:
        if self._rows:
            first, last = self.time_columns
            self.dataChanged.emit(self.index(0, first), self.index(len(self._rows) - 1, last), self.tick_roles)

    # Lookups -------------------------------------------------------------------------------------
    def now(self) -> dt.datetime:
        return self._now

    def row_of(self, record_id: int) -> int | None:
        return self._row_of.get(record_id)

    @property
    def sort_keys(self) -> list[K]:
        """Sort keys by source row (a live list, updated in place)."""
        return self._keys

    def alignment(self, col: int) -> Qt.AlignmentFlag:
        if col in self.time_columns:
            return Qt.AlignmentFlag.AlignRight
        if col in self.centred_columns:
            return Qt.AlignmentFlag.AlignHCenter
        return Qt.AlignmentFlag.AlignLeft

    # Qt model interface --------------------------------------------------------------------------
    def roleNames(self) -> dict[int, QByteArray]:
        names = dict(super().roleNames())
        names.update({role: QByteArray(name) for role, name in self.custom_role_names.items()})
        return names

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.headers):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.headers[section]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(self.alignment(section) | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.header_tips[section]
        return None

    def flags(self, index: ModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row, col = index.row(), index.column()
        if not (0 <= row < len(self._rows) and 0 <= col < len(self.headers)):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(self._rows[row], col)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return self._cell_alignments[col]
        if role == SortKeyRole:
            return self._keys[row]
        if role == RecordRole:
            return self._rows[row]
        return self.cell_data(row, col, role)


def bold_font() -> QFont:
    font = QFont()
    font.setBold(True)
    return font


# The proxy ---------------------------------------------------------------------------------------
class RecordTableProxy(QSortFilterProxyModel, Generic[R, K]):
    """Sorts by the model's precomputed keys: no data() round trip per comparison."""

    def __init__(self, source: RecordTableModel[R, K], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._source = source
        self._keys = source.sort_keys
        self.setDynamicSortFilter(True)
        self.setSortRole(SortKeyRole)

    def _attach_source(self) -> None:
        """Take the source and sort: last in a subclass's __init__, once its filters are set."""
        self.setSourceModel(self._source)
        self.sort(0, Qt.SortOrder.AscendingOrder)

    def lessThan(self, source_left: ModelIndex, source_right: ModelIndex) -> bool:
        keys = self._keys
        return keys[source_left.row()] < keys[source_right.row()]  # type: ignore[operator]


# The delegate ------------------------------------------------------------------------------------
class RecordTableDelegate(QStyledItemDelegate):
    """Paints theme backgrounds, plain text cells and the focus edge; a subclass paints its pill columns."""

    key_column: ClassVar[int] = 0  # the column that carries the focus edge
    pill_columns: ClassVar[tuple[int, ...]] = ()  # columns painted as badges or pills: wider

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: ModelIndex) -> None:
        palette = theme.colors()
        tint = index.data(Qt.ItemDataRole.BackgroundRole)
        painter.save()
        selected = theme.paint_cell_background(painter, option, palette, tint if isinstance(tint, QColor) else None)
        self._paint_cell(painter, option, index, palette, selected)
        theme.paint_focus_edge(painter, option, palette, index.column() == self.key_column)
        painter.restore()

    def _paint_cell(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: ModelIndex,
        palette: theme.ThemeColors,
        selected: bool,
    ) -> None:
        self._paint_text(painter, option, index, palette, selected)

    def _paint_text(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: ModelIndex,
        palette: theme.ThemeColors,
        selected: bool,
        text: str | None = None,
    ) -> None:
        """The cell's display text (`text` when the caller has it already) in its font, colour and alignment."""
        font = QFont(option.font)
        override = index.data(Qt.ItemDataRole.FontRole)
        if isinstance(override, QFont):
            font.setBold(override.bold())
        color = index.data(Qt.ItemDataRole.ForegroundRole)
        if not isinstance(color, QColor):
            color = palette.selection_text if selected else palette.text
        align = Qt.AlignmentFlag(int(index.data(Qt.ItemDataRole.TextAlignmentRole) or 0))
        align &= Qt.AlignmentFlag.AlignHorizontal_Mask
        if text is None:
            text = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
        theme.paint_text(painter, option.rect, text, color, font, align=align)

    def sizeHint(self, option: QStyleOptionViewItem, index: ModelIndex) -> QSize:
        metrics = QFontMetrics(option.font)
        text = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
        extra = 28 if index.column() in self.pill_columns else 12
        return QSize(metrics.horizontalAdvance(text) + extra, theme.row_height(option.font))


# The pane ----------------------------------------------------------------------------------------
class RecordTablePane(QWidget):
    """A header bar over a read-only table of one record per row; the selection is told by record id."""

    id_role: ClassVar[int] = RecordRole

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._programmatic = False
        self._counts_timer = QTimer(self)
        self._counts_timer.setSingleShot(True)
        self._counts_timer.setInterval(0)
        self._selected_signal: SignalInstance | None = None
        self._activated_signal: SignalInstance | None = None

    # Building ------------------------------------------------------------------------------------
    def _build_header(self, title: str, *, count_name: str, bar_name: str) -> QHBoxLayout:
        """The title and counts bar (self.title, self.count_label); returns its row for more widgets."""
        self.title = QLabel(title)  # read as its text: a fixed accessible name would hide it
        self.title.setObjectName("panelTitle")
        self.count_label = ElidingLabel()  # gives way first when the pane is narrow
        self.count_label.setObjectName("panelCount")
        self.count_label.caption = count_name
        self.count_label.setText("")
        self.header_bar = QWidget()
        self.header_bar.setObjectName("filterBar")
        self.header_bar.setAccessibleName(bar_name)
        row = QHBoxLayout(self.header_bar)
        row.setContentsMargins(8, 5, 8, 5)
        row.setSpacing(6)
        row.addWidget(self.title)
        row.addWidget(self.count_label, 1)
        return row

    def _build_table(
        self,
        model: QSortFilterProxyModel,
        delegate_type: type[QStyledItemDelegate],
        *,
        name: str,
        description: str,
    ) -> QTableView:
        """A read-only, single-row-selection table in the model's fixed order (self.table, self.delegate)."""
        self.table = QTableView()
        self.table.setAccessibleName(name)
        self.table.setAccessibleDescription(description)
        self.table.setModel(model)
        self.delegate = delegate_type(self.table)
        self.table.setItemDelegate(self.delegate)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.setTabKeyNavigation(False)
        self.table.setSortingEnabled(False)  # the order is fixed: dispatchers rely on it
        self.table.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setSectionsMovable(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        return self.table

    def _stack(self, *below: QWidget) -> None:
        """Lay out the header bar, the table (taking the height) and any bars below it."""
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.header_bar)
        layout.addWidget(self.table, 1)
        for widget in below:
            layout.addWidget(widget)

    def _connect_table(
        self, proxy: QSortFilterProxyModel, *, selected: SignalInstance, activated: SignalInstance
    ) -> None:
        """Forward the current row as `selected` and Enter or double-click as `activated`; counts follow rows."""
        self._selected_signal = selected
        self._activated_signal = activated
        self.table.selectionModel().currentRowChanged.connect(self._on_table_current_changed)
        self.table.activated.connect(self._on_table_activated)
        proxy.rowsInserted.connect(self._schedule_counts)
        proxy.rowsRemoved.connect(self._schedule_counts)
        proxy.modelReset.connect(self._refresh_counts)  # at once: the first frame shows the right counts
        self._counts_timer.timeout.connect(self._refresh_counts)

    # Selection -----------------------------------------------------------------------------------
    def _show_index(self, index: QModelIndex) -> None:
        """Make a row current and visible without echoing it as the dispatcher's selection."""
        self._programmatic = True
        try:
            self.table.setCurrentIndex(index)
        finally:
            self._programmatic = False
        self.table.scrollTo(index, QAbstractItemView.ScrollHint.EnsureVisible)

    def _current_id(self) -> int | None:
        index = self.table.currentIndex()
        if not index.isValid() or not self.table.selectionModel().isRowSelected(index.row(), QModelIndex()):
            return None
        return int(index.data(self.id_role))

    def focus_table(self) -> None:
        self.table.setFocus(Qt.FocusReason.ShortcutFocusReason)
        model = self.table.model()
        if not self.table.selectionModel().hasSelection() and model.rowCount() > 0:
            # Focus alone leaves a current cell unselected; the keyboard user needs a selected row.
            current = self.table.currentIndex()
            self.table.selectRow(current.row() if current.isValid() else 0)

    def _on_table_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid() and not self._programmatic and self._selected_signal is not None:
            self._selected_signal.emit(int(current.data(self.id_role)))

    def _on_table_activated(self, index: QModelIndex) -> None:
        if index.isValid() and self._activated_signal is not None:
            self._activated_signal.emit(int(index.data(self.id_role)))

    # Counts --------------------------------------------------------------------------------------
    def _schedule_counts(self, *_args: object) -> None:
        # A filter change can remove rows in hundreds of runs: count once, after the burst.
        if not self._counts_timer.isActive():
            self._counts_timer.start()

    def _refresh_counts(self, *_args: object) -> None:
        raise NotImplementedError
