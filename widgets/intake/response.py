"""How a call that needs law enforcement is answered: transfer, joint response, or CSOs alone with a reason.

The form mirrors the services' rules (data.rules) to ask before saving; the services hold them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QButtonGroup, QGroupBox, QLineEdit, QRadioButton, QVBoxLayout, QWidget

from data import rules
from data.errors import ValidationError
from data.pack import CallType, Pack
from data.services import validate
from widgets.accessibility import announce
from widgets.inline import InlineMessage


def response_choices(agency: str) -> dict[str, str]:
    """The three answers to a call that needs law enforcement first, naming the pack's agency."""
    return {
        "transfer": f"Tran&sfer to {agency} ({agency} takes the call)",
        "joint": f"&Joint response: {agency} and CSOs",
        "cso": "CSOs alone, &using an override reason",
    }


@dataclass(frozen=True)
class Situation:
    """What the form knows that decides whether the dispatcher must choose how the call is answered."""

    call_type: CallType | None
    answers: Mapping[str, bool | None]
    caution: bool  # a Sheriff-first caution at the place (widgets.location_history)
    outside: bool  # the chosen place is outside the city

    @property
    def needs_sheriff(self) -> bool:
        sheriff_first = bool(self.call_type and self.call_type.sheriff_first)
        return rules.needs_sheriff(sheriff_first=sheriff_first, screening=self.answers) or self.caution

    @property
    def not_alone(self) -> bool:
        """The call type does not let CSOs respond alone (data.rules.csos_may_go_alone)."""
        return self.call_type is not None and not rules.csos_may_go_alone(self.call_type)

    @property
    def needs_choice(self) -> bool:
        """Law enforcement first or with CSOs, or a place outside the city: the dispatcher chooses."""
        return self.needs_sheriff or self.not_alone or self.outside

    def reasons(self, city_name: str) -> list[str]:
        reasons = [key for key, yes in self.answers.items() if yes]
        if self.call_type and (self.call_type.sheriff_first or self.not_alone):
            reasons.insert(0, self.call_type.label.lower())
        if self.caution:
            reasons.insert(0, "caution at this place")
        if self.outside:
            reasons.insert(0, f"outside {city_name}")
        return reasons

    def transfer_note(self, pack: Pack) -> str:
        """Why the call went to law enforcement as it was taken, for its disposition note."""
        if any(self.answers.values()):
            return "Screening: " + ", ".join(k for k, yes in self.answers.items() if yes)
        if self.outside and not self.needs_sheriff and not self.not_alone:
            return f"Outside {pack.city_name}"
        if self.needs_sheriff:
            return f"{pack.agency}-first call type"
        return f"Call type answered with {pack.agency}"


class ResponseBox(QGroupBox):
    """The three choices and the override reason; shown only while a choice is needed."""

    def __init__(self, pack: Pack, form: QWidget) -> None:
        super().__init__(f"{pack.agency} first: choose how this call is answered", form)
        self._pack = pack
        self.setObjectName("responseBox")
        self.response_group = QButtonGroup(form)
        self.response_buttons: dict[str, QRadioButton] = {}
        layout = QVBoxLayout(self)
        for key, label in response_choices(pack.agency).items():
            button = QRadioButton(label, self)
            self.response_group.addButton(button)
            self.response_buttons[key] = button
            layout.addWidget(button)
        self.override_edit = QLineEdit(self)
        self.override_edit.setPlaceholderText("Why CSOs can go alone (recorded in the audit log)")
        self.override_edit.setAccessibleName("Override reason")
        self.override_edit.setEnabled(False)
        layout.addWidget(self.override_edit)
        self.response_error = InlineMessage(self)
        self.response_error.setWordWrap(True)
        layout.addWidget(self.response_error)
        self.setVisible(False)

    def connect_signals(self) -> None:
        self.response_group.buttonToggled.connect(self._on_response_group_button_toggled)

    def response(self) -> str | None:
        for key, button in self.response_buttons.items():
            if button.isChecked():
                return key
        return None

    def _on_response_group_button_toggled(self, _button: QAbstractButton, _checked: bool) -> None:
        is_override = self.response() == "cso"
        self.override_edit.setEnabled(is_override)
        self.response_error.clear_message()
        if is_override:
            self.override_edit.setFocus(Qt.FocusReason.OtherFocusReason)

    def show_for(self, situation: Situation) -> None:
        """Shown, titled with its reasons, while the situation needs a choice; a screen reader hears it appear."""
        needed = situation.needs_choice
        if needed:
            reasons = situation.reasons(self._pack.city_name)
            self.setTitle(f"{self._pack.agency} first ({', '.join(reasons)}): choose how this call is answered")
        revealed = needed and self.isHidden()
        self.setVisible(needed)
        if revealed:  # a screen reader does not notice a group appearing: say what it asks
            text = f"{self.title()}: transfer (Alt+S), joint (Alt+J) or CSOs alone (Alt+U)"
            announce(self, text, urgent=True)  # a safety question: heard even with announcements turned down
        if not needed:
            self.response_error.clear_message()

    def checked(self, situation: Situation) -> tuple[str, str, tuple[QWidget, str] | None]:
        """(response, override reason, problem): the problem names the widget to fix and why."""
        if not situation.needs_choice:
            return "cso", "", None
        choice = self.response()
        override = ""
        problem: tuple[QWidget, str] | None = None
        if choice is None:
            if situation.needs_sheriff:
                why = f"Screening says {self._pack.agency} first"
            elif situation.not_alone:
                why = "CSOs do not respond alone to this call type"
            else:
                why = f"The place is outside {self._pack.city_name}, where {self._pack.agency} has jurisdiction"
            problem = (
                self.response_buttons["transfer"],
                f"{why}: choose transfer, joint response, or CSOs alone with a reason.",
            )
        elif choice == "cso":
            try:
                override = validate.override_reason(self.override_edit.text(), required=True)
            except ValidationError as exc:
                problem = (self.override_edit, str(exc))
        response = {"transfer": "sheriff", "joint": "joint", "cso": "cso", None: "cso"}[choice]
        return response, override, problem

    def fill(self, response: object, override: str) -> None:
        """A draft's choice and reason."""
        if isinstance(response, str) and response in self.response_buttons:
            self.response_buttons[response].setChecked(True)
        self.override_edit.setText(override)

    def reset(self) -> None:
        self.response_group.setExclusive(False)
        for button in self.response_buttons.values():
            button.setChecked(False)
        self.response_group.setExclusive(True)
        self.setVisible(False)
