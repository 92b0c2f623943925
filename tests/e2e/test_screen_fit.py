"""The main window on a dispatcher's screen (1366x768 and 1920x1080), with the demo shift and the map.

Asserts what a dispatcher sees: the first frame has its rows and counts, the queue's columns are
whole, every unit on the board is in view with overdue checks first, the incident pane takes no room
until an incident is selected, its recommended units show without scrolling, the intake leaves the
queue in sight, and larger text does not push the window past the screen.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import QEvent, QObject, QRect, QSettings, Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QApplication, QWidget

from console.main_window import MainWindow
from console.settings import Settings
from data.db import Database
from data.demo import seed_demo
from data.permissions import Actor
from widgets import incident_queue as iq
from widgets import theme

HEADLESS_NOISE = (r"QRhiGles2: Failed to create", r"Failed to create RHI", r"GPUInfo not initialized")
pytestmark = [pytest.mark.qt_log_ignore(*HEADLESS_NOISE, "This plugin does not support"), pytest.mark.slow]

SIZES = [(1366, 768), (1920, 1080)]
QUEUE_COLUMNS = (iq.COL_NUMBER, iq.COL_PRIORITY, iq.COL_TYPE, iq.COL_LOCATION, iq.COL_STATUS, iq.COL_UNITS, iq.COL_AGE)


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
    db = Database(f"sqlite:///{path}")
    seed_demo(db)
    db.dispose()
    return path


class ShowWatcher(QObject):
    """What the window held when it was first shown (a filter on the window only)."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__()
        self.window = window
        self.seen: dict[str, object] | None = None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Show and self.seen is None:
            win = self.window
            self.seen = {
                "rows": win.queue.model.rowCount(),
                "units": win.board.model.rowCount(),
                "counts": win.queue.count_label.text(),
            }
        return False


@pytest.fixture
def open_window(qtbot, qloop, demo_file, tmp_path):
    made: list[MainWindow] = []
    app = QApplication.instance()
    points = theme.current_font_points(app)
    theme.apply_theme(app, theme.DEFAULT_THEME, 10)  # as the console starts: the default text size

    def build(width: int, height: int) -> tuple[MainWindow, ShowWatcher]:
        shutil.copy(demo_file, tmp_path / "demo.sqlite3")
        db = Database(f"sqlite:///{tmp_path / 'demo.sqlite3'}")
        settings = Settings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
        actor = Actor("demo.dispatcher", role="dispatcher", workstation="ws-1")
        win = MainWindow(db, actor, demo=True, with_map=True, settings=settings)
        win.resize(width, height)
        watcher = ShowWatcher(win)
        win.installEventFilter(watcher)
        made.append(win)
        win.show_when_loaded()
        qtbot.waitUntil(win.isVisible, timeout=10_000)
        win.resize(width, height)  # offscreen "maximised" is the small virtual screen: the size under test
        assert win.map_view is not None
        qtbot.waitUntil(lambda: win.map_view.is_ready, timeout=60_000)
        qtbot.waitUntil(lambda: not win._layout_timer.isActive(), timeout=5_000)
        win.activateWindow()  # window shortcuts (Ctrl++, F2, F5) need the active window
        qtbot.waitUntil(lambda: QApplication.activeWindow() is win, timeout=5_000)
        return win, watcher

    yield build
    theme.apply_theme(app, theme.current_theme(app), points)
    for win in made:
        win.removeEventFilter(win.findChild(ShowWatcher) or QObject())
        win.close()
        win.runner.shutdown()
        db = win.db
        shiboken6.delete(win)  # the page must go before QtWebEngine's profile does at exit
        db.dispose()


def rect_in(widget: QWidget, ancestor: QWidget) -> QRect:
    return QRect(widget.mapTo(ancestor, widget.rect().topLeft()), widget.size())


def shown_on(widget: QWidget, win: MainWindow) -> bool:
    """Visible, not behind a tab, and inside the window."""
    return widget.isVisible() and not widget.visibleRegion().isEmpty() and win.rect().contains(rect_in(widget, win))


def assert_queue_columns_whole(win: MainWindow, *, whole_type: bool = True) -> None:
    table = win.queue.table
    header = table.horizontalHeader()
    viewport = table.viewport().width()
    for col in QUEUE_COLUMNS:
        assert not header.isSectionHidden(col), iq.HEADERS[col]
        left = header.sectionViewportPosition(col)
        assert left >= 0 and left + header.sectionSize(col) <= viewport, f"{iq.HEADERS[col]} is cut off"
    if not whole_type:
        return
    metrics = QFontMetrics(table.font())
    proxy = win.queue.proxy
    types = {str(proxy.index(r, iq.COL_TYPE).data()) for r in range(proxy.rowCount())}
    widest = max(metrics.horizontalAdvance(t) for t in types)
    assert widest + 8 <= header.sectionSize(iq.COL_TYPE), "a call type is truncated"


