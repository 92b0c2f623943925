"""Console settings, declared once with type, default and description; stored per user in QSettings."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings


@dataclass(frozen=True)
class Option:
    key: str
    type: type
    default: Any
    description: str


OPTIONS = {
    o.key: o
    for o in (
        Option("theme", str, "night", "Colour theme: night (dark, for dim rooms) or day."),
        Option("font_points", int, 10, "Text size of the whole window, in points (Ctrl +/-)."),
        Option("workstation", str, "", "Name of this dispatch position (default: the computer's name)."),
        Option(
            "idle_lock_minutes",
            int,
            30,
            "Lock the screen after this many minutes without input (1-30; CJIS allows at most 30).",
        ),
        Option(
            "announcements",
            str,
            "all",
            "What the screen reader is told without asking: all (results too), important (refusals, status "
            "checks due, calls waiting too long) or off.",
        ),
        Option(
            "alarm_flashing",
            str,
            "on",
            "A unit row whose status check is due flashes once a second (on), or stays tinted without flashing (off).",
        ),
        Option(
            "eido_inbox",
            str,
            "",
            "Folder other agencies drop NENA EIDO documents into; each is imported once (empty: no inbox).",
        ),
        Option(
            "eido_outbox",
            str,
            "",
            "Folder the EIDO updates for agencies that transferred calls are written to (empty: none).",
        ),
        Option(
            "action_deadline_s",
            float,
            5.0,
            "Seconds a PostgreSQL server has to answer an action before it is refused (1-5); every other wait "
            "(connect, statement, lock, TCP) is derived from it.",
        ),
    )
}
# Environment variables that win over a stored folder setting (one machine's service account, a test).
FOLDER_ENV = {"eido_inbox": "CSO_EIDO_INBOX", "eido_outbox": "CSO_EIDO_OUTBOX"}


class Settings:
    """Typed access to the options; window layout is kept per user."""

    def __init__(self, qsettings: QSettings | None = None) -> None:
        self._q = qsettings or QSettings("CSO Console", "cso-console")

    def get(self, key: str) -> Any:
        option = OPTIONS[key]
        value = self._q.value(key, option.default)
        try:
            return option.type(value)
        except (TypeError, ValueError):
            return option.default

    def folder(self, key: str) -> Path | None:
        """A folder option: its environment variable, else the stored setting; None when neither is set."""
        value = os.environ.get(FOLDER_ENV[key]) or str(self.get(key) or "")
        return Path(value).expanduser() if value.strip() else None

    def set(self, key: str, value: Any) -> None:
        self._q.setValue(key, OPTIONS[key].type(value))

    def action_deadline_s(self) -> float:
        return min(max(float(self.get("action_deadline_s")), 1.0), 5.0)

    def layout(self, username: str) -> tuple[Any, Any]:
        return self._q.value(f"layout/{username}/geometry"), self._q.value(f"layout/{username}/state")

    def save_layout(self, username: str, geometry: Any, state: Any) -> None:
        self._q.setValue(f"layout/{username}/geometry", geometry)
        self._q.setValue(f"layout/{username}/state", state)
        self._q.sync()
