"""Paperwork on the incident the pane shows: the citation form, reprint and void, the welfare-check form."""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING

from data import rules
from data.permissions import allowed
from data.records import CitationRecord, IncidentRecord, WelfareCheckRecord
from data.services import citations, incident_paperwork, welfare
from widgets.actions import DispatchActions
from widgets.citation_form import CitationForm
from widgets.incident_dialogs import ReasonDialog
from widgets.welfare_form import MissingWelfareForm, WelfareForm

if TYPE_CHECKING:
    from widgets.incident_detail.pane import IncidentDetail


class IncidentPaperwork:
    """Opens each form in the pane and asks the window (through the pane's signals) to preview what was saved.

    Holds the pane weakly: the pane keeps this object, and a Python reference back to a Qt object from
    what it owns makes a cycle the garbage collector breaks unsafely (docs/architecture.md).
    Operations run as the pane's, so its pending count and its inline line follow them.
    """

    def __init__(self, pane: IncidentDetail, actions: DispatchActions) -> None:
        self._pane = weakref.ref(pane)
        self._actions = actions
        self._ops = actions.operations
        self._db = actions.db

    def _may_cite(self, record: IncidentRecord) -> bool:
        """Only a merged incident refuses a citation: it goes on the incident it was merged into."""
        return "cite" in rules.incident_actions(record.status, (), self._actions.actor.role)

    # Citations ---------------------------------------------------------------------------------
    def _open_form(
        self,
        incident_id: int | None,
        show: Callable[[incident_paperwork.PaperworkContext], None],
        *,
        cite: bool = False,
    ) -> None:
        """Load who worked the incident (the pane's by default) off the GUI thread, then ``show`` its form."""
        pane = self._pane()
        if pane is None:
            return
        rec = pane.record
        if incident_id is None:
            if rec is None:
                return
            incident_id = rec.id
        if cite and rec is not None and rec.id == incident_id and not self._may_cite(rec):
            pane.say(f"{rec.number} was merged; issue the citation on the incident it was merged into.", "error")
            return
        db, wanted = self._db, incident_id
        self._ops.run(lambda: incident_paperwork.paperwork_context(db, wanted), owner=pane, on_success=show)

    def open_citation_form(self, incident_id: int | None = None) -> None:
        self._open_form(incident_id, self._show_citation_form, cite=True)

    def _show_citation_form(self, context: incident_paperwork.PaperworkContext) -> None:
        pane = self._pane()
        if pane is None:
            return
        if not self._may_cite(context.incident):
            pane.say(f"{context.incident.number} was merged; cite on the incident it was merged into.", "error")
            return
        form = CitationForm(self._db, self._ops, self._actions.actor, context, pane)
        form.issued.connect(self._printed_citation)
        pane.open_dialog(form)

    def _printed_citation(self, record: CitationRecord) -> None:
        pane = self._pane()
        if pane is not None:
            pane.citation_print_requested.emit(record.number)
            pane.refresh_timeline()

    def reprint_citation(self) -> None:
        pane = self._pane()
        if pane is None:
            return
        citation = pane.selected_citation()
        if citation is None:
            pane.say("No citation on this incident to print.", "error")
            return
        pane.citation_print_requested.emit(citation.number)

    def open_void_dialog(self) -> ReasonDialog | None:
        pane = self._pane()
        if pane is None:
            return None
        citation = pane.selected_citation()
        if citation is None:
            pane.say("Highlight the citation to void in the list first.", "error")
            return None
        if not allowed(self._actions.actor, "void_citation"):
            pane.say(
                f"Only a supervisor can void a citation; ask one to void {citation.number}. You can reprint it.",
                "error",
            )
            return None
        if citation.status == "void":
            pane.say(f"Citation {citation.number} is already void: {citation.void_reason}", "error")
            return None
        dialog = ReasonDialog(
            f"Void citation {citation.number}",
            f"Why is {citation.number} ({citation.violator_name}) void? The reason is kept with the citation.",
            placeholder="e.g. issued to the wrong person; section does not apply",
            parent=pane,
        )
        number = citation.number
        dialog.chosen.connect(lambda reason: self.void_citation(number, reason))
        pane.open_dialog(dialog)
        return dialog

    def void_citation(self, number: str, reason: str) -> None:
        """Void through the service (it checks the role and the reason again); the VOID reprint follows."""
        db, actor = self._db, self._actions.actor
        self._ops.run(
            lambda: citations.void_citation(db, actor, number, reason),
            owner=self._pane(),
            message=lambda c: f"Citation {c.number} voided: {c.void_reason}",
            on_success=self._printed_citation,
        )

    # The welfare-check form --------------------------------------------------------------------
    def open_welfare_form(self, incident_id: int | None = None) -> None:
        """The welfare-check form of the incident (widgets/welfare_form.py)."""
        self._open_form(incident_id, self._show_welfare_form)

    def _show_welfare_form(self, context: incident_paperwork.PaperworkContext) -> None:
        pane = self._pane()
        if pane is None:
            return
        form = WelfareForm(self._db, self._ops, self._actions.actor, context, pane)
        form.saved.connect(self._on_welfare_form_saved)
        pane.open_dialog(form)

    def _on_welfare_form_saved(self, record: WelfareCheckRecord) -> None:
        pane = self._pane()
        if pane is not None:
            pane.welfare_print_requested.emit(record.incident_id)
            pane.refresh_timeline()

    def offer_welfare_form(self, record: IncidentRecord) -> None:
        """After a welfare-check call is cleared: if it has no form yet, offer to fill it in or skip it."""
        call_type = self._db.pack.call_types.get(record.call_type)
        if call_type is None or not call_type.welfare_form:
            return
        db, incident_id = self._db, record.id

        def checked(found: WelfareCheckRecord | None) -> None:
            pane = self._pane()
            if found is not None or pane is None:
                return
            dialog = MissingWelfareForm(record.number, pane)
            dialog.fill_requested.connect(lambda: self.open_welfare_form(incident_id))
            dialog.skipped.connect(lambda reason: self._skip_welfare_form(incident_id, record.number, reason))
            pane.open_dialog(dialog)

        self._ops.run(
            lambda: welfare.welfare_check_for_incident(db, incident_id),
            owner=self._pane(),
            on_success=checked,
            report_failure=False,
        )

    def _skip_welfare_form(self, incident_id: int, number: str, reason: str) -> None:
        self._actions.add_note(
            incident_id,
            f"Welfare-check form not filled in: {reason}",
            owner=self._pane(),
            message=lambda _r: f"{number}: welfare-check form skipped; the reason is in the timeline",
        )
