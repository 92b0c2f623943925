"""The Supervisor menu in the main window: keys open the tools in their own windows, by role."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings, Qt

from console.main_window import MainWindow
from console.settings import Settings
from tests.data.helpers import small_shift
from widgets.shift_change import ShiftChangeView
from widgets.statistics import StatisticsDashboard

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support")


@pytest.fixture
def open_window(qtbot, qloop, db, tmp_path):
    small_shift(db, units=2)
    made = []

    def build(actor) -> MainWindow:
        settings = Settings(QSettings(str(tmp_path / f"{actor.username}.ini"), QSettings.Format.IniFormat))
        win = MainWindow(db, actor, with_map=False, settings=settings, demo_sign_in=True)
        win.store.flush_timer.setInterval(0)
        qtbot.addWidget(win)
        win.show()
        qtbot.waitUntil(lambda: len(win.store.units) == 2, timeout=5000)
        made.append(win)
        return win

    yield build
    for win in made:
        qtbot.waitUntil(lambda win=win: win.runner.pending == 0, timeout=10000)


def test_supervisor_opens_shift_change_and_statistics_by_key(qtbot, open_window, supervisor):
    win = open_window(supervisor)
    tools = win.supervisor_tools
    menu = win.menuBar().findChild(type(tools.menu), "supervisorMenu")
    assert menu is tools.menu
    assert [a.text() for a in menu.actions() if a.text()] == [
        "Shift change…",
        "Statistics…",
        "Referral follow-ups…",
        "Referral directory…",
    ]
    assert tools.shift_action.shortcut().toString() == "Ctrl+Shift+S"
    tools.shift_action.trigger()
    view = tools.shift_change
    assert isinstance(view, ShiftChangeView) and view.isWindow() and view.isVisible()
    qtbot.waitUntil(lambda: view.state is not None and view.pending == 0, timeout=10000)
    assert view.title.text() == "Outgoing: Test day shift"
    assert view.roster.rowCount() == 2
    tools.shift_action.trigger()
    assert tools.shift_change is view  # one window, reused
    tools.statistics_action.trigger()
    assert isinstance(tools.statistics, StatisticsDashboard) and tools.statistics.isWindow()
    qtbot.waitUntil(lambda: tools.statistics.stats is not None, timeout=10000)
    tools.follow_ups_action.trigger()
    qtbot.waitUntil(lambda: tools.follow_ups.pending == 0, timeout=10000)
    tools.directory_action.trigger()
    qtbot.waitUntil(lambda: tools.directory.pending == 0, timeout=10000)
    assert not tools.directory.save_button.isEnabled()  # supervisors read the directory; admins edit it


def test_dispatchers_do_not_get_the_shift_change(qtbot, open_window, dispatcher):
    win = open_window(dispatcher)
    assert not win.supervisor_tools.shift_action.isEnabled()
    assert not win.supervisor_tools.statistics_action.isEnabled()
    assert win.supervisor_tools.follow_ups_action.isEnabled()
    qtbot.keyClick(win, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert win.supervisor_tools.shift_change is None
