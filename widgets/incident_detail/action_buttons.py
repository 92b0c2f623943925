"""The incident pane's action buttons, enabled from what data.rules.incident_actions allows."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QPushButton, QSizePolicy, QVBoxLayout, QWidget


class ActionButtons(QWidget):
    """Three rows: unit progress, the incident's way out, paperwork. Alt+letter on every button."""

    def __init__(self, agency: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # Print and export are also Ctrl+P / Ctrl+E (shortcuts on the pane).
        self.dispatch_button = QPushButton("&Dispatch", self)
        self.enroute_button = QPushButton("&En route", self)
        self.onscene_button = QPushButton("&On scene", self)
        self.clear_button = QPushButton("&Clear…", self)
        self.cancel_button = QPushButton("C&ancel…", self)
        self.transfer_button = QPushButton(f"{agency} trans&fer…", self)
        self.reopen_button = QPushButton("&Reopen…", self)
        self.edit_button = QPushButton("Ed&it…", self)
        self.edit_button.setToolTip("Correct type, priority, location, caller or narrative (Alt+I)")
        self.print_button = QPushButton("Print  Ctrl+P", self)
        self.eido_button = QPushButton("EIDO  Ctrl+E", self)
        self.referral_button = QPushButton("Referral…  Ctrl+R", self)
        self.referral_button.setToolTip("Record a referral to a directory agency (Ctrl+R)")
        self.citation_button = QPushButton("Ci&tation…  Ctrl+T", self)
        self.citation_button.setToolTip("Issue an administrative citation on this incident (Ctrl+T or Alt+T)")
        self.welfare_button = QPushButton("&Welfare form…  Ctrl+W", self)
        self.welfare_button.setToolTip("Record or correct the welfare-check form, then print it (Ctrl+W or Alt+W)")
        self.dispatch_button.setToolTip("Dispatch the selected recommended unit (Alt+D)")
        self.enroute_button.setToolTip("Assigned unit en route: the selected one, or every dispatched unit (Alt+E)")
        self.onscene_button.setToolTip("Assigned unit on scene: the selected one, or every unit not yet there (Alt+O)")
        self.clear_button.setToolTip("Clear with an APCO disposition (Alt+C)")
        self.cancel_button.setToolTip("Cancel the incident, with a reason (Alt+A)")
        self.transfer_button.setToolTip(f"Transfer to {agency}, or mark a joint response (Alt+F)")
        self.reopen_button.setToolTip("Reopen a closed incident: supervisors only (Alt+R)")
        self.print_button.setToolTip("Print the handoff sheet (Ctrl+P)")
        self.eido_button.setToolTip("Export the incident as an EIDO document (Ctrl+E)")
        self.buttons = (
            self.dispatch_button,
            self.enroute_button,
            self.onscene_button,
            self.clear_button,
            self.cancel_button,
            self.transfer_button,
            self.reopen_button,
            self.edit_button,
            self.print_button,
            self.eido_button,
            self.referral_button,
            self.citation_button,
            self.welfare_button,
        )
        # The incident action (data.rules.INCIDENT_ACTIONS) each button takes.
        self._action_of = {
            self.dispatch_button: "dispatch",
            self.enroute_button: "enroute",
            self.onscene_button: "onscene",
            self.clear_button: "clear",
            self.cancel_button: "cancel",
            self.transfer_button: "transfer",
            self.reopen_button: "reopen",
            self.edit_button: "edit",
            self.print_button: "print",
            self.eido_button: "export",
            self.referral_button: "referral",
            self.citation_button: "cite",
            self.welfare_button: "welfare",
        }
        for button in self.buttons:
            button.setAutoDefault(False)
            button.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.dispatch_button.setObjectName("primaryAction")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        for group in (self.buttons[:4], self.buttons[4:8], self.buttons[8:]):
            row = QHBoxLayout()
            row.setSpacing(4)
            for button in group:
                row.addWidget(button)
            layout.addLayout(row)

    def show_allowed(self, allowed: frozenset[str], *, has_recommendation: bool, may_reopen: bool) -> None:
        """Enable each button its action allows; Dispatch also needs a unit to send, Reopen shows for its roles."""
        for button, action in self._action_of.items():
            button.setEnabled(action in allowed)
        self.dispatch_button.setEnabled("dispatch" in allowed and has_recommendation)
        self.reopen_button.setVisible(may_reopen)
