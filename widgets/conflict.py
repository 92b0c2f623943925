"""Stale-write conflicts: what changed and who changed it, beside the dispatcher's edit, with Reapply."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from data import services
from data.errors import StaleWriteError
from data.records import IncidentRecord
from widgets.actions import DispatchActions, Redo
from widgets.operations import Operation

FIELD_LABELS = {
    "call_type": "Call type",
    "priority": "Priority",
    "location": "Location",
    "latitude": "Latitude",
    "longitude": "Longitude",
    "zone": "Zone",
    "in_city": "In the city",
    "caller_name": "Caller",
    "caller_phone": "Caller phone",
    "narrative": "Narrative",
    "status": "Status",
    "disposition_code": "Disposition",
}


def _shown(value: object) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


class ConflictPanel(QDialog):
    """Non-modal: the refusal, the record as it is now next to the intended change, Reapply or keep theirs."""

    reapply_requested = Signal(int, dict)  # incident id, the intended changes

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setModal(False)
        self.setObjectName("conflictPanel")
        self.setWindowTitle("Changed by someone else")
        self.setAccessibleName("Edit conflict")
        self.current: IncidentRecord | None = None
        self.intended: dict[str, object] = {}
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setAccessibleName("Conflict message")
        self.changed_by = QLabel()
        self.changed_by.setAccessibleName("Changed by")
        self.grid = QGridLayout()
        self.grid.setHorizontalSpacing(16)
        self.reapply_button = QPushButton("Reapply my change")
        self.reapply_button.setAccessibleName("Reapply my change on the current record")
        self.keep_button = QPushButton("Keep theirs")
        buttons = QDialogButtonBox()
        buttons.addButton(self.reapply_button, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(self.keep_button, QDialogButtonBox.ButtonRole.RejectRole)
        layout = QVBoxLayout(self)
        layout.addWidget(self.message)
        layout.addWidget(self.changed_by)
        layout.addLayout(self.grid)
        layout.addWidget(buttons)
        self.reapply_button.clicked.connect(self._on_reapply_button_clicked)
        self.keep_button.clicked.connect(self.hide)

    def show_conflict(self, error: StaleWriteError, current: IncidentRecord, intended: dict[str, object]) -> None:
        self.message.setText(str(error))
        self.changed_by.setText(
            f"Changed by {error.changed_by or 'another dispatcher'}: {error.changes or 'an update'}"
        )
        self.intended = dict(intended)
        self.set_current(current)
        self.show()
        self.raise_()

    def set_current(self, current: IncidentRecord) -> None:
        """Show the record as it is now (again when it changes while the panel is open)."""
        self.current = current
        self.setWindowTitle(f"{current.number} changed by someone else")
        self._fill_grid()

    def rows(self) -> list[tuple[str, str, str]]:
        """(field, now, yours) as shown."""
        if self.current is None:
            return []
        return [
            (FIELD_LABELS.get(key, key), _shown(getattr(self.current, key, None)), _shown(value))
            for key, value in self.intended.items()
        ]

    def _fill_grid(self) -> None:
        while self.grid.count():
            item = self.grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        for column, title in enumerate(("", "Now", "Your change")):
            header = QLabel(f"<b>{title}</b>")
            self.grid.addWidget(header, 0, column)
        for row, (field, now, yours) in enumerate(self.rows(), start=1):
            differs = now != yours
            for column, text in enumerate((field, now, yours)):
                cell = QLabel(text)
                cell.setTextFormat(Qt.TextFormat.PlainText)
                cell.setWordWrap(True)
                if differs and column:
                    cell.setStyleSheet("font-weight: 600;")
                self.grid.addWidget(cell, row, column)

    def _on_reapply_button_clicked(self) -> None:
        if self.current is not None:
            self.reapply_requested.emit(self.current.id, dict(self.intended))
        self.hide()


class ConflictResolver(QObject):
    """Incident edits through DispatchActions.update; a stale refusal opens the panel instead of a bare error."""

    conflict_shown = Signal(object)  # StaleWriteError

    def __init__(self, actions: DispatchActions, parent_widget: QWidget | None = None) -> None:
        super().__init__(parent_widget)
        self.actions = actions
        self.panel = ConflictPanel(parent_widget)
        self.panel.reapply_requested.connect(self._on_panel_reapply_requested)
        actions.store.incidents_changed.connect(self._on_store_incidents_changed)
        actions.set_conflict_handler(self)
        self._redo: Redo | None = None  # the status action shown, when it is not an edit

    def show_action_conflict(
        self, error: StaleWriteError, incident_id: int, intended: dict[str, object], redo: Redo
    ) -> None:
        """A clear or cancel refused as stale: the incident as it is now beside the action, Reapply redoes it."""
        db = self.actions.db

        def shown(current: IncidentRecord) -> None:
            self._show(error, current, intended)
            self._redo = redo

        self.actions.operations.run(
            lambda: services.get_incident(db, incident_id), owner=self, on_success=shown, report_failure=False
        )

    def update(self, incident_id: int, expected_version: int, **changes: object) -> Operation[IncidentRecord]:
        db = self.actions.db

        def stale(error: StaleWriteError) -> None:
            self.actions.operations.run(
                lambda: services.get_incident(db, incident_id),
                owner=self,
                on_success=lambda current: self._show(error, current, changes),
            )

        return self.actions.update(incident_id, expected_version, on_stale=stale, changes=changes, owner=self)

    def _show(self, error: StaleWriteError, current: IncidentRecord, changes: dict[str, object]) -> None:
        self.actions.store.put(incidents=[current])
        self._redo = None
        self.panel.show_conflict(error, current, changes)
        self.conflict_shown.emit(error)

    def _on_panel_reapply_requested(self, incident_id: int, changes: dict[str, object]) -> None:
        current = self.panel.current
        if current is not None and current.id == incident_id:
            # The version the dispatcher has just seen; if it moved again, the panel comes back.
            if self._redo is not None:
                self._redo(current.version)
            else:
                self.update(incident_id, current.version, **changes)

    def _on_store_incidents_changed(self, records: list[IncidentRecord]) -> None:
        shown = self.panel.current
        if shown is None or not self.panel.isVisible():
            return
        for rec in records:
            if rec.id == shown.id and rec.version > shown.version:
                self.panel.set_current(rec)
