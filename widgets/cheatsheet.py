"""The F1 cheat sheet: every command and every key, on one page."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from widgets.commands import ALIASES, VERBS

# (key, what it does) per area; the main window may add its own rows with `extra_keys`.
KEYS: dict[str, tuple[tuple[str, str], ...]] = {
    "Anywhere": (
        ("F1", "This cheat sheet"),
        ("F2", "New call (call intake)"),
        ("Ctrl+L", "Go to the command line"),
        ("Esc", "Close a dialog or cancel the call being taken"),
    ),
    "Command line": (
        ("Tab", "Complete the word being typed (verb, unit, incident, disposition)"),
        ("↑ / ↓", "Previous / next command; choose a suggestion when the list is open"),
        ("Enter", "Run the command (or take the highlighted suggestion)"),
    ),
    "Call intake": (
        ("Tab", "Next field: type → location → caller → callback → narrative; takes the top suggestion"),
        ("Enter", "Save the call (from any field but the narrative); takes a partly typed call type first"),
        ("Ctrl+Enter", "Save the call from the narrative"),
        ("Alt+T / L / P", "Call type, location, priority"),
        ("Alt+W / V / M / I", "Screening yes: weapon, violence, medical emergency, crime in progress"),
        ("Y / N", "Screening: yes or no to the focused question"),
        ("Alt+N", "Screening: no to every question not answered yet (a yes stays)"),
        ("Alt+S / J / U", "Transfer to law enforcement, joint response, CSOs alone using an override reason"),
        ("Alt+G", "Save as a duplicate: merge into the selected nearby incident"),
    ),
    "Incident detail": (
        ("Alt+D", "Dispatch the selected recommended unit"),
        ("Alt+E / Alt+O", "Assigned unit en route / on scene"),
        ("Alt+C", "Clear with a disposition"),
        ("Alt+A", "Cancel the incident (with a reason)"),
        ("Alt+F", "Transfer to law enforcement or mark a joint response"),
        ("Alt+N", "Add a note"),
        ("Alt+R", "Reopen (supervisors)"),
        ("Alt+I", "Edit type, priority, location, caller or narrative"),
        ("Ctrl+P", "Print the handoff sheet"),
        ("Ctrl+E", "Export EIDO"),
    ),
}


def cheat_sheet_sections(extra_keys: Sequence[tuple[str, str, str]] = ()) -> list[tuple[str, list[tuple[str, str]]]]:
    """The sheet as (heading, [(key or command, what it does)]): commands first, then keys by area."""
    aliases: dict[str, list[str]] = {}
    for alias, verb in ALIASES.items():
        aliases.setdefault(verb, []).append(alias)
    commands = [
        (verb.usage, verb.summary + (f" (also {', '.join(aliases[verb.name])})" if verb.name in aliases else ""))
        for verb in VERBS.values()
    ]
    sections = [("Commands", commands)]
    areas: dict[str, list[tuple[str, str]]] = {area: list(keys) for area, keys in KEYS.items()}
    for area, key, meaning in extra_keys:
        areas.setdefault(area, []).append((key, meaning))
    sections += list(areas.items())
    return sections


COMMAND_NOTE = (
    "A unit may be typed by the end of its call sign (12 for CSO-12) and an incident by its last digits, "
    "when that names only one."
)


class CheatSheet(QDialog):
    """Non-modal, so the dispatcher can keep it open beside the board; F1 or Esc closes it.

    A tree of two columns rather than a page of text: a screen reader moves by section (each a
    heading row with its level) and reads each row as key and meaning, with the column headers.
    """

    def __init__(self, parent: QWidget | None = None, *, extra_keys: Sequence[tuple[str, str, str]] = ()) -> None:
        super().__init__(parent)
        self.setObjectName("cheatSheet")
        self.setWindowTitle("Commands and keys")
        self.setModal(False)
        self.note = QLabel(COMMAND_NOTE, self)
        self.note.setWordWrap(True)
        self.tree = QTreeWidget(self)
        self.tree.setAccessibleName("Commands and keys")
        self.tree.setAccessibleDescription(COMMAND_NOTE)
        self.tree.setColumnCount(2)
        self.tree.setHeaderLabels(["Key or command", "What it does"])
        self.tree.setRootIsDecorated(False)
        self.tree.setAlternatingRowColors(True)
        self.tree.setWordWrap(True)
        self.tree.setUniformRowHeights(False)
        fixed = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        for heading, rows in cheat_sheet_sections(extra_keys):
            section = QTreeWidgetItem(self.tree, [heading])
            font = section.font(0)
            font.setBold(True)
            font.setPointSizeF(font.pointSizeF() * 1.15)
            section.setFont(0, font)
            section.setFirstColumnSpanned(True)
            section.setFlags(Qt.ItemFlag.ItemIsEnabled)
            for key, meaning in rows:
                row = QTreeWidgetItem(section, [key, meaning])
                row.setFont(0, fixed)
                row.setToolTip(1, meaning)
        self.tree.expandAll()
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.header().setStretchLastSection(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.note)
        layout.addWidget(self.tree, 1)
        layout.addWidget(buttons)
        self.resize(900, 760)
        QShortcut(QKeySequence(Qt.Key.Key_F1), self).activated.connect(self.close)

    def toggle(self) -> None:
        if self.isVisible():
            self.close()
        else:
            self.show()
            self.raise_()
            self.activateWindow()
            self.tree.setFocus(Qt.FocusReason.OtherFocusReason)
            first = self.tree.topLevelItem(0)
            if self.tree.currentItem() is None and first is not None:
                self.tree.setCurrentItem(first)
