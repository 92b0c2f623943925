"""The incident pane: every field, the timeline, units, recommendations and the actions on one call."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import logging
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from data import rules, services
from data.permissions import allowed
from data.records import (
    CitationRecord,
    EventRecord,
    IncidentRecord,
    UnitRecord,
    WelfareCheckRecord,
)
from data.rules import STATUS_LABELS, Recommendation
from data.services import paperwork
from widgets import theme
from widgets.actions import DispatchActions
from widgets.citation_form import CitationForm
from widgets.incident_dialogs import DispositionDialog, ReasonDialog, TransferDialog
from widgets.inline import InlineMessage
from widgets.location_history import PlaceKnowledgePanel
from widgets.referrals import ReferralDialog
from widgets.store import BoardStore
from widgets.timeline_model import TimelineModel
from widgets.welfare_form import MissingWelfareForm, WelfareForm

log = logging.getLogger(__name__)

Proposer = Callable[[int], "str | None"]
TIMES = (
    ("received_at", "Received"),
    ("entered_at", "Entered"),
    ("dispatched_at", "Dispatched"),
    ("enroute_at", "En route"),
    ("onscene_at", "On scene"),
    ("cleared_at", "Cleared"),
)


def elapsed(start: dt.datetime | None, end: dt.datetime | None) -> str:
    """'+1:05' (minutes:seconds) or '+2h03' from start to end."""
    if start is None or end is None:
        return ""
    seconds = int((end - start).total_seconds())
    if seconds < 0:
        return ""
    if seconds >= 3600:
        return f"+{seconds // 3600}h{seconds % 3600 // 60:02d}"
    return f"+{seconds // 60}:{seconds % 60:02d}"


class IncidentDetail(QWidget):
    """Shows one incident from the store; every action goes through DispatchActions off-thread."""

    print_requested = Signal(int)
    export_eido_requested = Signal(int)
    citation_print_requested = Signal(str)  # citation number: the window previews it for printing
    welfare_print_requested = Signal(int)  # incident id: the window previews its welfare-check form
    edit_requested = Signal(int)  # the window opens the edit dialog (widgets/incident_edit.py)

    def __init__(
        self,
        store: BoardStore,
        actions: DispatchActions,
        parent: QWidget | None = None,
        *,
        proposed_disposition: Proposer | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("incidentDetail")
        self._store = store
        self._actions = actions
        self._pack = store.db.pack
        self._tz = ZoneInfo(self._pack.timezone)
        self._propose: Proposer = (
            proposed_disposition
            if proposed_disposition is not None
            else functools.partial(paperwork.proposed_disposition, store.db)
        )
        self._record: IncidentRecord | None = None
        self._recommendations: list[Recommendation] = []
        self.dialog: Any = None  # the dialog open now (disposition, reason, transfer), for keyboard and tests
        self._ops = actions.operations

        self.timeline = TimelineModel(self._pack.timezone, self)
        self._build()
        # Unit changes come in bursts (a dispatch moves a unit and an incident): re-rank once.
        self.recommend_timer = QTimer(self)
        self.recommend_timer.setSingleShot(True)
        self.recommend_timer.setInterval(150)
        self.recommend_timer.timeout.connect(self._refresh_recommendations)
        self._connect_signals()
        # Focusing the pane (F6) lands on the recommendations: Enter dispatches the highlighted unit.
        self.setFocusProxy(self.recommended_list)
        self.show_incident(None)

    # Building ----------------------------------------------------------------------------------
    def _build(self) -> None:
        self.stack = QStackedWidget(self)
        self.empty = QLabel("No incident selected.\nChoose one in the queue, or type its number on the command line.")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setObjectName("panelCount")
        page = QWidget(self)

        # Header: priority, number, status pill; type and APCO under it.
        header = QFrame(page)
        header.setObjectName("panelHeader")
        self.priority_label = QLabel(header)
        self.priority_label.setObjectName("detailPriority")
        self.number_label = QLabel(header)
        self.number_label.setObjectName("detailNumber")
        self.number_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status_label = QLabel(header)
        self.status_label.setObjectName("detailStatus")
        self.type_label = QLabel(header)
        self.type_label.setObjectName("detailType")
        self.type_label.setWordWrap(True)
        top = QHBoxLayout()
        top.setSpacing(12)
        top.addWidget(self.priority_label)
        top.addWidget(self.number_label)
        top.addStretch(1)
        top.addWidget(self.status_label)
        head_layout = QVBoxLayout(header)
        head_layout.setContentsMargins(10, 8, 10, 8)
        head_layout.setSpacing(2)
        head_layout.addLayout(top)
        head_layout.addWidget(self.type_label)

        # Facts
        self.location_label = QLabel(page)
        self.location_label.setObjectName("detailLocation")
        self.location_label.setWordWrap(True)
        self.location_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.zone_label = QLabel(page)
        self.caller_label = QLabel(page)
        self.caller_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.response_label = QLabel(page)
        self.response_label.setWordWrap(True)
        self.screening_label = QLabel(page)
        self.screening_label.setWordWrap(True)
        self.disposition_label = QLabel(page)
        self.disposition_label.setWordWrap(True)
        self.narrative_view = QPlainTextEdit(page)
        self.narrative_view.setReadOnly(True)
        self.narrative_view.setAccessibleName("Narrative")
        self.narrative_view.setMaximumHeight(72)
        self.narrative_view.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        # Cautions (red) and the history of the incident's place (widgets/location_history.py).
        self.place_panel = PlaceKnowledgePanel(self._store, self._ops, self._actions.actor, page)
        facts = QGridLayout()
        facts.setHorizontalSpacing(10)
        facts.setVerticalSpacing(3)
        facts.setColumnStretch(1, 1)
        rows = (
            ("Location", self.location_label),
            ("", self.zone_label),
            ("Place", self.place_panel),
            ("Caller", self.caller_label),
            ("Response", self.response_label),
            ("Screening", self.screening_label),
            ("Disposition", self.disposition_label),
            ("Narrative", self.narrative_view),
        )
        self._fact_titles: dict[QWidget, QLabel] = {}
        for row, (title, widget) in enumerate(rows):
            label = QLabel(title, page)
            label.setObjectName("factTitle")
            label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
            if title:
                label.setBuddy(widget)  # a screen reader reads the value with its title (label relation)
            facts.addWidget(label, row, 0)
            facts.addWidget(widget, row, 1)
            self._fact_titles[widget] = label

        # Times: six stamps in local time with the interval since the call was received.
        self.time_labels: dict[str, QLabel] = {}
        times = QGridLayout()
        times.setHorizontalSpacing(4)
        times.setVerticalSpacing(0)
        for column, (attr, title) in enumerate(TIMES):
            caption = QLabel(title, page)
            caption.setObjectName("timeCaption")
            value = QLabel("—", page)
            value.setObjectName("timeValue")
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            caption.setBuddy(value)
            times.addWidget(caption, 0, column)
            times.addWidget(value, 1, column)
            self.time_labels[attr] = value
        times_frame = QFrame(page)
        times_frame.setObjectName("timesStrip")
        times_frame.setLayout(times)

        # Units: assigned now, and the ranked recommendation for dispatch.
        self.assigned_list = QListWidget(page)
        self.assigned_list.setAccessibleName("Assigned units")
        self.assigned_list.setMaximumHeight(96)
        self.recommended_list = QListWidget(page)
        self.recommended_list.setAccessibleName("Recommended units")
        self.recommended_list.setMaximumHeight(96)
        for view in (self.assigned_list, self.recommended_list):
            view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
            view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            view.setTextElideMode(Qt.TextElideMode.ElideRight)
            view.setUniformItemSizes(True)
        assigned_title = QLabel("Assigned", page)
        assigned_title.setObjectName("sectionTitle")
        assigned_title.setBuddy(self.assigned_list)
        recommended_title = QLabel("Recommended (select, then Dispatch)", page)
        recommended_title.setObjectName("sectionTitle")
        recommended_title.setBuddy(self.recommended_list)
        units = QGridLayout()
        units.setHorizontalSpacing(8)
        units.setVerticalSpacing(2)
        units.addWidget(assigned_title, 0, 0)
        units.addWidget(recommended_title, 0, 1)
        units.addWidget(self.assigned_list, 1, 0)
        units.addWidget(self.recommended_list, 1, 1)
        units.setColumnStretch(0, 2)
        units.setColumnStretch(1, 3)

        # Citations on the incident: Enter reprints the highlighted one; supervisors void.
        self.citations_list = QListWidget(page)
        self.citations_list.setAccessibleName("Citations (Enter reprints, Delete voids)")
        self.citations_list.setMaximumHeight(72)
        self.citations_list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.citations_title = QLabel("Citations", page)
        self.citations_title.setObjectName("sectionTitle")
        self.citations_title.setBuddy(self.citations_list)
        self.reprint_button = QPushButton("Reprint  Enter", page)
        self.reprint_button.setToolTip("Print the highlighted citation again (Enter in the list)")
        # "&View" (the queue's filter) owns Alt+V: in the list, Delete voids the highlighted citation.
        self.void_button = QPushButton("Void…  Del", page)
        for button in (self.reprint_button, self.void_button):
            button.setAutoDefault(False)
        citation_row = QHBoxLayout()
        citation_row.setSpacing(4)
        citation_row.addWidget(self.citations_title, 1)
        citation_row.addWidget(self.reprint_button)
        citation_row.addWidget(self.void_button)
        self.citations_box = QWidget(page)
        citations_layout = QVBoxLayout(self.citations_box)
        citations_layout.setContentsMargins(0, 0, 0, 0)
        citations_layout.setSpacing(2)
        citations_layout.addLayout(citation_row)
        citations_layout.addWidget(self.citations_list)
        self.citations: list[CitationRecord] = []

        # Actions: Alt+letter on every button; print and export also Ctrl+P / Ctrl+E.
        self.dispatch_button = QPushButton("&Dispatch", page)
        self.enroute_button = QPushButton("&En route", page)
        self.onscene_button = QPushButton("&On scene", page)
        self.clear_button = QPushButton("&Clear…", page)
        self.cancel_button = QPushButton("C&ancel…", page)
        self.transfer_button = QPushButton(f"{self._pack.agency} trans&fer…", page)
        self.reopen_button = QPushButton("&Reopen…", page)
        self.edit_button = QPushButton("Ed&it…", page)
        self.edit_button.setToolTip("Correct type, priority, location, caller or narrative (Alt+I)")
        self.print_button = QPushButton("Print  Ctrl+P", page)
        self.eido_button = QPushButton("EIDO  Ctrl+E", page)
        self.referral_button = QPushButton("Referral…  Ctrl+R", page)
        self.referral_button.setToolTip("Record a referral to a directory agency (Ctrl+R)")
        self.citation_button = QPushButton("Ci&tation…  Ctrl+T", page)
        self.citation_button.setToolTip("Issue an administrative citation on this incident (Ctrl+T or Alt+T)")
        self.welfare_button = QPushButton("&Welfare form…  Ctrl+W", page)
        self.welfare_button.setToolTip("Record or correct the welfare-check form, then print it (Ctrl+W or Alt+W)")
        self.dispatch_button.setToolTip("Dispatch the selected recommended unit (Alt+D)")
        self.enroute_button.setToolTip("Assigned unit en route: the selected one, or every dispatched unit (Alt+E)")
        self.onscene_button.setToolTip("Assigned unit on scene: the selected one, or every unit not yet there (Alt+O)")
        self.clear_button.setToolTip("Clear with an APCO disposition (Alt+C)")
        self.cancel_button.setToolTip("Cancel the incident, with a reason (Alt+A)")
        self.transfer_button.setToolTip(f"Transfer to {self._pack.agency}, or mark a joint response (Alt+F)")
        self.reopen_button.setToolTip("Reopen a closed incident: supervisors only (Alt+R)")
        self.print_button.setToolTip("Print the handoff sheet (Ctrl+P)")
        self.eido_button.setToolTip("Export the incident as an EIDO document (Ctrl+E)")
        self.action_buttons = (
            self.dispatch_button,
            self.enroute_button,
            self.onscene_button,
            self.clear_button,
            self.cancel_button,
            self.transfer_button,
            self.reopen_button,
            self.edit_button,
            self.print_button,
            self.eido_button,
            self.referral_button,
            self.citation_button,
            self.welfare_button,
        )
        for button in self.action_buttons:
            button.setAutoDefault(False)
            button.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.dispatch_button.setObjectName("primaryAction")
        actions = QVBoxLayout()
        actions.setSpacing(4)
        for group in (self.action_buttons[:4], self.action_buttons[4:8], self.action_buttons[8:]):
            button_row = QHBoxLayout()
            button_row.setSpacing(4)
            for button in group:
                button_row.addWidget(button)
            actions.addLayout(button_row)
        self.action_message = InlineMessage(page)

        # Timeline and the note line under it.
        self.timeline_view = QTableView(page)
        self.timeline_view.setModel(self.timeline)
        self.timeline_view.setAccessibleName("Timeline")
        self.timeline_view.setTabKeyNavigation(False)  # Tab leaves the table for the note line
        self.timeline_view.verticalHeader().setVisible(False)
        self.timeline_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.timeline_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.timeline_view.setWordWrap(True)
        self.timeline_view.setAlternatingRowColors(True)
        self.timeline_view.setShowGrid(False)
        header_view = self.timeline_view.horizontalHeader()
        header_view.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header_view.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header_view.setStretchLastSection(True)
        self.timeline_view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.note_edit = QLineEdit(page)
        self.note_edit.setPlaceholderText("Add a note to the timeline and press Enter")
        self.note_edit.setAccessibleName("Note")
        note_title = QLabel("&Note", page)
        note_title.setObjectName("sectionTitle")
        note_title.setBuddy(self.note_edit)
        self.note_button = QPushButton("Add", page)
        self.note_button.setAccessibleName("Add note")
        self.note_button.setAutoDefault(False)
        note_row = QHBoxLayout()
        note_row.addWidget(note_title)
        note_row.addWidget(self.note_edit, 1)
        note_row.addWidget(self.note_button)
        timeline_title = QLabel("Timeline", page)
        timeline_title.setObjectName("sectionTitle")

        upper = QWidget(page)
        upper_layout = QVBoxLayout(upper)
        upper_layout.setContentsMargins(8, 6, 8, 4)
        upper_layout.setSpacing(6)
        upper_layout.addLayout(facts)
        upper_layout.addWidget(times_frame)
        upper_layout.addWidget(self.citations_box)
        lower = QWidget(page)
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(8, 4, 8, 6)
        lower_layout.setSpacing(4)
        lower_layout.addWidget(timeline_title)
        lower_layout.addWidget(self.timeline_view, 1)
        lower_layout.addLayout(note_row)
        # The facts scroll so the timeline keeps room for several events in a short pane.
        upper_scroll = QScrollArea(page)
        upper_scroll.setWidget(upper)
        upper_scroll.setWidgetResizable(True)
        upper_scroll.setFrameShape(QFrame.Shape.NoFrame)
        upper_scroll.setAccessibleName("Incident facts")
        self.timeline_view.setMinimumHeight(6 * self.timeline_view.fontMetrics().height() + 30)
        splitter = QSplitter(Qt.Orientation.Vertical, page)
        splitter.addWidget(upper_scroll)
        splitter.addWidget(lower)
        splitter.setChildrenCollapsible(False)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        page_layout = QVBoxLayout(page)
        page_layout.setContentsMargins(0, 0, 0, 0)
        page_layout.setSpacing(0)
        page_layout.addWidget(header)
        # The actions stay in view whatever the pane's height; the facts above the timeline scroll.
        action_bar = QWidget(page)
        action_layout = QVBoxLayout(action_bar)
        action_layout.setContentsMargins(8, 4, 8, 2)
        action_layout.setSpacing(4)
        action_layout.addLayout(actions)
        action_layout.addWidget(self.action_message)
        action_layout.addLayout(units)  # the recommended units next to Dispatch, never scrolled away
        page_layout.addWidget(action_bar)
        page_layout.addWidget(splitter, 1)

        self.stack.addWidget(self.empty)
        self.stack.addWidget(page)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)
        self._style()

    def _style(self) -> None:
        palette = theme.colors()
        muted = palette.muted.name()
        self.setStyleSheet(
            f"""
            QLabel#detailNumber {{ font-size: 16pt; font-weight: 700; font-family: monospace; }}
            QLabel#detailPriority {{ font-size: 15pt; font-weight: 700; }}
            QLabel#detailType {{ font-size: 11pt; }}
            QLabel#detailLocation {{ font-size: 12pt; font-weight: 600; }}
            QLabel#factTitle, QLabel#timeCaption, QLabel#sectionTitle {{ color: {muted}; }}
            QLabel#sectionTitle {{ font-weight: 600; }}
            QLabel#timeValue {{ font-family: monospace; font-weight: 600; }}
            """
        )

    def _connect_signals(self) -> None:
        # Store
        self._store.incidents_changed.connect(self._on_store_incidents_changed)
        self._store.units_changed.connect(self._on_store_units_changed)
        self._store.timeline_changed.connect(self._on_store_timeline_changed)
        self._store.board_loaded.connect(self._on_store_board_loaded)
        self.action_message.follow_reports(self._ops, self)
        # Actions
        self.dispatch_button.clicked.connect(self.dispatch_selected)
        self.enroute_button.clicked.connect(lambda: self.advance_units("enroute"))
        self.onscene_button.clicked.connect(lambda: self.advance_units("onscene"))
        self.clear_button.clicked.connect(self.open_clear_dialog)
        self.cancel_button.clicked.connect(self.open_cancel_dialog)
        self.transfer_button.clicked.connect(self.open_transfer_dialog)
        self.reopen_button.clicked.connect(self.open_reopen_dialog)
        self.edit_button.clicked.connect(self._on_edit_button_clicked)
        self.print_button.clicked.connect(self._on_print_button_clicked)
        self.eido_button.clicked.connect(self._on_eido_button_clicked)
        self.note_edit.returnPressed.connect(self.add_note)
        self.note_button.clicked.connect(self.add_note)
        self.recommended_list.itemActivated.connect(lambda _item: self.dispatch_selected())
        context = Qt.ShortcutContext.WidgetWithChildrenShortcut
        QShortcut(QKeySequence("Ctrl+P"), self, self._on_print_button_clicked, context=context)
        QShortcut(QKeySequence("Ctrl+E"), self, self._on_eido_button_clicked, context=context)
        # Referrals (widgets/referrals.py)
        self.referral_button.clicked.connect(self.open_referral_dialog)
        QShortcut(QKeySequence("Ctrl+R"), self, self.open_referral_dialog, context=context)
        # Paperwork: citations and the welfare-check form
        self.citation_button.clicked.connect(self.open_citation_form)
        self.welfare_button.clicked.connect(self.open_welfare_form)
        self.reprint_button.clicked.connect(self.reprint_citation)
        self.void_button.clicked.connect(self.open_void_dialog)
        self.citations_list.itemActivated.connect(self._on_citations_list_item_activated)
        QShortcut(
            QKeySequence(Qt.Key.Key_Delete),
            self.citations_list,
            self.open_void_dialog,
            context=Qt.ShortcutContext.WidgetShortcut,
        )
        QShortcut(QKeySequence("Ctrl+T"), self, self.open_citation_form, context=context)
        QShortcut(QKeySequence("Ctrl+W"), self, self.open_welfare_form, context=context)

    # Public ------------------------------------------------------------------------------------
    @property
    def incident_id(self) -> int | None:
        return self._record.id if self._record is not None else None

    @property
    def record(self) -> IncidentRecord | None:
        return self._record

    @property
    def recommendations(self) -> list[Recommendation]:
        return list(self._recommendations)

    def show_incident(self, incident_id: int | None) -> None:
        """Show an incident (None clears the pane); one not on the board is fetched off-thread."""
        self.action_message.clear_message()
        self.note_edit.clear()
        if incident_id != self.incident_id:
            self.citations = []
            self.citations_list.clear()
            self.citations_title.setText("Citations")
        if incident_id is None:
            self._record = None
            self._recommendations = []
            self.timeline.set_events(None, [])
            self.stack.setCurrentWidget(self.empty)
            return
        known = self._store.incidents.get(incident_id)
        if known is not None:
            self._set_record(known, fresh=True)
            return
        db = self._store.db
        self._ops.run(
            lambda: services.get_incident(db, incident_id),
            owner=self,
            on_success=lambda rec: self._set_record(rec, fresh=True),
        )

    def dispatch_selected(self) -> None:
        """Dispatch the highlighted recommended unit (the top one when none is highlighted)."""
        rec = self._record
        if rec is None:
            return
        item = self.recommended_list.currentItem() or self.recommended_list.item(0)
        if item is None:
            self._say("No unit is available to dispatch; free one, or type D <unit> <incident>.", "error")
            return
        unit_id = int(item.data(Qt.ItemDataRole.UserRole))
        unit = self._store.units.get(unit_id)
        sign = unit.call_sign if unit else str(unit_id)
        if rules.csos_alone_need_override(rec, self._pack.call_types):
            why = rules.override_question(rec, self._pack.call_types, self._pack.agency)
            dialog = ReasonDialog(
                f"Send {sign} without {self._pack.agency}?",
                f"{rec.number} {why}. Why can CSOs go alone? (recorded as an override)",
                placeholder=f"e.g. {self._pack.agency} advised CSOs to respond; caller confirms the weapon is gone",
                parent=self,
            )
            dialog.chosen.connect(lambda reason: self._dispatch(rec, unit_id, sign, reason))
            self._open(dialog)
            return
        self._dispatch(rec, unit_id, sign, "")

    def advance_units(self, status: str) -> None:
        """En route / on scene for the selected assigned unit, or each assigned unit not there yet."""
        rec = self._record
        if rec is None:
            return
        assigned = self._assigned_units()
        item = self.assigned_list.currentItem()
        if item is not None:
            targets = [u for u in assigned if u.id == int(item.data(Qt.ItemDataRole.UserRole))]
        else:
            targets = [u for u in assigned if status in rules.unit_actions(u.status, has_incident=True)]
        if not targets:
            self._say(f"No assigned unit can go {STATUS_LABELS[status].lower()}.", "error")
            return
        for unit in targets:
            self._actions.set_unit_status(
                unit.id,
                status,
                owner=self,
                message=lambda u: f"{u.call_sign} {STATUS_LABELS[u.status].lower()} on {rec.number}",
            )

    def open_clear_dialog(self) -> DispositionDialog | None:
        rec = self._record
        if rec is None:
            return None
        dialog = DispositionDialog(self._pack.dispositions.values(), incident_number=rec.number, parent=self)
        dialog.chosen.connect(lambda code, note: self.clear(code, note))
        self._open(dialog)
        incident_id = rec.id

        def proposed(code: str | None) -> None:
            if self.dialog is dialog and self.incident_id == incident_id:
                dialog.propose(code, "a citation was issued" if code == "04" else "")

        propose = self._propose
        self._ops.run(lambda: propose(incident_id), owner=self, on_success=proposed, report_failure=False)
        return dialog

    def clear(self, code: str, note: str = "") -> None:
        rec = self._record
        if rec is None:
            return
        label = self._pack.dispositions[code].label if code in self._pack.dispositions else code
        # The version shown: if another dispatcher changed or cleared it meanwhile, the conflict panel says so.
        self._actions.clear(
            rec.id,
            code,
            note,
            expected_version=rec.version,
            owner=self,
            message=lambda r: f"{r.number} cleared {code} {label}",
            on_success=self.offer_welfare_form,
        )

    def open_cancel_dialog(self) -> ReasonDialog | None:
        rec = self._record
        if rec is None:
            return None
        dialog = ReasonDialog(
            f"Cancel {rec.number}",
            "Why is the call cancelled?",
            placeholder="e.g. caller called back: resolved",
            parent=self,
        )
        dialog.chosen.connect(
            lambda reason: self._actions.cancel(rec.id, reason, expected_version=rec.version, owner=self)
        )
        self._open(dialog)
        return dialog

    def open_reopen_dialog(self) -> ReasonDialog | None:
        rec = self._record
        if rec is None:
            return None
        if not allowed(self._actions.actor, "reopen_incident"):
            self._say("Only a supervisor can reopen an incident.", "error")
            return None
        dialog = ReasonDialog(
            f"Reopen {rec.number}",
            "Why is the incident reopened?",
            placeholder="e.g. caller reports it again",
            parent=self,
        )
        dialog.chosen.connect(self.reopen)
        self._open(dialog)
        return dialog

    def reopen(self, reason: str) -> None:
        """Reopen through the service (which refuses a dispatcher even if this is called directly)."""
        rec = self._record
        if rec is not None:
            self._actions.reopen(rec.id, reason, owner=self)

    def open_transfer_dialog(self) -> TransferDialog | None:
        rec = self._record
        if rec is None:
            return None
        agency = self._pack.agency
        dialog = TransferDialog(incident_number=rec.number, agency=agency, parent=self)
        if rec.response == "joint":
            dialog.joint.setEnabled(False)
        dialog.chosen.connect(lambda joint, note: self._actions.transfer(rec.id, joint=joint, note=note, owner=self))
        self._open(dialog)
        return dialog

    def add_note(self) -> None:
        rec = self._record
        text = self.note_edit.text().strip()
        if rec is None:
            return
        if not text:
            self._say("Type the note first.", "error")
            self.note_edit.setFocus()
            return

        def added(r: IncidentRecord) -> str:
            if self.note_edit.text().strip() == text:
                self.note_edit.clear()
            return f"Note added to {r.number}"

        self._actions.add_note(rec.id, text, owner=self, message=added)

    # Rendering ---------------------------------------------------------------------------------
    def _set_record(self, rec: IncidentRecord, *, fresh: bool) -> None:
        self._record = rec
        self.stack.setCurrentIndex(1)
        self._render()
        self.place_panel.show_place(
            latitude=rec.latitude, longitude=rec.longitude, location=rec.location, exclude_id=rec.id
        )
        if fresh:
            self._fetch_timeline()
            self._refresh_recommendations()

    def _local(self, moment: dt.datetime | None, *, with_date: bool = False) -> str:
        if moment is None:
            return "—"
        local = moment.astimezone(self._tz)
        return f"{local:%a %d %b %H:%M:%S}" if with_date else f"{local:%H:%M:%S}"

    def _render(self) -> None:
        rec = self._record
        if rec is None:
            return
        palette = theme.colors()
        pcolor = palette.priority.get(rec.priority, palette.muted).name()
        glyph = theme.PRIORITY_GLYPHS.get(rec.priority, "■")
        self.priority_label.setText(f"{glyph} P{rec.priority}")
        self.priority_label.setStyleSheet(f"QLabel#detailPriority {{ color: {pcolor}; }}")
        self.number_label.setText(rec.number)
        pill = theme.status_pill(rec.status)
        status = STATUS_LABELS.get(rec.status, rec.status)
        if rec.status == "transferred":
            status = f"Transferred to {self._pack.agency}"
        self.status_label.setText(status.upper())
        self.status_label.setStyleSheet(
            f"QLabel#detailStatus {{ background: {pill.fill.name()}; color: {pill.text.name()}; "
            "border-radius: 9px; padding: 2px 12px; font-weight: 700; }"
        )
        ct = self._pack.call_types.get(rec.call_type)
        rule = ""
        if ct is not None:
            rule = (
                f" · {self._pack.agency} first"
                if ct.sheriff_first
                else (" · CSOs may respond alone" if ct.cso_alone else "")
            )
        kind = " · officer-initiated" if rec.kind == "self_initiated" else ""
        self.type_label.setText(f"{rec.call_type} · {rec.call_type_label} · APCO {rec.apco_code}{rule}{kind}")

        self.location_label.setText(rec.location)
        zone = f"Zone {rec.zone}" if rec.zone else "No zone"
        city = {True: "in city", False: "OUTSIDE the city", None: "city unknown"}[rec.in_city]
        point = (
            f" · {rec.latitude:.5f}, {rec.longitude:.5f}"
            if rec.latitude is not None and rec.longitude is not None
            else " · no map point"
        )
        self.zone_label.setText(f"{zone} · {city}{point}")
        if rec.in_city is False:
            self.zone_label.setStyleSheet(f"color: {palette.amber.name()};")
        else:
            self.zone_label.setStyleSheet("")
        caller = rec.caller_name or "Caller not named"
        self.caller_label.setText(f"{caller} · {rec.caller_phone or 'no callback number'}")

        agency = self._pack.agency
        responses = {"cso": "CSOs", "joint": f"Joint response with {agency}", "sheriff": f"{agency} (transferred)"}
        response = responses.get(rec.response, rec.response)
        if rec.override_reason:
            response += f" · override: {rec.override_reason}"
        self.response_label.setText(response)
        flagged = [key for key in rules.SCREENING_QUESTIONS if rules.screening_answer(rec.screening, key)]
        unknown = rules.unanswered(rec.screening)
        self.screening_label.setText(rules.screening_summary(rec.screening))
        colour = palette.red if flagged else (palette.amber if unknown else None)
        self.screening_label.setStyleSheet(f"color: {colour.name()}; font-weight: 600;" if colour else "")
        if rec.disposition_code:
            disp = self._pack.dispositions.get(rec.disposition_code)
            label = disp.label if disp else ""
            note = f" · {rec.disposition_note}" if rec.disposition_note else ""
            self.disposition_label.setText(f"{rec.disposition_code} {label}{note}")
        else:
            self.disposition_label.setText("—")
        if rec.merged_into_id is not None:
            target = self._store.incidents.get(rec.merged_into_id)
            self.disposition_label.setText(
                self.disposition_label.text() + (f" (see {target.number})" if target else "")
            )
        if self.narrative_view.toPlainText() != rec.narrative:
            self.narrative_view.setPlainText(rec.narrative or "")
        self.narrative_view.setPlaceholderText("No narrative")

        for attr, _title in TIMES:
            moment = getattr(rec, attr)
            value = self.time_labels[attr]
            if moment is None:
                value.setText("—")
                value.setToolTip("")
                continue
            since = elapsed(rec.received_at, moment) if attr != "received_at" else ""
            value.setText(self._local(moment) + (f"\n{since}" if since else ""))
            value.setToolTip(self._local(moment, with_date=True) + f" ({self._pack.timezone})")
        self.time_labels["received_at"].setText(
            self._local(rec.received_at) + "\n" + rec.received_at.astimezone(self._tz).strftime("%a %d %b")
        )

        self._render_units()
        self._update_buttons()

    def _assigned_units(self) -> list[UnitRecord]:
        rec = self._record
        if rec is None:
            return []
        return sorted((u for u in self._store.units.values() if u.incident_id == rec.id), key=lambda u: u.call_sign)

    def _render_units(self) -> None:
        selected = self.assigned_list.currentItem()
        keep = int(selected.data(Qt.ItemDataRole.UserRole)) if selected is not None else None
        self.assigned_list.clear()
        now = self._store.db.clock()
        for unit in self._assigned_units():
            minutes = max(0, int((now - unit.status_since).total_seconds() // 60))
            crew = f" · {', '.join(unit.officers)}" if unit.officers else ""
            item = QListWidgetItem(
                f"{unit.call_sign}  {STATUS_LABELS.get(unit.status, unit.status)} {minutes} min{crew}"
            )
            item.setToolTip(
                f"{unit.call_sign}: {STATUS_LABELS.get(unit.status, unit.status)} since "
                f"{self._local(unit.status_since)}{crew}"
            )
            item.setData(Qt.ItemDataRole.UserRole, unit.id)
            self.assigned_list.addItem(item)
            if unit.id == keep:
                self.assigned_list.setCurrentItem(item)
        rec = self._record
        if rec is not None and not self.assigned_list.count() and rec.units:
            # Units named on the record but not (yet) in the store: show the names.
            for sign in rec.units:
                self.assigned_list.addItem(QListWidgetItem(sign))

    def _render_recommendations(self) -> None:
        selected = self.recommended_list.currentItem()
        keep = int(selected.data(Qt.ItemDataRole.UserRole)) if selected is not None else None
        self.recommended_list.clear()
        for rec in self._recommendations:
            crew = f" · {', '.join(rec.unit.officers)}" if rec.unit.officers else ""
            item = QListWidgetItem(f"{rec.unit.call_sign}  {rec.reason}{crew}")
            item.setData(Qt.ItemDataRole.UserRole, rec.unit.id)
            item.setToolTip(rec.reason)
            self.recommended_list.addItem(item)
            if rec.unit.id == keep:
                self.recommended_list.setCurrentItem(item)
        if self.recommended_list.currentItem() is None and self.recommended_list.count():
            self.recommended_list.setCurrentRow(0)
        self._update_buttons()

    def allowed_actions(self) -> frozenset[str]:
        """What the dispatcher can do on the incident shown (data.rules.incident_actions; the services check again)."""
        rec = self._record
        if rec is None:
            return frozenset()
        unit_statuses = [u.status for u in self._assigned_units()]
        return rules.incident_actions(rec.status, unit_statuses, self._actions.actor.role)

    def _update_buttons(self) -> None:
        can = self.allowed_actions()
        self.dispatch_button.setEnabled("dispatch" in can and bool(self._recommendations))
        for action, button in (
            ("enroute", self.enroute_button),
            ("onscene", self.onscene_button),
            ("clear", self.clear_button),
            ("cancel", self.cancel_button),
            ("transfer", self.transfer_button),
            ("print", self.print_button),
            ("export", self.eido_button),
            ("referral", self.referral_button),
            ("cite", self.citation_button),
            ("welfare", self.welfare_button),
            ("edit", self.edit_button),
            ("note", self.note_edit),
            ("note", self.note_button),
        ):
            button.setEnabled(action in can)
        # Only a role that may reopen sees the button; it is enabled when the incident can be reopened.
        self.reopen_button.setVisible(allowed(self._actions.actor, "reopen_incident"))
        self.reopen_button.setEnabled("reopen" in can)
        has_citation = bool(self.citations)
        self.reprint_button.setEnabled(has_citation)
        self.void_button.setEnabled(has_citation)
        self.void_button.setToolTip(
            "Void the highlighted citation, with a reason (Delete in the list)"
            if allowed(self._actions.actor, "void_citation")
            else "Only a supervisor can void a citation; you can reprint it."
        )
        self.recommended_list.setEnabled("dispatch" in can)

    # Background fetches ------------------------------------------------------------------------
    def _fetch_timeline(self) -> None:
        rec = self._record
        if rec is None:
            return
        incident_id = rec.id
        db = self._store.db
        self._ops.run(
            lambda: services.timeline(db, incident_id),
            owner=self,
            on_success=lambda events: self._on_timeline_fetched(incident_id, events),
        )
        self._ops.run(
            lambda: paperwork.citations_for_incident(db, incident_id),
            owner=self,
            on_success=lambda found: self._on_citations_fetched(incident_id, found),
        )

    def _on_citations_fetched(self, incident_id: int, citations: list[CitationRecord]) -> None:
        if incident_id != self.incident_id:
            return
        selected = self.selected_citation()
        self.citations = list(citations)
        self.citations_list.clear()
        for c in self.citations:
            sections = ", ".join(v.section for v in c.violations)
            state = "VOID · " if c.status == "void" else ""
            item = QListWidgetItem(f"{c.number}  {state}{c.violator_name} · {sections} · ${c.total_dollars}")
            item.setData(Qt.ItemDataRole.UserRole, c.number)
            item.setToolTip(f"Void: {c.void_reason}" if c.status == "void" else f"Issued by {c.officer_name}")
            self.citations_list.addItem(item)
            if selected is not None and c.number == selected.number:
                self.citations_list.setCurrentItem(item)
        if self.citations_list.currentItem() is None and self.citations_list.count():
            self.citations_list.setCurrentRow(self.citations_list.count() - 1)
        self.citations_title.setText(f"Citations ({len(self.citations)})" if self.citations else "Citations: none")
        self._update_buttons()

    def _on_timeline_fetched(self, incident_id: int, events: list[EventRecord]) -> None:
        if incident_id != self.incident_id:
            return
        at_end = self.timeline_view.verticalScrollBar().value() >= self.timeline_view.verticalScrollBar().maximum() - 4
        self.timeline.set_events(incident_id, events)
        if at_end:
            self.timeline_view.scrollToBottom()

    def _refresh_recommendations(self) -> None:
        rec = self._record
        if rec is None or "dispatch" not in self.allowed_actions():
            self._recommendations = []
            self._render_recommendations()
            return
        # A pure ranking over the store's units: no database round trip on every unit change.
        call_type = self._pack.call_types.get(rec.call_type)
        skills = call_type.skills if call_type else ()
        self._recommendations = rules.recommend_units(rec, list(self._store.units.values()), skills)
        self._render_recommendations()

    # Store signals -----------------------------------------------------------------------------
    def _on_store_incidents_changed(self, records: list[IncidentRecord]) -> None:
        rec = self._record
        if rec is None:
            return
        for fresh in records:
            if fresh.id == rec.id and fresh.version >= rec.version:
                status_moved = fresh.status != rec.status
                self._set_record(fresh, fresh=False)
                if status_moved:
                    self.recommend_timer.start()

    def _on_store_units_changed(self, _units: list[UnitRecord]) -> None:
        if self._record is None:
            return
        self._render_units()
        self._update_buttons()
        self.recommend_timer.start()

    def _on_store_timeline_changed(self, incident_id: int) -> None:
        if incident_id == self.incident_id:
            self._fetch_timeline()

    def _on_store_board_loaded(self) -> None:
        if self._record is not None and self._record.id in self._store.incidents:
            self._set_record(self._store.incidents[self._record.id], fresh=True)

    # Helpers -----------------------------------------------------------------------------------
    def _dispatch(self, rec: IncidentRecord, unit_id: int, sign: str, override: str) -> None:
        self._actions.dispatch(
            rec.id,
            [unit_id],
            override_reason=override,
            owner=self,
            message=lambda r: f"{sign} dispatched to {r.number}",
        )

    def _open(self, dialog: Any) -> None:
        if self.dialog is not None:
            with contextlib.suppress(RuntimeError):  # already deleted on close
                self.dialog.close()
        self.dialog = dialog
        dialog.finished.connect(lambda _result: self._on_dialog_finished(dialog))
        dialog.open()

    def _on_dialog_finished(self, dialog: Any) -> None:
        if self.dialog is dialog:
            self.dialog = None

    @property
    def pending(self) -> int:
        return self._ops.pending(self)

    def _say(self, text: str, severity: str) -> None:
        """A refusal before anything is submitted: reported once, like an operation's."""
        self._ops.report("refused" if severity == "error" else "info", text, self)

    def _on_print_button_clicked(self) -> None:
        if self._record is not None:
            self.print_requested.emit(self._record.id)

    def _on_eido_button_clicked(self) -> None:
        if self._record is not None:
            self.export_eido_requested.emit(self._record.id)

    def _on_edit_button_clicked(self) -> None:
        if self._record is not None:
            self.edit_requested.emit(self._record.id)

    def open_referral_dialog(self) -> Any:
        """Record referrals for the incident shown (offered, accepted or declined; follow-up date)."""
        if self._record is None:
            return None
        dialog = ReferralDialog(self._store.db, self._ops, self._actions.actor, self._record, self)
        self._open(dialog)
        return dialog

    # Paperwork: citations and the welfare-check form ------------------------------------------
    def selected_citation(self) -> CitationRecord | None:
        item = self.citations_list.currentItem()
        if item is None:
            return None
        number = item.data(Qt.ItemDataRole.UserRole)
        return next((c for c in self.citations if c.number == number), None)

    def open_citation_form(self, incident_id: int | None = None) -> None:
        """Load who worked the incident off the GUI thread, then open the citation form on it."""
        rec = self._record
        if incident_id is None:
            if rec is None:
                return
            incident_id = rec.id
        if rec is not None and rec.id == incident_id and not self._may_cite(rec):
            self._say(f"{rec.number} was merged; issue the citation on the incident it was merged into.", "error")
            return
        db = self._store.db
        self._ops.run(
            lambda: paperwork.paperwork_context(db, incident_id),
            owner=self,
            on_success=self._show_citation_form,
        )

    def _may_cite(self, record: IncidentRecord) -> bool:
        """Only a merged incident refuses a citation: it goes on the incident it was merged into."""
        return "cite" in rules.incident_actions(record.status, (), self._actions.actor.role)

    def _show_citation_form(self, context: paperwork.PaperworkContext) -> None:
        if not self._may_cite(context.incident):
            self._say(f"{context.incident.number} was merged; cite on the incident it was merged into.", "error")
            return
        form = CitationForm(self._store.db, self._ops, self._actions.actor, context, self)
        form.issued.connect(self._on_citation_form_issued)
        self._open(form)

    def _on_citation_form_issued(self, record: CitationRecord) -> None:
        self.citation_print_requested.emit(record.number)
        self._fetch_timeline()

    def _on_citations_list_item_activated(self, _item: QListWidgetItem) -> None:
        self.reprint_citation()

    def reprint_citation(self) -> None:
        citation = self.selected_citation()
        if citation is None:
            self._say("No citation on this incident to print.", "error")
            return
        self.citation_print_requested.emit(citation.number)

    def open_void_dialog(self) -> ReasonDialog | None:
        citation = self.selected_citation()
        if citation is None:
            self._say("Highlight the citation to void in the list first.", "error")
            return None
        if not allowed(self._actions.actor, "void_citation"):
            self._say(
                f"Only a supervisor can void a citation; ask one to void {citation.number}. You can reprint it.",
                "error",
            )
            return None
        if citation.status == "void":
            self._say(f"Citation {citation.number} is already void: {citation.void_reason}", "error")
            return None
        dialog = ReasonDialog(
            f"Void citation {citation.number}",
            f"Why is {citation.number} ({citation.violator_name}) void? The reason is kept with the citation.",
            placeholder="e.g. issued to the wrong person; section does not apply",
            parent=self,
        )
        dialog.chosen.connect(lambda reason: self.void_citation(citation.number, reason))
        self._open(dialog)
        return dialog

    def void_citation(self, number: str, reason: str) -> None:
        """Void through the service (it checks the role and the reason again); the VOID reprint follows."""
        db, actor = self._store.db, self._actions.actor

        def voided(record: CitationRecord) -> None:
            self.citation_print_requested.emit(record.number)
            self._fetch_timeline()

        self._ops.run(
            lambda: paperwork.void_citation(db, actor, number, reason),
            owner=self,
            message=lambda c: f"Citation {c.number} voided: {c.void_reason}",
            on_success=voided,
        )

    def open_welfare_form(self, incident_id: int | None = None) -> None:
        """The welfare-check form of the incident (widgets/welfare_form.py)."""
        if incident_id is None:
            if self._record is None:
                return
            incident_id = self._record.id
        db = self._store.db
        self._ops.run(
            lambda: paperwork.paperwork_context(db, incident_id),
            owner=self,
            on_success=self._show_welfare_form,
        )

    def _show_welfare_form(self, context: paperwork.PaperworkContext) -> None:
        form = WelfareForm(self._store.db, self._ops, self._actions.actor, context, self)
        form.saved.connect(self._on_welfare_form_saved)
        self._open(form)

    def _on_welfare_form_saved(self, record: WelfareCheckRecord) -> None:
        self.welfare_print_requested.emit(record.incident_id)
        self._fetch_timeline()

    def offer_welfare_form(self, record: IncidentRecord) -> None:
        """After a welfare-check call is cleared: if it has no form yet, offer to fill it in or skip it."""
        call_type = self._pack.call_types.get(record.call_type)
        if call_type is None or not call_type.welfare_form:
            return
        db, incident_id = self._store.db, record.id

        def checked(found: WelfareCheckRecord | None) -> None:
            if found is not None:
                return
            dialog = MissingWelfareForm(record.number, self)
            dialog.fill_requested.connect(lambda: self.open_welfare_form(incident_id))
            dialog.skipped.connect(lambda reason: self._skip_welfare_form(incident_id, record.number, reason))
            self._open(dialog)

        self._ops.run(
            lambda: paperwork.welfare_check_for_incident(db, incident_id),
            owner=self,
            on_success=checked,
            report_failure=False,
        )

    def _skip_welfare_form(self, incident_id: int, number: str, reason: str) -> None:
        self._actions.add_note(
            incident_id,
            f"Welfare-check form not filled in: {reason}",
            owner=self,
            message=lambda _r: f"{number}: welfare-check form skipped; the reason is in the timeline",
        )
