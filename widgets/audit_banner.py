"""A red strip for supervisors when the audit log's or the timelines' hash chain does not verify (data.audit_chain)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget


class AuditChainBanner(QWidget):
    """Shown until the console restarts: a broken chain is a matter for the supervisor, not a passing notice."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("auditChainBanner")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet(
            "#auditChainBanner { background: #c62828; }"
            "#auditChainBanner QLabel { color: #ffffff; font-weight: 600; padding: 4px 8px; }"
        )
        self.label = QLabel(self)
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 8, 0)
        layout.addWidget(self.label, 1)
        self.setAccessibleName("Audit chain")
        self.hide()

    @property
    def text(self) -> str:
        return self.label.text()

    def show_breaks(self, descriptions: list[str]) -> None:
        """descriptions: one line per broken chain (data.audit_chain.describe); nothing shown when empty."""
        if not descriptions:
            self.hide()
            return
        self.label.setText(
            "The audit trail was altered outside the console: "
            + "; ".join(descriptions)
            + ". Run `cso-console audit verify` for every break and keep the database as it is."
        )
        self.setAccessibleDescription(self.label.text())
        self.show()
