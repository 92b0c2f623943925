"""The incident pane: composes the header, facts, units, citations, action buttons and timeline panels of
one call, and runs the actions on it through DispatchActions."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QFrame,
    QLabel,
    QListWidgetItem,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from data import rules, services
from data.permissions import allowed
from data.records import CitationRecord, EventRecord, IncidentRecord, UnitRecord
from data.rules import STATUS_LABELS, Recommendation
from data.services import citations as citation_services
from widgets import theme
from widgets.actions import DispatchActions
from widgets.incident_detail.action_buttons import ActionButtons
from widgets.incident_detail.citations_panel import CitationsPanel
from widgets.incident_detail.paperwork_flow import IncidentPaperwork
from widgets.incident_detail.summary import IncidentFacts, IncidentHeader
from widgets.incident_detail.timeline_panel import TimelinePanel
from widgets.incident_detail.units_panel import UnitsPanel
from widgets.incident_dialogs import DispositionDialog, ReasonDialog, TransferDialog
from widgets.inline import InlineMessage
from widgets.referrals import ReferralDialog
from widgets.store import BoardStore
from widgets.timeline_model import TimelineModel

Proposer = Callable[[int], "str | None"]


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
        self._propose: Proposer = (
            proposed_disposition
            if proposed_disposition is not None
            else functools.partial(citation_services.proposed_disposition, store.db)
        )
        self._record: IncidentRecord | None = None
        self.dialog: QDialog | None = None  # the dialog open now (disposition, reason, transfer), for keys and tests
        self._ops = actions.operations
        self.paperwork = IncidentPaperwork(self, actions)

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
        # Built in the order Tab walks them: place panel, units, citations, actions, timeline, note.
        self.header = IncidentHeader(self._pack, page)
        self.facts = IncidentFacts(self._store, self._ops, self._actions.actor, page)
        self.units = UnitsPanel(self._store, page)
        self.citations_panel = CitationsPanel(page)
        self.buttons = ActionButtons(self._pack.agency, page)
        self.action_message = InlineMessage(page)
        self.timeline_panel = TimelinePanel(self.timeline, page)
        self._name_parts()

        upper = QWidget(page)
        upper_layout = QVBoxLayout(upper)
        upper_layout.setContentsMargins(8, 6, 8, 4)
        upper_layout.setSpacing(6)
        upper_layout.addWidget(self.facts)
        upper_layout.addWidget(self.citations_panel)
        # The facts scroll so the timeline keeps room for several events in a short pane.
        upper_scroll = QScrollArea(page)
        upper_scroll.setWidget(upper)
        upper_scroll.setWidgetResizable(True)
        upper_scroll.setFrameShape(QFrame.Shape.NoFrame)
        upper_scroll.setAccessibleName("Incident facts")
        splitter = QSplitter(Qt.Orientation.Vertical, page)
        splitter.addWidget(upper_scroll)
        splitter.addWidget(self.timeline_panel)
        splitter.setChildrenCollapsible(False)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        page_layout = QVBoxLayout(page)
        page_layout.setContentsMargins(0, 0, 0, 0)
        page_layout.setSpacing(0)
        page_layout.addWidget(self.header)
        # The actions stay in view whatever the pane's height; the facts above the timeline scroll.
        action_bar = QWidget(page)
        action_layout = QVBoxLayout(action_bar)
        action_layout.setContentsMargins(8, 4, 8, 2)
        action_layout.setSpacing(4)
        action_layout.addWidget(self.buttons)
        action_layout.addWidget(self.action_message)
        action_layout.addWidget(self.units)  # the recommended units next to Dispatch, never scrolled away
        page_layout.addWidget(action_bar)
        page_layout.addWidget(splitter, 1)

        self.stack.addWidget(self.empty)
        self.stack.addWidget(page)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)
        self._style()

    def _name_parts(self) -> None:
        """The panels' widgets under the pane's own names: the window, the keyboard walk and tests use these."""
        header, facts, units, citations, buttons = (
            self.header,
            self.facts,
            self.units,
            self.citations_panel,
            self.buttons,
        )
        self.priority_label, self.number_label = header.priority_label, header.number_label
        self.status_label, self.type_label = header.status_label, header.type_label
        self.location_label, self.zone_label, self.caller_label = (
            facts.location_label,
            facts.zone_label,
            facts.caller_label,
        )
        self.response_label, self.screening_label = facts.response_label, facts.screening_label
        self.disposition_label, self.narrative_view = facts.disposition_label, facts.narrative_view
        self.place_panel, self.time_labels = facts.place_panel, facts.time_labels
        self.assigned_list, self.recommended_list = units.assigned_list, units.recommended_list
        self.citations_list, self.citations_title = citations.citations_list, citations.citations_title
        self.reprint_button, self.void_button = citations.reprint_button, citations.void_button
        self.dispatch_button, self.enroute_button = buttons.dispatch_button, buttons.enroute_button
        self.onscene_button, self.clear_button = buttons.onscene_button, buttons.clear_button
        self.cancel_button, self.transfer_button = buttons.cancel_button, buttons.transfer_button
        self.reopen_button, self.edit_button = buttons.reopen_button, buttons.edit_button
        self.print_button, self.eido_button = buttons.print_button, buttons.eido_button
        self.referral_button, self.citation_button = buttons.referral_button, buttons.citation_button
        self.welfare_button, self.action_buttons = buttons.welfare_button, buttons.buttons
        self.timeline_view = self.timeline_panel.timeline_view
        self.note_edit, self.note_button = self.timeline_panel.note_edit, self.timeline_panel.note_button

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
        return list(self.units.recommendations)

    def show_incident(self, incident_id: int | None) -> None:
        """Show an incident (None clears the pane); one not on the board is fetched off-thread."""
        self.action_message.clear_message()
        self.note_edit.clear()
        if incident_id != self.incident_id:
            self.citations_panel.clear()
        if incident_id is None:
            self._record = None
            self.units.recommendations = []
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
            self.say("No unit is available to dispatch; free one, or type D <unit> <incident>.", "error")
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
            self.open_dialog(dialog)
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
            self.say(f"No assigned unit can go {STATUS_LABELS[status].lower()}.", "error")
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
        self.open_dialog(dialog)
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
        self.open_dialog(dialog)
        return dialog

    def open_reopen_dialog(self) -> ReasonDialog | None:
        rec = self._record
        if rec is None:
            return None
        if not allowed(self._actions.actor, "reopen_incident"):
            self.say("Only a supervisor can reopen an incident.", "error")
            return None
        dialog = ReasonDialog(
            f"Reopen {rec.number}",
            "Why is the incident reopened?",
            placeholder="e.g. caller reports it again",
            parent=self,
        )
        dialog.chosen.connect(self.reopen)
        self.open_dialog(dialog)
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
        self.open_dialog(dialog)
        return dialog

    def add_note(self) -> None:
        rec = self._record
        text = self.note_edit.text().strip()
        if rec is None:
            return
        if not text:
            self.say("Type the note first.", "error")
            self.note_edit.setFocus()
            return

        def added(r: IncidentRecord) -> str:
            if self.note_edit.text().strip() == text:
                self.note_edit.clear()
            return f"Note added to {r.number}"

        self._actions.add_note(rec.id, text, owner=self, message=added)

    # Rendering ---------------------------------------------------------------------------------

    # Rendering ---------------------------------------------------------------------------------
    def _set_record(self, rec: IncidentRecord, *, fresh: bool) -> None:
        self._record = rec
        self.stack.setCurrentIndex(1)
        self._render()
        self.place_panel.show_place(
            latitude=rec.latitude, longitude=rec.longitude, location=rec.location, exclude_id=rec.id
        )
        if fresh:
            self.refresh_timeline()
            self._refresh_recommendations()

    def _render(self) -> None:
        rec = self._record
        if rec is None:
            return
        self.header.show_record(rec)
        merged_into = self._store.incidents.get(rec.merged_into_id) if rec.merged_into_id is not None else None
        self.facts.show_record(rec, merged_into)
        self.units.show_assigned(rec)
        self._update_buttons()

    def _assigned_units(self) -> list[UnitRecord]:
        return self.units.assigned_units(self._record)

    def allowed_actions(self) -> frozenset[str]:
        """What the dispatcher can do on the incident shown (data.rules.incident_actions; the services check again)."""
        rec = self._record
        if rec is None:
            return frozenset()
        unit_statuses = [u.status for u in self._assigned_units()]
        return rules.incident_actions(rec.status, unit_statuses, self._actions.actor.role)

    def _update_buttons(self) -> None:
        can = self.allowed_actions()
        actor = self._actions.actor
        self.buttons.show_allowed(
            can, has_recommendation=bool(self.units.recommendations), may_reopen=allowed(actor, "reopen_incident")
        )
        self.citations_panel.show_allowed(may_void=allowed(actor, "void_citation"))
        self.timeline_panel.show_allowed(may_note="note" in can)
        self.recommended_list.setEnabled("dispatch" in can)

    # Background fetches ------------------------------------------------------------------------
    def refresh_timeline(self) -> None:
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
            lambda: citation_services.citations_for_incident(db, incident_id),
            owner=self,
            on_success=lambda found: self._on_citations_fetched(incident_id, found),
        )

    def _on_citations_fetched(self, incident_id: int, citations: list[CitationRecord]) -> None:
        if incident_id != self.incident_id:
            return
        self.citations_panel.show_citations(citations)
        self._update_buttons()

    def _on_timeline_fetched(self, incident_id: int, events: list[EventRecord]) -> None:
        if incident_id == self.incident_id:
            self.timeline_panel.set_events(incident_id, events)

    def _refresh_recommendations(self) -> None:
        self.units.recommend(self._record, may_dispatch="dispatch" in self.allowed_actions())
        self._update_buttons()

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
        self.units.show_assigned(self._record)
        self._update_buttons()
        self.recommend_timer.start()

    def _on_store_timeline_changed(self, incident_id: int) -> None:
        if incident_id == self.incident_id:
            self.refresh_timeline()

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

    def open_dialog(self, dialog: QDialog) -> None:
        if self.dialog is not None:
            with contextlib.suppress(RuntimeError):  # already deleted on close
                self.dialog.close()
        self.dialog = dialog
        dialog.finished.connect(lambda _result: self._on_dialog_finished(dialog))
        dialog.open()

    def _on_dialog_finished(self, dialog: QDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None

    @property
    def pending(self) -> int:
        return self._ops.pending(self)

    def say(self, text: str, severity: str) -> None:
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

    def open_referral_dialog(self) -> ReferralDialog | None:
        """Record referrals for the incident shown (offered, accepted or declined; follow-up date)."""
        if self._record is None:
            return None
        dialog = ReferralDialog(self._store.db, self._ops, self._actions.actor, self._record, self)
        self.open_dialog(dialog)
        return dialog

    # Paperwork: citations and the welfare-check form (paperwork_flow.py) ----------------------
    @property
    def citations(self) -> list[CitationRecord]:
        return self.citations_panel.citations

    def selected_citation(self) -> CitationRecord | None:
        return self.citations_panel.selected()

    def open_citation_form(self, incident_id: int | None = None) -> None:
        self.paperwork.open_citation_form(incident_id)

    def reprint_citation(self) -> None:
        self.paperwork.reprint_citation()

    def _on_citations_list_item_activated(self, _item: QListWidgetItem) -> None:
        self.reprint_citation()

    def open_void_dialog(self) -> ReasonDialog | None:
        return self.paperwork.open_void_dialog()

    def void_citation(self, number: str, reason: str) -> None:
        self.paperwork.void_citation(number, reason)

    def open_welfare_form(self, incident_id: int | None = None) -> None:
        self.paperwork.open_welfare_form(incident_id)

    def offer_welfare_form(self, record: IncidentRecord) -> None:
        self.paperwork.offer_welfare_form(record)
