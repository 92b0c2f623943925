"""The referral directory editor: administrators add agencies, correct phones, stop offering one."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from data.db import Database
from data.permissions import Actor, allowed
from data.services.directory import (
    DirectoryRecord,
    add_directory_entry,
    directory_entries,
    update_directory_entry,
)
from widgets.figures import RowsModel, rows_table, section_title, tile_style_sheet
from widgets.inline import InlineMessage
from widgets.operations import Operations


class DirectoryEditor(QWidget):
    """Every entry, offered or not; pick one to edit it, or start a new one."""

    loaded = Signal()
    saved = Signal(object)  # DirectoryRecord

    def __init__(self, db: Database, operations: Operations, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("directoryEditor")
        self.setWindowTitle("Referral directory")
        self._db = db
        self._ops = operations
        self._actor = actor
        self.entries: list[DirectoryRecord] = []
        self.editing: DirectoryRecord | None = None
        self.saving = False
        self.may_edit = allowed(actor, "edit_directory")

        self.model = RowsModel(("Agency", "Phone", "Key", "Offered"), self)
        self.view = rows_table(self.model, "Referral directory", self)
        self.key_edit = QLineEdit(self)
        self.key_edit.setPlaceholderText("short id, e.g. step_up")
        self.name_edit = QLineEdit(self)
        self.phone_edit = QLineEdit(self)
        self.description_edit = QPlainTextEdit(self)
        self.description_edit.setFixedHeight(90)
        self.active_check = QCheckBox("&Offered to officers (shown in the referral form)", self)
        for widget, name in (
            (self.key_edit, "Key"),
            (self.name_edit, "Agency name"),
            (self.phone_edit, "Phone"),
            (self.description_edit, "Description"),
        ):
            widget.setAccessibleName(name)
        form = QFormLayout()
        for text, widget in (
            ("&Key", self.key_edit),
            ("&Name", self.name_edit),
            ("&Phone", self.phone_edit),
            ("&Description", self.description_edit),
        ):
            label = QLabel(text, self)
            label.setBuddy(widget)
            form.addRow(label, widget)
        form.addRow("", self.active_check)
        self.new_button = QPushButton("Ne&w entry", self)
        self.save_button = QPushButton("&Save", self)
        self.save_button.setObjectName("primaryAction")
        self.save_button.setDefault(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.new_button)
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        self.form_title = section_title("New entry", self)
        self.message = InlineMessage(self)
        self.message.follow_reports(operations, self)
        self.note = QLabel("", self)
        self.note.setObjectName("panelCount")
        self.note.setWordWrap(True)

        side = QWidget(self)
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(8, 0, 0, 0)
        side_layout.addWidget(self.form_title)
        side_layout.addLayout(form)
        side_layout.addLayout(buttons)
        side_layout.addWidget(self.message)
        side_layout.addWidget(self.note)
        side_layout.addStretch(1)
        splitter = QSplitter(self)
        splitter.addWidget(self.view)
        splitter.addWidget(side)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.addWidget(splitter)
        self.setStyleSheet(tile_style_sheet())

        self.view.selectionModel().currentRowChanged.connect(self._on_view_current_changed)
        self.new_button.clicked.connect(self.start_new)
        self.save_button.clicked.connect(self.save)
        self.start_new()
        self._apply_permissions()

    def _apply_permissions(self) -> None:
        for widget in (
            self.key_edit,
            self.name_edit,
            self.phone_edit,
            self.description_edit,
            self.active_check,
            self.new_button,
            self.save_button,
        ):
            widget.setEnabled(self.may_edit)
        self.note.setText(
            "Numbers and descriptions are what officers read out in the field: confirm them before saving."
            if self.may_edit
            else "Only an administrator can edit the directory; it is shown read-only."
        )
        if self.may_edit:
            # Keys never change (the pack seeds by key); a new entry starts offered.
            self.key_edit.setEnabled(self.editing is None)
            self.active_check.setEnabled(self.editing is not None)

    # Loading -----------------------------------------------------------------------------------
    @property
    def pending(self) -> int:
        return self._ops.pending(self)

    def load(self) -> None:
        db = self._db
        self._ops.run(lambda: directory_entries(db, include_inactive=True), owner=self, on_success=self._on_loaded)

    def _on_loaded(self, entries: list[DirectoryRecord]) -> None:
        keep = self.editing.id if self.editing else None
        self.entries = entries
        self.model.set_rows(
            [(e.name, e.phone or "—", e.key, "yes" if e.active else "no") for e in entries],
            ["good" if e.active else "bad" for e in entries],
        )
        if keep is not None:
            for row, e in enumerate(entries):
                if e.id == keep:
                    self.view.selectRow(row)
        self.loaded.emit()

    # Editing -----------------------------------------------------------------------------------
    def _on_view_current_changed(self, current: object, _previous: object) -> None:
        row = self.view.currentIndex().row()
        if 0 <= row < len(self.entries):
            self.edit_entry(self.entries[row])

    def edit_entry(self, entry: DirectoryRecord) -> None:
        if self.editing is None or self.editing.id != entry.id:
            self.message.clear_message()  # kept when the entry just saved is shown again
        self.editing = entry
        self.form_title.setText(f"EDIT · {entry.name.upper()}")
        self.key_edit.setText(entry.key)
        self.name_edit.setText(entry.name)
        self.phone_edit.setText(entry.phone)
        self.description_edit.setPlainText(entry.description)
        self.active_check.setChecked(entry.active)
        self._apply_permissions()

    def start_new(self) -> None:
        self.editing = None
        self.view.clearSelection()
        self.form_title.setText("NEW ENTRY")
        for edit in (self.key_edit, self.name_edit, self.phone_edit):
            edit.clear()
        self.description_edit.clear()
        self.active_check.setChecked(True)
        self.message.clear_message()
        self._apply_permissions()
        if self.may_edit:
            # Off the list: a list that gets focus back with no current row selects its first one.
            self.key_edit.setFocus()

    def save(self) -> None:
        """Add the new entry, or save the changes to the one being edited (off the GUI thread)."""
        if not self.may_edit or self.saving:
            return
        # Not disabled while saving: a focused button that is disabled hands focus to the list,
        # which would select its first row and swap the form under the save.
        self.saving = True
        db, actor = self._db, self._actor
        name, phone, description = self.name_edit.text(), self.phone_edit.text(), self.description_edit.toPlainText()
        if self.editing is None:
            key = self.key_edit.text()

            def save() -> DirectoryRecord:
                return add_directory_entry(db, actor, key=key, name=name, phone=phone, description=description)

        else:
            entry_id, active = self.editing.id, self.active_check.isChecked()

            def save() -> DirectoryRecord:
                return update_directory_entry(
                    db, actor, entry_id, name=name, phone=phone, description=description, active=active
                )

        self._ops.run(
            save,
            owner=self,
            message=lambda entry: f"Saved {entry.name}.",
            on_success=self._on_saved,
            on_finished=self._on_save_finished,
        )

    def _on_save_finished(self) -> None:
        self.saving = False

    def _on_saved(self, entry: DirectoryRecord) -> None:
        self.editing = entry
        self.saved.emit(entry)
        self.load()


__all__ = ["DirectoryEditor"]
