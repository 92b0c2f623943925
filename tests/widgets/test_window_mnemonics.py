"""No Alt key means two things in the main window: Qt fires neither of two ambiguous shortcuts."""

from __future__ import annotations

import re
from collections import defaultdict

import shiboken6
from PySide6.QtCore import QSettings
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QAbstractButton, QDialog, QGroupBox, QLabel, QWidget

from console.main_window import MainWindow
from console.settings import Settings
from tests.data.helpers import small_shift

MNEMONIC = re.compile(r"&([^&\s])")


def _in_main_window(widget: QWidget, window: MainWindow) -> bool:
    """Owned by the window itself, not by a dialog of its own (intake, forms): those are other windows."""
    parent = widget
    while parent is not None and parent is not window:
        if isinstance(parent, QDialog):
            return False
        parent = parent.parentWidget()
    return parent is window


def alt_keys(window: MainWindow) -> dict[str, list[str]]:
    found: dict[str, list[str]] = defaultdict(list)
    for action in window.menuBar().actions():
        if m := MNEMONIC.search(action.text()):
            found[m.group(1).upper()].append(f"menu {action.text()}")
    for widget in window.findChildren(QWidget):
        if not _in_main_window(widget, window):
            continue
        text = ""
        if isinstance(widget, QAbstractButton | QLabel):
            text = widget.text()
        elif isinstance(widget, QGroupBox):
            text = widget.title()
        if isinstance(widget, QLabel) and widget.buddy() is None:
            continue  # a label's & is a mnemonic only with a buddy
        if m := MNEMONIC.search(text):
            found[m.group(1).upper()].append(f"{type(widget).__name__} {text!r}")
    for shortcut in window.findChildren(QShortcut):
        parent = shortcut.parent()
        if isinstance(parent, QWidget) and not _in_main_window(parent, window):
            continue
        key = shortcut.key().toString(QKeySequence.SequenceFormat.PortableText)
        if key.startswith("Alt+") and len(key) == 5:
            found[key[-1]].append(f"shortcut {key}")
    return found


def test_every_alt_key_of_the_main_window_means_one_thing(qtbot, db, dispatcher, tmp_path):
    small_shift(db, units=1)
    settings = Settings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    win = MainWindow(db, dispatcher, with_map=False, settings=settings)
    try:
        keys = alt_keys(win)
        clashes = {key: where for key, where in keys.items() if len(where) > 1}
        assert clashes == {}
    finally:
        win.close()
        shiboken6.delete(win)
