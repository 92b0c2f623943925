"""An amber strip listing acknowledged actions the server no longer has after a reconnect (data.services.resync)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from data.ledger import LedgerEntry

SHOWN = 12  # entries listed by name; the rest are counted (all of them are in the audit log)


class LostActionsBanner(QWidget):
    """Stays until dismissed (Ctrl+Shift+K or the button); new losses are added to what it shows."""

    dismissed = Signal()

    def __init__(self, timezone: str | dt.tzinfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._tz = ZoneInfo(timezone) if isinstance(timezone, str) else timezone
        self.entries: list[LedgerEntry] = []
        self.setObjectName("lostActionsBanner")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet(
            "#lostActionsBanner { background: #ffb300; }"
            "#lostActionsBanner QLabel { color: #000000; font-weight: 600; padding: 4px 8px; }"
        )
        self.label = QLabel(self)
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.dismiss_button = QPushButton("Dis&miss (Ctrl+Shift+K)", self)
        self.dismiss_button.setShortcut(QKeySequence("Ctrl+Shift+K"))
        self.dismiss_button.clicked.connect(self.dismiss)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 8, 0)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.dismiss_button)
        self.setAccessibleName("Lost actions")
        self.hide()

    @property
    def text(self) -> str:
        return self.label.text()

    def add(self, lost: list[LedgerEntry]) -> None:
        self.entries.extend(lost)
        names = "; ".join(entry.describe(self._tz) for entry in self.entries[:SHOWN])
        more = f"; and {len(self.entries) - SHOWN} more" if len(self.entries) > SHOWN else ""
        count = len(self.entries)
        self.label.setText(
            f"After reconnecting, the server does not have {count} action{'s' if count != 1 else ''} this console "
            f"had shown as saved: {names}{more}. They are recorded in the audit log for the supervisor; enter them "
            "again if they still matter."
        )
        self.setAccessibleDescription(self.label.text())
        self.show()

    def dismiss(self) -> None:
        self.entries.clear()
        self.hide()
        self.dismissed.emit()
