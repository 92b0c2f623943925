"""The caller's name and callback number (checked by data.services.validate, as the services check them)."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QLineEdit, QWidget

from widgets.inline import InlineMessage


class CallerFields(QObject):
    """Name (may be withheld) and callback; typing in one clears its error. The form lays them out."""

    edited = Signal()  # the dispatcher typed in either field

    def __init__(self, form: QWidget) -> None:
        super().__init__(form)
        self.caller_edit = QLineEdit(form)
        self.caller_edit.setPlaceholderText("Name, or leave empty if withheld")
        self.caller_edit.setAccessibleName("Caller name")
        self.caller_error = InlineMessage(form)
        self.phone_edit = QLineEdit(form)
        self.phone_edit.setPlaceholderText("310-555-0100")
        self.phone_edit.setAccessibleName("Callback number")
        # Else the placeholder is read as the description, as if it were the number.
        self.phone_edit.setAccessibleDescription("Phone number to call the caller back, for example 310-555-0100")
        self.phone_error = InlineMessage(form)

    def connect_signals(self) -> None:
        self.caller_edit.textEdited.connect(self._on_caller_edit_text_edited)
        self.phone_edit.textEdited.connect(self._on_phone_edit_text_edited)

    def _on_caller_edit_text_edited(self, _text: str) -> None:
        self.edited.emit()
        self.caller_error.clear_message()

    def _on_phone_edit_text_edited(self, _text: str) -> None:
        self.edited.emit()
        self.phone_error.clear_message()
