"""Screening: every question asked of the caller, Yes or No, none answered until the caller answers."""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import QButtonGroup, QGridLayout, QGroupBox, QLabel, QRadioButton, QWidget

from data import rules
from widgets.inline import InlineMessage

# The word and letter that carry each screening question's Alt key (disjoint from the detail pane's).
SCREENING_MNEMONICS = {
    "weapon": ("weapon", 0),
    "violence": ("violent", 0),
    "medical": ("medical", 0),
    "crime": ("crime", 2),
}


def _underlined(text: str, word: str, index: int) -> str:
    """The question as rich text with its Alt letter underlined (the shortcut is the form's, not the label's)."""
    at = text.lower().find(word)
    if at < 0:
        return html.escape(text)
    pos = at + index
    return f"{html.escape(text[:pos])}<u>{html.escape(text[pos])}</u>{html.escape(text[pos + 1 :])}"


class ScreeningQuestion(QObject):
    """One screening question: Yes and No, neither chosen until the caller answers (not asked is not no)."""

    answered = Signal()

    def __init__(self, key: str, text: str, parent: QWidget) -> None:
        super().__init__(parent)
        self.key = key
        question = rules.SCREENING_QUESTIONS.get(key, key)
        self.label = QLabel(text, parent)
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.yes = _AnswerButton("Yes", parent)
        self.no = _AnswerButton("No", parent)
        self.state = QLabel(parent)
        self.state.setObjectName("screeningState")
        self.label.setBuddy(self.yes)
        self.yes.setAccessibleName(f"{question} Yes")
        self.no.setAccessibleName(f"{question} No")
        self.group = QButtonGroup(self)
        self.group.addButton(self.yes)
        self.group.addButton(self.no)
        for button in (self.yes, self.no):
            button.toggled.connect(self._on_button_toggled)
            button.answer_key.connect(self._on_answer_key)
        self._show_state()

    def answer(self) -> bool | None:
        if self.yes.isChecked():
            return True
        if self.no.isChecked():
            return False
        return None

    def set_answer(self, answer: bool | None, *, by_person: bool = False) -> None:
        if answer is None:
            self.group.setExclusive(False)
            self.yes.setChecked(False)
            self.no.setChecked(False)
            self.group.setExclusive(True)
        else:
            (self.yes if answer else self.no).setChecked(True)
        self._show_state()
        if by_person:
            self.answered.emit()

    def _on_button_toggled(self, checked: bool) -> None:
        if checked:
            self._show_state()
            self.answered.emit()

    def _on_answer_key(self, answer: bool) -> None:
        self.set_answer(answer, by_person=True)
        (self.yes if answer else self.no).setFocus(Qt.FocusReason.OtherFocusReason)

    def _show_state(self) -> None:
        answer = self.answer()
        self.state.setText({True: "YES", False: "no", None: "not asked"}[answer])
        self.state.setProperty("answer", {True: "yes", False: "no", None: "unasked"}[answer])
        self.state.style().unpolish(self.state)
        self.state.style().polish(self.state)
        self.label.setProperty("answer", {True: "yes", False: "no", None: "unasked"}[answer])
        self.label.style().unpolish(self.label)
        self.label.style().polish(self.label)


class _AnswerButton(QRadioButton):
    """A Yes/No button where Y and N answer the question from either button."""

    answer_key = Signal(bool)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.modifiers() in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.ShiftModifier):
            if event.key() == Qt.Key.Key_Y:
                event.accept()
                self.answer_key.emit(True)
                return
            if event.key() == Qt.Key.Key_N:
                event.accept()
                self.answer_key.emit(False)
                return
        super().keyPressEvent(event)


class ScreeningBox(QGroupBox):
    """The questions in a grid, their error line under them; Alt+W/V/M/I answer yes, Alt+N no to the rest."""

    answered = Signal()  # the dispatcher answered a question

    def __init__(self, form: QWidget) -> None:
        super().__init__("Screening: ask the caller every question (Alt+N: no to the rest)", form)
        self.setObjectName("screeningBox")
        self.questions: dict[str, ScreeningQuestion] = {}
        grid = QGridLayout(self)
        grid.setVerticalSpacing(2)
        for n, (key, question) in enumerate(rules.SCREENING_QUESTIONS.items()):
            word, index = SCREENING_MNEMONICS.get(key, ("", 0))
            row = ScreeningQuestion(key, _underlined(question, word, index) if word else question, self)
            self.questions[key] = row
            grid.addWidget(row.label, n, 0)
            grid.addWidget(row.yes, n, 1)
            grid.addWidget(row.no, n, 2)
            grid.addWidget(row.state, n, 3)
        grid.setColumnStretch(0, 1)
        self.screening_error = InlineMessage(self)
        grid.addWidget(self.screening_error, len(rules.SCREENING_QUESTIONS), 0, 1, 4)

    def connect_signals(self, scope: QWidget) -> None:
        """The questions' answers, and the Alt keys anywhere in ``scope`` (the form)."""
        for question in self.questions.values():
            question.answered.connect(self.answered)
        for key, (word, index) in SCREENING_MNEMONICS.items():
            shortcut = QShortcut(
                QKeySequence(f"Alt+{word[index].upper()}"), scope, context=Qt.ShortcutContext.WidgetWithChildrenShortcut
            )
            shortcut.setObjectName(key)
            shortcut.activated.connect(self._on_screening_shortcut_activated)
        QShortcut(
            QKeySequence("Alt+N"), scope, self.answer_rest_no, context=Qt.ShortcutContext.WidgetWithChildrenShortcut
        )

    def answers(self) -> dict[str, bool | None]:
        """Each question's answer: True, False, or None while it is not answered."""
        return {key: question.answer() for key, question in self.questions.items()}

    def _on_screening_shortcut_activated(self) -> None:
        """Alt+W / V / M / I: the caller said yes to that question."""
        question = self.questions.get(self.sender().objectName())
        if question is None:
            return
        question.set_answer(True, by_person=True)
        question.yes.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def answer_rest_no(self) -> None:
        """Alt+N: the caller said no to every question not answered yet (a yes already given stays)."""
        for question in self.questions.values():
            if question.answer() is None:
                question.set_answer(False, by_person=True)

    def fill(self, screening: Mapping[str, Any] | None) -> None:
        """A draft's answers (a question it does not answer stays not asked)."""
        for key, question in self.questions.items():
            question.set_answer(rules.screening_answer(screening, key))

    def reset(self) -> None:
        for question in self.questions.values():
            question.set_answer(None)
