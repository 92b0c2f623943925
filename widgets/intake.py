"""Call intake: type, place, caller, screening and duplicates, saved in as few keystrokes as possible."""

from __future__ import annotations

import datetime as dt
import html
import itertools
import logging
import uuid
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QComboBox,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from data import rules, services
from data.errors import ValidationError
from data.pack import CallType, Pack
from data.records import DuplicateCandidate, IncidentRecord
from data.services import validate
from data.services.drafts import DraftRecord
from widgets import theme
from widgets.accessibility import accessible_name, announce
from widgets.actions import DispatchActions
from widgets.completion import CompletingLineEdit
from widgets.inline import InlineMessage
from widgets.location_history import PlaceKnowledgePanel
from widgets.operations import failure_text
from widgets.places import Place, lookup, pack_geocoder, place_at
from widgets.store import BoardStore

log = logging.getLogger(__name__)

GEOCODE_DEBOUNCE_MS = 250
DRAFT_DEBOUNCE_MS = 400  # a draft is saved this long after a key, then again as typing goes on (tests set 0)
MAX_TYPE_SUGGESTIONS = 12
PRIORITY_LABELS = {1: "1 · Urgent", 2: "2 · Prompt", 3: "3 · Routine", 4: "4 · Low"}
# The word and letter that carry each screening question's Alt key (disjoint from the detail pane's).
SCREENING_MNEMONICS = {
    "weapon": ("weapon", 0),
    "violence": ("violent", 0),
    "medical": ("medical", 0),
    "crime": ("crime", 2),
}


def response_choices(agency: str) -> dict[str, str]:
    """The three answers to a call that needs law enforcement first, naming the pack's agency."""
    return {
        "transfer": f"Tran&sfer to {agency} ({agency} takes the call)",
        "joint": f"&Joint response: {agency} and CSOs",
        "cso": "CSOs alone, &using an override reason",
    }


def rank_call_types(pack: Pack, text: str) -> list[CallType]:
    """Call types for typed text: code prefix, then label prefix, word prefix, APCO, anywhere."""
    needle = text.strip().lower()
    if not needle:
        return []
    ranked = []
    for ct in pack.call_types.values():
        code, label = ct.code.lower(), ct.label.lower()
        words = label.replace(",", " ").replace("-", " ").split()
        if code == needle:
            score = 0
        elif code.startswith(needle):
            score = 1
        elif label.startswith(needle):
            score = 2
        elif any(w.startswith(needle) for w in words):
            score = 3
        elif ct.apco.lower().startswith(needle):
            score = 4
        elif needle in code or needle in label:
            score = 5
        else:
            continue
        ranked.append((score, ct.kind != "call", ct.code, ct))
    return [r[-1] for r in sorted(ranked, key=lambda r: r[:3])]


def response_rule(ct: CallType, agency: str) -> tuple[str, str]:
    """What the call type allows (data.rules.response_rule), as (text, severity)."""
    return {
        "sheriff_first": (f"{agency} first: {agency} goes first or jointly", "warning"),
        "with_agency": (f"CSOs respond with {agency}", "warning"),
        "cso_alone": ("CSOs may respond alone", "ok"),
    }[rules.response_rule(ct)]


def _underlined(text: str, word: str, index: int) -> str:
    """The question as rich text with its Alt letter underlined (the shortcut is the form's, not the label's)."""
    at = text.lower().find(word)
    if at < 0:
        return html.escape(text)
    pos = at + index
    return f"{html.escape(text[:pos])}<u>{html.escape(text[pos])}</u>{html.escape(text[pos + 1 :])}"


class NarrativeEdit(QPlainTextEdit):
    """Free text where Enter is a new line; Ctrl+Enter saves the call and Tab moves on."""

    submitted = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTabChangesFocus(True)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if (
            event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and event.modifiers() & Qt.KeyboardModifier.ControlModifier
        ):
            event.accept()
            self.submitted.emit()
            return
        super().keyPressEvent(event)


class ScreeningQuestion(QObject):
    """One screening question: Yes and No, neither chosen until the caller answers (not asked is not no)."""

    answered = Signal()

    def __init__(self, key: str, text: str, parent: QWidget) -> None:
        super().__init__(parent)
        self.key = key
        question = rules.SCREENING_QUESTIONS.get(key, key)
        self.label = QLabel(text, parent)
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.yes = _AnswerButton("Yes", parent)
        self.no = _AnswerButton("No", parent)
        self.state = QLabel(parent)
        self.state.setObjectName("screeningState")
        self.label.setBuddy(self.yes)
        self.yes.setAccessibleName(f"{question} Yes")
        self.no.setAccessibleName(f"{question} No")
        self.group = QButtonGroup(self)
        self.group.addButton(self.yes)
        self.group.addButton(self.no)
        for button in (self.yes, self.no):
            button.toggled.connect(self._on_button_toggled)
            button.answer_key.connect(self._on_answer_key)
        self._show_state()

    def answer(self) -> bool | None:
        if self.yes.isChecked():
            return True
        if self.no.isChecked():
            return False
        return None

    def set_answer(self, answer: bool | None, *, by_person: bool = False) -> None:
        if answer is None:
            self.group.setExclusive(False)
            self.yes.setChecked(False)
            self.no.setChecked(False)
            self.group.setExclusive(True)
        else:
            (self.yes if answer else self.no).setChecked(True)
        self._show_state()
        if by_person:
            self.answered.emit()

    def _on_button_toggled(self, checked: bool) -> None:
        if checked:
            self._show_state()
            self.answered.emit()

    def _on_answer_key(self, answer: bool) -> None:
        self.set_answer(answer, by_person=True)
        (self.yes if answer else self.no).setFocus(Qt.FocusReason.OtherFocusReason)

    def _show_state(self) -> None:
        answer = self.answer()
        self.state.setText({True: "YES", False: "no", None: "not asked"}[answer])
        self.state.setProperty("answer", {True: "yes", False: "no", None: "unasked"}[answer])
        self.state.style().unpolish(self.state)
        self.state.style().polish(self.state)
        self.label.setProperty("answer", {True: "yes", False: "no", None: "unasked"}[answer])
        self.label.style().unpolish(self.label)
        self.label.style().polish(self.label)


