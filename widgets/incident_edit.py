"""Correcting an incident's call facts; a stale edit goes to the conflict panel, never over someone else's."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from data.pack import Pack
from data.records import IncidentRecord
from widgets.conflict import ConflictResolver
from widgets.inline import InlineMessage

EDITED_FIELDS = ("call_type", "priority", "location", "caller_name", "caller_phone", "narrative")


class IncidentEditDialog(QDialog):
    """Edits the version of the incident the dispatcher saw; the service refuses it if that moved on."""

    submitted = Signal(int, int, dict)  # incident id, version seen, changed fields

    def __init__(self, pack: Pack, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Edit incident")
        self.setModal(False)
        self.setAccessibleName("Edit incident")
        self._record: IncidentRecord | None = None
        self.call_type = QComboBox(self)
        self.call_type.setAccessibleName("Call type")
        for ct in sorted(pack.call_types.values(), key=lambda c: c.label):
            self.call_type.addItem(f"{ct.label} ({ct.code})", ct.code)
        self.priority = QComboBox(self)
        self.priority.setAccessibleName("Priority")
        for p in (1, 2, 3, 4):
            self.priority.addItem(f"P{p}", p)
        self.location = QLineEdit(self)
        self.location.setAccessibleName("Location")
        self.caller_name = QLineEdit(self)
        self.caller_name.setAccessibleName("Caller name")
        self.caller_phone = QLineEdit(self)
        self.caller_phone.setAccessibleName("Callback number")
        self.narrative = QPlainTextEdit(self)
        self.narrative.setAccessibleName("Narrative")
        self.narrative.setTabChangesFocus(True)
        self.message = InlineMessage(self)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        QShortcut(QKeySequence("Ctrl+Return"), self).activated.connect(self.submit)

        form = QFormLayout()
        form.addRow("&Type", self.call_type)
        form.addRow("&Priority", self.priority)
        form.addRow("&Location", self.location)
        form.addRow("&Caller", self.caller_name)
        form.addRow("Call&back", self.caller_phone)
        form.addRow("&Narrative", self.narrative)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.resize(560, 420)

    @property
    def record(self) -> IncidentRecord | None:
        return self._record

    def edit(self, record: IncidentRecord) -> None:
        """Show the incident as it is now; the version seen is the one the edit will be checked against."""
        self._record = record
        self.setWindowTitle(f"Edit incident {record.number}")
        self.call_type.setCurrentIndex(max(0, self.call_type.findData(record.call_type)))
        self.priority.setCurrentIndex(max(0, self.priority.findData(record.priority)))
        self.location.setText(record.location)
        self.caller_name.setText(record.caller_name)
        self.caller_phone.setText(record.caller_phone)
        self.narrative.setPlainText(record.narrative)
        self.message.clear_message()
        self.open()
        self.location.setFocus(Qt.FocusReason.OtherFocusReason)

    def changes(self) -> dict[str, object]:
        rec = self._record
        if rec is None:
            return {}
        values: dict[str, object] = {
            "call_type": self.call_type.currentData(),
            "priority": self.priority.currentData(),
            "location": self.location.text().strip(),
            "caller_name": self.caller_name.text().strip(),
            "caller_phone": self.caller_phone.text().strip(),
            "narrative": self.narrative.toPlainText().strip(),
        }
        return {k: v for k, v in values.items() if v != getattr(rec, k)}

    def submit(self) -> None:
        rec = self._record
        if rec is None:
            return
        changed = self.changes()
        if not changed:
            self.message.show_message("Nothing changed.")
            return
        self.submitted.emit(rec.id, rec.version, changed)
        self.accept()


class IncidentEditor:
    """The edit dialog wired to the conflict resolver: one per window."""

    def __init__(self, resolver: ConflictResolver, pack: Pack, parent: QWidget | None = None) -> None:
        self.resolver = resolver
        self.dialog = IncidentEditDialog(pack, parent)
        self.dialog.submitted.connect(self._on_dialog_submitted)

    def edit(self, record: IncidentRecord) -> None:
        self.dialog.edit(record)

    def _on_dialog_submitted(self, incident_id: int, version: int, changes: dict[str, object]) -> None:
        self.resolver.update(incident_id, version, **changes)
