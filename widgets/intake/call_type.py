"""The call type and priority fields: typed codes or words completed to the pack's call types."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QComboBox, QWidget

from data import rules
from data.errors import ValidationError
from data.pack import CallType, Pack
from data.services import validate
from widgets.completion import CompletingLineEdit
from widgets.inline import InlineMessage

MAX_TYPE_SUGGESTIONS = 12
PRIORITY_LABELS = {1: "1 · Urgent", 2: "2 · Prompt", 3: "3 · Routine", 4: "4 · Low"}


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


class CallTypeFields(QObject):
    """Type (completed from the pack) and priority (the type's own until the dispatcher picks one).

    The widgets belong to the form, which lays them out in its grid.
    """

    edited = Signal()  # the dispatcher typed in the type field
    changed = Signal()  # the call type chosen (or None) changed
    accepted_by_enter = Signal()  # a suggestion taken with Enter: the form moves on

    def __init__(self, pack: Pack, form: QWidget) -> None:
        super().__init__(form)
        self._pack = pack
        self.call_type: CallType | None = None
        self.priority_touched = False
        self.type_edit = CompletingLineEdit(form, tab_takes_first=True, enter_takes_first=True)
        self.type_edit.setPlaceholderText("Code or words: welf, noise, dog…")
        self.type_edit.setAccessibleName("Call type")
        self.type_info = InlineMessage(form)
        self.type_error = InlineMessage(form)
        self.priority = QComboBox(form)
        for value, label in PRIORITY_LABELS.items():
            self.priority.addItem(label, value)
        self.priority.setAccessibleName("Priority")

    def connect_signals(self) -> None:
        self.type_edit.textEdited.connect(self._on_type_edit_text_edited)
        self.type_edit.completion_accepted.connect(self._on_type_edit_completion_accepted)
        self.type_edit.editingFinished.connect(self._on_type_edit_editing_finished)
        self.priority.activated.connect(self._on_priority_activated)

    def _on_type_edit_text_edited(self, text: str) -> None:
        self.edited.emit()
        self.type_error.clear_message()
        ranked = rank_call_types(self._pack, text)[:MAX_TYPE_SUGGESTIONS]
        exact = self._pack.call_type(text.strip()) if text.strip() else None
        self.set_call_type(exact)
        first = f" · {self._pack.agency.upper()} FIRST"
        self.type_edit.set_suggestions(
            [
                (f"{ct.code} — {ct.label} · APCO {ct.apco}" + (first if ct.sheriff_first else ""), ct.code)
                for ct in ranked
            ],
            show=exact is None or len(ranked) > 1,
        )

    def _on_type_edit_completion_accepted(self, code: str, by_enter: bool) -> None:
        self.set_call_type(self._pack.call_type(code))
        if by_enter:
            self.accepted_by_enter.emit()

    def _on_type_edit_editing_finished(self) -> None:
        # Leaving the field by mouse: take the only match if there is exactly one.
        text = self.type_edit.text().strip()
        if self.call_type is None and text:
            ranked = rank_call_types(self._pack, text)
            if len(ranked) == 1:
                self.type_edit.setText(ranked[0].code)
                self.set_call_type(ranked[0])

    def set_call_type(self, ct: CallType | None) -> None:
        self.call_type = ct
        if ct is None:
            self.type_info.clear_message()
        else:
            rule, severity = response_rule(ct, self._pack.agency)
            self.type_info.show_message(f"{ct.label} · APCO {ct.apco} · {rule}", severity)
            if not self.priority_touched:
                self.priority.setCurrentIndex(self.priority.findData(ct.priority))
            self.type_error.clear_message()
        self.changed.emit()

    def _on_priority_activated(self, _index: int) -> None:
        self.priority_touched = True

    def checked(self) -> tuple[CallType | None, str]:
        """The call type the typed text means, or why it means none (checked with the services' rule)."""
        type_text = self.type_edit.text().strip()
        ct = self.call_type
        problem = ""
        if ct is None or ct.code != type_text.upper():
            ct = self._pack.call_type(type_text) if type_text else None
            if ct is None and type_text:
                ranked = rank_call_types(self._pack, type_text)
                if len(ranked) == 1:
                    ct = ranked[0]
                elif ranked:
                    names = ", ".join(r.code for r in ranked[:4])
                    problem = f"{type_text!r} fits {names}…; choose one."
            if ct is not None:
                self.type_edit.setText(ct.code)
                self.set_call_type(ct)
        if ct is None and not problem:
            try:
                validate.call_type(self._pack, type_text)
            except ValidationError as exc:
                problem = str(exc)
        return ct, problem

    def fill(self, code: str, priority: object) -> None:
        """A draft's type and, when the dispatcher had chosen one, its priority."""
        self.type_edit.setText(code)
        text = self.type_edit.text().strip()
        self.set_call_type(self._pack.call_type(text) if text else None)
        if priority in PRIORITY_LABELS:
            self.priority.setCurrentIndex(self.priority.findData(priority))
            self.priority_touched = True

    def reset(self) -> None:
        self.call_type = None
        self.priority_touched = False
        self.priority.setCurrentIndex(self.priority.findData(3))

    def focus(self) -> None:
        self.type_edit.setFocus(Qt.FocusReason.OtherFocusReason)