class _AnswerButton(QRadioButton):
    """A Yes/No button where Y and N answer the question from either button."""

    answer_key = Signal(bool)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.modifiers() in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.ShiftModifier):
            if event.key() == Qt.Key.Key_Y:
                event.accept()
                self.answer_key.emit(True)
                return
            if event.key() == Qt.Key.Key_N:
                event.accept()
                self.answer_key.emit(False)
                return
        super().keyPressEvent(event)


class IntakeForm(QWidget):
    """Embeddable call-taking form; saves through DispatchActions, never on the GUI thread."""

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
        self._call_type: CallType | None = None
        self._priority_touched = False
        self._places: list[Place] = []
        self._place_text: str | None = None  # the location text the places belong to
        self._lookup_text: str | None = None  # text of the lookup in flight
        self._map_point: tuple[float, float] | None = None
        self._duplicates: list[DuplicateCandidate] = []
        self._duplicates_for: Place | None = None
        self._duplicates_pending = False
        self._duplicates_acknowledged = False
        self._submit_when_ready = False
        self.saving = False
        self._draft_key = uuid.uuid4().hex
        self._drafts: list[DraftRecord] = []
        self.leave_question: QMessageBox | None = None

        self._build()
        self.geocode_timer = QTimer(self)
        self.geocode_timer.setSingleShot(True)
        self.geocode_timer.setInterval(GEOCODE_DEBOUNCE_MS)
        self.geocode_timer.timeout.connect(self._on_geocode_timer_timeout)
        self.draft_timer = QTimer(self)
        self.draft_timer.setSingleShot(True)
        self.draft_timer.setInterval(DRAFT_DEBOUNCE_MS)
        self.draft_timer.timeout.connect(self._on_draft_timer_timeout)
        self._connect_signals()
        self.start_call(list_drafts=False)  # drafts are listed when the intake opens, off the GUI thread

    # Building ----------------------------------------------------------------------------------
    def _build(self) -> None:
        self.header = QLabel("New call")
        self.header.setObjectName("intakeHeader")
        self.received_label = QLabel()
        self.received_label.setObjectName("intakeReceived")

        self.drafts_box = QGroupBox("Drafts kept: Alt+R resumes the selected one", self)
        self.drafts_box.setObjectName("draftsBox")
        self.draft_list = QListWidget(self.drafts_box)
        self.draft_list.setAccessibleName("Drafts kept")
        self.draft_list.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.draft_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        drafts_layout = QVBoxLayout(self.drafts_box)
        drafts_layout.addWidget(self.draft_list)
        self.drafts_box.setVisible(False)
        self.draft_label = QLabel()
        self.draft_label.setObjectName("intakeDraft")

        self.type_edit = CompletingLineEdit(self, tab_takes_first=True, enter_takes_first=True)
        self.type_edit.setPlaceholderText("Code or words: welf, noise, dog…")
        self.type_edit.setAccessibleName("Call type")
        self.type_info = InlineMessage(self)
        self.type_error = InlineMessage(self)
        self.priority = QComboBox(self)
        for value, label in PRIORITY_LABELS.items():
            self.priority.addItem(label, value)
        self.priority.setAccessibleName("Priority")

        self.location_edit = CompletingLineEdit(self)
        self.location_edit.setPlaceholderText("Address, corner (street & street) or the name of a place")
        self.location_edit.setAccessibleName("Location")
        self.match_combo = QComboBox(self)
        self.match_combo.setAccessibleName("Map match")
        self.match_combo.setVisible(False)
        # On Linux a combo box is read by its current value: its name comes from the label's relation.
        self.match_label = QLabel("Map match", self)
        self.match_label.setBuddy(self.match_combo)
        self.match_label.setVisible(False)
        self.match_info = InlineMessage(self)
        self.location_error = InlineMessage(self)

        self.duplicate_box = QGroupBox("Possible duplicate: calls at this place", self)
        self.duplicate_box.setObjectName("duplicateBox")
        self.duplicate_list = QListWidget(self.duplicate_box)
        self.duplicate_list.setAccessibleName("Possible duplicates")
        self.duplicate_list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.duplicate_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.duplicate_list.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.merge_button = QPushButton("Mer&ge into selected", self.duplicate_box)
        self.merge_button.setToolTip("Save this call as a duplicate: the caller's details go to the selected incident")
        self.duplicate_hint = InlineMessage(self.duplicate_box)
        dup_layout = QVBoxLayout(self.duplicate_box)
        dup_layout.addWidget(self.duplicate_list)
        dup_row = QHBoxLayout()
        dup_row.addWidget(self.duplicate_hint, 1)
        dup_row.addWidget(self.merge_button)
        dup_layout.addLayout(dup_row)
        self.duplicate_box.setVisible(False)
        # Cautions and history of the place, as soon as it is found (widgets/location_history.py).
        self.place_panel = PlaceKnowledgePanel(self._store, self._ops, self._actions.actor, self)

        self.caller_edit = QLineEdit(self)
        self.caller_edit.setPlaceholderText("Name, or leave empty if withheld")
        self.caller_edit.setAccessibleName("Caller name")
        self.caller_error = InlineMessage(self)
        self.phone_edit = QLineEdit(self)
        self.phone_edit.setPlaceholderText("310-555-0100")
        self.phone_edit.setAccessibleName("Callback number")
        # Else the placeholder is read as the description, as if it were the number.
        self.phone_edit.setAccessibleDescription("Phone number to call the caller back, for example 310-555-0100")
        self.phone_error = InlineMessage(self)

        self.screening: dict[str, ScreeningQuestion] = {}
        screening_box = QGroupBox("Screening: ask the caller every question (Alt+N: no to the rest)", self)
        screening_box.setObjectName("screeningBox")
        grid = QGridLayout(screening_box)
        grid.setVerticalSpacing(2)
        for n, (key, question) in enumerate(rules.SCREENING_QUESTIONS.items()):
            word, index = SCREENING_MNEMONICS.get(key, ("", 0))
            row = ScreeningQuestion(key, _underlined(question, word, index) if word else question, screening_box)
            self.screening[key] = row
            grid.addWidget(row.label, n, 0)
            grid.addWidget(row.yes, n, 1)
            grid.addWidget(row.no, n, 2)
            grid.addWidget(row.state, n, 3)
        grid.setColumnStretch(0, 1)
        self.screening_error = InlineMessage(screening_box)
        grid.addWidget(self.screening_error, len(rules.SCREENING_QUESTIONS), 0, 1, 4)
        self.screening_box = screening_box

        self.response_box = QGroupBox(f"{self._pack.agency} first: choose how this call is answered", self)
        self.response_box.setObjectName("responseBox")
        self.response_group = QButtonGroup(self)
        self.response_buttons: dict[str, QRadioButton] = {}
        response_layout = QVBoxLayout(self.response_box)
        for key, label in response_choices(self._pack.agency).items():
            button = QRadioButton(label, self.response_box)
            self.response_group.addButton(button)
            self.response_buttons[key] = button
            response_layout.addWidget(button)
        self.override_edit = QLineEdit(self.response_box)
        self.override_edit.setPlaceholderText("Why CSOs can go alone (recorded in the audit log)")
        self.override_edit.setAccessibleName("Override reason")
        self.override_edit.setEnabled(False)
        response_layout.addWidget(self.override_edit)
        self.response_error = InlineMessage(self.response_box)
        self.response_error.setWordWrap(True)
        response_layout.addWidget(self.response_error)
        self.response_box.setVisible(False)

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
        form.addWidget(screening_box, 10, 0, 1, 4)
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
        self._style()

    def _style(self) -> None:
        # Screening boxes must read at a glance in both themes, so their indicators are drawn here.
        palette = theme.colors()
        base, muted, accent = palette.base.name(), palette.muted.name(), palette.accent.name()
        amber, red = palette.amber.name(), palette.red.name()
        self.setStyleSheet(
            f"""
            QCheckBox::indicator, QRadioButton::indicator {{
                width: 13px; height: 13px; border: 1px solid {muted}; background: {base}; }}
            QRadioButton::indicator {{ border-radius: 7px; }}
            QCheckBox::indicator:checked {{ background: {red}; border: 1px solid {red}; }}
            QRadioButton::indicator:checked {{
                background: qradialgradient(cx:0.5, cy:0.5, radius:0.5, fx:0.5, fy:0.5,
                    stop:0 {accent}, stop:0.5 {accent}, stop:0.62 {base}, stop:1 {base});
                border: 1px solid {accent}; }}
            QCheckBox::indicator:focus, QRadioButton::indicator:focus {{ border: 1px solid {accent}; }}
            QCheckBox:checked {{ color: {red}; font-weight: 600; }}
            QLabel#screeningState {{ font-weight: 600; min-width: 64px; }}
            QLabel#screeningState[answer="yes"] {{ color: {red}; }}
            QLabel#screeningState[answer="unasked"] {{ color: {amber}; }}
            QLabel[answer="yes"] {{ color: {red}; font-weight: 600; }}
            QGroupBox {{ border: 1px solid {palette.grid.name()}; border-radius: 4px; margin-top: 14px;
                padding: 6px 6px 4px 6px; }}
            QGroupBox::title {{ subcontrol-origin: margin; left: 8px; padding: 0 4px; color: {muted}; }}
            QGroupBox#duplicateBox {{ border: 1px solid {amber}; }}
            QGroupBox#duplicateBox::title {{ color: {amber}; font-weight: 600; }}
            QGroupBox#responseBox {{ border: 1px solid {red}; }}
            QGroupBox#responseBox::title {{ color: {red}; font-weight: 600; }}
            QLabel#intakeHeader {{ font-size: 15pt; font-weight: 700; }}
            QLabel#intakeReceived {{ color: {muted}; font-family: monospace; }}
            QLabel#intakeDraft {{ color: {muted}; }}
            QGroupBox#draftsBox {{ border: 1px solid {accent}; }}
            QGroupBox#draftsBox::title {{ color: {accent}; font-weight: 600; }}
            QLabel#fieldLabel {{ font-weight: 600; }}
            """
        )

    def _connect_signals(self) -> None:
        # Call type
        self.type_edit.textEdited.connect(self._on_type_edit_text_edited)
        self.type_edit.completion_accepted.connect(self._on_type_edit_completion_accepted)
        self.type_edit.editingFinished.connect(self._on_type_edit_editing_finished)
        self.priority.activated.connect(self._on_priority_activated)
        # Location
        self.location_edit.textEdited.connect(self._on_location_edit_text_edited)
        self.location_edit.completion_accepted.connect(self._on_location_edit_completion_accepted)
        self.match_combo.currentIndexChanged.connect(self._on_match_combo_current_index_changed)
        self.merge_button.clicked.connect(self._on_merge_button_clicked)
        self.place_panel.knowledge_changed.connect(self._on_place_panel_knowledge_changed)
        # Screening and response
        for question in self.screening.values():
            question.answered.connect(self._on_screening_answered)
        for key, (word, index) in SCREENING_MNEMONICS.items():
            shortcut = QShortcut(
                QKeySequence(f"Alt+{word[index].upper()}"), self, context=Qt.ShortcutContext.WidgetWithChildrenShortcut
            )
            shortcut.setObjectName(key)
            shortcut.activated.connect(self._on_screening_shortcut_activated)
        QShortcut(
            QKeySequence("Alt+N"), self, self.answer_rest_no, context=Qt.ShortcutContext.WidgetWithChildrenShortcut
        )
        self.response_group.buttonToggled.connect(self._on_response_group_button_toggled)
        # Saving and leaving
        for edit in (self.type_edit, self.location_edit):
            edit.submitted.connect(self.submit)
        self.narrative.submitted.connect(self.submit)
        self.save_button.clicked.connect(self.submit)
        self.cancel_button.clicked.connect(self.cancel)
        for field in (self.caller_edit, self.phone_edit, self.override_edit):
            field.textEdited.connect(self._on_field_text_edited)
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
        self.draft_list.itemActivated.connect(self._on_draft_list_item_activated)
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
                self._schedule_lookup(now=True)
            return
        self._map_point = (latitude, longitude)
        self._place_text = location
        self.match_info.show_message("Finding the zone for the map point…", "info")
        self._lookup_text = location
        geocoder = self._geocoder
        self._ops.run(
            lambda: place_at(geocoder, location, latitude, longitude),
            owner=self,
            on_success=self._on_map_place_found,
            on_failure=self._on_lookup_failed,
            report_failure=False,
        )

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
        if self._duplicates and not self._duplicates_acknowledged:
            self._duplicates_acknowledged = True
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
        self._save_draft(report=True)
        self._reset_fields()
        self.cancelled.emit()

    def discard(self) -> None:
        """Throw away what is typed, and its draft."""
        db, actor, key = self._store.db, self._actions.actor, self._draft_key
        self.draft_timer.stop()
        self._ops.run(
            lambda: services.discard_draft(db, actor, key), owner=None, message="Call discarded", report_failure=False
        )
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

    # Drafts ------------------------------------------------------------------------------------
    def _schedule_draft(self, *_args: object) -> None:
        # A throttle, not a debounce: a dispatcher who never stops typing is still saved every interval.
        if not self.saving and not self.draft_timer.isActive():
            self.draft_timer.start()

    def _on_draft_timer_timeout(self) -> None:
        if self.has_typing() and not self.saving and self._ops.runner.accepting:
            try:
                self._save_draft(report=False)
            except RuntimeError:  # no event loop any more (the console is closing): the last draft stands
                log.info("draft not saved: the console is closing")

    def _draft_fields(self) -> dict[str, Any]:
        return {
            "call_type": self.type_edit.text(),
            "priority": int(self.priority.currentData()) if self._priority_touched else None,
            "location": self.location_edit.text(),
            "caller_name": self.caller_edit.text(),
            "caller_phone": self.phone_edit.text(),
            "narrative": self.narrative.toPlainText(),
            "screening": {k: v for k, v in self._answers().items() if v is not None},
            "response": self._response(),
            "override_reason": self.override_edit.text(),
            "received_at": self._received_at.isoformat() if self._received_at else "",
        }

    def _save_draft(self, *, report: bool) -> None:
        self.draft_timer.stop()
        db, actor, key, fields = self._store.db, self._actions.actor, self._draft_key, self._draft_fields()
        self._ops.run(
            lambda: services.save_draft(db, actor, key, fields),
            owner=self,
            message=(lambda d: f"Draft kept: {d.summary}") if report else None,
            on_success=self._on_draft_saved,
            report_failure=report,
        )

    def _on_draft_saved(self, draft: DraftRecord) -> None:
        if draft.key == self._draft_key:
            self.draft_label.setText(f"Draft kept {draft.updated_at.astimezone(self._tz):%H:%M:%S}")

    def refresh_drafts(self) -> None:
        """List this dispatcher's drafts at this workstation (the one being typed is not among them)."""
        db, actor = self._store.db, self._actions.actor
        self._ops.run(
            lambda: services.list_drafts(db, actor), owner=self, on_success=self._show_drafts, report_failure=False
        )

    @property
    def drafts(self) -> list[DraftRecord]:
        return list(self._drafts)

    def _show_drafts(self, drafts: list[DraftRecord]) -> None:
        self._drafts = [d for d in drafts if d.key != self._draft_key]
        self.draft_list.clear()
        for draft in self._drafts:
            local = draft.updated_at.astimezone(self._tz)
            item = QListWidgetItem(f"{local:%H:%M}  {draft.summary}")
            item.setData(Qt.ItemDataRole.UserRole, draft.key)
            self.draft_list.addItem(item)
        rows = min(max(len(self._drafts), 1), 3)
        self.draft_list.setFixedHeight(self.draft_list.sizeHintForRow(0) * rows + 2 * self.draft_list.frameWidth() + 2)
        if self._drafts:
            self.draft_list.setCurrentRow(0)
        self.drafts_box.setVisible(bool(self._drafts))

    def _on_draft_list_item_activated(self, _item: QListWidgetItem) -> None:
        self.resume_selected_draft()

    def resume_selected_draft(self) -> None:
        """Alt+R: carry on with the selected draft (what is typed now is kept as a draft first)."""
        item = self.draft_list.currentItem() or self.draft_list.item(0)
        if item is None or self.saving:
            return
        draft = next((d for d in self._drafts if d.key == item.data(Qt.ItemDataRole.UserRole)), None)
        if draft is None:
            return
        if self.has_typing():
            self._save_draft(report=True)
        self._fill_from(draft)
        self.refresh_drafts()  # runs after the save above: the call set aside is listed, this one is not

    def _fill_from(self, draft: DraftRecord) -> None:
        f = draft.fields
        self._reset_fields()
        self._draft_key = draft.key
        try:
            received = dt.datetime.fromisoformat(str(f.get("received_at") or ""))
        except ValueError:
            received = draft.created_at
        if received.tzinfo is None:
            received = received.replace(tzinfo=dt.UTC)
        # The call was received when the draft began; never later than now (another machine's clock may run ahead).
        self._received_at = min(received, self._store.db.clock())
        self.received_label.setText(f"Received {self._received_at.astimezone(self._tz):%H:%M:%S}")
        self.type_edit.setText(str(f.get("call_type") or ""))
        ct = self._pack.call_type(self.type_edit.text().strip()) if self.type_edit.text().strip() else None
        self._set_call_type(ct)
        if f.get("priority") in PRIORITY_LABELS:
            self.priority.setCurrentIndex(self.priority.findData(f["priority"]))
            self._priority_touched = True
        self.location_edit.setText(str(f.get("location") or ""))
        self.caller_edit.setText(str(f.get("caller_name") or ""))
        self.phone_edit.setText(str(f.get("caller_phone") or ""))
        self.narrative.setPlainText(str(f.get("narrative") or ""))
        for key, question in self.screening.items():
            question.set_answer(rules.screening_answer(f.get("screening"), key))
        self._update_response_box()
        response = f.get("response")
        if response in self.response_buttons:
            self.response_buttons[response].setChecked(True)
        self.override_edit.setText(str(f.get("override_reason") or ""))
        self.draft_label.setText(f"Draft from {draft.updated_at.astimezone(self._tz):%H:%M}")
        if self.location_edit.text().strip():
            self._schedule_lookup(now=True)
        self.type_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    @property
    def received_at(self) -> dt.datetime | None:
        return self._received_at

    @property
    def places(self) -> list[Place]:
        return list(self._places)

    @property
    def duplicates(self) -> list[DuplicateCandidate]:
        return list(self._duplicates)

    def chosen_place(self) -> Place | None:
        row = self.match_combo.currentIndex()
        if self._place_text != self.location_edit.text().strip() or not 0 <= row < len(self._places):
            return None
        return self._places[row]

    # Resetting ---------------------------------------------------------------------------------
    def _reset_fields(self) -> None:
        self.geocode_timer.stop()
        self.draft_timer.stop()
        self._draft_key = uuid.uuid4().hex  # the next call is a new draft
        self.draft_label.setText("")
        for edit in (self.type_edit, self.location_edit, self.caller_edit, self.phone_edit, self.override_edit):
            edit.clear()
        self.type_edit.hide_suggestions()
        self.location_edit.hide_suggestions()
        self.narrative.clear()
        for question in self.screening.values():
            question.set_answer(None)
        self.response_group.setExclusive(False)
        for button in self.response_buttons.values():
            button.setChecked(False)
        self.response_group.setExclusive(True)
        self.response_box.setVisible(False)
        self._call_type = None
        self._priority_touched = False
        self.priority.setCurrentIndex(self.priority.findData(3))
        self._map_point = None
        self._lookup_text = None
        self._submit_when_ready = False
        self._set_places([], text=None)
        self.match_info.clear_message()
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

    # Call type ---------------------------------------------------------------------------------
    def _on_type_edit_text_edited(self, text: str) -> None:
        self._mark_started()
        self.type_error.clear_message()
        ranked = rank_call_types(self._pack, text)[:MAX_TYPE_SUGGESTIONS]
        exact = self._pack.call_type(text.strip()) if text.strip() else None
        self._set_call_type(exact)
        first = f" · {self._pack.agency.upper()} FIRST"
        self.type_edit.set_suggestions(
            [
                (f"{ct.code} — {ct.label} · APCO {ct.apco}" + (first if ct.sheriff_first else ""), ct.code)
                for ct in ranked
            ],
            show=exact is None or len(ranked) > 1,
        )

    def _on_type_edit_completion_accepted(self, code: str, by_enter: bool) -> None:
        self._set_call_type(self._pack.call_type(code))
        if by_enter:
            self.location_edit.setFocus(Qt.FocusReason.TabFocusReason)

    def _on_type_edit_editing_finished(self) -> None:
        # Leaving the field by mouse: take the only match if there is exactly one.
        text = self.type_edit.text().strip()
        if self._call_type is None and text:
            ranked = rank_call_types(self._pack, text)
            if len(ranked) == 1:
                self.type_edit.setText(ranked[0].code)
                self._set_call_type(ranked[0])

    def _set_call_type(self, ct: CallType | None) -> None:
        self._call_type = ct
        if ct is None:
            self.type_info.clear_message()
        else:
            rule, severity = response_rule(ct, self._pack.agency)
            self.type_info.show_message(f"{ct.label} · APCO {ct.apco} · {rule}", severity)
            if not self._priority_touched:
                self.priority.setCurrentIndex(self.priority.findData(ct.priority))
            self.type_error.clear_message()
        self._update_response_box()

    def _on_priority_activated(self, _index: int) -> None:
        self._priority_touched = True

    # Location ----------------------------------------------------------------------------------
    def _on_location_edit_text_edited(self, _text: str) -> None:
        self._mark_started()
        self.location_error.clear_message()
        self._map_point = None
        self._schedule_lookup()

    def _on_location_edit_completion_accepted(self, _value: str, _by_enter: bool) -> None:
        self._map_point = None
        self._schedule_lookup(now=True)

    def _schedule_lookup(self, *, now: bool = False) -> None:
        if now or self.geocode_timer.interval() == 0:
            self.geocode_timer.stop()
            self._on_geocode_timer_timeout()
        else:
            self.geocode_timer.start()

    def _on_geocode_timer_timeout(self) -> None:
        text = self.location_edit.text().strip()
        if self._map_point is not None:
            return
        if not text:
            self._set_places([], text="")
            self.location_edit.hide_suggestions()
            return
        if text == self._lookup_text or (text == self._place_text and self._lookup_text is None):
            return
        self._lookup_text = text
        self.match_info.show_message("Locating…", "info")
        geocoder = self._geocoder
        self._ops.run(
            lambda: lookup(geocoder, text),
            owner=self,
            on_success=lambda found: self._on_lookup_done(text, *found),
            on_failure=self._on_lookup_failed,
            report_failure=False,
        )

    def _on_lookup_done(self, text: str, suggestions: list[str], places: list[Place]) -> None:
        if self._lookup_text == text:
            self._lookup_text = None
        if self._map_point is not None:
            return
        if text != self.location_edit.text().strip():
            if not self.geocode_timer.isActive():
                self._schedule_lookup(now=True)  # the dispatcher kept typing: look up what is there now
            return
        rows = [(s, s) for s in suggestions if s.lower() != text.lower()]
        self.location_edit.set_suggestions(rows)
        self._set_places(places, text=text)

    def _on_map_place_found(self, place: Place) -> None:
        self._lookup_text = None
        if self._map_point != (place.latitude, place.longitude):
            return
        if not self.location_edit.text().strip():
            self.location_edit.setText(place.label)
        self._set_places([place], text=self.location_edit.text().strip())

    def _on_lookup_failed(self, exc: Exception) -> None:
        log.warning("location lookup failed: %s", exc)
        self._lookup_text = None
        self._set_places([], text=self.location_edit.text().strip())
        self.match_info.show_message("The map lookup failed; the call is saved without a map point.", "warning")
        self._continue_submit()

    def _set_places(self, places: list[Place], *, text: str | None = "") -> None:
        self._places = list(places)
        self._place_text = text
        self.match_combo.blockSignals(True)
        self.match_combo.clear()
        for place in places:
            self.match_combo.addItem(self._describe_place(place))
        self.match_combo.blockSignals(False)
        self.match_combo.setVisible(len(places) > 1)
        self.match_label.setVisible(len(places) > 1)
        self._on_match_combo_current_index_changed(0 if places else -1)

    def _describe_place(self, place: Place) -> str:
        where = "in city" if place.in_city else ("outside the city" if place.in_city is False else "city unknown")
        zone = f"zone {place.zone}" if place.zone else "no zone"
        return f"{place.label} · {zone} · {where}"

    def _on_match_combo_current_index_changed(self, row: int) -> None:
        place = self._places[row] if 0 <= row < len(self._places) else None
        text = self.location_edit.text().strip()
        self._show_place_knowledge(place, text)
        if place is None:
            if text and self._place_text == text:
                self.match_info.show_message(
                    f"No map match: check the address (it may be outside {self._pack.city_name}); "
                    "the call is saved without a map point.",
                    "warning",
                )
            else:
                self.match_info.clear_message()
            self._update_response_box()
            self._show_duplicates([], None)
            self._continue_submit()
            return
        kind = {"map": "map point", "address": "address", "intersection": "corner", "landmark": "place"}.get(
            place.kind, place.kind
        )
        if place.in_city is False:
            self.match_info.show_message(
                f"Outside {self._pack.city_name}: {self._describe_place(place)} ({kind})", "warning"
            )
        else:
            self.match_info.show_message(f"{self._describe_place(place)} ({kind})", "ok")
        self._update_response_box()  # a place outside the city asks how the call is answered
        self._check_duplicates(place)

    # What is known about the place -------------------------------------------------------------
    def _show_place_knowledge(self, place: Place | None, text: str) -> None:
        if self._place_text != text or not text:
            self.place_panel.clear()
        elif place is None:
            self.place_panel.show_place(latitude=None, longitude=None, location=text)
        else:
            location = place.label if place.kind in ("intersection", "landmark") else text
            self.place_panel.show_place(latitude=place.latitude, longitude=place.longitude, location=location)

    def _on_place_panel_knowledge_changed(self) -> None:
        self._update_response_box()
        self._continue_submit()

    # Duplicates --------------------------------------------------------------------------------
    def _check_duplicates(self, place: Place) -> None:
        self._duplicates_pending = True
        self._duplicates_for = place
        db, received, text = self._store.db, self._received_at, self.location_edit.text().strip()
        self._ops.run(
            lambda: services.duplicates_near(
                db, latitude=place.latitude, longitude=place.longitude, received_at=received, location=text
            ),
            owner=self,
            on_success=lambda found: self._on_duplicates_found(place, found),
            on_failure=lambda _exc: self._on_duplicates_found(place, []),
            report_failure=False,
        )

    def _on_duplicates_found(self, place: Place, found: list[DuplicateCandidate]) -> None:
        if place != self._duplicates_for:
            return
        self._duplicates_pending = False
        self._show_duplicates(found, place)
        self._continue_submit()

    def _show_duplicates(self, found: list[DuplicateCandidate], place: Place | None) -> None:
        if place is None:
            self._duplicates_for = None
            self._duplicates_pending = False
        changed = [c.incident.id for c in found] != [c.incident.id for c in self._duplicates]
        self._duplicates = list(found)
        if changed:
            self._duplicates_acknowledged = False
        self.duplicate_list.clear()
        for cand in found:
            inc = cand.incident
            local = inc.received_at.astimezone(self._tz)
            units = f" · {', '.join(inc.units)}" if inc.units else ""
            age = self._age(cand.minutes_apart)
            state = rules.STATUS_LABELS.get(inc.status, inc.status)
            when = f"received {local:%H:%M}, {age} ago" if inc.is_open else f"{state.lower()} {age} ago"
            item = QListWidgetItem(
                f"{inc.number}  P{inc.priority} {inc.call_type_label} · {inc.location} · "
                f"{cand.distance_m:.0f} m away · {state} · {when}{units}"
            )
            item.setData(Qt.ItemDataRole.UserRole, inc.id)
            self.duplicate_list.addItem(item)
        rows = min(max(len(found), 1), 3)
        self.duplicate_list.setFixedHeight(
            self.duplicate_list.sizeHintForRow(0) * rows + 2 * self.duplicate_list.frameWidth() + 2
        )
        if found:
            self.duplicate_list.setCurrentRow(0)
            self.duplicate_hint.show_message(
                "Same place, still open (or closed minutes ago): merge keeps this caller's details.", "warning"
            )
        else:
            self.duplicate_hint.clear_message()
        self.duplicate_box.setVisible(bool(found))

    @staticmethod
    def _age(minutes: float) -> str:
        if minutes < 90:
            return f"{minutes:.0f} min"
        return f"{minutes / 60:.0f} h" if minutes < 48 * 60 else f"{minutes / 1440:.0f} days"

    def _on_merge_button_clicked(self) -> None:
        item = self.duplicate_list.currentItem()
        if item is None or self.saving:
            return
        fields = self._checked_fields()
        if fields is None:
            return
        self._create(fields, merge_into=int(item.data(Qt.ItemDataRole.UserRole)))

    # Screening ---------------------------------------------------------------------------------
    def _answers(self) -> dict[str, bool | None]:
        """Each question's answer: True, False, or None while it is not answered."""
        return {key: question.answer() for key, question in self.screening.items()}

    def _on_screening_shortcut_activated(self) -> None:
        """Alt+W / V / M / I: the caller said yes to that question."""
        question = self.screening.get(self.sender().objectName())
        if question is None:
            return
        question.set_answer(True, by_person=True)
        question.yes.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def answer_rest_no(self) -> None:
        """Alt+N: the caller said no to every question not answered yet (a yes already given stays)."""
        for question in self.screening.values():
            if question.answer() is None:
                question.set_answer(False, by_person=True)

    def _on_screening_answered(self) -> None:
        self._mark_started()
        if all(answer is not None for answer in self._answers().values()):
            self.screening_error.clear_message()
        self._update_response_box()

    def _needs_sheriff(self) -> bool:
        sheriff_first = bool(self._call_type and self._call_type.sheriff_first)
        caution = bool(self.place_panel.sheriff_first)  # a Sheriff-first caution at the place presets it
        return rules.needs_sheriff(sheriff_first=sheriff_first, screening=self._answers()) or caution

    def _outside_city(self) -> bool:
        place = self.chosen_place()
        return place is not None and place.in_city is False

    def _not_alone(self) -> bool:
        """The call type does not let CSOs respond alone (data.rules.csos_may_go_alone)."""
        return self._call_type is not None and not rules.csos_may_go_alone(self._call_type)

    def _needs_choice(self) -> bool:
        """Law enforcement first or with CSOs, or a place outside the city: the dispatcher chooses how it is answered."""
        return self._needs_sheriff() or self._not_alone() or self._outside_city()

    def _update_response_box(self) -> None:
        needed = self._needs_choice()
        if needed:
            reasons = [key for key, yes in self._answers().items() if yes]
            if self._call_type and (self._call_type.sheriff_first or self._not_alone()):
                reasons.insert(0, self._call_type.label.lower())
            if self.place_panel.sheriff_first:
                reasons.insert(0, "caution at this place")
            if self._outside_city():
                reasons.insert(0, f"outside {self._pack.city_name}")
            self.response_box.setTitle(
                f"{self._pack.agency} first ({', '.join(reasons)}): choose how this call is answered"
            )
        revealed = needed and self.response_box.isHidden()
        self.response_box.setVisible(needed)
        if revealed:  # a screen reader does not notice a group appearing: say what it asks
            text = f"{self.response_box.title()}: transfer (Alt+S), joint (Alt+J) or CSOs alone (Alt+U)"
            announce(self, text, urgent=True)  # a safety question: heard even with announcements turned down
        if not needed:
            self.response_error.clear_message()

    def _response(self) -> str | None:
        for key, button in self.response_buttons.items():
            if button.isChecked():
                return key
        return None

    def _on_response_group_button_toggled(self, _button: QRadioButton, _checked: bool) -> None:
        is_override = self._response() == "cso"
        self.override_edit.setEnabled(is_override)
        self.response_error.clear_message()
        if is_override:
            self.override_edit.setFocus(Qt.FocusReason.OtherFocusReason)

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

    def _on_field_text_edited(self, _text: str) -> None:
        self._mark_started()
        sender = self.sender()
        target = {self.caller_edit: self.caller_error, self.phone_edit: self.phone_error}.get(sender)  # type: ignore[call-overload]
        if target is not None:
            target.clear_message()
        if sender is self.override_edit:
            self.response_error.clear_message()

    def _on_narrative_text_changed(self) -> None:
        if self.narrative.toPlainText():
            self._mark_started()
        self.narrative_error.clear_message()

    def _checked_fields(self) -> dict[str, Any] | None:
        """Every field checked with the services' own rules; shows each problem under its field."""
        self.form_error.clear_message()
        problems: list[tuple[InlineMessage, QWidget, str]] = []
        type_text = self.type_edit.text().strip()
        ct = self._call_type
        if ct is None or ct.code != type_text.upper():
            ct = self._pack.call_type(type_text) if type_text else None
            if ct is None and type_text:
                ranked = rank_call_types(self._pack, type_text)
                if len(ranked) == 1:
                    ct = ranked[0]
                elif ranked:
                    names = ", ".join(r.code for r in ranked[:4])
                    problems.append((self.type_error, self.type_edit, f"{type_text!r} fits {names}…; choose one."))
            if ct is not None:
                self.type_edit.setText(ct.code)
                self._set_call_type(ct)
        if ct is None and not problems:
            try:
                validate.call_type(self._pack, type_text)
            except ValidationError as exc:
                problems.append((self.type_error, self.type_edit, str(exc)))
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
        response = "cso"
        override = ""
        if self._needs_choice():
            choice = self._response()
            if choice is None:
                if self._needs_sheriff():
                    why = f"Screening says {self._pack.agency} first"
                elif self._not_alone():
                    why = "CSOs do not respond alone to this call type"
                else:
                    why = f"The place is outside {self._pack.city_name}, where {self._pack.agency} has jurisdiction"
                problems.append(
                    (
                        self.response_error,
                        self.response_buttons["transfer"],
                        f"{why}: choose transfer, joint response, or CSOs alone with a reason.",
                    )
                )
            elif choice == "cso":
                try:
                    override = validate.override_reason(self.override_edit.text(), required=True)
                except ValidationError as exc:
                    problems.append((self.response_error, self.override_edit, str(exc)))
            response = {"transfer": "sheriff", "joint": "joint", "cso": "cso", None: "cso"}[choice]
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
        text = self.location_edit.text().strip()
        if self._lookup_text is not None:
            return False
        if self._place_text != text:
            self._schedule_lookup(now=True)
            return self._place_text == text and self._lookup_text is None
        return not self._duplicates_pending and not self.place_panel.pending

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
        transfer = self._response() == "transfer" and self._needs_choice()
        received = self._received_at or self._store.db.clock()
        self.draft_timer.stop()
        call = {**fields, "received_at": received, "draft_key": self._draft_key}
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
                note=self._transfer_note(),
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

    def _transfer_note(self) -> str:
        """Why the call went to law enforcement as it was taken, for its disposition note."""
        if any(self._answers().values()):
            return "Screening: " + ", ".join(k for k, yes in self._answers().items() if yes)
        if self._outside_city() and not self._needs_sheriff() and not self._not_alone():
            return f"Outside {self._pack.city_name}"
        if self._needs_sheriff():
            return f"{self._pack.agency}-first call type"
        return f"Call type answered with {self._pack.agency}"

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
