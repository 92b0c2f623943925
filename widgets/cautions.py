"""Cautions in the console: the dialog that adds one, and the active cautions kept current for the map."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from data.pack import Pack
from data.records import CAUTION_CATEGORIES, CautionRecord
from data.services import cautions as caution_services
from widgets.inline import InlineMessage
from widgets.operations import Operations
from widgets.store import BoardStore

# Expiries pass without any write: the map drops them at the next minute.
EXPIRY_CHECK_MS = 60_000
DEFAULT_DAYS = 30


class CautionDialog(QDialog):
    """Add a caution at a place: text, category, Sheriff first, radius and how many days it lasts.

    Opened with open(); the fields arrive through ``chosen`` and the caller runs the service.
    """

    chosen = Signal(dict)  # the keyword arguments of data.services.cautions.add_caution, without the place

    def __init__(self, pack: Pack, *, location: str, now: dt.datetime, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Caution at {location}")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        self._pack = pack
        self._now = now
        self._tz = ZoneInfo(pack.timezone)
        self.place_label = QLabel(location, self)
        self.place_label.setWordWrap(True)
        self.text_edit = QLineEdit(self)
        self.text_edit.setAccessibleName("Caution text")
        self.text_edit.setPlaceholderText("e.g. Dog on the premises; prior assault on staff")
        self.text_edit.setMaxLength(caution_services.MAX_TEXT)
        self.text_edit.setMinimumWidth(420)
        self.category = QComboBox(self)
        self.category.setAccessibleName("Category")
        for key, label in CAUTION_CATEGORIES.items():
            self.category.addItem(label, key)
        self.sheriff_first = QCheckBox(f"{pack.agency} &first: a call here goes to {pack.agency} or jointly", self)
        self.sheriff_first.setAccessibleName(f"{pack.agency} first")
        self.radius = QSpinBox(self)
        self.radius.setAccessibleName("Radius in metres")
        self.radius.setRange(int(caution_services.MIN_RADIUS_M), int(caution_services.MAX_RADIUS_M))
        self.radius.setSuffix(" m")
        self.radius.setValue(int(pack.cautions.default_radius_m))
        self.days = QSpinBox(self)
        self.days.setAccessibleName("Days until it expires")
        self.days.setRange(1, pack.cautions.longest_days)
        self.days.setValue(min(DEFAULT_DAYS, pack.cautions.longest_days))
        self.days.setSuffix(" days")
        self.expiry_label = QLabel(self)
        self.error = InlineMessage(self)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Add caution")

        form = QFormLayout()
        form.addRow("Place", self.place_label)
        form.addRow("&Caution", self.text_edit)
        form.addRow("Ca&tegory", self.category)
        form.addRow("", self.sheriff_first)
        form.addRow("&Radius", self.radius)
        form.addRow("&Expires in", self.days)
        form.addRow("", self.expiry_label)
        for row in range(form.rowCount()):
            label_item = form.itemAt(row, QFormLayout.ItemRole.LabelRole)
            field_item = form.itemAt(row, QFormLayout.ItemRole.FieldRole)
            label_widget = label_item.widget() if label_item is not None else None
            field_widget = field_item.widget() if field_item is not None else None
            if isinstance(label_widget, QLabel) and field_widget is not None:
                label_widget.setBuddy(field_widget)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.days.valueChanged.connect(self._on_days_value_changed)
        self.text_edit.textEdited.connect(lambda _text: self.error.clear_message())
        self._on_days_value_changed(self.days.value())
        self.text_edit.setFocus()

    def expires_at(self) -> dt.datetime:
        return self._now + dt.timedelta(days=self.days.value())

    def _on_days_value_changed(self, days: int) -> None:
        local = self.expires_at().astimezone(self._tz)
        longest = self._pack.cautions.longest_days
        self.expiry_label.setText(f"until {local:%a %d %b %Y %H:%M} (the pack allows up to {longest} days)")

    def accept(self) -> None:
        text = self.text_edit.text().strip()
        if not text:
            self.error.show_message("Write what the caution is.", "error")
            self.text_edit.setFocus()
            return
        self.chosen.emit(
            {
                "text": text,
                "category": self.category.currentData(),
                "sheriff_first": self.sheriff_first.isChecked(),
                "radius_m": float(self.radius.value()),
                "expires_at": self.expires_at(),
            }
        )
        super().accept()


class ActiveCautions(QObject):
    """Every active caution, fetched off the GUI thread when one changes anywhere and each minute."""

    changed = Signal(list)  # list[CautionRecord]

    def __init__(self, store: BoardStore, operations: Operations, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self._ops = operations
        self.cautions: list[CautionRecord] = []
        self.timer = QTimer(self)
        self.timer.setInterval(EXPIRY_CHECK_MS)
        self.timer.timeout.connect(self.refresh)
        store.board_loaded.connect(self.refresh)
        store.cautions_changed.connect(self._on_store_cautions_changed)
        self.timer.start()

    def refresh(self) -> None:
        db = self._store.db
        self._ops.run(
            lambda: caution_services.active_cautions(db), owner=self, on_success=self._on_loaded, report_failure=False
        )

    def _on_store_cautions_changed(self, _caution_id: int) -> None:
        self.refresh()

    def _on_loaded(self, cautions: list[CautionRecord]) -> None:
        if cautions != self.cautions:
            self.cautions = list(cautions)
            self.changed.emit(self.cautions)
