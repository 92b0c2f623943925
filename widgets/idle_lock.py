"""Screen lock after idle minutes: an opaque overlay over the window, the same user's password to return."""

from __future__ import annotations

import datetime as dt
import logging
from zoneinfo import ZoneInfo

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from data import auth
from data.clock import Clock, utc_now
from data.db import Database
from data.errors import DispatchError
from data.permissions import Actor
from widgets import theme
from widgets.operations import Operations

log = logging.getLogger(__name__)

DEFAULT_MINUTES = 30  # CJIS Security Policy 5.9.5: lock after at most 30 idle minutes
CHECK_INTERVAL_MS = 15_000

# What counts as the person being there.
ACTIVITY_EVENTS = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseButtonDblClick,
        QEvent.Type.MouseMove,
        QEvent.Type.Wheel,
        QEvent.Type.TouchBegin,
        QEvent.Type.TabletPress,
    }
)


class LockOverlay(QWidget):
    """Covers the whole window with an opaque panel, so nothing on the board can be read."""

    unlock_requested = Signal(str)  # the password typed
    sign_out_requested = Signal()

    def __init__(self, actor: Actor, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("idleLockOverlay")
        self.setAccessibleName("Screen locked")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setAutoFillBackground(True)
        colors = theme.colors()
        self.setStyleSheet(
            f"QWidget#idleLockOverlay {{ background-color: {colors.window.name()}; }}"
            f"QLabel#lockError {{ color: {colors.red.name()}; font-weight: 600; }}"
            "QLabel#lockTitle { font-size: 16pt; font-weight: 700; }"
        )
        who = f"{actor.display_name} ({actor.username})" if actor.display_name else actor.username
        self.title = QLabel("Screen locked")
        self.title.setObjectName("lockTitle")
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.user_label = QLabel(f"Signed in: {who} at {actor.workstation}")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName("Password to unlock")
        self.password.setPlaceholderText("Password")
        self.password.setMaxLength(auth.MAX_PASSWORD_LENGTH)
        self.error = QLabel()
        self.error.setObjectName("lockError")
        self.error.setAccessibleName("Unlock message")
        self.error.setWordWrap(True)
        self.unlock_button = QPushButton("Unlock")
        self.sign_out_button = QPushButton("Sign out")
        self.sign_out_button.setAccessibleDescription("End this session; the next person signs in")

        panel = QFrame()
        panel.setMaximumWidth(480)
        inner = QVBoxLayout(panel)
        inner.addWidget(self.title)
        inner.addWidget(self.message)
        inner.addWidget(self.user_label)
        inner.addWidget(self.password)
        inner.addWidget(self.error)
        row = QHBoxLayout()
        row.addWidget(self.sign_out_button)
        row.addStretch(1)
        row.addWidget(self.unlock_button)
        inner.addLayout(row)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        centre = QHBoxLayout()
        centre.addStretch(1)
        centre.addWidget(panel)
        centre.addStretch(1)
        outer.addLayout(centre)
        outer.addStretch(1)

        self.password.returnPressed.connect(self._on_password_return_pressed)
        self.unlock_button.clicked.connect(self._on_password_return_pressed)
        self.sign_out_button.clicked.connect(self.sign_out_requested)
        self.hide()

    def reset(self, message: str) -> None:
        self.message.setText(message)
        self.error.clear()
        self.password.clear()
        self.set_pending(False)

    def set_pending(self, pending: bool) -> None:
        self.password.setEnabled(not pending)
        self.unlock_button.setEnabled(not pending)
        self.unlock_button.setText("Checking…" if pending else "Unlock")

    def _on_password_return_pressed(self) -> None:
        if self.password.text() and self.password.isEnabled():
            self.unlock_requested.emit(self.password.text())


class IdleLock(QObject):
    """Counts input in every widget of the application; after ``minutes`` without any, locks the window.

    The input filter sits on each widget, not on the QApplication: PySide aborts when an
    application-wide Python filter meets an object Qt has just created (QtWebEngine makes many),
    so widgets are enrolled at start and on every check, and locking disables rather than filters.

    The window and everything in it stay as they were (the overlay only covers them); other
    windows of the application are hidden while locked and shown again on unlock. Lock, unlock
    and failed unlock attempts are audited; failures count towards the account lockout.
    """

    locked = Signal()
    unlocked = Signal()
    sign_out_requested = Signal()

    def __init__(
        self,
        window: QWidget,
        db: Database,
        actor: Actor,
        operations: Operations,
        *,
        minutes: float = DEFAULT_MINUTES,
        clock: Clock | None = None,
        check_interval_ms: int = CHECK_INTERVAL_MS,
    ) -> None:
        super().__init__(window)
        self.window = window
        self.db = db
        self.actor = actor
        self.operations = operations
        self.minutes = minutes
        # Idle time is the person's real time, not the database clock (a test or a simulation may
        # move that by hours); tests inject their own clock here.
        self._clock = clock or utc_now
        self._tz = ZoneInfo(db.pack.timezone)
        self._last_input = self._clock()
        self._locked = False
        self._hidden_windows: list[QWidget] = []
        self._disabled: list[QWidget | QAction | QShortcut] = []
        self._focus_before: QWidget | None = None
        self.overlay = LockOverlay(actor, window)
        self.overlay.unlock_requested.connect(self._on_overlay_unlock_requested)
        self.overlay.sign_out_requested.connect(self.sign_out_requested)
        self.timer = QTimer(self)
        self.timer.setInterval(check_interval_ms)
        self.timer.timeout.connect(self.check)
        self._running = False

    # Life cycle --------------------------------------------------------------------------------
    def start(self) -> None:
        if QApplication.instance() is None or self._running:
            return
        self._enrol_widgets()
        self._last_input = self._clock()
        self.timer.start()
        self._running = True

    def stop(self) -> None:
        if self._running:
            for widget in QApplication.allWidgets():
                widget.removeEventFilter(self)
        self.timer.stop()
        self._running = False

    def _enrol_widgets(self) -> None:
        """Watch every widget there is now (installing twice is harmless: Qt keeps one)."""
        for widget in QApplication.allWidgets():
            widget.installEventFilter(self)

    @property
    def is_locked(self) -> bool:
        return self._locked

    def idle_for(self) -> dt.timedelta:
        return self._clock() - self._last_input

    # Input -------------------------------------------------------------------------------------
    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        kind = event.type()
        if not self._locked:
            if kind in ACTIVITY_EVENTS:
                self._last_input = self._clock()
        elif kind == QEvent.Type.Resize and obj is self.window:
            self.overlay.setGeometry(self.window.rect())
        return False

    def check(self) -> bool:
        """Lock if the idle time has run out; True when this call locked the screen."""
        if self._locked or self.minutes <= 0:
            return False
        self._enrol_widgets()  # windows and panes opened since the last check
        idle = self.idle_for()
        if idle >= dt.timedelta(minutes=self.minutes):
            self.lock(idle_minutes=round(idle.total_seconds() / 60, 1))
            return True
        return False

    # Lock and unlock ---------------------------------------------------------------------------
    def lock(self, *, idle_minutes: float | None = None) -> None:
        if self._locked:
            return
        self._locked = True
        self._focus_before = QApplication.focusWidget()
        # Other windows (intake, floating panes, dialogs) would show the work: hide them until unlocked.
        others = [w for w in QApplication.topLevelWidgets() if w.isVisible() and w is not self.window]
        transient = (Qt.WindowType.Popup, Qt.WindowType.ToolTip)
        self._hidden_windows = [w for w in others if w.windowType() not in transient]
        for widget in others:
            widget.hide()
        # Nothing under the overlay takes input: its panes are disabled and the window's keys too.
        self._disabled = [
            w
            for w in self.window.findChildren(QWidget, options=Qt.FindChildOption.FindDirectChildrenOnly)
            if w is not self.overlay and w.isEnabled()
        ]
        self._disabled += [a for a in self.window.findChildren(QAction) if a.isEnabled()]
        self._disabled += [k for k in self.window.findChildren(QShortcut) if k.isEnabled()]
        for item in self._disabled:
            item.setEnabled(False)
        when = self.db.clock().astimezone(self._tz).strftime("%H:%M")
        reason = f"after {self.minutes:g} idle minutes" if idle_minutes is not None else "by you"
        self.overlay.reset(f"Locked at {when} {reason}. Your work is kept as it was. Type your password to continue.")
        self.overlay.setGeometry(self.window.rect())
        self.overlay.show()
        self.overlay.raise_()
        self.overlay.password.setFocus()
        db, actor = self.db, self.actor
        self.operations.run(
            lambda: auth.record_screen_lock(db, actor, idle_minutes=idle_minutes),
            owner=self,
            on_failure=self._on_audit_failed,
            report_failure=False,
        )
        self.locked.emit()

    def _on_overlay_unlock_requested(self, password: str) -> None:
        self.overlay.set_pending(True)
        self.overlay.error.clear()
        db, actor = self.db, self.actor
        # The overlay shows a refusal itself, under the password.
        self.operations.run(
            lambda: auth.unlock_screen(db, actor, password),
            owner=self,
            on_success=self._on_unlock_done,
            on_failure=self._on_unlock_failed,
            report_failure=False,
        )

    def _on_unlock_done(self, _actor: Actor) -> None:
        self._locked = False
        self._last_input = self._clock()
        for item in self._disabled:
            if isValid(item):
                item.setEnabled(True)
        self._disabled = []
        # Give focus back before the overlay hides: hiding the focused field would move focus on
        # as if by Tab, and a line edit reached by Tab selects all its text (the next key erases it).
        if self._focus_before is not None and isValid(self._focus_before):
            self._focus_before.setFocus(Qt.FocusReason.OtherFocusReason)
        else:
            self.window.setFocus(Qt.FocusReason.OtherFocusReason)
        self._focus_before = None
        self.overlay.reset("")
        self.overlay.hide()
        for widget in self._hidden_windows:
            if isValid(widget):
                widget.show()
        self._hidden_windows = []
        self.unlocked.emit()

    def _on_unlock_failed(self, exc: Exception) -> None:
        self.overlay.set_pending(False)
        self.overlay.password.clear()
        self.overlay.password.setFocus()
        if isinstance(exc, DispatchError):
            self.overlay.error.setText(str(exc))
        else:  # the operation layer has logged it with its traceback
            self.overlay.error.setText(f"The password could not be checked: {type(exc).__name__}: {exc}")

    def _on_audit_failed(self, exc: Exception) -> None:
        # The screen stays locked; the missing row is in the log.
        log.error("could not audit the screen lock", exc_info=exc)
