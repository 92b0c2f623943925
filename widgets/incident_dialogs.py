"""Small dialogs the incident pane opens: disposition, a reason, transfer to law enforcement. Never exec()'d."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from data import rules
from data.pack import Disposition
from widgets.inline import InlineMessage


class _ChoiceDialog(QDialog):
    """Opened with open() (window-modal, returns at once); the choice arrives as a signal."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.error = InlineMessage(self)


class DispositionDialog(_ChoiceDialog):
    """Clear an incident: one APCO disposition from the pack (typed as its code), and a note."""

    chosen = Signal(str, str)  # code, note

    def __init__(
        self,
        dispositions: Iterable[Disposition],
        *,
        incident_number: str,
        proposed: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(f"Clear {incident_number}", parent)
        self.code_edit = QLineEdit(self)
        self.code_edit.setPlaceholderText("Code, e.g. 18")
        self.code_edit.setAccessibleName("Disposition code")
        self.code_edit.setMaxLength(2)
        self.codes = QListWidget(self)
        self.codes.setAccessibleName("Dispositions")
        # The list is for reading and clicking; the code field takes the keys, so nothing is chosen
        # until the dispatcher (or a proposal) chooses.
        self.codes.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        for disp in dispositions:
            item = QListWidgetItem(f"{disp.code}  {disp.label}")
            item.setData(Qt.ItemDataRole.UserRole, disp.code)
            self.codes.addItem(item)
        self.codes.setMinimumHeight(self.codes.sizeHintForRow(0) * min(self.codes.count(), 13) + 6)
        self.codes.setCurrentRow(-1)
        self.note = QLineEdit(self)
        self.note.setPlaceholderText("What happened (optional; goes in the timeline)")
        self.note.setAccessibleName("Disposition note")
        self.note.setMinimumWidth(360)
        self.proposal = InlineMessage(self)
        label = QLabel("&Disposition code")
        label.setBuddy(self.code_edit)
        note_label = QLabel("&Note")
        note_label.setBuddy(self.note)
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        layout.addWidget(self.code_edit)
        layout.addWidget(self.codes)
        layout.addWidget(self.proposal)
        layout.addWidget(note_label)
        layout.addWidget(self.note)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        QWidget.setTabOrder(self.code_edit, self.note)
        self.code_edit.textEdited.connect(self._on_code_edit_text_edited)
        self.codes.itemClicked.connect(self._on_codes_item_clicked)
        if proposed:
            self.propose(proposed)
        self.code_edit.setFocus()

    def propose(self, code: str | None, why: str = "") -> None:
        """Preselect a proposed code (a citation was issued: 04) unless the dispatcher typed one."""
        if not code or self.code_edit.text().strip():
            return
        if self.select(code):
            self.code_edit.setText(code)
            self.code_edit.selectAll()  # typing replaces the proposal
            self.proposal.show_message(f"Proposed {code}" + (f": {why}" if why else ""), "info")

    def select(self, code: str) -> bool:
        for row in range(self.codes.count()):
            if self.codes.item(row).data(Qt.ItemDataRole.UserRole) == code:
                self.codes.setCurrentRow(row)
                self.error.clear_message()
                return True
        self.codes.setCurrentRow(-1)
        return False

    def code(self) -> str | None:
        item = self.codes.currentItem()
        return str(item.data(Qt.ItemDataRole.UserRole)) if item is not None and item.isSelected() else None

    def _on_code_edit_text_edited(self, text: str) -> None:
        typed = text.strip()
        self.proposal.clear_message()
        if not typed:
            self.select("")
            self.error.clear_message()
            return
        if self.select(typed):
            return
        codes = [str(self.codes.item(r).data(Qt.ItemDataRole.UserRole)) for r in range(self.codes.count())]
        if (
            len(typed) == 1
            and not any(c.startswith(typed) for c in codes)
            and self.select(rules.disposition_code(typed))
        ):
            return  # "4" is 04 when no code starts with 4
        if len(typed) == 2 or not any(c.startswith(typed) for c in codes):
            self.error.show_message(f"No disposition {typed}.", "error")

    def _on_codes_item_clicked(self, item: QListWidgetItem) -> None:
        code = str(item.data(Qt.ItemDataRole.UserRole))
        self.code_edit.setText(code)
        self.select(code)

    def accept(self) -> None:
        code = self.code()
        if code is None:
            self.error.show_message("Choose a disposition.", "error")
            return
        self.chosen.emit(code, self.note.text().strip())
        super().accept()


class ReasonDialog(_ChoiceDialog):
    """A required one-line reason (cancel, reopen, override)."""

    chosen = Signal(str)

    def __init__(self, title: str, prompt: str, *, placeholder: str = "", parent: QWidget | None = None) -> None:
        super().__init__(title, parent)
        self.prompt = QLabel(prompt)
        self.prompt.setWordWrap(True)
        self.reason = QLineEdit(self)
        self.reason.setPlaceholderText(placeholder)
        self.reason.setAccessibleName(prompt)
        self.reason.setMinimumWidth(380)
        self.prompt.setBuddy(self.reason)
        layout = QVBoxLayout(self)
        layout.addWidget(self.prompt)
        layout.addWidget(self.reason)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.reason.textEdited.connect(lambda _t: self.error.clear_message())
        self.reason.setFocus()

    def accept(self) -> None:
        text = self.reason.text().strip()
        if not text:
            self.error.show_message("Enter a reason.", "error")
            return
        self.chosen.emit(text)
        super().accept()


class TransferDialog(_ChoiceDialog):
    """Hand the call to law enforcement (it closes here) or keep it open as a joint response."""

    chosen = Signal(bool, str)  # joint, note

    def __init__(self, *, incident_number: str, agency: str, parent: QWidget | None = None) -> None:
        super().__init__(f"{incident_number}: {agency}", parent)
        self.transfer = QRadioButton(f"&Transfer to {agency}: the call closes here (disposition 15)", self)
        self.joint = QRadioButton(f"&Joint response: {agency} and CSOs, the call stays open", self)
        self.note = QLineEdit(self)
        self.note.setPlaceholderText(f"Note for the timeline ({agency} incident number, who you spoke to)")
        self.note.setAccessibleName("Transfer note")
        self.note.setMinimumWidth(420)
        layout = QVBoxLayout(self)
        layout.addWidget(self.transfer)
        layout.addWidget(self.joint)
        layout.addWidget(self.note)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.transfer.setChecked(True)
        self.transfer.setFocus()

    def accept(self) -> None:
        self.chosen.emit(self.joint.isChecked(), self.note.text().strip())
        super().accept()
