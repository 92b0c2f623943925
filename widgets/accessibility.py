"""What a screen reader hears: announcements of results and alarms, and names that carry what is shown."""

from __future__ import annotations

import weakref
from typing import Literal

import shiboken6
from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAccessible, QAccessibleAnnouncementEvent, QAccessibleEvent
from PySide6.QtWidgets import QApplication, QLabel, QWidget

AnnouncementLevel = Literal["all", "important", "off"]
LEVELS: tuple[AnnouncementLevel, ...] = ("all", "important", "off")
# Polite announcements closer together than this are merged into one, so a busy board does not
# drown the dispatcher; urgent ones (refusals, alarms) always go out at once.
POLITE_INTERVAL_MS = 2000
# Marks that repeat a meaning shown in colour; a screen reader would read them as "black circle".
_MARKS = str.maketrans("", "", "●○⚠✕✖✓▲▸")


def spoken(text: str) -> str:
    """Text as it should be read: without the visual marks, spaces collapsed."""
    return " ".join(text.translate(_MARKS).split())


class Announcer(QObject):
    """Sends announcements to assistive technology through Qt's QAccessibleAnnouncementEvent.

    ``level`` (the setting ``announcements``): "all" announces results too, "important" only
    refusals and alarms, "off" nothing. Polite announcements inside the rate window are merged
    into one that follows the window ("… and 2 more"). ``announced`` repeats every announcement
    sent (text, urgent), for tests and for a log.
    """

    announced = Signal(str, bool)

    def __init__(
        self,
        parent: QObject,
        *,
        target: QObject | None = None,
        level: AnnouncementLevel = "all",
        interval_ms: int = POLITE_INTERVAL_MS,
    ) -> None:
        super().__init__(parent)
        # The announcement comes from the widget that shows the text (the status bar) or its window.
        # Weakly: the target is usually the parent, and a child holding its parent makes a cycle.
        self._target = weakref.ref(target if target is not None else parent)
        self.level: AnnouncementLevel = level if level in LEVELS else "all"
        self._held: list[str] = []
        self.window_timer = QTimer(self)
        self.window_timer.setSingleShot(True)
        self.window_timer.setInterval(interval_ms)
        self.window_timer.timeout.connect(self._on_window_timer_timeout)

    def announce(self, text: str, *, urgent: bool = False) -> None:
        """Urgent: a refusal, an error, a status check or a call waiting too long; else a result."""
        text = spoken(text)
        if not text or self.level == "off" or (self.level == "important" and not urgent):
            return
        if urgent:
            self._send(text, urgent=True)
            return
        if self.window_timer.isActive():
            self._held.append(text)
            return
        self._send(text, urgent=False)
        if self.window_timer.interval() > 0:
            self.window_timer.start()

    def _on_window_timer_timeout(self) -> None:
        if not self._held:
            return
        latest, more = self._held[-1], len(self._held) - 1
        self._held = []
        self._send(f"{latest} (and {more} more)" if more else latest, urgent=False)
        self.window_timer.start()

    def _send(self, text: str, *, urgent: bool) -> None:
        target = self._target()
        if target is not None and shiboken6.isValid(target):
            send_announcement(target, text, urgent=urgent)
        self.announced.emit(text, urgent)


def send_announcement(source: QObject, text: str, *, urgent: bool = False) -> None:
    """One QAccessibleAnnouncementEvent from ``source`` (assertive when urgent)."""
    event = QAccessibleAnnouncementEvent(source, text)
    event.setPoliteness(
        QAccessible.AnnouncementPoliteness.Assertive if urgent else QAccessible.AnnouncementPoliteness.Polite
    )
    QAccessible.updateAccessibility(event)


_fallback: Announcer | None = None


def announcer_for(widget: QObject | None) -> Announcer:
    """The announcer of the window a widget lives in (a dialog's parent window counts), or the application's."""
    obj = widget
    while obj is not None:
        found = obj.findChild(Announcer, options=Qt.FindChildOption.FindDirectChildrenOnly)
        if found is not None:
            return found
        obj = obj.parent()
    global _fallback
    if _fallback is None or not shiboken6.isValid(_fallback):
        app = QApplication.instance()
        assert app is not None, "announcements need a QApplication"
        _fallback = Announcer(app)
    return _fallback


def announce(widget: QObject | None, text: str, *, urgent: bool = False) -> None:
    announcer_for(widget).announce(text, urgent=urgent)


def notify_name_changed(widget: QWidget) -> None:
    QAccessible.updateAccessibility(QAccessibleEvent(widget, QAccessible.Event.NameChanged))


class CaptionedLabel(QLabel):
    """A label whose accessible name is its caption and its text ("Connection: disconnected since 14:02").

    A fixed accessible name would hide what the label shows; the bare text would lose what it is.
    """

    def __init__(self, caption: str, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.caption = caption
        self.setText(text)

    def setText(self, text: str) -> None:
        super().setText(text)
        words = spoken(text)
        self.setAccessibleName(f"{self.caption}: {words}" if words else self.caption)


_PART_ORDER = ("error", "suggestions")


def set_description_part(widget: QWidget, part: str, text: str) -> None:
    """Set one part of a widget's accessible description (an error, the suggestions on offer), keeping the rest.

    The description set in code before the first part stays as the base, read last.
    """
    parts = widget.property("accessibleParts")
    if not isinstance(parts, dict):
        parts = {"": widget.accessibleDescription()}
    parts = {**parts, part: spoken(text)}
    widget.setProperty("accessibleParts", parts)
    order = [p for p in _PART_ORDER if p in parts] + [p for p in parts if p not in _PART_ORDER and p]
    texts = [parts[p] for p in order if parts[p]]
    if parts.get(""):
        texts.append(parts[""])
    widget.setAccessibleDescription(" ".join(texts))


def accessible_name(widget: QWidget) -> str:
    """The name a screen reader reads for a widget: the one set in code, else its label or text."""
    interface = QAccessible.queryAccessibleInterface(widget)
    return interface.text(QAccessible.Text.Name) if interface is not None else widget.accessibleName()
