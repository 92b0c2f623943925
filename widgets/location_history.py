"""What is known about a place, shown in the intake and the incident detail: its cautions in red and its history."""

from __future__ import annotations

import datetime as dt
import weakref
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import shiboken6
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSizePolicy,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from data.permissions import Actor
from data.records import CautionRecord, LocationHistory
from data.rules import STATUS_LABELS
from data.services import cautions as caution_services
from data.services.history import location_history
from widgets import theme
from widgets.cautions import CautionDialog
from widgets.incident_dialogs import ReasonDialog
from widgets.inline import InlineMessage
from widgets.operations import Operations
from widgets.store import BoardStore

IncidentIdRole = Qt.ItemDataRole.UserRole + 1
CautionIdRole = Qt.ItemDataRole.UserRole + 2


@dataclass(frozen=True)
class PlaceQuery:
    """The place a panel shows: its point (if any), its address as typed, and the incident to leave out."""

    latitude: float | None
    longitude: float | None
    location: str
    exclude_id: int | None = None


@dataclass(frozen=True)
class PlaceKnowledge:
    cautions: tuple[CautionRecord, ...]
    history: LocationHistory


def read_place(store: BoardStore, query: PlaceQuery) -> PlaceKnowledge:
    """Cautions and history of a place (off the GUI thread)."""
    db = store.db
    cautions = caution_services.cautions_at(
        db, latitude=query.latitude, longitude=query.longitude, location=query.location
    )
    history = location_history(
        db,
        latitude=query.latitude,
        longitude=query.longitude,
        location=query.location,
        exclude_id=query.exclude_id,
    )
    return PlaceKnowledge(tuple(cautions), history)


def caution_line(caution: CautionRecord, agency: str, tz: ZoneInfo) -> str:
    """'⚠ SAFETY · LASD FIRST: Dog … (until Mar 3, sup1)' as plain text."""
    until = caution.expires_at.astimezone(tz)
    return f"⚠ {caution.headline(agency)} (until {until:%b %-d}, {caution.author})"


