"""The supervisor's shift change: the outgoing shift's figures, open incidents to carry over, the incoming
roster, and the one service call that starts the new shift."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import (
    QDate,
    QDateTime,
    Qt,
    QTime,
    QTimeZone,
    Signal,
)
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDateTimeEdit,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from data import rules
from data.db import Database
from data.permissions import allowed
from data.records import UnitRecord
from data.services.shift_change import ShiftChangeResult, change_shift
from data.services.shift_change_state import ShiftChangeState, load_shift_change
from widgets import theme
from widgets.figures import (
    BarChartView,
    IntervalsModel,
    StatTile,
    rows_table,
    section_title,
    tile_style_sheet,
)
from widgets.inline import InlineMessage
from widgets.operations import failure_text
from widgets.shift_change.delegate import ChoiceDelegate
from widgets.shift_change.models import CarryModel, RosterModel, RosterRow
from widgets.store import BoardStore

PdfBuilder = Callable[[Database, int], bytes]
PdfPrinter = Callable[[QWidget, bytes, str], object]
SHIFT_HOURS = 10


class ShiftChangeView(QWidget):
    """The supervisor's shift change; the change itself is one service call (all or nothing)."""

    loaded = Signal(object)  # ShiftChangeState
    shift_changed = Signal(object)  # ShiftChangeResult
    printed = Signal(str)  # title of a document handed to the printer

    def __init__(
        self,
        store: BoardStore,
        actor: Any,
        parent: QWidget | None = None,
        *,
        report_pdf: PdfBuilder | None = None,
        welfare_log_pdf: PdfBuilder | None = None,
        print_pdf: PdfPrinter | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("shiftChange")
        self.setWindowTitle("Shift change")
        self._store = store
        self._db = store.db
        self._actor = actor
        self._tz = ZoneInfo(self._db.pack.timezone)
        self._report_pdf = report_pdf
        self._welfare_log_pdf = welfare_log_pdf
        self._print_pdf = print_pdf
        self.state: ShiftChangeState | None = None
        self.carry = CarryModel(self._db.pack.timezone, self)
        self.roster = RosterModel(self)
        self.intervals = IntervalsModel(self)
        self._build()
        self._connect_signals()
        self._update_permissions()

    # Building ----------------------------------------------------------------------------------
    def _build(self) -> None:
        # Outgoing shift, left.
        self.title = QLabel("Shift change", self)
        self.title.setObjectName("shiftTitle")
        self.subtitle = QLabel("", self)
        self.subtitle.setObjectName("panelCount")
        self.tiles = {
            key: StatTile(caption, self)
            for key, caption in (
                ("incidents", "Incidents"),
                ("law_enforcement", f"With {self._db.pack.agency}"),
                ("carried", "Carry over"),
                ("citations", "Citations"),
                ("welfare", "Welfare checks"),
                ("referrals", "Referrals"),
            )
        }
        tiles = QHBoxLayout()
        tiles.setSpacing(8)
        for tile in self.tiles.values():
            tiles.addWidget(tile, 1)
        self.hour_chart = BarChartView("Calls by hour", self, label_step=2, short_label=lambda c: c.label[:2])
        self.type_chart = BarChartView("Calls by type", self, horizontal=True, limit=7)
        for chart in (self.hour_chart, self.type_chart):
            chart.setMinimumHeight(190)
            chart.setMaximumHeight(230)
        charts = QHBoxLayout()
        charts.setSpacing(8)
        charts.addWidget(self.hour_chart, 1)
        charts.addWidget(self.type_chart, 1)
        self.interval_view = rows_table(self.intervals, "Response intervals", self, fit_rows=3)

        self.carry_view = QTableView(self)
        self.carry_view.setModel(self.carry)
        self.carry_view.setAccessibleName("Incidents to carry over")
        self.carry_view.verticalHeader().setVisible(False)
        self.carry_view.setAlternatingRowColors(True)
        self.carry_view.setShowGrid(False)
        self.carry_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.carry_view.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        self.carry_view.verticalHeader().setDefaultSectionSize(theme.row_height(self.carry_view.font()))
        header = self.carry_view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        for column, width in ((2, 130), (3, 150), (4, 125), (5, 140)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(column, width)
        header.setSectionResizeMode(CarryModel.NOTE, QHeaderView.ResizeMode.Stretch)
        self.carry_title = section_title("Open incidents carried over", self)
        carry_hint = QLabel("Type a handoff note on a row (F2 or any key); it goes into the incident's timeline.", self)
        carry_hint.setObjectName("panelCount")

        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 6, 0)
        left_layout.setSpacing(8)
        heading = QVBoxLayout()
        heading.setSpacing(0)
        heading.addWidget(self.title)
        heading.addWidget(self.subtitle)
        left_layout.addLayout(heading)
        left_layout.addLayout(tiles)
        left_layout.addLayout(charts)
        left_layout.addWidget(section_title("Response intervals against the city's targets", self))
        left_layout.addWidget(self.interval_view)
        left_layout.addWidget(self.carry_title)
        left_layout.addWidget(carry_hint)
        left_layout.addWidget(self.carry_view, 1)

        # Incoming shift, right.
        self.name_edit = QLineEdit(self)
        self.name_edit.setAccessibleName("New shift name")
        self.supervisor_edit = QLineEdit(self)
        self.supervisor_edit.setAccessibleName("Supervisor")
        self.starts_edit = QDateTimeEdit(self)
        self.ends_edit = QDateTimeEdit(self)
        for edit, name in ((self.starts_edit, "Shift starts"), (self.ends_edit, "Shift ends")):
            edit.setDisplayFormat("ddd d MMM yyyy HH:mm")
            edit.setCalendarPopup(True)
            # The edits hold the jurisdiction's wall-clock time; UTC here only stops the
            # computer's own zone (and its DST gaps) from shifting it.
            edit.setTimeZone(QTimeZone.utc())
            edit.setAccessibleName(name)
        form = QFormLayout()
        form.setHorizontalSpacing(10)
        form.addRow("&Name", self.name_edit)
        form.addRow("Super&visor", self.supervisor_edit)
        times = QHBoxLayout()
        times.addWidget(self.starts_edit, 1)
        times.addWidget(QLabel("to", self))
        times.addWidget(self.ends_edit, 1)
        hours_label = QLabel("&Hours", self)
        hours_label.setBuddy(self.starts_edit)
        form.addRow(hours_label, times)

        self.roster_view = QTableView(self)
        self.roster_view.setModel(self.roster)
        self.roster_view.setAccessibleName("Incoming roster")
        self.roster_view.setItemDelegate(ChoiceDelegate(self.roster, self.roster_view))
        self.roster_view.verticalHeader().setVisible(False)
        self.roster_view.setAlternatingRowColors(True)
        self.roster_view.setShowGrid(False)
        self.roster_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.roster_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.roster_view.verticalHeader().setDefaultSectionSize(theme.row_height(self.roster_view.font()) + 4)
        roster_header = self.roster_view.horizontalHeader()
        roster_header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        roster_header.setSectionResizeMode(RosterModel.NOW, QHeaderView.ResizeMode.Stretch)
        self.add_button = QPushButton("&Add officer", self)
        self.remove_button = QPushButton("Re&move", self)
        self.reset_button = QPushButton("Reset to current", self)
        roster_buttons = QHBoxLayout()
        for button in (self.add_button, self.remove_button, self.reset_button):
            button.setAutoDefault(False)
            roster_buttons.addWidget(button)
        roster_buttons.addStretch(1)
        self.leaving_label = QLabel("", self)
        self.leaving_label.setObjectName("leavingUnits")
        self.leaving_label.setWordWrap(True)

        self.note_edit = QPlainTextEdit(self)
        self.note_edit.setPlaceholderText("Handoff note for the shift report (optional)")
        self.note_edit.setAccessibleName("Shift handoff note")
        self.note_edit.setFixedHeight(64)
        self.print_check = QCheckBox(
            "&Print the shift report and the welfare-check log when the new shift starts", self
        )
        self.print_report_button = QPushButton("Print shift &report…  Ctrl+P", self)
        self.print_welfare_button = QPushButton("Print &welfare-check log…", self)
        self.start_button = QPushButton("&Start new shift  Ctrl+Enter", self)
        self.start_button.setObjectName("primaryAction")
        self.start_button.setDefault(True)
        self.message = InlineMessage(self)
        prints = QHBoxLayout()
        prints.addWidget(self.print_report_button)
        prints.addWidget(self.print_welfare_button)
        prints.addStretch(1)

        right = QWidget(self)
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(6, 0, 0, 0)
        right_layout.setSpacing(8)
        right_layout.addWidget(section_title("Incoming shift", self))
        right_layout.addLayout(form)
        right_layout.addWidget(section_title("Incoming roster: officer → unit → zone", self))
        right_layout.addWidget(self.roster_view, 1)
        right_layout.addLayout(roster_buttons)
        right_layout.addWidget(self.leaving_label)
        right_layout.addWidget(section_title("Handoff note", self))
        right_layout.addWidget(self.note_edit)
        right_layout.addWidget(self.print_check)
        right_layout.addLayout(prints)
        right_layout.addWidget(self.start_button)
        right_layout.addWidget(self.message)

        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.addWidget(left)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 1)
        self._sized = False
        self.splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.addWidget(self.splitter)
        c = theme.colors()
        self.setStyleSheet(
            tile_style_sheet()
            + f"""
            QLabel#shiftTitle {{ font-size: 15pt; font-weight: 700; }}
            QLabel#leavingUnits {{ color: {c.muted.name()}; }}
            QLabel#leavingUnits[warning="true"] {{ color: {c.amber.name()}; font-weight: 600; }}
            """
        )

    def _connect_signals(self) -> None:
        self.add_button.clicked.connect(self._on_add_button_clicked)
        self.remove_button.clicked.connect(self._on_remove_button_clicked)
        self.reset_button.clicked.connect(self._on_reset_button_clicked)
        self.start_button.clicked.connect(self.start_new_shift)
        self.print_report_button.clicked.connect(lambda: self.print_report())
        self.print_welfare_button.clicked.connect(lambda: self.print_welfare_log())
        self.starts_edit.dateTimeChanged.connect(self._on_starts_edit_changed)
        self.roster.dataChanged.connect(self._update_leaving)
        self.roster.rowsInserted.connect(self._update_leaving)
        self.roster.rowsRemoved.connect(self._update_leaving)
        self.roster.modelReset.connect(self._update_leaving)
        context = Qt.ShortcutContext.WidgetWithChildrenShortcut
        QShortcut(QKeySequence("Ctrl+Return"), self, self.start_new_shift, context=context)
        QShortcut(QKeySequence("Ctrl+Enter"), self, self.start_new_shift, context=context)
        QShortcut(QKeySequence("Ctrl+P"), self, lambda: self.print_report(), context=context)

    def _may_change_shift(self) -> bool:
        return allowed(self._actor, "manage_shift") and allowed(self._actor, "edit_roster")

    def _update_permissions(self) -> None:
        may = self._may_change_shift()
        self.start_button.setEnabled(may)
        if not may:
            self.message.show_message("Only a supervisor can change the shift; this view is read-only.", "warning")
        can_print = self._print_pdf is not None
        self.print_report_button.setEnabled(can_print and self._report_pdf is not None)
        self.print_welfare_button.setEnabled(can_print and self._welfare_log_pdf is not None)
        self.print_check.setEnabled(can_print)
        self.print_check.setChecked(can_print)

    def _wall(self, moment: dt.datetime) -> QDateTime:
        local = moment.astimezone(self._tz)
        return QDateTime(QDate(local.year, local.month, local.day), QTime(local.hour, local.minute), QTimeZone.utc())

    def _moment(self, edit: QDateTimeEdit) -> dt.datetime:
        q = edit.dateTime()
        d, t = q.date(), q.time()
        return dt.datetime(d.year(), d.month(), d.day(), t.hour(), t.minute(), tzinfo=self._tz)

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if not self._sized:
            # The roster needs about a third of the width; the carry-over table takes the rest.
            self._sized = True
            total = max(1, self.splitter.width())
            self.splitter.setSizes([total - min(480, total // 3), min(480, total // 3)])

    # Loading -----------------------------------------------------------------------------------
    @property
    def pending(self) -> int:
        """Reads, the shift change and prints under way for this view."""
        return self._store.operations.pending(self)

    def load(self) -> None:
        """Read the shift, its figures, open incidents and the roster off the GUI thread."""
        db = self._db
        # This view answers in its own message line, not the status bar.
        self._store.operations.run(
            lambda: load_shift_change(db),
            owner=self,
            on_success=self._on_loaded,
            on_failure=self._on_failed,
            report_failure=False,
        )

    def _on_failed(self, exc: Exception) -> None:
        self.start_button.setEnabled(self._may_change_shift())
        self.message.show_message(failure_text(exc))

    def _on_loaded(self, state: ShiftChangeState) -> None:
        self.state = state
        self._show_outgoing(state)
        self.carry.set_rows(state.carried)
        self.roster.set_context(state.officers, state.units, state.zones)
        self.roster.set_rows([RosterRow(m.officer_id, m.unit_id, m.zone) for m in state.roster])
        self._suggest_incoming()
        self.loaded.emit(state)

    def _show_outgoing(self, state: ShiftChangeState) -> None:
        shift, s = state.shift, state.summary
        if shift is None or s is None:
            self.title.setText("No active shift")
            self.subtitle.setText("Set the roster and start the first shift.")
            for tile in self.tiles.values():
                tile.set_figure("—")
            self.tiles["carried"].set_figure(len(state.carried), "open incidents")
            self.intervals.set_rows([])
            self.hour_chart.set_counts(())
            self.type_chart.set_counts(())
            return
        start = s.window_start.astimezone(self._tz)
        end = s.window_end.astimezone(self._tz)
        self.title.setText(f"Outgoing: {shift.name}")
        self.subtitle.setText(
            f"Supervisor {shift.supervisor or '—'} · {start:%a %d %b %H:%M} – {end:%H:%M} · {len(s.units)} units worked"
        )
        self.tiles["incidents"].set_figure(s.incidents, f"{s.self_initiated} officer-initiated")
        self.tiles["law_enforcement"].set_figure(s.transferred, "transferred or joint")
        self.tiles["carried"].set_figure(len(state.carried), "open; move to the new shift")
        self.tiles["citations"].set_figure(s.citations_issued, f"{s.citations_void} void · ${s.fines_dollars:,} fines")
        self.tiles["welfare"].set_figure(s.welfare_checks, f"{s.welfare_follow_ups} need follow-up")
        self.tiles["referrals"].set_figure(
            s.referrals_made, f"{s.referrals_accepted} accepted · {s.referrals_declined} declined"
        )
        self.hour_chart.set_counts(s.by_hour)
        self.type_chart.set_counts(s.by_call_type)
        self.intervals.set_intervals(s.intervals, lambda i: i.label.split(" (")[0])
        self.carry_title.setText(f"OPEN INCIDENTS CARRIED OVER ({len(state.carried)})")

    def _suggest_incoming(self) -> None:
        now = self._db.clock().astimezone(self._tz).replace(second=0, microsecond=0)
        self.starts_edit.setDateTime(self._wall(now))
        self.ends_edit.setDateTime(self._wall(now + dt.timedelta(hours=SHIFT_HOURS)))
        self.name_edit.setText(rules.shift_name(now))
        self.supervisor_edit.setText(self._actor.display_name or self._actor.username)
        self.note_edit.clear()

    def _on_starts_edit_changed(self, _moment: QDateTime) -> None:
        start = self._moment(self.starts_edit)
        self.name_edit.setText(rules.shift_name(start))

    # Roster editing ----------------------------------------------------------------------------
    def set_roster(self, lines: Sequence[tuple[int, int, str | None]]) -> None:
        """Replace the incoming roster (officer id, unit id, zone)."""
        self.roster.set_rows([RosterRow(o, u, z) for o, u, z in lines])

    def leaving_units(self) -> list[UnitRecord]:
        """Units on shift now that are not on the incoming roster: they sign off."""
        if self.state is None:
            return []
        keep = self.roster.unit_ids()
        return sorted((u for u in self.state.units if u.on_shift and u.id not in keep), key=lambda u: u.call_sign)

    def _update_leaving(self, *_: object) -> None:
        leaving = self.leaving_units()
        busy = [u for u in leaving if u.incident_id is not None]
        if not leaving:
            text = "Every unit on shift now stays on."
        else:
            text = "Signing off: " + ", ".join(u.call_sign for u in leaving) + "."
        if busy:
            text += " " + " ".join(
                f"{u.call_sign} is still on {u.incident_number}: keep it on the roster, or clear or release it first."
                for u in busy
            )
        self.leaving_label.setText(text)
        self.leaving_label.setProperty("warning", bool(busy))
        self.leaving_label.style().unpolish(self.leaving_label)
        self.leaving_label.style().polish(self.leaving_label)

    def _on_add_button_clicked(self) -> None:
        row = self.roster.add_row()
        if row < 0:
            self.message.show_message("Every officer is on the roster already.", "warning")
            return
        index = self.roster.index(row, RosterModel.OFFICER)
        self.roster_view.setCurrentIndex(index)
        self.roster_view.edit(index)

    def _on_remove_button_clicked(self) -> None:
        index = self.roster_view.currentIndex()
        if index.isValid():
            self.roster.remove_row(index.row())

    def _on_reset_button_clicked(self) -> None:
        if self.state is not None:
            self.set_roster([(m.officer_id, m.unit_id, m.zone) for m in self.state.roster])

    # The change --------------------------------------------------------------------------------
    def start_new_shift(self) -> None:
        """Carry the open incidents over, swap the roster and start the new shift: one transaction."""
        if not self.start_button.isEnabled():
            return
        starts, ends = self._moment(self.starts_edit), self._moment(self.ends_edit)
        self.start_button.setEnabled(False)
        self.message.show_message("Starting the new shift…", "info")
        outgoing = self.state.shift.id if self.state is not None and self.state.shift is not None else None
        db, actor = self._db, self._actor
        name, supervisor = self.name_edit.text(), self.supervisor_edit.text()
        roster, carry_notes, handoff_note = self.roster.lines(), self.carry.notes(), self.note_edit.toPlainText()
        self._store.operations.run(
            lambda: change_shift(
                db,
                actor,
                name=name,
                supervisor=supervisor,
                starts_at=starts,
                ends_at=ends,
                roster=roster,
                carry_notes=carry_notes,
                handoff_note=handoff_note,
                outgoing_shift_id=outgoing,
            ),
            owner=self,
            on_success=self._on_shift_changed,
            on_failure=self._on_failed,
            report_failure=False,
        )

    def _on_shift_changed(self, result: ShiftChangeResult) -> None:
        self.start_button.setEnabled(True)
        self._store.put(incidents=result.carried, units=result.units)
        parts = [f"{result.shift.name} started", f"{len(result.carried)} incident(s) carried over"]
        if result.signed_off:
            parts.append("signed off " + ", ".join(result.signed_off))
        if result.signed_on:
            parts.append("signed on " + ", ".join(result.signed_on))
        self.message.show_message("; ".join(parts) + ".", "ok")
        self.shift_changed.emit(result)
        if self.print_check.isChecked() and self.print_check.isEnabled() and result.previous is not None:
            self.print_report(result.previous.id, result.previous.name)
            self.print_welfare_log(result.previous.id, result.previous.name)
        self.load()

    # Printing ----------------------------------------------------------------------------------
    def _target_shift(self, shift_id: int | None, name: str) -> tuple[int, str] | None:
        if shift_id is not None:
            return shift_id, name
        if self.state is None or self.state.shift is None:
            self.message.show_message("There is no shift to print.", "warning")
            return None
        return self.state.shift.id, self.state.shift.name

    def print_report(self, shift_id: int | None = None, name: str = "") -> None:
        """Build the shift report off the GUI thread, then hand it to the printer."""
        target = self._target_shift(shift_id, name)
        if target is not None and self._report_pdf is not None:
            self._print(self._report_pdf, target[0], f"Shift report {target[1]}")

    def print_welfare_log(self, shift_id: int | None = None, name: str = "") -> None:
        target = self._target_shift(shift_id, name)
        if target is not None and self._welfare_log_pdf is not None:
            self._print(self._welfare_log_pdf, target[0], f"Welfare-check log {target[1]}")

    def _print(self, builder: PdfBuilder, shift_id: int, title: str) -> None:
        def built(pdf: bytes) -> None:
            if self._print_pdf is not None:
                self._print_pdf(self, pdf, title)
            self.printed.emit(title)

        db = self._db
        self._store.operations.run(
            lambda: builder(db, shift_id),
            owner=self,
            on_success=built,
            on_failure=self._on_failed,
            report_failure=False,
        )


__all__ = ["ShiftChangeView"]
