"""Dashboard building blocks: figure tiles, bar and line charts (QtCharts), read-only tables."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCharts import (
    QAbstractAxis,
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QChart,
    QChartView,
    QDateTimeAxis,
    QHorizontalBarSeries,
    QLineSeries,
    QValueAxis,
)
from PySide6.QtCore import QAbstractTableModel, QDateTime, QMargins, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics, QPainter, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHeaderView,
    QLabel,
    QSizePolicy,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from data.shift_summary import Count, IntervalStat
from widgets import theme

# A plain value in a RowsModel cell: numbers align right and sort as numbers.
Cell = str | int | float | None

Index = QModelIndex | QPersistentModelIndex
SortRole = Qt.ItemDataRole.UserRole + 1
# Category labels longer than this are clipped (the tooltip has them whole): a chart keeps its plot.
LABEL_CHARS = 22


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def duration_text(seconds: float | None) -> str:
    """'—', '45s', '3m 05s', '10m' or '1h 12m': short enough for a table cell."""
    if seconds is None:
        return "—"
    total = round(seconds)
    if total < 60:
        return f"{total}s"
    if total < 3600:
        minutes, rest = divmod(total, 60)
        return f"{minutes}m {rest:02d}s" if rest else f"{minutes}m"
    hours, rest = divmod(total, 3600)
    return f"{hours}h {rest // 60:02d}m"


class StatTile(QFrame):
    """One headline figure: a caption, a big number and a line of context."""

    def __init__(self, caption: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("statTile")
        self.caption = QLabel(caption.upper(), self)
        self.caption.setObjectName("tileCaption")
        self.value = QLabel("—", self)
        self.value.setObjectName("tileValue")
        self.note = QLabel("", self)
        self.note.setObjectName("tileNote")
        self.note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.setSpacing(1)
        layout.addWidget(self.caption)
        layout.addWidget(self.value)
        layout.addWidget(self.note)
        layout.addStretch(1)
        # Wrapped labels report no reliable height: size every tile for a caption, the figure
        # (20 pt, as the style sheet sets it) and two lines of context, so a row of tiles lines up.
        big = QFont(self.font())
        big.setPointSize(20)
        big.setBold(True)
        line = QFontMetrics(self.font()).height()
        self.setFixedHeight(line * 3 + QFontMetrics(big).height() + 8 + 16 + 2)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setAccessibleName(caption)

    def set_figure(self, value: object, note: str = "", *, tone: str = "") -> None:
        """tone: '' (plain), 'good' or 'bad' (the note says why; colour only repeats it)."""
        self.value.setText(str(value))
        self.note.setText(note)
        self.value.setProperty("tone", tone)
        self.value.style().unpolish(self.value)
        self.value.style().polish(self.value)
        self.setAccessibleDescription(f"{value} {note}".strip())


def tile_style_sheet() -> str:
    """QSS for tiles and section titles in the current theme."""
    c = theme.colors()
    good = c.status["available"].fill.name()
    return f"""
        QFrame#statTile {{ background-color: {c.header.name()}; border: 1px solid {c.grid.name()};
                          border-radius: 4px; }}
        QFrame#statTile QLabel {{ background: transparent; }}
        QLabel#tileCaption {{ color: {c.muted.name()}; font-weight: 600; letter-spacing: 0.5px; }}
        QLabel#tileValue {{ font-size: 20pt; font-weight: 700; }}
        QLabel#tileValue[tone="good"] {{ color: {good}; }}
        QLabel#tileValue[tone="bad"] {{ color: {c.red.name()}; }}
        QLabel#tileNote {{ color: {c.muted.name()}; }}
        QLabel#sectionTitle {{ color: {c.muted.name()}; font-weight: 700; letter-spacing: 0.5px; }}
    """


def section_title(text: str, parent: QWidget | None = None) -> QLabel:
    label = QLabel(text.upper(), parent)
    label.setObjectName("sectionTitle")
    return label


class ChartView(QChartView):
    """A QChartView styled for the current theme; subclasses fill the chart from counts."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("chartView")
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setMinimumHeight(180)
        self.setAccessibleName(title)
        chart = QChart()
        chart.setTitle(title)
        chart.legend().hide()
        chart.setMargins(QMargins(4, 4, 4, 4))
        chart.setBackgroundRoundness(4)
        chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
        self.setChart(chart)
        self.counts: tuple[Count, ...] = ()
        self.apply_theme()

    def apply_theme(self) -> None:
        c = theme.colors()
        chart = self.chart()
        chart.setBackgroundBrush(QBrush(c.header))
        chart.setBackgroundPen(QPen(c.grid))
        chart.setPlotAreaBackgroundVisible(False)
        title = QFont(self.font())
        title.setBold(True)
        chart.setTitleFont(title)
        chart.setTitleBrush(QBrush(c.text))
        self.setBackgroundBrush(QBrush(c.window))
        for axis in chart.axes():
            self._style_axis(axis)

    def _style_axis(self, axis: QAbstractAxis) -> None:
        c = theme.colors()
        # Whole labels: an elided "0971" or "Welfare check" says nothing.
        axis.setTruncateLabels(False)
        axis.setLabelsBrush(QBrush(c.muted))
        axis.setLinePen(QPen(c.grid))
        axis.setGridLinePen(QPen(c.grid, 1, Qt.PenStyle.DotLine))
        small = QFont(self.font())
        if small.pointSizeF() > 0:
            small.setPointSizeF(max(7.0, small.pointSizeF() - 1))
        axis.setLabelsFont(small)

    def _reset(self) -> QChart:
        chart = self.chart()
        chart.removeAllSeries()
        for axis in chart.axes():
            chart.removeAxis(axis)
        return chart

    def _value_axis(self, peak: float) -> QValueAxis:
        """0 to a round top with four or fewer steps; counts are whole numbers."""
        axis = QValueAxis()
        top = max(1, int(-(-peak // 1)))
        if top <= 4:
            axis.setRange(0, top)
            axis.setTickCount(top + 1)
        else:
            step = -(-top // 4)
            axis.setRange(0, step * 4)
            axis.setTickCount(5)
        axis.setLabelFormat("%d")
        self._style_axis(axis)
        return axis


class BarChartView(ChartView):
    """Counts as bars: vertical (hours, zones) or horizontal with long labels (types, dispositions)."""

    def __init__(
        self,
        title: str,
        parent: QWidget | None = None,
        *,
        horizontal: bool = False,
        limit: int | None = None,
        label_step: int = 1,
        color: QColor | None = None,
        short_label: Callable[[Count], str] | None = None,
    ) -> None:
        self.horizontal = horizontal
        self.short_label = short_label
        self.limit = limit
        self.label_step = label_step
        self.color = color
        super().__init__(title, parent)

    def set_counts(self, counts: Sequence[Count]) -> None:
        items = list(counts)
        if self.limit is not None and len(items) > self.limit:
            rest = sum(c.count for c in items[self.limit - 1 :])
            items = [*items[: self.limit - 1], Count("other", "All others", rest)]
        self.counts = tuple(items)
        chart = self._reset()
        c = theme.colors()
        bars = QBarSet("Calls")
        bars.setColor(self.color or c.accent)
        bars.setBorderColor(self.color or c.accent)
        bars.setLabelColor(c.text)
        if self.horizontal:
            items = list(reversed(items))  # QtCharts draws the first category at the bottom
        bars.append([float(i.count) for i in items])
        series = QHorizontalBarSeries() if self.horizontal else QBarSeries()
        series.append(bars)
        series.setBarWidth(0.7)
        series.setLabelsVisible(self.horizontal and bool(items))
        series.setLabelsFormat("@value")
        series.setLabelsPosition(QBarSeries.LabelsPosition.LabelsOutsideEnd)
        chart.addSeries(series)
        categories = QBarCategoryAxis()
        name = self.short_label or (lambda item: clip(item.label, LABEL_CHARS if self.horizontal else 12))
        # Categories must differ, so skipped labels are blanks of different lengths.
        labels = [(name(i) if idx % self.label_step == 0 else " " * (idx + 1)) for idx, i in enumerate(items)] or [" "]
        categories.append(labels)
        self._style_axis(categories)
        categories.setGridLineVisible(False)
        peak = max((i.count for i in items), default=0)
        # Room past the longest bar for its value label.
        values = self._value_axis(peak * 1.15 if self.horizontal else peak)
        if self.horizontal:
            chart.addAxis(categories, Qt.AlignmentFlag.AlignLeft)
            chart.addAxis(values, Qt.AlignmentFlag.AlignBottom)
        else:
            chart.addAxis(categories, Qt.AlignmentFlag.AlignBottom)
            chart.addAxis(values, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(categories)
        series.attachAxis(values)
        self.setToolTip("\n".join(f"{i.label}: {i.count}" for i in self.counts))


class DailyChartView(BarChartView):
    """Calls per local date: bars for up to two months, a line for longer ranges."""

    BAR_DAYS = 62

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(title, parent, short_label=lambda c: dt.date.fromisoformat(c.key).strftime("%b %-d"))

    def set_counts(self, counts: Sequence[Count]) -> None:
        items = tuple(counts)
        if len(items) <= self.BAR_DAYS:
            self.label_step = max(1, -(-len(items) // 8))
            super().set_counts(items)
            return
        self.counts = items
        chart = self._reset()
        c = theme.colors()
        line = QLineSeries()
        line.setPen(QPen(c.accent, 2))
        moments = []
        for item in items:
            day = dt.date.fromisoformat(item.key)
            moment = QDateTime(day.year, day.month, day.day, 12, 0, 0)
            moments.append(moment)
            line.append(float(moment.toMSecsSinceEpoch()), float(item.count))
        chart.addSeries(line)
        axis = QDateTimeAxis()
        axis.setFormat("MMM d")
        axis.setRange(moments[0], moments[-1])
        axis.setTickCount(7)
        self._style_axis(axis)
        values = self._value_axis(max(i.count for i in items))
        chart.addAxis(axis, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(values, Qt.AlignmentFlag.AlignLeft)
        line.attachAxis(axis)
        line.attachAxis(values)
        self.setToolTip(f"{len(items)} days, {sum(i.count for i in items):,} calls")


class RowsModel(QAbstractTableModel):
    """Read-only rows of plain values; numbers align right and sort as numbers."""

    def __init__(self, headers: Sequence[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.headers = tuple(headers)
        self.rows: list[tuple[Cell, ...]] = []
        self.tones: list[str] = []

    def set_rows(self, rows: Sequence[Sequence[Cell]], tones: Sequence[str] | None = None) -> None:
        self.beginResetModel()
        self.rows = [tuple(r) for r in rows]
        self.tones = list(tones) if tones is not None else [""] * len(self.rows)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.headers)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.headers[section] if 0 <= section < len(self.headers) else None
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        value = self.rows[index.row()][index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return "" if value is None else str(value)
        if role == SortRole:
            return value
        if role == Qt.ItemDataRole.TextAlignmentRole and isinstance(value, int | float):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and index.column() == len(self.headers) - 1:
            tone = self.tones[index.row()] if index.row() < len(self.tones) else ""
            c = theme.colors()
            if tone == "good":
                return QBrush(c.status["available"].fill)
            if tone == "bad":
                return QBrush(c.red)
        return None


class IntervalsModel(RowsModel):
    """Response intervals against the city's targets; the Met column is worded as well as coloured."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(("Interval", "Calls", "Median", "90th pct", "Target", "Met"), parent)

    def set_intervals(self, intervals: Sequence[IntervalStat], name: Callable[[IntervalStat], str]) -> None:
        rows, tones = [], []
        for i in intervals:
            target = f"{i.target_on} ≤ {duration_text(i.target_s)}" if i.target_s is not None else "none set"
            met = "—" if i.met is None else ("✓ yes" if i.met else "✕ no")
            rows.append((name(i), i.count, duration_text(i.median_s), duration_text(i.p90_s), target, met))
            tones.append("" if i.met is None else ("good" if i.met else "bad"))
        self.set_rows(rows, tones)


def rows_table(model: RowsModel, name: str, parent: QWidget | None = None, *, fit_rows: int = 0) -> QTableView:
    """A compact read-only table over a RowsModel; the first column takes the spare width.

    ``fit_rows`` fixes the height to that many rows (a short, known list such as the intervals).
    """
    view = QTableView(parent)
    view.setModel(model)
    view.setAccessibleName(name)
    view.verticalHeader().setVisible(False)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setAlternatingRowColors(True)
    view.setShowGrid(False)
    view.setWordWrap(False)
    header = view.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    row = theme.row_height(view.font())
    view.verticalHeader().setDefaultSectionSize(row)
    if fit_rows:
        view.setFixedHeight(header.sizeHint().height() + row * fit_rows + 2 * view.frameWidth() + 2)
        view.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    return view


__all__ = [
    "BarChartView",
    "ChartView",
    "DailyChartView",
    "IntervalsModel",
    "RowsModel",
    "SortRole",
    "StatTile",
    "clip",
    "duration_text",
    "rows_table",
    "section_title",
    "tile_style_sheet",
]