class PlaceKnowledgePanel(QFrame):
    """Cautions (red) and the last incidents at a place; Alt+H opens the full history, Alt+K adds a caution."""

    knowledge_changed = Signal()  # a lookup finished (cautions may now preset the screening)
    incident_activated = Signal(int)  # an incident chosen in the full history

    def __init__(self, store: BoardStore, operations: Operations, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("placeKnowledge")
        self.setAccessibleName("What is known about this place")
        self._store = store
        self._ops = operations
        self._actor = actor
        self._pack = store.db.pack
        self._tz = ZoneInfo(self._pack.timezone)
        self._query: PlaceQuery | None = None
        self._knowledge: PlaceKnowledge | None = None
        self.dialog: QDialog | None = None

        self.caution_label = QLabel(self)
        self.caution_label.setObjectName("cautionText")
        self.caution_label.setWordWrap(True)
        self.caution_label.setTextFormat(Qt.TextFormat.PlainText)
        self.caution_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary_label = QLabel(self)
        self.summary_label.setObjectName("historySummary")
        self.summary_label.setWordWrap(True)
        self.summary_label.setTextFormat(Qt.TextFormat.PlainText)
        self.recent_label = QLabel(self)
        self.recent_label.setObjectName("historyRecent")
        self.recent_label.setWordWrap(True)
        self.recent_label.setTextFormat(Qt.TextFormat.PlainText)
        self.full_button = QPushButton("&History…", self)
        self.full_button.setToolTip(
            "Every incident at this place in the history's months, and its past cautions (Alt+H)"
        )
        self.caution_button = QPushButton("Mar&k caution…", self)
        self.caution_button.setToolTip("Add a caution at this place (Alt+K; supervisors)")
        for button in (self.full_button, self.caution_button):
            button.setAutoDefault(False)
            button.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.caution_button.setEnabled(caution_services.may_manage_cautions(self._pack, actor))
        self.message = InlineMessage(self)
        # The last incidents are one line each, clipped rather than wrapped: the panel keeps its height.
        self.recent_label.setWordWrap(False)
        self.recent_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Minimum)
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.summary_label, 1)
        top.addWidget(self.full_button, 0, Qt.AlignmentFlag.AlignTop)
        top.addWidget(self.caution_button, 0, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setSpacing(2)
        layout.addWidget(self.caution_label)
        layout.addLayout(top)
        layout.addWidget(self.recent_label)
        layout.addWidget(self.message)
        self._style()

        self.full_button.clicked.connect(self.open_full_history)
        self.caution_button.clicked.connect(self.open_add_caution)
        self.message.follow_reports(self._ops, self)
        store.cautions_changed.connect(self._on_store_cautions_changed)
        self.clear()

    def _style(self) -> None:
        palette = theme.colors()
        red = palette.red.name()
        self.setStyleSheet(
            f"""
            QFrame#placeKnowledge {{ border: 1px solid {palette.grid.name()}; border-radius: 4px; }}
            QFrame#placeKnowledge[caution="true"] {{ border: 2px solid {red}; }}
            QLabel#cautionText {{ color: {red}; font-weight: 700; }}
            QLabel#historySummary {{ font-weight: 600; }}
            QLabel#historyRecent {{ color: {palette.muted.name()}; font-family: monospace; }}
            """
        )

    # Public ------------------------------------------------------------------------------------
    @property
    def cautions(self) -> tuple[CautionRecord, ...]:
        return self._knowledge.cautions if self._knowledge is not None else ()

    @property
    def history(self) -> LocationHistory | None:
        return self._knowledge.history if self._knowledge is not None else None

    @property
    def sheriff_first(self) -> list[CautionRecord]:
        """Active Sheriff-first cautions at the place shown: they preset the call's screening."""
        return [c for c in self.cautions if c.sheriff_first]

    @property
    def pending(self) -> bool:
        return self._ops.pending(self) > 0

    @property
    def query(self) -> PlaceQuery | None:
        return self._query

    def show_place(
        self,
        *,
        latitude: float | None,
        longitude: float | None,
        location: str,
        exclude_id: int | None = None,
        force: bool = False,
    ) -> None:
        """Look up a place's cautions and history (a repeated place is not looked up again unless forced)."""
        query = PlaceQuery(latitude, longitude, " ".join(location.split()), exclude_id)
        if not query.location and latitude is None:
            self.clear()
            return
        if query == self._query and not force:
            return
        self._query = query
        store = self._store
        self._ops.run(
            lambda: read_place(store, query),
            owner=self,
            on_success=lambda found: self._on_read(query, found),
            on_failure=lambda exc: self._on_read_failed(query, exc),
            report_failure=False,
        )

    def clear(self) -> None:
        self._query = None
        self._knowledge = None
        self.caution_label.clear()
        self.caution_label.setVisible(False)
        self.recent_label.clear()
        self.recent_label.setVisible(False)
        self.summary_label.setText("No place yet: history and cautions show once the location is found.")
        self.full_button.setEnabled(False)
        self._set_caution_frame(False)
        self.knowledge_changed.emit()

    def refresh(self) -> None:
        query = self._query
        if query is not None:
            self.show_place(
                latitude=query.latitude,
                longitude=query.longitude,
                location=query.location,
                exclude_id=query.exclude_id,
                force=True,
            )

    # Results -----------------------------------------------------------------------------------
    def _on_read(self, query: PlaceQuery, found: PlaceKnowledge) -> None:
        if query != self._query:
            return  # the dispatcher has moved on to another place
        self._knowledge = found
        self._render()
        self.knowledge_changed.emit()

    def _on_read_failed(self, query: PlaceQuery, exc: Exception) -> None:
        if query != self._query:
            return
        self._knowledge = None
        self.summary_label.setText(f"History not available: {exc}")
        self.knowledge_changed.emit()

    def _render(self) -> None:
        found = self._knowledge
        assert found is not None
        lines = [caution_line(c, self._pack.agency, self._tz) for c in found.cautions]
        self.caution_label.setText("\n".join(lines))
        self.caution_label.setVisible(bool(lines))
        self.caution_label.setAccessibleName("Cautions at this place" if lines else "")
        self._set_caution_frame(bool(lines))
        history = found.history
        months = self._pack.history.months
        radius = f"{history.radius_m:.0f} m"
        if not history.total:
            self.summary_label.setText(f"No incidents here in the last {months} months (within {radius}).")
            self.recent_label.setVisible(False)
            self.full_button.setEnabled(True)  # past cautions, if any, are listed there
            return
        kinds = ", ".join(f"{label} ×{n}" for _code, label, n in history.by_type[:4])
        more = f", {len(history.by_type) - 4} more types" if len(history.by_type) > 4 else ""
        opened = f" · {history.open_count} open" if history.open_count else ""
        plural = "s" if history.total != 1 else ""
        self.summary_label.setText(
            f"{history.total} incident{plural} here in {months} months (within {radius}){opened}: {kinds}{more}"
        )
        shown = history.entries[: self._pack.history.shown]
        self.recent_label.setText("\n".join(self._entry_line(e) for e in shown))
        # One line per incident, never squeezed out by a short window (the label does not wrap).
        self.recent_label.setMinimumHeight(self.recent_label.fontMetrics().lineSpacing() * len(shown) + 4)
        self.recent_label.setVisible(True)
        self.full_button.setEnabled(True)

    def _entry_line(self, entry) -> str:  # type: ignore[no-untyped-def]
        when = entry.received_at.astimezone(self._tz)
        status = STATUS_LABELS.get(entry.status, entry.status)
        outcome = f"{entry.disposition_code} {entry.disposition_label}" if entry.disposition_code else status
        if entry.is_open:
            outcome = f"OPEN · {status}"
        return f"{when:%y-%m-%d %H:%M}  {entry.number}  {entry.call_type_label} · {outcome}"

    def _set_caution_frame(self, on: bool) -> None:
        self.setProperty("caution", "true" if on else "false")
        self.style().unpolish(self)
        self.style().polish(self)

    def _on_store_cautions_changed(self, _caution_id: int) -> None:
        self.refresh()

    # Dialogs -----------------------------------------------------------------------------------
    def open_full_history(self) -> HistoryDialog | None:
        found, query = self._knowledge, self._query
        if found is None or query is None:
            return None
        dialog = HistoryDialog(
            self._pack.timezone,
            query.location,
            found.history,
            agency=self._pack.agency,
            now=self._store.db.clock(),
            may_end=caution_services.may_manage_cautions(self._pack, self._actor),
            parent=self,
        )
        dialog.incident_activated.connect(self.incident_activated)
        dialog.end_requested.connect(self._on_history_end_requested)
        self._open(dialog)
        self._load_past_cautions(dialog, query)
        return dialog

    def _load_past_cautions(self, dialog: HistoryDialog, query: PlaceQuery) -> None:
        store = self._store
        held = weakref.ref(dialog)

        def past() -> list[CautionRecord]:
            return caution_services.cautions_at(
                store.db,
                latitude=query.latitude,
                longitude=query.longitude,
                location=query.location,
                include_inactive=True,
            )

        def show(cautions: list[CautionRecord]) -> None:
            target = held()
            if target is not None and shiboken6.isValid(target):
                target.set_cautions(cautions, now=store.db.clock())

        self._ops.run(past, owner=self, on_success=show, report_failure=False)

    def _on_history_end_requested(self, caution_id: int, version: int) -> None:
        """A supervisor ends a caution before its expiry, with a reason (it stays in the history)."""
        history = self.dialog if isinstance(self.dialog, HistoryDialog) else None
        if history is None:
            return
        ask = ReasonDialog(
            "End caution",
            "Why does this caution end now? (recorded in the audit log)",
            placeholder="e.g. the dog was rehomed; the resident moved out",
            parent=history,
        )
        held = weakref.ref(history)
        query = self._query
        ask.chosen.connect(lambda reason: self._end_caution(caution_id, version, reason, held, query))
        history.reason_dialog = ask
        ask.open()

    def _end_caution(
        self,
        caution_id: int,
        version: int,
        reason: str,
        held: weakref.ref[HistoryDialog],
        query: PlaceQuery | None,
    ) -> None:
        db, actor = self._store.db, self._actor

        def reload(_ended: CautionRecord) -> None:
            dialog = held()
            if dialog is not None and shiboken6.isValid(dialog) and query is not None:
                self._load_past_cautions(dialog, query)

        self._ops.run(
            lambda: caution_services.end_caution(db, actor, caution_id, reason=reason, expected_version=version),
            owner=self,
            message=lambda c: f"Caution at {c.location} ended: {c.end_reason}",
            on_success=reload,
        )

    def open_add_caution(self) -> CautionDialog | None:
        query = self._query
        if not caution_services.may_manage_cautions(self._pack, self._actor):
            self.message.show_message("Only supervisors add cautions.", "error")
            return None
        if query is None or query.latitude is None or query.longitude is None:
            self.message.show_message("Find the place on the map first: a caution needs a point.", "error")
            return None
        dialog = CautionDialog(self._pack, location=query.location, now=self._store.db.clock(), parent=self)
        dialog.chosen.connect(lambda fields: self._add_caution(query, fields))
        self._open(dialog)
        return dialog

    def _add_caution(self, query: PlaceQuery, fields: dict) -> None:
        db, actor = self._store.db, self._actor
        self._ops.run(
            lambda: caution_services.add_caution(
                db,
                actor,
                location=query.location,
                latitude=query.latitude,
                longitude=query.longitude,
                **fields,
            ),
            owner=self,
            message=lambda c: f"Caution added at {c.location}: {c.text}",
        )

    def _open(self, dialog: QDialog) -> None:
        self.dialog = dialog
        # Back to the field the dispatcher was in once the dialog closes (held weakly: it may go first).
        before = QApplication.focusWidget()
        back = weakref.ref(before) if before is not None else None
        dialog.finished.connect(lambda _result: self._on_dialog_finished(dialog, back))
        dialog.open()

    def _on_dialog_finished(self, dialog: QDialog, back: weakref.ref[QWidget] | None) -> None:
        if self.dialog is dialog:
            self.dialog = None
        widget = back() if back is not None else None
        if widget is not None and shiboken6.isValid(widget) and widget.isVisible():
            widget.window().activateWindow()
            widget.setFocus(Qt.FocusReason.OtherFocusReason)


class HistoryDialog(QDialog):
    """Every incident at the place over the history's months, and its cautions past and present."""

    incident_activated = Signal(int)
    end_requested = Signal(int, int)  # caution id, the version seen

    def __init__(
        self,
        timezone: str,
        location: str,
        history: LocationHistory,
        *,
        agency: str,
        now: dt.datetime,
        may_end: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._agency = agency
        self._now = now
        self.setWindowTitle(f"History of {location}")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        self._tz = ZoneInfo(timezone)
        self.model = QStandardItemModel(0, 5, self)
        self.model.setHorizontalHeaderLabels(["Received", "Incident", "Type", "Outcome", "Distance"])
        for entry in history.entries:
            when = entry.received_at.astimezone(self._tz)
            status = STATUS_LABELS.get(entry.status, entry.status)
            outcome = (
                f"OPEN · {status}"
                if entry.is_open
                else (f"{entry.disposition_code} {entry.disposition_label}" if entry.disposition_code else status)
            )
            distance = "same address" if entry.distance_m is None else f"{entry.distance_m:.0f} m"
            row = [
                QStandardItem(t)
                for t in (f"{when:%Y-%m-%d %H:%M}", entry.number, entry.call_type_label, outcome, distance)
            ]
            for item in row:
                item.setEditable(False)
                item.setData(entry.incident_id, IncidentIdRole)
            self.model.appendRow(row)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setAccessibleName("Incidents at this place")
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        more = f" (the newest {len(history.entries)} of {history.total} are listed)" if history.truncated else ""
        self.title = QLabel(
            f"{history.total} incident{'s' if history.total != 1 else ''} since "
            f"{history.since.astimezone(self._tz):%Y-%m-%d} within {history.radius_m:.0f} m or at this address{more}. "
            "Enter opens the incident.",
            self,
        )
        self.title.setWordWrap(True)
        self.cautions_label = QLabel("Cautions: loading…", self)
        self.cautions_label.setWordWrap(True)
        self.caution_list = QListWidget(self)
        self.caution_list.setAccessibleName("Cautions at this place, past and present")
        self.caution_list.setWordWrap(True)
        self.caution_list.setMaximumHeight(110)
        self.caution_list.setVisible(False)
        self.end_button = QPushButton("&End caution…", self)
        self.end_button.setToolTip("End the selected caution now, with a reason (supervisors)")
        self.end_button.setAutoDefault(False)
        self.end_button.setEnabled(False)
        self.reason_dialog: QDialog | None = None
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.addButton(self.end_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.end_button.setVisible(may_end)  # after addButton, which shows it
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.cautions_label)
        layout.addWidget(self.caution_list)
        layout.addWidget(buttons)
        self.table.activated.connect(self._on_table_activated)
        self.caution_list.currentItemChanged.connect(self._on_caution_list_current_item_changed)
        self.end_button.clicked.connect(self._on_end_button_clicked)
        self.resize(760, 520)
        if self.model.rowCount():
            self.table.selectRow(0)
        self.table.setFocus()

    def set_cautions(self, cautions: list[CautionRecord], *, now: dt.datetime | None = None) -> None:
        """List the place's cautions, active ones in red; ``now`` decides which are still active."""
        if now is not None:
            self._now = now
        self.caution_list.clear()
        if not cautions:
            self.cautions_label.setText("No cautions at this place, past or present.")
            self.caution_list.setVisible(False)
            self.end_button.setEnabled(False)
            return
        self.cautions_label.setText("Cautions at this place, past and present:")
        red = theme.colors().red
        for c in cautions:
            state = c.state(self._now)
            when = f"{c.starts_at.astimezone(self._tz):%Y-%m-%d} to {c.expires_at.astimezone(self._tz):%Y-%m-%d}"
            ended = f", ended by {c.ended_by}: {c.end_reason}" if c.ended_at else ""
            item = QListWidgetItem(f"{c.headline(self._agency)} ({state}, {when}, by {c.author}{ended})")
            item.setData(CautionIdRole, (c.id, c.version, state))
            if state == "active":
                item.setForeground(red)
                font = item.font()
                font.setBold(True)
                item.setFont(font)
            self.caution_list.addItem(item)
        self.caution_list.setVisible(True)
        self.caution_list.setCurrentRow(0)

    def _selected_caution(self) -> tuple[int, int, str] | None:
        item = self.caution_list.currentItem()
        return item.data(CautionIdRole) if item is not None else None

    def _on_caution_list_current_item_changed(self, *_args: object) -> None:
        chosen = self._selected_caution()
        self.end_button.setEnabled(chosen is not None and chosen[2] in ("active", "upcoming"))

    def _on_end_button_clicked(self) -> None:
        chosen = self._selected_caution()
        if chosen is not None and chosen[2] in ("active", "upcoming"):
            self.end_requested.emit(chosen[0], chosen[1])

    def _on_table_activated(self, index) -> None:  # type: ignore[no-untyped-def]
        incident_id = index.data(IncidentIdRole)
        if incident_id is not None:
            self.incident_activated.emit(int(incident_id))
            self.accept()