def assert_every_unit_in_view(win: MainWindow) -> None:
    table = win.board.table
    assert shown_on(table.viewport(), win)
    area = table.viewport().rect()
    proxy = win.board.proxy
    assert proxy.rowCount() == sum(1 for u in win.store.units.values() if u.on_shift)
    for row in range(proxy.rowCount()):
        cell = table.visualRect(proxy.index(row, 0))
        assert area.contains(cell), f"unit row {row} ({proxy.index(row, 0).data()}) is not fully in view"


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_board_and_queue_fit_and_the_first_frame_has_its_rows(open_window, width, height):
    win, watcher = open_window(width, height)
    assert watcher.seen is not None
    assert watcher.seen["rows"] > 0 and watcher.seen["units"] > 0, "the first frame was empty"
    counts = win.queue.model.counts()
    assert f"{counts['pending']} pending" in str(watcher.seen["counts"])
    assert counts["pending"] > 0
    assert QApplication.focusWidget() is win.command_line.edit

    assert (win.width(), win.height()) == (width, height)
    assert_queue_columns_whole(win)
    assert_every_unit_in_view(win)
    # Overdue status checks head the board.
    states = [win.board.proxy.index(r, 3).data() or "" for r in range(win.board.proxy.rowCount())]
    overdue = [i for i, s in enumerate(states) if str(s).startswith("CHECK!")]
    assert overdue and overdue == list(range(len(overdue)))
    # Nothing selected: the incident pane takes no room.
    assert not win.detail.isVisible() or win.detail.visibleRegion().isEmpty()


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_selected_incident_shows_recommended_units_without_scrolling(qtbot, open_window, width, height):
    win, _ = open_window(width, height)
    pending = next(r for r in win.store.incidents.values() if r.status == "pending")
    win.queue.focus_table()
    win.select_incident(pending.id)
    qtbot.waitUntil(lambda: win.detail.recommended_list.count() > 0, timeout=10_000)
    recommended = win.detail.recommended_list
    assert shown_on(recommended, win)
    assert rect_in(win.detail, win).contains(rect_in(recommended, win))
    first = recommended.visualItemRect(recommended.item(0))
    assert first.top() >= 0 and first.bottom() <= recommended.viewport().height(), "the first is scrolled away"
    assert_queue_columns_whole(win)
    if not win._detail_tabbed:  # sharing the column: the board still shows every unit
        assert_every_unit_in_view(win)
    else:  # a tab: F5 brings the whole board back
        qtbot.keyClick(win.queue.table, Qt.Key.Key_F5)
        assert_every_unit_in_view(win)


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_larger_text_keeps_the_window_on_the_screen(qtbot, open_window, width, height):
    win, _ = open_window(width, height)
    for step in (1, 2):
        points = theme.current_font_points(QApplication.instance())
        qtbot.keyClick(win.command_line.edit, Qt.Key.Key_Plus, Qt.KeyboardModifier.ControlModifier)
        assert win.statusBar().currentMessage() == f"Text size {points + 1} pt"
        # 1366 px two steps up cannot hold the longest call type beside the board: it alone may elide.
        whole_type = width >= 1920 or step == 1

        def fitted(whole_type: bool = whole_type) -> None:
            assert not win._layout_timer.isActive()
            assert_queue_columns_whole(win, whole_type=whole_type)
            assert_every_unit_in_view(win)

        qtbot.waitUntil(fitted, timeout=5_000)
        assert win.width() <= width and win.height() <= height, f"{step} steps larger: {win.size()}"


def test_intake_opens_beside_the_queue(qtbot, open_window):
    win, _ = open_window(1366, 768)
    qtbot.keyClick(win.command_line.edit, Qt.Key.Key_F2)
    qtbot.waitUntil(win.intake.isVisible, timeout=5_000)
    queue = QRect(win.queue.mapToGlobal(win.queue.rect().topLeft()), win.queue.size())
    intake = win.intake.frameGeometry()
    covered = queue.intersected(intake)
    # At most the queue's last rows: the pending calls at its top stay in sight.
    assert covered.isEmpty() or covered.top() > queue.top() + queue.height() // 2
    win.intake.form.cancelled.emit()
