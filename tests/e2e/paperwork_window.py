"""The whole window over the demo shift, with the map loaded, for the paperwork tests; PDF printers."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import QSettings, Qt
from PySide6.QtPrintSupport import QPrinter
from PySide6.QtWidgets import QApplication

from console.main_window import MainWindow
from console.settings import Settings
from data.clock import ManualClock
from data.db import Database
from data.demo import seed_demo

HEADLESS_NOISE = (r"QRhiGles2: Failed to create", r"Failed to create RHI", r"GPUInfo not initialized")
QT_NOISE = (*HEADLESS_NOISE, "This plugin does not support", "QVulkanInstance", "GBM is not supported")


# The demo shift ends at this moment (the tests' usual clock).
START = dt.datetime(2026, 11, 26, 16, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory) -> Path:
    """The demo shift seeded once per test run; each test works on a copy."""
    clock = ManualClock(START)
    folder = tmp_path_factory.mktemp("demo-template")
    db = Database(f"sqlite:///{folder / 'demo.sqlite3'}", clock=clock)
    seed_demo(db)
    db.dispose()
    return folder / "demo.sqlite3"


class PdfPrinters:
    """Hands the window PDF printers writing to numbered files: the only thing the tests replace."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.files: list[Path] = []

    def __call__(self) -> QPrinter:
        path = self.folder / f"printed-{len(self.files) + 1}.pdf"
        self.files.append(path)
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(path))
        return printer


def pdftotext(path: Path) -> str:
    assert shutil.which("pdftotext"), "poppler-utils (pdftotext) is needed"
    done = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def pdf_pages(path: Path) -> int:
    done = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return int(next(line.split()[-1] for line in done.stdout.splitlines() if line.startswith("Pages:")))


@pytest.fixture
def demo_db(demo_template, tmp_path) -> Iterator[Database]:
    target = tmp_path / "cso.sqlite3"
    shutil.copy(demo_template, target)
    db = Database(f"sqlite:///{target}", clock=ManualClock(START))
    yield db
    db.dispose()


def open_window(qtbot, db: Database, actor, tmp_path: Path, *, with_map: bool = True) -> MainWindow:
    settings = Settings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    win = MainWindow(db, actor, demo=True, with_map=with_map, settings=settings)
    win.store.flush_timer.setInterval(0)
    win.paperwork.make_printer = PdfPrinters(tmp_path)
    win.paperwork.folder = tmp_path
    win.resize(1500, 950)
    win.show()
    win.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is win, timeout=10_000)
    qtbot.waitUntil(lambda: len(win.store.incidents) > 20, timeout=15_000)
    if with_map:
        assert win.map_view is not None
        qtbot.waitUntil(lambda: win.map_view.is_ready, timeout=60_000)
    return win


def close_window(win: MainWindow) -> None:
    win.close()
    # The page must go before QtWebEngine's profile does at exit (pytest-qt only schedules deleteLater).
    shiboken6.delete(win)


def key(qtbot, keys: str | int, modifier=Qt.KeyboardModifier.NoModifier, widget=None) -> None:
    """A key press where the focus is, as a person types."""
    target = widget or QApplication.focusWidget()
    assert target is not None, "nothing has keyboard focus"
    if isinstance(keys, str):
        qtbot.keyClicks(target, keys)
    else:
        qtbot.keyClick(target, keys, modifier)


def command(qtbot, win: MainWindow, line: str) -> None:
    key(qtbot, Qt.Key.Key_F3, widget=win)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is win.command_line.edit)
    key(qtbot, line)
    key(qtbot, Qt.Key.Key_Return)


def print_preview(qtbot, win: MainWindow) -> Path:
    """In the preview that just opened: Ctrl+P, Enter in the print dialog; returns the printed file."""
    desk = win.paperwork
    qtbot.waitUntil(lambda: desk.preview is not None and desk.preview.print_button.isEnabled(), timeout=30_000)
    preview = desk.preview
    assert preview is not None
    preview.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is preview, timeout=15_000)
    target = Path(preview.printer.outputFileName())
    key(qtbot, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier, widget=preview)
    qtbot.waitUntil(lambda: preview.print_dialog is not None and preview.print_dialog.isVisible(), timeout=10_000)
    dialog = preview.print_dialog
    # Enter in the print dialog. With two previews opening at once (a new shift's two documents) the
    # offscreen platform, which has no window manager, may leave the other preview active: the key goes
    # to the dialog the person is looking at.
    focus = dialog.focusWidget() or dialog
    key(qtbot, Qt.Key.Key_Return, widget=focus)
    qtbot.waitUntil(lambda: target.exists() and not shiboken6.isValid(preview), timeout=20_000)
    return target
