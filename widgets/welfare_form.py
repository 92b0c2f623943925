"""The welfare-check form of an incident (record or correct it), and the offer to fill it in at clearing."""

from __future__ import annotations

from typing import TypedDict

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from data.db import Database
from data.permissions import Actor
from data.records import WelfareCheckRecord
from data.services.incident_paperwork import PaperworkContext
from data.services.welfare import HOUSING_STATUSES, OBSERVATION_FLAGS, record_welfare_check
from widgets.contacts import PriorContactsPanel
from widgets.inline import InlineMessage
from widgets.operations import Operations

# Yes / no / not assessed, as the printed form ticks them.
TRI_STATE = (("Not assessed", None), ("Yes", True), ("No", False))
ANSWER = (("Not asked", None), ("Accepted", True), ("Declined", False))


class WelfareFields(TypedDict):
    """The form as data.services.welfare.record_welfare_check takes it (besides the incident)."""

    officer_id: int | None
    subject_name: str
    subject_declined: bool
    approx_age: str
    description: str
    observations: dict[str, bool | str | None]  # the pack's flags (yes/no/not assessed), housing, condition, cautions
    services_offered: str
    services_accepted: bool | None
    escalation: list[str]
    follow_up_needed: bool
    follow_up_note: str


def _combo(parent: QWidget, choices: tuple[tuple[str, bool | None], ...], value: object) -> QComboBox:
    combo = QComboBox(parent)
    for label, data in choices:
        combo.addItem(label, data)
    combo.setCurrentIndex(next((i for i, (_l, d) in enumerate(choices) if d == value), 0))
    return combo


