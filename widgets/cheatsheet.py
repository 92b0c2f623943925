"""The F1 cheat sheet: every command and every key, on one page."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout, QWidget

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


def cheat_sheet_html(extra_keys: Sequence[tuple[str, str, str]] = ()) -> str:
    """The sheet as HTML: commands first, then keys by area (area, key, meaning for extras)."""
    aliases: dict[str, list[str]] = {}
    for alias, verb in ALIASES.items():
        aliases.setdefault(verb, []).append(alias)
    rows = []
    for verb in VERBS.values():
        also = (
            f" <span class='alias'>also {escape(', '.join(aliases[verb.name]))}</span>" if verb.name in aliases else ""
        )
        rows.append(f"<tr><td class='key'>{escape(verb.usage)}</td><td>{escape(verb.summary)}{also}</td></tr>")
    parts = [
        "<style>"
        "h2 { margin: 10px 0 4px 0; font-size: 13pt; }"
        "td { padding: 2px 14px 2px 0; vertical-align: top; }"
        "td.key { font-family: monospace; font-weight: 600; white-space: nowrap; }"
        ".alias { color: #78909c; }"
        "p.note { color: #78909c; }"
        "</style>",
        "<h2>Commands</h2>",
        "<p class='note'>A unit may be typed by the end of its call sign (12 for CSO-12) and an incident by its "
        "last digits, when that names only one.</p>",
        "<table>",
        *rows,
        "</table>",
    ]
    areas: dict[str, list[tuple[str, str]]] = {area: list(keys) for area, keys in KEYS.items()}
    for area, key, meaning in extra_keys:
        areas.setdefault(area, []).append((key, meaning))
    for area, keys in areas.items():
        parts.append(f"<h2>{escape(area)}</h2><table>")
        parts += [f"<tr><td class='key'>{escape(k)}</td><td>{escape(m)}</td></tr>" for k, m in keys]
        parts.append("</table>")
    return "".join(parts)


class CheatSheet(QDialog):
    """Non-modal, so the dispatcher can keep it open beside the board; F1 or Esc closes it."""

    def __init__(self, parent: QWidget | None = None, *, extra_keys: Sequence[tuple[str, str, str]] = ()) -> None:
        super().__init__(parent)
        self.setObjectName("cheatSheet")
        self.setWindowTitle("Commands and keys")
        self.setModal(False)
        self.browser = QTextBrowser(self)
        self.browser.setOpenLinks(False)
        self.browser.setHtml(cheat_sheet_html(extra_keys))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser)
        layout.addWidget(buttons)
        self.resize(720, 760)
        QShortcut(QKeySequence(Qt.Key.Key_F1), self, activated=self.close)

    def toggle(self) -> None:
        if self.isVisible():
            self.close()
        else:
            self.show()
            self.raise_()
            self.activateWindow()
