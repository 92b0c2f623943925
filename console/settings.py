"""Console settings, declared once with type, default and description; stored per user in QSettings."""

from __future__ import annotations

from dataclasses import dataclass
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
            "action_deadline_s",
            float,
            5.0,
            "Seconds a PostgreSQL server has to answer an action before it is refused (1-5); every other wait "
            "(connect, statement, lock, TCP) is derived from it.",
        ),
    )
}


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