class WelfareForm(QDialog):
    """Every field the per-check form prints; opened with open(), saved through the service."""

    saved = Signal(object)  # WelfareCheckRecord

    def __init__(
        self,
        db: Database,
        operations: Operations,
        actor: Actor,
        context: PaperworkContext,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("welfareForm")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        self._db = db
        self._ops = operations
        self._actor = actor
        self.context = context
        self.record: WelfareCheckRecord | None = None
        existing = context.welfare_check
        verb = "Correct" if existing is not None else "Record"
        self.setWindowTitle(f"{verb} the welfare-check form of {context.incident.number}")
        self._build(existing)
        self._connect_signals()
        self.subject_edit.setFocus()

    # Building ----------------------------------------------------------------------------------
    def _build(self, wc: WelfareCheckRecord | None) -> None:
        incident = self.context.incident
        obs = wc.observations if wc is not None else {}
        heading = QLabel(f"{incident.number} · {incident.call_type_label} · {incident.location}", self)
        heading.setObjectName("sectionTitle")
        heading.setWordWrap(True)
        if wc is not None:
            heading.setText(heading.text() + "\nA form is on file: saving replaces it (the change is audited).")

        self.officer_combo = QComboBox(self)
        worked = set(self.context.on_scene_officer_ids)
        chosen = self.context.welfare_officer_id
        for officer in sorted(self.context.officers, key=lambda o: (o.id not in worked, o.name)):
            mark = " · on this incident" if officer.id in worked else ""
            self.officer_combo.addItem(f"{officer.badge}  {officer.name}{mark}", officer.id)
            if officer.id == chosen:
                self.officer_combo.setCurrentIndex(self.officer_combo.count() - 1)

        self.subject_edit = QLineEdit(wc.subject_name if wc else "", self)
        self.subject_edit.setPlaceholderText("Name as given (leave empty if not given)")
        self.declined_check = QCheckBox("Declined to give a name", self)
        self.declined_check.setChecked(bool(wc and wc.subject_declined))
        self.subject_edit.setEnabled(not self.declined_check.isChecked())
        subject_row = QHBoxLayout()
        subject_row.addWidget(self.subject_edit, 1)
        subject_row.addWidget(self.declined_check)
        self.age_edit = QLineEdit(wc.approx_age if wc else "", self)
        self.age_edit.setPlaceholderText("e.g. 40s, about 70")
        self.description_edit = QPlainTextEdit(wc.description if wc else "", self)
        self.description_edit.setTabChangesFocus(True)
        self.description_edit.setPlaceholderText("What the person looked like and what the officer found")
        self.description_edit.setMaximumHeight(70)

        observations = QGroupBox("Observations and condition", self)
        grid = QGridLayout(observations)
        self.flag_combos: dict[str, QComboBox] = {}
        for row, (key, label) in enumerate(OBSERVATION_FLAGS.items()):
            combo = _combo(observations, TRI_STATE, obs.get(key))
            combo.setAccessibleName(label)
            caption = QLabel(label, observations)
            caption.setBuddy(combo)
            grid.addWidget(caption, row // 2, (row % 2) * 2)
            grid.addWidget(combo, row // 2, (row % 2) * 2 + 1)
            self.flag_combos[key] = combo
        self.housing_combo = QComboBox(observations)
        for status in HOUSING_STATUSES:
            self.housing_combo.addItem(status.capitalize(), status)
        self.housing_combo.setCurrentIndex(max(0, list(HOUSING_STATUSES).index(obs.get("housing_status", "unknown"))))
        self.condition_edit = QLineEdit(str(obs.get("condition") or ""), observations)
        self.condition_edit.setPlaceholderText("e.g. calm, talking; hot and thirsty")
        self.cautions_edit = QLineEdit(str(obs.get("safety_cautions") or ""), observations)
        self.cautions_edit.setPlaceholderText("Anything the next officer should know for their safety")
        for row, (label, widget) in enumerate(
            (("&Housing status", self.housing_combo), ("Co&ndition", self.condition_edit)), start=2
        ):
            caption = QLabel(label, observations)
            caption.setBuddy(widget)
            grid.addWidget(caption, row, 0)
            grid.addWidget(widget, row, 1, 1, 3)
        caution_caption = QLabel("Safety ca&utions", observations)
        caution_caption.setBuddy(self.cautions_edit)
        grid.addWidget(caution_caption, 4, 0)
        grid.addWidget(self.cautions_edit, 4, 1, 1, 3)

        self.services_edit = QLineEdit(wc.services_offered if wc else "", self)
        self.services_edit.setPlaceholderText("e.g. water, shelter bed list, Care Team call-back")
        self.accepted_combo = _combo(self, ANSWER, wc.services_accepted if wc else None)
        services_row = QHBoxLayout()
        services_row.addWidget(self.services_edit, 1)
        services_row.addWidget(self.accepted_combo)

        self.escalation_checks: dict[str, QCheckBox] = {}
        escalation = QWidget(self)
        escalation_layout = QHBoxLayout(escalation)
        escalation_layout.setContentsMargins(0, 0, 0, 0)
        for key, label in self._db.pack.escalation_labels.items():
            check = QCheckBox(label, escalation)
            check.setChecked(bool(wc and key in wc.escalation))
            escalation_layout.addWidget(check)
            self.escalation_checks[key] = check
        escalation_layout.addStretch(1)

        self.follow_check = QCheckBox("Follow-up needed", self)
        self.follow_check.setChecked(bool(wc and wc.follow_up_needed))
        self.follow_edit = QLineEdit(wc.follow_up_note if wc else "", self)
        self.follow_edit.setPlaceholderText("What, when and where")
        follow_row = QHBoxLayout()
        follow_row.addWidget(self.follow_check)
        follow_row.addWidget(self.follow_edit, 1)

        form = QFormLayout()
        for label, item in (
            ("Completed &by", self.officer_combo),
            ("&Subject", subject_row),
            ("Approximate &age", self.age_edit),
            ("&Description", self.description_edit),
        ):
            caption = QLabel(label, self)
            caption.setBuddy(item if isinstance(item, QWidget) else self.subject_edit)
            form.addRow(caption, item)
        lower = QFormLayout()
        services_caption = QLabel("Services &offered", self)
        services_caption.setBuddy(self.services_edit)
        lower.addRow(services_caption, services_row)
        lower.addRow("Escalated to", escalation)
        follow_caption = QLabel("&Follow-up", self)
        follow_caption.setBuddy(self.follow_check)
        lower.addRow(follow_caption, follow_row)

        self.message = InlineMessage(self)
        self.buttons = QDialogButtonBox(self)
        self.save_button = self.buttons.addButton("Sa&ve and print  Ctrl+Enter", QDialogButtonBox.ButtonRole.AcceptRole)
        self.save_button.setAutoDefault(False)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        # Earlier contacts with the person named (widgets/contacts.py).
        self.prior_contacts = PriorContactsPanel(self._db, self._ops, self._actor, self)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addLayout(form)
        layout.addWidget(self.prior_contacts)
        layout.addWidget(observations)
        layout.addLayout(lower)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.resize(820, self.sizeHint().height())

    def _connect_signals(self) -> None:
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        self.message.follow_reports(self._ops, self)
        self.declined_check.toggled.connect(self._on_declined_check_toggled)
        self.subject_edit.editingFinished.connect(self._on_subject_edit_editing_finished)
        QShortcut(QKeySequence("Ctrl+Return"), self, self.save)
        QShortcut(QKeySequence("Ctrl+Enter"), self, self.save)

    def _on_subject_edit_editing_finished(self) -> None:
        self.prior_contacts.look_up(self.subject_edit.text(), exclude_incident_id=self.context.incident.id)

    def _on_declined_check_toggled(self, declined: bool) -> None:
        if declined:
            self.subject_edit.clear()
        self.subject_edit.setEnabled(not declined)

    # Saving ------------------------------------------------------------------------------------
    def values(self) -> WelfareFields:
        """The form as the service takes it."""
        observations: dict[str, bool | str | None] = {
            key: combo.currentData() for key, combo in self.flag_combos.items()
        }
        observations["housing_status"] = self.housing_combo.currentData()
        observations["condition"] = self.condition_edit.text()
        observations["safety_cautions"] = self.cautions_edit.text()
        return {
            "officer_id": self.officer_combo.currentData(),
            "subject_name": "" if self.declined_check.isChecked() else self.subject_edit.text().strip(),
            "subject_declined": self.declined_check.isChecked(),
            "approx_age": self.age_edit.text(),
            "description": self.description_edit.toPlainText(),
            "observations": observations,
            "services_offered": self.services_edit.text(),
            "services_accepted": self.accepted_combo.currentData(),
            "escalation": [key for key, check in self.escalation_checks.items() if check.isChecked()],
            "follow_up_needed": self.follow_check.isChecked(),
            "follow_up_note": self.follow_edit.text(),
        }

    def save(self) -> None:
        """Record through the service; a refusal stays in the form with nothing written."""
        fields = self.values()
        if fields["follow_up_needed"] and not fields["follow_up_note"].strip():
            self.message.show_message("Say what follow-up is needed, when and where.", "error")
            self.follow_edit.setFocus()
            return
        db, actor, incident_id = self._db, self._actor, self.context.incident.id
        number = self.context.incident.number
        self._ops.run(
            lambda: record_welfare_check(db, actor, incident_id=incident_id, **fields),
            owner=self,
            message=f"Welfare-check form of {number} saved",
            on_success=self._on_saved,
            busy=[self.save_button],
        )

    def _on_saved(self, record: WelfareCheckRecord) -> None:
        self.record = record
        self.saved.emit(record)
        self.accept()

    @property
    def pending(self) -> int:
        return self._ops.pending(self)


class MissingWelfareForm(QDialog):
    """Offered when a welfare-check call is cleared without its form: fill it in now, or skip with a reason."""

    fill_requested = Signal()
    skipped = Signal(str)  # the reason, for the timeline

    def __init__(self, incident_number: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("missingWelfareForm")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        self.setWindowTitle(f"Welfare-check form of {incident_number}")
        prompt = QLabel(
            f"{incident_number} is cleared without a welfare-check form. Fill it in now, or say why it is "
            "skipped (the reason goes into the timeline, and the shift's log shows the form as not recorded).",
            self,
        )
        prompt.setWordWrap(True)
        self.fill_button = QPushButton("&Fill in the form…", self)
        self.fill_button.setDefault(True)
        self.reason_edit = QLineEdit(self)
        self.reason_edit.setPlaceholderText("e.g. subject gone on arrival; no contact made")
        self.skip_button = QPushButton("&Skip with this reason", self)
        self.skip_button.setAutoDefault(False)
        self.message = InlineMessage(self)
        reason_caption = QLabel("&Reason to skip", self)
        reason_caption.setBuddy(self.reason_edit)
        skip_row = QHBoxLayout()
        skip_row.addWidget(reason_caption)
        skip_row.addWidget(self.reason_edit, 1)
        skip_row.addWidget(self.skip_button)
        layout = QVBoxLayout(self)
        layout.addWidget(prompt)
        layout.addWidget(self.fill_button)
        layout.addLayout(skip_row)
        layout.addWidget(self.message)
        self.fill_button.clicked.connect(self._on_fill_button_clicked)
        self.skip_button.clicked.connect(self.skip)
        # Enter skips once a reason is typed, and fills in the form otherwise.
        self.reason_edit.textChanged.connect(self._on_reason_edit_text_changed)
        self.resize(620, 180)
        self.fill_button.setFocus()

    def _on_reason_edit_text_changed(self, text: str) -> None:
        has_reason = bool(text.strip())
        self.skip_button.setDefault(has_reason)
        self.fill_button.setDefault(not has_reason)

    def _on_fill_button_clicked(self) -> None:
        self.fill_requested.emit()
        self.accept()

    def skip(self) -> None:
        reason = self.reason_edit.text().strip()
        if not reason:
            self.message.show_message("Say why the form is skipped, or fill it in.", "error")
            self.reason_edit.setFocus()
            return
        self.skipped.emit(reason)
        self.accept()


__all__ = ["MissingWelfareForm", "WelfareForm"]
