"""Earlier contacts with the person named on a form: dates, outcomes, referrals and their follow-up dates."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget

from data.db import Database
from data.errors import DispatchError
from data.permissions import Actor
from data.services.contacts import MERGED, PersonContacts, may_read_contacts, prior_contacts
from widgets import theme
from widgets.operations import Operations

SHOWN = 5


class PriorContactsPanel(QFrame):
    """Hidden until the name has earlier contacts; only for the roles the pack lets read them (audited)."""

    def __init__(self, db: Database, operations: Operations, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("priorContacts")
        self.setAccessibleName("Earlier contacts with this person")
        self._db = db
        self._ops = operations
        self._actor = actor
        self._tz = ZoneInfo(db.pack.timezone)
        self._asked: tuple[str, int | None] | None = None
        self.found: PersonContacts | None = None
        self.label = QLabel(self)
        self.label.setObjectName("priorContactsText")
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.addWidget(self.label)
        palette = theme.colors()
        self.setStyleSheet(f"QFrame#priorContacts {{ border: 1px solid {palette.amber.name()}; border-radius: 4px; }}")
        self.setVisible(False)

    @property
    def pending(self) -> bool:
        return self._ops.pending(self) > 0

    def look_up(self, name: str, *, exclude_incident_id: int | None = None) -> None:
        """Earlier contacts with this name (off the GUI thread); a name already looked up is not asked again."""
        name = " ".join(name.split())
        asked = (name.casefold(), exclude_incident_id)
        if asked == self._asked:
            return
        self._asked = asked
        if sum(ch.isalpha() for ch in name) < 3 or not may_read_contacts(self._db, self._actor):
            self._show(None)
            return
        db, actor = self._db, self._actor
        self._ops.run(
            lambda: prior_contacts(db, actor, name=name, exclude_incident_id=exclude_incident_id),
            owner=self,
            on_success=lambda found: self._on_found(asked, found),
            on_failure=lambda exc: self._on_failed(asked, exc),
            report_failure=False,
        )

    def _on_found(self, asked: tuple[str, int | None], found: PersonContacts) -> None:
        if asked == self._asked:
            self._show(found)

    def _on_failed(self, asked: tuple[str, int | None], exc: Exception) -> None:
        if asked == self._asked and not isinstance(exc, DispatchError):
            self._show(None)

    def _show(self, found: PersonContacts | None) -> None:
        self.found = found
        if found is None or not found.count:
            self.label.clear()
            self.setVisible(False)
            return
        today = self._db.clock().astimezone(self._tz).date()
        lines = [f"{found.count} earlier contact{'s' if found.count != 1 else ''} with {found.name}:"]
        for c in found.contacts[:SHOWN]:
            lines.append(self._line(c, today))
        if found.count > SHOWN:
            lines.append(f"… and {found.count - SHOWN} more")
        self.label.setText("\n".join(lines))
        self.setVisible(True)

    def _line(self, c, today: dt.date) -> str:  # type: ignore[no-untyped-def]
        when = c.at.astimezone(self._tz)
        referrals = "; ".join(f"{r.agency_name} {r.outcome}" for r in c.referrals)
        follow = c.follow_up_state(today)
        parts = [f"{when:%Y-%m-%d}", c.kind, c.outcome]
        if c.incident_number:
            parts.append(c.incident_number)
        if referrals:
            parts.append(f"referred: {referrals}")
        if follow:
            parts.append(follow)
        if c.matched_on == "name only":
            parts.append("matched on the name only")
        elif c.matched_on == MERGED:
            parts.append("another name, merged by a supervisor")
        return " · ".join(parts)
