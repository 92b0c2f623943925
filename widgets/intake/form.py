"""The call-taking form: composes the intake's panels, checks the call and saves it in one action."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from data.errors import ValidationError
from data.records import DuplicateCandidate, IncidentRecord
from data.services import validate
from data.services.drafts import DraftRecord
from widgets.accessibility import accessible_name, announce
from widgets.actions import DispatchActions
from widgets.inline import InlineMessage
from widgets.intake.call_type import CallTypeFields
from widgets.intake.caller import CallerFields
from widgets.intake.drafts import DraftKeeper, DraftsBox
from widgets.intake.duplicates import DuplicatesBox
from widgets.intake.location import LocationField
from widgets.intake.narrative import NarrativeEdit
from widgets.intake.response import ResponseBox, Situation
from widgets.intake.screening import ScreeningBox
from widgets.intake.style import form_style
from widgets.location_history import PlaceKnowledgePanel
from widgets.operations import failure_text
from widgets.places import Place, pack_geocoder
from widgets.store import BoardStore


class IntakeForm(QWidget):
    """Embeddable call-taking form; saves through DispatchActions, never on the GUI thread.

    Each concern is a panel (widgets/intake/*): call type and priority, location, what is known at the
    place, duplicates, caller and callback, screening, response, drafts. The form lays their widgets out, keeps the call's
    received time, checks every field before saving and saves the call in one action.
    """

    incident_created = Signal(object)  # IncidentRecord of the new call, after any transfer or merge
    duplicate_merged = Signal(int, int)  # new call's id, id of the incident it was merged into
    cancelled = Signal()

    def __init__(
        self,
        store: BoardStore,
        actions: DispatchActions,
        parent: QWidget | None = None,
        *,
        geocoder_factory: Callable[[], Any] | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("intakeForm")
        self._store = store
        self._actions = actions
        self._ops = actions.operations
        self._pack = store.db.pack
        self._tz = ZoneInfo(self._pack.timezone)
        self._geocoder = geocoder_factory or pack_geocoder(self._pack.geo_dir)

        self._received_at: dt.datetime | None = None
        self._submit_when_ready = False
        self.saving = False
        self.leave_question: QMessageBox | None = None

        self._build()
        self._connect_signals()
        self.start_call(list_drafts=False)  # drafts are listed when the intake opens, off the GUI thread

    # Building ----------------------------------------------------------------------------------
    def _build(self) -> None:
        self.header = QLabel("New call")
        self.header.setObjectName("intakeHeader")
        self.received_label = QLabel()
        self.received_label.setObjectName("intakeReceived")

        self.drafts_box = DraftsBox(self)
        self.draft_list = self.drafts_box.draft_list
        self.draft_label = QLabel()
        self.draft_label.setObjectName("intakeDraft")
        self.draft_keeper = DraftKeeper(self._store.db, self._actions.actor, self._ops, self, self.draft_label)
        self.draft_timer = self.draft_keeper.timer

        self.call_type_fields = CallTypeFields(self._pack, self)
        self.type_edit = self.call_type_fields.type_edit
        self.type_info = self.call_type_fields.type_info
        self.type_error = self.call_type_fields.type_error
        self.priority = self.call_type_fields.priority

        self.location = LocationField(self._pack, self._ops, self._geocoder, self)
        self.location_edit = self.location.location_edit
        self.match_combo = self.location.match_combo
        self.match_label = self.location.match_label
        self.match_info = self.location.match_info
        self.location_error = self.location.location_error
        self.geocode_timer = self.location.geocode_timer

        self.duplicate_box = DuplicatesBox(self._store.db, self._ops, self)
        self.duplicate_list = self.duplicate_box.duplicate_list
        self.merge_button = self.duplicate_box.merge_button
        self.duplicate_hint = self.duplicate_box.duplicate_hint
        # Cautions and history of the place, as soon as it is found (widgets/location_history.py).
        self.place_panel = PlaceKnowledgePanel(self._store, self._ops, self._actions.actor, self)

        self.caller = CallerFields(self)
        self.caller_edit = self.caller.caller_edit
        self.caller_error = self.caller.caller_error
        self.phone_edit = self.caller.phone_edit
        self.phone_error = self.caller.phone_error

        self.screening_box = ScreeningBox(self)
        self.screening = self.screening_box.questions
        self.screening_error = self.screening_box.screening_error

        self.response_box = ResponseBox(self._pack, self)
        self.response_group = self.response_box.response_group
        self.response_buttons = self.response_box.response_buttons
        self.override_edit = self.response_box.override_edit
        self.response_error = self.response_box.response_error

        self.narrative = NarrativeEdit(self)
        self.narrative.setPlaceholderText("What the caller reports. Enter = new line, Ctrl+Enter = save")
        self.narrative.setAccessibleName("Narrative")
        self.narrative.setMinimumHeight(70)
        self.narrative_error = InlineMessage(self)

        self.form_error = InlineMessage(self)
        self.save_button = QPushButton("Save call  (Enter)", self)
        self.save_button.setObjectName("saveCall")
        self.save_button.setAutoDefault(False)
        self.save_button.setDefault(True)  # styled as the primary action; Enter is handled by the form
        self.cancel_button = QPushButton("Cancel  (Esc)", self)
        self.cancel_button.setAutoDefault(False)
        self._lay_out()

    def _lay_out(self) -> None:
        # Layout: two columns for type/priority and caller/callback keep the form short.
        type_label = QLabel("Call &type")
        type_label.setBuddy(self.type_edit)
        priority_label = QLabel("&Priority")
        priority_label.setBuddy(self.priority)
        location_label = QLabel("&Location")
        location_label.setBuddy(self.location_edit)
        caller_label = QLabel("Caller")
        caller_label.setBuddy(self.caller_edit)
        phone_label = QLabel("Callback")
        phone_label.setBuddy(self.phone_edit)
        narrative_label = QLabel("Narrative")
        narrative_label.setBuddy(self.narrative)
        for field_label in (
            type_label,
            priority_label,
            location_label,
            caller_label,
            phone_label,
            narrative_label,
            self.match_label,
        ):
            field_label.setObjectName("fieldLabel")

        form = QGridLayout()
        form.setHorizontalSpacing(10)
        form.setVerticalSpacing(3)
        form.setColumnStretch(1, 3)
        form.setColumnStretch(3, 2)
        form.addWidget(type_label, 0, 0)
        form.addWidget(self.type_edit, 0, 1)
        form.addWidget(priority_label, 0, 2)
        form.addWidget(self.priority, 0, 3)
        form.addWidget(self.type_info, 1, 1, 1, 3)
        form.addWidget(self.type_error, 2, 1, 1, 3)
        form.addWidget(location_label, 3, 0)
        form.addWidget(self.location_edit, 3, 1, 1, 3)
        form.addWidget(self.match_label, 4, 0)
        form.addWidget(self.match_combo, 4, 1, 1, 3)
        form.addWidget(self.match_info, 5, 1, 1, 3)
        form.addWidget(self.location_error, 6, 1, 1, 3)
        place_and_duplicates = QVBoxLayout()
        place_and_duplicates.addWidget(self.place_panel)
        place_and_duplicates.addWidget(self.duplicate_box)
        form.addLayout(place_and_duplicates, 7, 1, 1, 3)
        form.addWidget(caller_label, 8, 0)
        form.addWidget(self.caller_edit, 8, 1)
        form.addWidget(phone_label, 8, 2)
        form.addWidget(self.phone_edit, 8, 3)
        form.addWidget(self.caller_error, 9, 1)
        form.addWidget(self.phone_error, 9, 3)
        form.addWidget(self.screening_box, 10, 0, 1, 4)
        form.addWidget(self.response_box, 11, 0, 1, 4)
        form.addWidget(narrative_label, 12, 0, Qt.AlignmentFlag.AlignTop)
        form.addWidget(self.narrative, 12, 1, 1, 3)
        form.addWidget(self.narrative_error, 13, 1, 1, 3)

        head = QHBoxLayout()
        head.addWidget(self.header)
        head.addStretch(1)
        head.addWidget(self.draft_label)
        head.addWidget(self.received_label)
        line = QFrame(self)
        line.setFrameShape(QFrame.Shape.HLine)
        line.setFrameShadow(QFrame.Shadow.Sunken)
        buttons = QHBoxLayout()
        buttons.addWidget(self.form_error, 1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.addLayout(head)
        layout.addWidget(line)
        layout.addWidget(self.drafts_box)
        layout.addLayout(form)
        layout.addStretch(1)
        layout.addLayout(buttons)

        # Tab order: the five fields a call needs, in the order a caller gives them.
        chain: list[QWidget] = [
            self.type_edit,
            self.location_edit,
            self.caller_edit,
            self.phone_edit,
            self.narrative,
            self.priority,
            *itertools.chain.from_iterable((q.yes, q.no) for q in self.screening.values()),
            *self.response_buttons.values(),
            self.override_edit,
            self.save_button,
            self.cancel_button,
        ]
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)
        self.match_combo.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.setFocusProxy(self.type_edit)
        # A screen reader hears each error with its field, in the field's description.
        self.type_error.describes(self.type_edit)
        self.location_error.describes(self.location_edit)
        self.caller_error.describes(self.caller_edit)
        self.phone_error.describes(self.phone_edit)
        self.narrative_error.describes(self.narrative)
        self.response_error.describes(*self.response_buttons.values(), self.override_edit)
        self.setStyleSheet(form_style())  # screening boxes must read at a glance in both themes

    def _connect_signals(self) -> None:
        self.draft_timer.timeout.connect(self._on_draft_timer_timeout)
        # Call type
        self.call_type_fields.connect_signals()
        self.call_type_fields.edited.connect(self._mark_started)
        self.call_type_fields.changed.connect(self._update_response_box)
        self.call_type_fields.accepted_by_enter.connect(self._on_call_type_accepted_by_enter)
        # Location
        self.location.connect_signals()
        self.location.edited.connect(self._mark_started)
        self.location.place_chosen.connect(self._on_place_chosen)
        self.location.lookup_failed.connect(self._continue_submit)
        self.duplicate_box.merge_clicked.connect(self._on_merge_clicked)
        self.duplicate_box.settled.connect(self._continue_submit)
        self.place_panel.knowledge_changed.connect(self._on_place_panel_knowledge_changed)
        # Screening and response
        self.screening_box.connect_signals(self)
        self.screening_box.answered.connect(self._on_screening_answered)
        self.response_box.connect_signals()
        # Saving and leaving
        for edit in (self.type_edit, self.location_edit):
            edit.submitted.connect(self.submit)
        self.narrative.submitted.connect(self.submit)
        self.save_button.clicked.connect(self.submit)
        self.cancel_button.clicked.connect(self.cancel)
        self.caller.connect_signals()
        self.caller.edited.connect(self._mark_started)
        self.override_edit.textEdited.connect(self._on_override_edit_text_edited)
        self.narrative.textChanged.connect(self._on_narrative_text_changed)
        QShortcut(
            QKeySequence(Qt.Key.Key_Escape), self, self.cancel, context=Qt.ShortcutContext.WidgetWithChildrenShortcut
        )
        QShortcut(
            QKeySequence("Alt+R"),
            self,
            self.resume_selected_draft,
            context=Qt.ShortcutContext.WidgetWithChildrenShortcut,
        )
        self.drafts_box.connect_signals()
        self.drafts_box.resume_requested.connect(self.resume_selected_draft)
        # Anything typed or chosen is kept as a draft a moment later.
        self.priority.activated.connect(self._schedule_draft)
        self.response_group.buttonToggled.connect(self._schedule_draft)

    # Public ------------------------------------------------------------------------------------
    def start_call(self, *, list_drafts: bool = True) -> None:
        """Empty the form for a new call; the call counts as received now; this dispatcher's drafts are listed."""
        self._reset_fields()
        self._stamp_received()
        self.type_edit.setFocus(Qt.FocusReason.OtherFocusReason)
        if list_drafts:
            self.refresh_drafts()

    def prefill(self, location: str = "", latitude: float | None = None, longitude: float | None = None) -> None:
        """Start a call at a place chosen on the map; the label is looked up when not given."""
        self.start_call()
        self.location_edit.setText(location)
        if latitude is None or longitude is None:
            if location:
                self.location.schedule_lookup(now=True)
            return
        self.location.locate_point(location, latitude, longitude)

    def submit(self) -> None:
        """Save the call: checks every field here, then creates (and transfers or merges) off-thread."""
        if self.saving:
            return
        fields = self._checked_fields()
        if fields is None:
            return
        if not self._lookups_settled():
            self._submit_when_ready = True
            self.form_error.show_message("Finding the location before saving…", "info")
            return
        if self.duplicate_box.duplicates and not self.duplicate_box.acknowledged:
            self.duplicate_box.acknowledged = True
            self.duplicate_hint.show_message(
                "Enter again saves a new incident; Alt+G merges into the selected one.", "warning"
            )
            self.form_error.show_message("Possible duplicate: check the calls listed above.", "warning")
            return
        self._create(fields, merge_into=None)

    def cancel(self) -> None:
        """Leave the call being taken: with anything typed, ask first (discard / keep as draft / back)."""
        if self.saving:
            return
        if not self.has_typing():
            self._reset_fields()
            self.cancelled.emit()
            return
        box = self.leave_question
        if box is None:
            box = QMessageBox(self)
            box.setObjectName("leaveQuestion")
            box.setIcon(QMessageBox.Icon.Question)
            box.setWindowTitle("Leave this call?")
            box.setText("This call is not saved. Discard what was typed, or keep it as a draft?")
            self.keep_button = box.addButton("&Keep as draft", QMessageBox.ButtonRole.AcceptRole)
            self.discard_button = box.addButton("&Discard", QMessageBox.ButtonRole.DestructiveRole)
            self.back_button = box.addButton("&Back to the call", QMessageBox.ButtonRole.RejectRole)
            self.keep_button.clicked.connect(self.keep_as_draft)
            self.discard_button.clicked.connect(self.discard)
            box.setDefaultButton(self.keep_button)
            box.setEscapeButton(self.back_button)
            self.leave_question = box
        box.setInformativeText(
            DraftRecord("", self._store.db.clock(), self._store.db.clock(), self._draft_fields()).summary
        )
        box.open()

    def keep_as_draft(self) -> None:
        """Keep what is typed as a draft (saved now) and leave; F2 lists it."""
        self.draft_keeper.save(self._draft_fields(), report=True)
        self._reset_fields()
        self.cancelled.emit()

    def discard(self) -> None:
        """Throw away what is typed, and its draft."""
        self.draft_keeper.discard()
        self._reset_fields()
        self.cancelled.emit()

    def has_typing(self) -> bool:
        """Anything a dispatcher typed or chose in this call (what would be lost)."""
        texts = (self.type_edit, self.location_edit, self.caller_edit, self.phone_edit, self.override_edit)
        return (
            any(edit.text().strip() for edit in texts)
            or bool(self.narrative.toPlainText().strip())
            or any(answer is not None for answer in self._answers().values())
            or self._response() is not None
        )

    def answer_rest_no(self) -> None:
        """Alt+N: the caller said no to every question not answered yet (a yes already given stays)."""
        self.screening_box.answer_rest_no()

    # Drafts ------------------------------------------------------------------------------------
    def _schedule_draft(self, *_args: object) -> None:
        # A throttle, not a debounce: a dispatcher who never stops typing is still saved every interval.
        if not self.saving and not self.draft_timer.isActive():
            self.draft_timer.start()

    def _on_draft_timer_timeout(self) -> None:
        if self.has_typing() and not self.saving:
            self.draft_keeper.save_in_background(self._draft_fields())

    def _draft_fields(self) -> dict[str, Any]:
        return {
            "call_type": self.type_edit.text(),
            "priority": int(self.priority.currentData()) if self.call_type_fields.priority_touched else None,
            "location": self.location_edit.text(),
            "caller_name": self.caller_edit.text(),
            "caller_phone": self.phone_edit.text(),
            "narrative": self.narrative.toPlainText(),
            "screening": {k: v for k, v in self._answers().items() if v is not None},
            "response": self._response(),
            "override_reason": self.override_edit.text(),
            "received_at": self._received_at.isoformat() if self._received_at else "",
        }

    def refresh_drafts(self) -> None:
        """List this dispatcher's drafts at this workstation (the one being typed is not among them)."""
        self.draft_keeper.list_drafts(self._show_drafts)

    def _show_drafts(self, drafts: list[DraftRecord]) -> None:
        self.drafts_box.show_drafts(drafts, typing_key=self.draft_keeper.key, tz=self._tz)

    @property
    def drafts(self) -> list[DraftRecord]:
        return list(self.drafts_box.drafts)

    @property
    def _draft_key(self) -> str:
        return self.draft_keeper.key

    def resume_selected_draft(self) -> None:
        """Alt+R: carry on with the selected draft (what is typed now is kept as a draft first)."""
        if self.saving:
            return
        draft = self.drafts_box.selected()
        if draft is None:
            return
        if self.has_typing():
            self.draft_keeper.save(self._draft_fields(), report=True)
        self._fill_from(draft)
        self.refresh_drafts()  # runs after the save above: the call set aside is listed, this one is not

    def _fill_from(self, draft: DraftRecord) -> None:
        f = draft.fields
        self._reset_fields()
        self.draft_keeper.key = draft.key
        try:
            received = dt.datetime.fromisoformat(str(f.get("received_at") or ""))
        except ValueError:
            received = draft.created_at
        if received.tzinfo is None:
            received = received.replace(tzinfo=dt.UTC)
        # The call was received when the draft began; never later than now (another machine's clock may run ahead).
        self._received_at = min(received, self._store.db.clock())
        self.received_label.setText(f"Received {self._received_at.astimezone(self._tz):%H:%M:%S}")
        self.call_type_fields.fill(str(f.get("call_type") or ""), f.get("priority"))
        self.location_edit.setText(str(f.get("location") or ""))
        self.caller_edit.setText(str(f.get("caller_name") or ""))
        self.phone_edit.setText(str(f.get("caller_phone") or ""))
        self.narrative.setPlainText(str(f.get("narrative") or ""))
        self.screening_box.fill(f.get("screening"))
        self._update_response_box()
        self.response_box.fill(f.get("response"), str(f.get("override_reason") or ""))
        self.draft_label.setText(f"Draft from {draft.updated_at.astimezone(self._tz):%H:%M}")
        if self.location_edit.text().strip():
            self.location.schedule_lookup(now=True)
        self.type_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    # What the form holds -----------------------------------------------------------------------
    @property
    def received_at(self) -> dt.datetime | None:
        return self._received_at

    @property
    def places(self) -> list[Place]:
        return list(self.location.places)

    @property
    def duplicates(self) -> list[DuplicateCandidate]:
        return list(self.duplicate_box.duplicates)

    @property
    def _lookup_text(self) -> str | None:
        """The location text whose lookup is in flight."""
        return self.location.lookup_text

    def chosen_place(self) -> Place | None:
        return self.location.chosen_place()

    def _set_places(self, places: list[Place], *, text: str | None = "") -> None:
        self.location.set_places(places, text=text)

    # Resetting ---------------------------------------------------------------------------------
    def _reset_fields(self) -> None:
        self.geocode_timer.stop()
        self.draft_timer.stop()
        self.draft_keeper.new_key()
        for edit in (self.type_edit, self.location_edit, self.caller_edit, self.phone_edit, self.override_edit):
            edit.clear()
        self.type_edit.hide_suggestions()
        self.narrative.clear()
        self.screening_box.reset()
        self.response_box.reset()
        self.call_type_fields.reset()
        self._submit_when_ready = False
        self.location.reset()
        self.type_info.clear_message()
        for message in self._messages():
            message.clear_message()
        self.saving = False
        self.save_button.setEnabled(True)
        self._received_at = None
        self.received_label.setText("")

    def _stamp_received(self) -> None:
        self._received_at = self._store.db.clock()
        local = self._received_at.astimezone(self._tz)
        self.received_label.setText(f"Received {local:%H:%M:%S}")

    def _messages(self) -> list[InlineMessage]:
        return [
            self.type_error,
            self.location_error,
            self.caller_error,
            self.phone_error,
            self.narrative_error,
            self.screening_error,
            self.response_error,
            self.form_error,
            self.duplicate_hint,
        ]

    # Call type and place -----------------------------------------------------------------------
    def _on_call_type_accepted_by_enter(self) -> None:
        self.location_edit.setFocus(Qt.FocusReason.TabFocusReason)

    def _on_place_chosen(self, place: Place | None) -> None:
        self._show_place_knowledge(place, self.location.text())
        self.location.show_match(place)
        self._update_response_box()  # a place outside the city asks how the call is answered
        if place is None:
            self.duplicate_box.show_duplicates([], None)
            self._continue_submit()
        else:
            self.duplicate_box.check(place, received_at=self._received_at, location=self.location.text())

    def _show_place_knowledge(self, place: Place | None, text: str) -> None:
        if self.location.place_text != text or not text:
            self.place_panel.clear()
        elif place is None:
            self.place_panel.show_place(latitude=None, longitude=None, location=text)
        else:
            location = place.label if place.kind in ("intersection", "landmark") else text
            self.place_panel.show_place(latitude=place.latitude, longitude=place.longitude, location=location)

    def _on_place_panel_knowledge_changed(self) -> None:
        self._update_response_box()
        self._continue_submit()

    def _on_merge_clicked(self) -> None:
        into = self.duplicate_box.selected_id()
        if into is None or self.saving:
            return
        fields = self._checked_fields()
        if fields is None:
            return
        self._create(fields, merge_into=into)

    # Screening and response --------------------------------------------------------------------
    def _answers(self) -> dict[str, bool | None]:
        """Each question's answer: True, False, or None while it is not answered."""
        return self.screening_box.answers()

    def _on_screening_answered(self) -> None:
        self._mark_started()
        if all(answer is not None for answer in self._answers().values()):
            self.screening_error.clear_message()
        self._update_response_box()

    def _situation(self) -> Situation:
        place = self.chosen_place()
        return Situation(
            call_type=self.call_type_fields.call_type,
            answers=self._answers(),
            caution=bool(self.place_panel.sheriff_first),  # a Sheriff-first caution at the place presets it
            outside=place is not None and place.in_city is False,
        )

    def _update_response_box(self) -> None:
        self.response_box.show_for(self._situation())

    def _response(self) -> str | None:
        return self.response_box.response()

    # Checking and saving -----------------------------------------------------------------------
    def _mark_started(self) -> None:
        if self._received_at is None:
            self._stamp_received()
        self._schedule_draft()
        # Fixing a field clears its message (each handler); the summary line follows once this returns.
        QTimer.singleShot(0, self._refresh_form_error)

    def _field_errors(self) -> int:
        fields = (
            self.type_error,
            self.location_error,
            self.caller_error,
            self.phone_error,
            self.narrative_error,
            self.screening_error,
            self.response_error,
        )
        return sum(1 for m in fields if m.severity == "error" and m.message)

    def _refresh_form_error(self) -> None:
        """'Nothing saved: fix the 2 fields' counts what is still wrong, and goes when nothing is."""
        if self.form_error.severity != "error" or not self.form_error.message.startswith("Nothing saved: fix"):
            return
        left = self._field_errors()
        if left == 0:
            self.form_error.clear_message()
        else:
            self.form_error.show_message(
                "Nothing saved: fix the field marked above."
                if left == 1
                else f"Nothing saved: fix the {left} fields marked above.",
                "error",
            )

    def _on_override_edit_text_edited(self, _text: str) -> None:
        self._mark_started()
        self.response_error.clear_message()

    def _on_narrative_text_changed(self) -> None:
        if self.narrative.toPlainText():
            self._mark_started()
        self.narrative_error.clear_message()

    def _checked_fields(self) -> dict[str, Any] | None:
        """Every field checked with the services' own rules; shows each problem under its field."""
        self.form_error.clear_message()
        problems: list[tuple[InlineMessage, QWidget, str]] = []
        ct, type_problem = self.call_type_fields.checked()
        if type_problem:
            problems.append((self.type_error, self.type_edit, type_problem))
        checks: list[tuple[Callable[[str], str], QLineEdit | NarrativeEdit, InlineMessage]] = [
            (validate.location, self.location_edit, self.location_error),
            (validate.caller_name, self.caller_edit, self.caller_error),
            (validate.phone, self.phone_edit, self.phone_error),
            (validate.narrative, self.narrative, self.narrative_error),
        ]
        values: dict[QWidget, str] = {}
        for check, widget, message in checks:
            raw = widget.toPlainText() if isinstance(widget, NarrativeEdit) else widget.text()
            try:
                values[widget] = check(raw)
            except ValidationError as exc:
                problems.append((message, widget, str(exc)))
        phone = values.get(self.phone_edit, "")
        unasked = [key for key, answer in self._answers().items() if answer is None]
        if unasked:
            first = self.screening[unasked[0]].yes
            problems.append(
                (
                    self.screening_error,
                    first,
                    f"Ask the caller: {', '.join(unasked)} not answered. Y or N on each; Alt+N answers no to the rest.",
                )
            )
        response, override, response_problem = self.response_box.checked(self._situation())
        if response_problem is not None:
            problems.append((self.response_error, *response_problem))
        if problems:
            for message, _widget, text in problems:
                message.show_message(text, "error")
            problems[0][1].setFocus(Qt.FocusReason.OtherFocusReason)
            self.form_error.show_message(
                "Nothing saved: fix the field marked above."
                if len(problems) == 1
                else f"Nothing saved: fix the {len(problems)} fields marked above.",
                "error",
            )
            announce(
                self, f"{self.form_error.message} {accessible_name(problems[0][1])}: {problems[0][2]}", urgent=True
            )
            return None
        assert ct is not None
        place = self.chosen_place()
        return {
            "call_type": ct.code,
            "priority": int(self.priority.currentData()),
            # A corner or a place typed in shorthand ("smb & la cienega", "city hall") is saved by its
            # proper name; an address keeps what was typed, which may carry an apartment or a detail.
            "location": place.label
            if place and place.kind in ("intersection", "landmark")
            else values[self.location_edit],
            "latitude": place.latitude if place else None,
            "longitude": place.longitude if place else None,
            "zone": place.zone if place else None,
            "in_city": place.in_city if place else None,
            "caller_name": values[self.caller_edit],
            "caller_phone": phone,
            "narrative": values[self.narrative],
            "screening": self._answers(),
            "response": response,
            "override_reason": override,
        }

    def _lookups_settled(self) -> bool:
        """True when the places and the duplicate check belong to the location as typed now."""
        text = self.location.text()
        if self.location.lookup_text is not None:
            return False
        if self.location.place_text != text:
            self.location.schedule_lookup(now=True)
            return self.location.place_text == text and self.location.lookup_text is None
        return not self.duplicate_box.pending and not self.place_panel.pending

    def _continue_submit(self) -> None:
        if self._submit_when_ready and self._lookups_settled():
            self._submit_when_ready = False
            self.form_error.clear_message()
            self.submit()

    def _create(self, fields: dict[str, Any], *, merge_into: int | None) -> None:
        """One service call and one transaction: the call alone, or with its transfer or its merge."""
        self.saving = True
        self.save_button.setEnabled(False)
        self.merge_button.setEnabled(False)
        self.form_error.show_message("Saving…", "info")
        situation = self._situation()
        transfer = self._response() == "transfer" and situation.needs_choice
        received = self._received_at or self._store.db.clock()
        self.draft_timer.stop()
        call = {**fields, "received_at": received, "draft_key": self.draft_keeper.key}
        if merge_into is not None:
            self._actions.create_and_merge(
                fields=call,
                into_id=merge_into,
                owner=self,
                on_success=lambda merged: self._finish(merged.duplicate, merged_into=merged.into.id),
                on_failure=self._on_create_failed,
            )
        elif transfer:
            self._actions.create_and_transfer(
                fields=call,
                note=situation.transfer_note(self._pack),
                owner=self,
                on_success=lambda final: self._finish(final, merged_into=None),
                on_failure=self._on_create_failed,
            )
        else:
            self._actions.create_incident(
                fields=call,
                owner=self,
                on_success=lambda rec: self._finish(rec, merged_into=None),
                on_failure=self._on_create_failed,
            )

    def _on_create_failed(self, exc: Exception) -> None:
        self.saving = False
        self.save_button.setEnabled(True)
        self.merge_button.setEnabled(True)
        text = failure_text(exc)
        target = {
            "call_type": self.type_error,
            "location": self.location_error,
            "caller_name": self.caller_error,
            "caller_phone": self.phone_error,
            "narrative": self.narrative_error,
            "override_reason": self.response_error,
            "response": self.response_error,
        }.get(getattr(exc, "field", ""))
        if target is not None:
            target.show_message(text, "error")
        self.form_error.show_message(f"Nothing saved: {text}", "error")

    def _finish(self, record: IncidentRecord, *, merged_into: int | None) -> None:
        """The call is saved, with its transfer or merge (refused, neither was written: the form keeps the call)."""
        self._reset_fields()
        self.incident_created.emit(self._store.incidents.get(record.id, record))
        if merged_into is not None:
            self.duplicate_merged.emit(record.id, merged_into)

    # Keys --------------------------------------------------------------------------------------
    def keyPressEvent(self, event: QKeyEvent) -> None:
        # Enter in a line edit, check box or list reaches here unhandled: it saves the call.
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            event.accept()
            self.submit()
            return
        super().keyPressEvent(event)
