"""A line edit with a suggestion popup that Enter and Tab accept, for few-keystroke entry."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, QModelIndex, Qt, Signal
from PySide6.QtGui import QFocusEvent, QKeyEvent, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QAbstractItemView, QCompleter, QLineEdit, QWidget

from widgets.accessibility import send_announcement, set_description_part

ValueRole = Qt.ItemDataRole.UserRole + 1


class CompletingLineEdit(QLineEdit):
    """Shows (display, value) suggestions the owner supplies; accepting one puts its value in.

    Tab accepts the highlighted suggestion, or the first one when `tab_takes_first`; Enter accepts
    the highlighted one, or the first when `enter_takes_first`, and otherwise reports `submitted`
    so the owner can save or run. The owner ranks the suggestions itself: the popup shows them
    unfiltered and in order, so what Tab takes is what the dispatcher sees on top.
    """

    submitted = Signal()
    completion_accepted = Signal(str, bool)  # value, accepted with Enter (else Tab or a click)
    help_requested = Signal()

    def __init__(
        self, parent: QWidget | None = None, *, tab_takes_first: bool = False, enter_takes_first: bool = False
    ) -> None:
        super().__init__(parent)
        self.tab_takes_first = tab_takes_first
        self.enter_takes_first = enter_takes_first
        self.suggestions = QStandardItemModel(self)
        self.completer_ = QCompleter(self.suggestions, self)
        self.completer_.setWidget(self)
        self.completer_.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self.completer_.setMaxVisibleItems(10)
        self.completer_.activated[QModelIndex].connect(  # type: ignore[index]  # overloaded signal; the stubs type one
            self._on_completer_activated
        )
        self._default_highlight = False
        self._chosen_by_user = False
        popup = self.popup_view()
        # Not a Qt::Popup: a popup grabs the keyboard and, when it closes, hands focus back to
        # whatever had it before, which yanks the cursor out of the next field. As a tool window
        # it never takes focus, so every key reaches this field and event() routes it.
        popup.setWindowFlags(
            Qt.WindowType.ToolTip | Qt.WindowType.FramelessWindowHint | Qt.WindowType.WindowDoesNotAcceptFocus
        )
        popup.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating, True)
        # QCompleter makes this field the popup's focus proxy, so the popup "has focus" too and
        # every highlight moves a screen reader's focus into the list (and never back). The keys
        # reach this field anyway; the highlighted suggestion is announced instead (_move_highlight).
        popup.setFocusProxy(None)  # type: ignore[arg-type]  # Qt takes nullptr; the stubs do not say so
        popup.selectionModel().currentChanged.connect(self._on_popup_current_changed)

    def popup_view(self) -> QAbstractItemView:
        popup = self.completer_.popup()
        assert popup is not None  # QCompleter makes its popup on first use and keeps it
        return popup

    # Suggestions -------------------------------------------------------------------------------
    def set_suggestions(self, rows: Sequence[tuple[str, str]], *, show: bool = True) -> None:
        """Replace the suggestions; shows the popup when there are some and this field has focus."""
        self.suggestions.clear()
        for display, value in rows:
            item = QStandardItem(display)
            item.setData(value, ValueRole)
            item.setEditable(False)
            self.suggestions.appendRow(item)
        if rows and show and self.has_input_focus():
            self.completer_.complete(self.rect())
            popup = self.popup_view()
            # Highlight what Tab would take, without counting it as the dispatcher's choice.
            self._default_highlight = True
            popup.setCurrentIndex(popup.model().index(0, 0) if self.tab_takes_first else QModelIndex())
            self._default_highlight = False
            self._chosen_by_user = False
            top = f"; Tab takes {rows[0][0]}" if self.tab_takes_first else "; Down arrow to choose"
            set_description_part(self, "suggestions", f"{len(rows)} suggestion{'s' if len(rows) != 1 else ''}{top}")
        else:
            self.hide_suggestions()

    def has_input_focus(self) -> bool:
        """Focused within its window (also while the window itself is inactive, as in tests)."""
        return self.isVisible() and self.window().focusWidget() is self

    def hide_suggestions(self) -> None:
        popup = self.popup_view()
        if popup.isVisible():
            popup.hide()
        if self.accessibleDescription():
            set_description_part(self, "suggestions", "")

    def suggestions_visible(self) -> bool:
        return self.popup_view().isVisible()

    def suggestion_values(self) -> list[str]:
        return [str(self.suggestions.item(r).data(ValueRole)) for r in range(self.suggestions.rowCount())]

    def apply_completion(self, value: str) -> None:
        """Put an accepted suggestion into the field; subclasses may insert only a word."""
        self.setText(value)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        self.hide_suggestions()
        super().focusOutEvent(event)

    # Keys --------------------------------------------------------------------------------------
    def event(self, event: QEvent) -> bool:
        # Tab never reaches keyPressEvent (focus handling eats it), so keys are taken here; the
        # completer's popup also forwards its keys straight to this method.
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            key = event.key()
            plain = not (event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier)
            if key == Qt.Key.Key_Tab and plain:
                self._accept(take_first=self.tab_takes_first, by_enter=False)
                return super().event(event)
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and plain:
                if not self._accept(take_first=self.enter_takes_first, by_enter=True):
                    self.submitted.emit()
                event.accept()
                return True
            if key == Qt.Key.Key_Escape and self.suggestions_visible():
                self.hide_suggestions()
                event.accept()
                return True
            if key in (Qt.Key.Key_Down, Qt.Key.Key_Up) and self.suggestions_visible() and plain:
                self._move_highlight(1 if key == Qt.Key.Key_Down else -1)
                event.accept()
                return True
            if key == Qt.Key.Key_F1:
                self.help_requested.emit()
                event.accept()
                return True
        return super().event(event)

    def _on_popup_current_changed(self, _current: QModelIndex, _previous: QModelIndex) -> None:
        if not self._default_highlight:
            self._chosen_by_user = True

    def _move_highlight(self, step: int) -> None:
        popup = self.popup_view()
        rows = self.suggestions.rowCount()
        current = popup.currentIndex().row()
        row = max(0, min(rows - 1, current + step)) if current >= 0 else (0 if step > 0 else rows - 1)
        popup.setCurrentIndex(popup.model().index(row, 0))
        send_announcement(self, str(popup.currentIndex().data(Qt.ItemDataRole.DisplayRole) or ""))

    def _accept(self, *, take_first: bool, by_enter: bool) -> bool:
        if not self.suggestions_visible():
            return False
        popup = self.popup_view()
        index = popup.currentIndex() if self._chosen_by_user else QModelIndex()
        if not index.isValid() and take_first and popup.model().rowCount() > 0:
            index = popup.model().index(0, 0)
        self.hide_suggestions()
        if not index.isValid():
            return False
        value = str(index.data(ValueRole))
        self.apply_completion(value)
        self.completion_accepted.emit(value, by_enter)
        return True

    def _on_completer_activated(self, index: QModelIndex) -> None:
        value = str(index.data(ValueRole))
        self.apply_completion(value)
        self.completion_accepted.emit(value, False)
