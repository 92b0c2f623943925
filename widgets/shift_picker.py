"""Choosing a shift to print a document of (newest first), opened with open()."""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from data.records import ShiftRecord


class ShiftPicker(QDialog):
    """A list of shifts; Enter prints the highlighted one."""

    chosen = Signal(int)  # shift id

    def __init__(self, title: str, shifts: Sequence[ShiftRecord], timezone: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("shiftPicker")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        self.setWindowTitle(title)
        tz = ZoneInfo(timezone)
        prompt = QLabel("&Shift (newest first):", self)
        self.list = QListWidget(self)
        prompt.setBuddy(self.list)
        for shift in shifts:
            start = shift.starts_at.astimezone(tz)
            item = QListWidgetItem(f"#{shift.id}  {shift.name} · {start:%a %d %b %H:%M} · {shift.status}")
            item.setData(Qt.ItemDataRole.UserRole, shift.id)
            self.list.addItem(item)
        if self.list.count():
            self.list.setCurrentRow(0)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Print…")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.list.itemActivated.connect(self._on_list_item_activated)
        layout = QVBoxLayout(self)
        layout.addWidget(prompt)
        layout.addWidget(self.list)
        layout.addWidget(self.buttons)
        self.resize(520, 360)
        self.list.setFocus()

    def _on_list_item_activated(self, _item: QListWidgetItem) -> None:
        self.accept()

    def accept(self) -> None:
        item = self.list.currentItem()
        if item is not None:
            self.chosen.emit(int(item.data(Qt.ItemDataRole.UserRole)))
        super().accept()


__all__ = ["ShiftPicker"]
