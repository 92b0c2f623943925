"""One-line inline feedback under a field or command: error, warning, success or plain info."""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QLabel, QWidget

from widgets import theme
from widgets.accessibility import set_description_part

if TYPE_CHECKING:
    from widgets.operations import Operations, Report

MARKS = {"error": "✕", "warning": "▲", "ok": "✓", "info": ""}


def severity_color(severity: str) -> QColor:
    """The current theme's colour for a severity; the mark repeats the meaning without colour."""
    palette = theme.colors()
    return {
        "error": palette.red,
        "warning": palette.amber,
        "ok": palette.status["available"].fill,
    }.get(severity, palette.muted)


class InlineMessage(QLabel):
    """Hidden when empty; `severity` is also a dynamic property so a theme's QSS can restyle it."""

    def __init__(self, parent: QWidget | None = None, *, keep_space: bool = False) -> None:
        super().__init__(parent)
        self.setObjectName("inlineMessage")
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._keep_space = keep_space
        self._report_owner: weakref.ref[QObject] | None = None
        self._fields: list[weakref.ref[QWidget]] = []
        self.severity = ""
        self.message = ""
        self.clear_message()

    def show_message(self, text: str, severity: str = "error") -> None:
        mark = MARKS.get(severity, "")
        self.severity = severity
        self.message = text
        self.setProperty("severity", severity)
        colour = severity_color(severity).name()
        weight = "600" if severity == "error" else "normal"
        self.setStyleSheet(f"QLabel#inlineMessage {{ color: {colour}; font-weight: {weight}; }}")
        self.setText(f"{mark} {text}" if mark else text)
        self.setAccessibleDescription(text)
        self.setVisible(True)
        self._describe_fields(f"Invalid entry: {text}" if severity == "error" else "")

    def clear_message(self) -> None:
        self.severity = ""
        self.message = ""
        self.setProperty("severity", "")
        self.setText("")
        self.setVisible(self._keep_space)
        self._describe_fields("")

    def describes(self, *fields: QWidget) -> None:
        """Tie this line's errors to the fields it is about: each field's accessible description carries them."""
        # Weakly, like the report owner: the fields are this line's siblings under one parent.
        self._fields = [weakref.ref(field) for field in fields]

    def error_fields(self) -> list[QWidget]:
        return [f for f in (ref() for ref in self._fields) if f is not None and shiboken6.isValid(f)]

    def _describe_fields(self, text: str) -> None:
        for field in self.error_fields():
            set_description_part(field, "error", text)

    def show_report(self, report: Report) -> None:
        severity = "error" if report.is_failure else ("info" if report.kind == "info" else "ok")
        self.show_message(report.text, severity)

    def follow_reports(self, operations: Operations, owner: QObject) -> None:
        """Echo the reports of ``owner``'s own operations on this line (the status bar shows them too)."""
        # Weakly: the line is usually the owner's child, and a child holding its parent makes a cycle
        # through Qt objects that the garbage collector cannot break safely.
        self._report_owner = weakref.ref(owner)
        operations.reported.connect(self._on_operations_reported)

    def _on_operations_reported(self, report: Report) -> None:
        owner = self._report_owner() if self._report_owner is not None else None
        if owner is not None and report.owner is owner:
            self.show_report(report)
