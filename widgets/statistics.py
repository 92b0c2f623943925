"""The statistics dashboard: calls, intervals against targets, referrals and repeat contacts for a date range."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from zoneinfo import ZoneInfo

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QDateEdit,
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from data.db import Database
from data.errors import DispatchError
from data.permissions import Actor
from data.statistics import Stats, read_statistics, stats_csv
from widgets.dates import to_date
from widgets.figures import (
    BarChartView,
    DailyChartView,
    IntervalsModel,
    RowsModel,
    StatTile,
    duration_text,
    rows_table,
    section_title,
    tile_style_sheet,
)
from widgets.inline import InlineMessage
from widgets.operations import Operations

PRESETS = (("Today", 0), ("7 days", 6), ("30 days", 29), ("This year", -1))
INTERVAL_NAMES = {"queue": "Queue", "travel": "Travel", "onscene": "On scene"}


def write_text(path: str, text: str) -> str:
    """Write a file atomically (runs off the GUI thread); a file system refusal reads as one."""
    target = Path(path)
    partial = target.with_name(target.name + ".part")
    try:
        partial.write_text(text, encoding="utf-8", newline="")
        partial.replace(target)
    except OSError as exc:
        raise DispatchError(f"Could not save {target}: {exc.strerror or exc}") from exc
    return str(target)


class StatisticsDashboard(QWidget):
    """Pick a date range; the figures are computed by the database off the GUI thread."""

    exported = Signal(str)  # path of the CSV written

    def __init__(self, db: Database, operations: Operations, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("statisticsDashboard")
        self.setWindowTitle("Statistics")
        self._db = db
        self._actor = actor
        self._ops = operations
        self._tz = ZoneInfo(db.pack.timezone)
        self.stats: Stats | None = None
        self.dialog: QFileDialog | None = None
        self._started = 0.0
        self._build()
        self.setStyleSheet(tile_style_sheet())
        self.set_preset(6)

    # Building ----------------------------------------------------------------------------------
    def _build(self) -> None:
        today = self._today()
        self.from_edit = QDateEdit(today, self)
        self.to_edit = QDateEdit(today, self)
        for edit, name in ((self.from_edit, "From date"), (self.to_edit, "To date")):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("ddd d MMM yyyy")
            edit.setAccessibleName(name)
        from_label = QLabel("&From", self)
        from_label.setBuddy(self.from_edit)
        to_label = QLabel("&To", self)
        to_label.setBuddy(self.to_edit)
        self.preset_buttons = []
        bar = QHBoxLayout()
        bar.setSpacing(6)
        bar.addWidget(from_label)
        bar.addWidget(self.from_edit)
        bar.addWidget(to_label)
        bar.addWidget(self.to_edit)
        bar.addSpacing(8)
        for label, days in PRESETS:
            button = QPushButton(label, self)
            button.setAutoDefault(False)
            button.clicked.connect(lambda _checked=False, d=days: self.set_preset(d))
            self.preset_buttons.append(button)
            bar.addWidget(button)
        self.refresh_button = QPushButton("&Refresh  F5", self)
        self.refresh_button.setObjectName("primaryAction")
        self.refresh_button.setShortcut("F5")
        self.export_button = QPushButton("&Export CSV…", self)
        bar.addSpacing(8)
        bar.addWidget(self.refresh_button)
        bar.addStretch(1)
        self.status = QLabel("", self)
        self.status.setObjectName("panelCount")
        bar.addWidget(self.status)
        bar.addWidget(self.export_button)
        self.message = InlineMessage(self)
        self.message.follow_reports(self._ops, self)

        tiles = QHBoxLayout()
        tiles.setSpacing(8)
        self.tiles = {
            key: StatTile(caption, self)
            for key, caption in (
                ("calls", "Calls"),
                ("self_initiated", "Officer-initiated"),
                ("law_enforcement", f"With {self._db.pack.agency}"),
                ("queue", "Queue, 90th pct"),
                ("referrals", "Referrals"),
                ("people", "People served"),
                ("repeat", "Repeat locations"),
                ("welfare", "Welfare checks"),
            )
        }
        for tile in self.tiles.values():
            tiles.addWidget(tile, 1)

        self.hour_chart = BarChartView("Calls by hour of day", self, label_step=3, short_label=lambda c: c.key)
        self.day_chart = DailyChartView("Calls per day", self)
        self.type_chart = BarChartView("Calls by type", self, horizontal=True, limit=10)
        self.zone_chart = BarChartView("Calls by zone", self)
        self.disposition_chart = BarChartView("Dispositions", self, horizontal=True, limit=8)

        self.intervals = IntervalsModel(self)
        self.repeat_places = RowsModel(("Location", "Calls", "Last call"), self)
        self.repeat_people = RowsModel(("Person (caller or subject)", "Incidents"), self)
        self.referrals = RowsModel(("Agency", "Made", "Accepted", "Declined"), self)
        self.proactive = RowsModel(("Activity", "Count"), self)
        self.interval_view = rows_table(self.intervals, "Response intervals", self, fit_rows=3)
        self.places_view = rows_table(self.repeat_places, "Repeat locations", self)
        self.people_view = rows_table(self.repeat_people, "People served more than once", self)
        self.referral_view = rows_table(self.referrals, "Referrals by agency", self)
        self.proactive_view = rows_table(self.proactive, "Officer-initiated work by type", self)
        self.proactive_hours = QLabel("", self)
        self.proactive_hours.setObjectName("panelCount")
        self.interval_note = QLabel(
            "Queue: received → dispatched · Travel: en route → on scene · On scene: arrival → cleared. "
            "Calls only; officer-initiated work is counted apart.",
            self,
        )
        self.interval_note.setObjectName("panelCount")
        self.interval_note.setWordWrap(True)

        grid = QGridLayout()
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(10)
        grid.addWidget(self.hour_chart, 0, 0)
        grid.addWidget(self.day_chart, 0, 1)
        grid.addWidget(
            self._panel("Response intervals against the city's targets", self.interval_view, self.interval_note), 0, 2
        )
        grid.addWidget(self.type_chart, 1, 0)
        grid.addWidget(self.zone_chart, 1, 1)
        grid.addWidget(self.disposition_chart, 1, 2)
        grid.addWidget(self._panel("Repeat locations", self.places_view), 2, 0)
        grid.addWidget(self._panel("People served more than once", self.people_view), 2, 1)
        side = QWidget(self)
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        side_layout.addWidget(self._panel("Referrals by agency", self.referral_view), 3)
        side_layout.addWidget(self._panel("Officer-initiated work", self.proactive_view, self.proactive_hours), 2)
        grid.addWidget(side, 2, 2)
        for column in range(3):
            grid.setColumnStretch(column, 1)
        grid.setRowMinimumHeight(0, 250)
        grid.setRowMinimumHeight(1, 250)
        grid.setRowMinimumHeight(2, 260)

        body = QWidget(self)
        body_layout = QVBoxLayout(body)
        body_layout.setContentsMargins(0, 0, 0, 0)
        body_layout.setSpacing(10)
        body_layout.addLayout(tiles)
        body_layout.addLayout(grid)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(body)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.setSpacing(8)
        layout.addLayout(bar)
        layout.addWidget(self.message)
        layout.addWidget(scroll, 1)

        self.refresh_button.clicked.connect(self.refresh)
        self.export_button.clicked.connect(self._on_export_button_clicked)
        self.export_button.setEnabled(False)

    def _panel(self, title: str, *widgets: QWidget) -> QWidget:
        panel = QWidget(self)
        layout = QVBoxLayout(panel)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(section_title(title, panel))
        for widget in widgets:
            layout.addWidget(widget)
        if not any(isinstance(w, QTableView) and w.maximumHeight() > 10_000 for w in widgets):
            layout.addStretch(1)
        panel.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        return panel

    # Range -------------------------------------------------------------------------------------
    def _today(self) -> QDate:
        day = self._db.clock().astimezone(self._tz).date()
        return QDate(day.year, day.month, day.day)

    def set_preset(self, days: int) -> None:
        """Today (0), the last N+1 days, or the year so far (-1); then compute."""
        today = self._today()
        start = QDate(today.year(), 1, 1) if days < 0 else today.addDays(-days)
        self.set_range(start, today)

    def set_range(self, first: QDate | dt.date, last: QDate | dt.date) -> None:
        """Local dates, both included; then compute."""
        for edit, day in ((self.from_edit, first), (self.to_edit, last)):
            edit.setDate(day if isinstance(day, QDate) else QDate(day.year, day.month, day.day))
        self.refresh()

    def range(self) -> tuple[dt.datetime, dt.datetime]:
        """[start, end) in UTC for the chosen local dates."""
        first = to_date(self.from_edit.date())
        last = to_date(self.to_edit.date())
        start = dt.datetime.combine(first, dt.time(), self._tz)
        end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), self._tz)
        return start.astimezone(dt.UTC), end.astimezone(dt.UTC)

    def refresh(self) -> None:
        start, end = self.range()
        if end <= start:
            self.message.show_message("The 'to' date is before the 'from' date.", "error")
            return
        self.message.clear_message()
        self.status.setText("Computing…")
        self._started = time.perf_counter()
        db, actor = self._db, self._actor
        self._ops.run(
            lambda: read_statistics(db, actor, start, end),
            owner=self,
            on_success=self._on_stats,
            on_failure=lambda _exc: self.status.setText(""),
            busy=(self.refresh_button,),
        )

    @property
    def pending(self) -> int:
        return self._ops.pending(self)

    # Results -----------------------------------------------------------------------------------
    def _on_stats(self, stats: Stats) -> None:
        self.export_button.setEnabled(True)
        self.stats = stats
        elapsed = time.perf_counter() - self._started
        self.status.setText(f"{stats.calls + stats.self_initiated:,} incidents · computed in {elapsed:.2f} s")
        self._show(stats)

    def _show(self, s: Stats) -> None:
        t = self.tiles
        t["calls"].set_figure(
            f"{s.calls:,}", f"{s.duplicates} duplicate · {s.cancelled} cancelled · {s.still_open} open"
        )
        t["self_initiated"].set_figure(
            f"{s.self_initiated:,}", f"{s.self_initiated_hours:g} h on scene; not in call counts"
        )
        t["law_enforcement"].set_figure(f"{s.transferred:,}", "transferred or joint response")
        queue = next((i for i in s.intervals if i.key == "queue"), None)
        if queue is not None:
            target = f"target ≤ {duration_text(queue.target_s)}" if queue.target_s is not None else "no target set"
            tone = "" if queue.met is None else ("good" if queue.met else "bad")
            verdict = "" if queue.met is None else (" · met" if queue.met else " · missed")
            t["queue"].set_figure(duration_text(queue.p90_s), target + verdict, tone=tone)
        t["referrals"].set_figure(
            f"{s.referrals_made:,}", f"{s.referrals_accepted} accepted · {s.referrals_declined} declined"
        )
        t["people"].set_figure(f"{s.people_served:,}", f"{s.people_served_repeatedly} more than once (by name)")
        t["repeat"].set_figure(f"{s.repeat_location_count:,}", "places with two or more calls")
        t["welfare"].set_figure(f"{s.welfare_checks:,}", "welfare-check logs")

        self.hour_chart.set_counts(s.by_hour)
        self.day_chart.set_counts(s.by_day)
        self.type_chart.set_counts(s.by_type)
        self.zone_chart.set_counts(s.by_zone)
        self.disposition_chart.set_counts(s.by_disposition)

        self.intervals.set_intervals(s.intervals, lambda i: INTERVAL_NAMES.get(i.key, i.label))
        self.repeat_places.set_rows(
            [(r.location, r.count, r.last_at.astimezone(self._tz).strftime("%b %-d %H:%M")) for r in s.repeat_locations]
        )
        self.repeat_people.set_rows([(p.name, p.count) for p in s.repeat_people])
        self.referrals.set_rows([(a.name, a.made, a.accepted, a.declined) for a in s.referrals_by_agency])
        self.proactive.set_rows([(c.label, c.count) for c in s.self_initiated_by_type])
        self.proactive_hours.setText(
            f"{s.self_initiated:,} activities, {s.self_initiated_hours:g} h on scene; not counted as calls."
        )

    # Export ------------------------------------------------------------------------------------
    def suggested_file_name(self) -> str:
        first = self.from_edit.date().toString("yyyy-MM-dd")
        last = self.to_edit.date().toString("yyyy-MM-dd")
        return f"cso-statistics-{first}-to-{last}.csv"

    def _on_export_button_clicked(self) -> None:
        dialog = QFileDialog(self, "Export statistics as CSV", self.suggested_file_name(), "CSV files (*.csv)")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix("csv")
        dialog.fileSelected.connect(self.export_csv)
        dialog.finished.connect(dialog.deleteLater)
        self.dialog = dialog
        # open(), not exec(): a nested event loop would stall the qasync loop.
        dialog.open()

    def export_csv(self, path: str) -> None:
        """Write the figures on screen to `path` (off the GUI thread)."""
        if self.stats is None:
            return
        stats = self.stats
        self._ops.run(
            lambda: write_text(path, stats_csv(stats)),
            owner=self,
            message=lambda written: f"Saved {written}",
            on_success=self.exported.emit,
        )


__all__ = ["StatisticsDashboard", "write_text"]
