"""The Supervisor menu of the main window: shift change, statistics, referral follow-ups, the directory."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWidget

from console.paperwork.shift_report import shift_report_pdf
from console.paperwork.welfare import welfare_log_pdf
from data.permissions import ACTION_NAMES, PRIVILEGED, ROLES, Actor, allowed
from widgets.directory_editor import DirectoryEditor
from widgets.referrals import FollowUpList
from widgets.shift_change import ShiftChangeView
from widgets.statistics import StatisticsDashboard

if TYPE_CHECKING:
    from console.main_window import MainWindow

W = TypeVar("W", bound=QWidget)

# (area, key, what it does): the cheat sheet's extra rows.
SUPERVISOR_KEYS = (
    ("Supervisor", "Ctrl+Shift+S", "Shift change: carry incidents over, set the incoming roster, print the report"),
    ("Supervisor", "Ctrl+Shift+D", "Statistics dashboard for a date range, with CSV export"),
    ("Supervisor", "Ctrl+Shift+R", "Referral follow-ups due"),
    ("Incident detail", "Ctrl+R", "Record a referral for the incident shown"),
)


class SupervisorTools(QObject):
    """Builds the menu and opens each tool in its own window, once, reusing it afterwards."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        actor = window.actor
        self.menu = window.menuBar().addMenu("S&upervisor")
        self.menu.setObjectName("supervisorMenu")
        self.shift_action = self._action("Shift change…", "Ctrl+Shift+S", self.open_shift_change)
        self.statistics_action = self._action("Statistics…", "Ctrl+Shift+D", self.open_statistics)
        self.follow_ups_action = self._action("Referral follow-ups…", "Ctrl+Shift+R", self.open_follow_ups)
        self.menu.addSeparator()
        self.directory_action = self._action("Referral directory…", None, self.open_directory)
        self.menu.setToolTipsVisible(True)
        # Disabled tools are still guarded by the services; disabling them says why before a refusal would.
        guard_action(window, self.shift_action, actor, "manage_shift")
        guard_action(window, self.statistics_action, actor, "read_statistics")
        self.shift_change: ShiftChangeView | None = None
        self.statistics: StatisticsDashboard | None = None
        self.follow_ups: FollowUpList | None = None
        self.directory: DirectoryEditor | None = None

    def _action(self, name: str, keys: str | None, slot: Callable[[], object]) -> QAction:
        action = QAction(name, self.window)
        if keys:
            action.setShortcut(QKeySequence(keys))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.triggered.connect(slot)
        self.window.addAction(action)
        self.menu.addAction(action)
        return action

    def _window(self, widget: W) -> W:
        # Its own window, owned by the console: closes with it, never blocks it.
        widget.setWindowFlag(Qt.WindowType.Window, True)
        return widget

    def _show(self, widget: QWidget, size: tuple[int, int]) -> None:
        if not widget.isVisible():
            widget.resize(*size)
        widget.show()
        widget.raise_()
        widget.activateWindow()

    # Tools -------------------------------------------------------------------------------------
    def open_shift_change(self) -> ShiftChangeView:
        w = self.window
        if self.shift_change is None:
            self.shift_change = self._window(
                ShiftChangeView(
                    w.store,
                    w.actor,
                    w,
                    report_pdf=shift_report_pdf,
                    welfare_log_pdf=welfare_log_pdf,
                    print_pdf=w.paperwork.open_preview,
                )
            )
            self.shift_change.shift_changed.connect(lambda result: w.show_message(f"{result.shift.name} started"))
        self._show(self.shift_change, (1400, 900))
        self.shift_change.load()
        return self.shift_change

    def open_statistics(self) -> StatisticsDashboard:
        w = self.window
        if self.statistics is None:
            self.statistics = self._window(StatisticsDashboard(w.db, w.operations, w.actor, w))
        self._show(self.statistics, (1400, 900))
        return self.statistics

    def open_follow_ups(self) -> FollowUpList:
        w = self.window
        if self.follow_ups is None:
            self.follow_ups = self._window(FollowUpList(w.db, w.operations, w.actor, w))
            self.follow_ups.incident_selected.connect(w.select_incident)
        self._show(self.follow_ups, (1100, 520))
        self.follow_ups.refresh()
        return self.follow_ups

    def open_directory(self) -> DirectoryEditor:
        w = self.window
        if self.directory is None:
            self.directory = self._window(DirectoryEditor(w.db, w.operations, w.actor, w))
        self._show(self.directory, (1000, 560))
        self.directory.load()
        return self.directory


def refusal_reason(actor: Actor, permission: str) -> str:
    """Why a role may not use a tool, in the words of the permission matrix."""
    roles = sorted(PRIVILEGED.get(permission, ()), key=ROLES.index)
    who = " and ".join(f"{r}s" for r in roles) or "nobody"
    what = ACTION_NAMES.get(permission, permission)
    return f"Only {who} can {what}; you are signed in as {actor.role}."


def guard_action(window: QWidget, action: QAction, actor: Actor, permission: str) -> None:
    """Disable an action the role may not take, with the reason on hover; its key answers with a refusal line."""
    if allowed(actor, permission):
        return
    reason = refusal_reason(actor, permission)
    action.setEnabled(False)
    action.setToolTip(reason)
    action.setStatusTip(reason)
    if not action.shortcut().isEmpty():
        # A disabled action's key does nothing at all: this twin answers it instead.
        refusal = QAction(f"{action.text()} (not allowed)", window)
        refusal.setShortcut(action.shortcut())
        refusal.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        refusal.setObjectName(f"refusal_{permission}")
        refusal.setData(reason)
        refusal.triggered.connect(window.show_refusal_of_sender)  # type: ignore[attr-defined]
        window.addAction(refusal)


__all__ = ["SUPERVISOR_KEYS", "SupervisorTools", "guard_action", "refusal_reason"]
