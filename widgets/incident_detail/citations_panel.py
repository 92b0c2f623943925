"""The citations issued on the incident: Enter reprints the highlighted one; supervisors void."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from data.records import CitationRecord


class CitationsPanel(QWidget):
    """The list with Reprint and Void beside its title; the pane runs both actions."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.citations_list = QListWidget(self)
        self.citations_list.setAccessibleName("Citations (Enter reprints, Delete voids)")
        self.citations_list.setMaximumHeight(72)
        self.citations_list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.citations_title = QLabel("Citations", self)
        self.citations_title.setObjectName("sectionTitle")
        self.citations_title.setBuddy(self.citations_list)
        self.reprint_button = QPushButton("Reprint  Enter", self)
        self.reprint_button.setToolTip("Print the highlighted citation again (Enter in the list)")
        # "&View" (the queue's filter) owns Alt+V: in the list, Delete voids the highlighted citation.
        self.void_button = QPushButton("Void…  Del", self)
        for button in (self.reprint_button, self.void_button):
            button.setAutoDefault(False)
        title_row = QHBoxLayout()
        title_row.setSpacing(4)
        title_row.addWidget(self.citations_title, 1)
        title_row.addWidget(self.reprint_button)
        title_row.addWidget(self.void_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(title_row)
        layout.addWidget(self.citations_list)
        self.citations: list[CitationRecord] = []

    def clear(self) -> None:
        self.citations = []
        self.citations_list.clear()
        self.citations_title.setText("Citations")

    def selected(self) -> CitationRecord | None:
        item = self.citations_list.currentItem()
        if item is None:
            return None
        number = item.data(Qt.ItemDataRole.UserRole)
        return next((c for c in self.citations if c.number == number), None)

    def show_citations(self, citations: Sequence[CitationRecord]) -> None:
        """List them, keeping the highlighted one (else the newest) highlighted."""
        selected = self.selected()
        self.citations = list(citations)
        self.citations_list.clear()
        for c in self.citations:
            sections = ", ".join(v.section for v in c.violations)
            state = "VOID · " if c.status == "void" else ""
            item = QListWidgetItem(f"{c.number}  {state}{c.violator_name} · {sections} · ${c.total_dollars}")
            item.setData(Qt.ItemDataRole.UserRole, c.number)
            item.setToolTip(f"Void: {c.void_reason}" if c.status == "void" else f"Issued by {c.officer_name}")
            self.citations_list.addItem(item)
            if selected is not None and c.number == selected.number:
                self.citations_list.setCurrentItem(item)
        if self.citations_list.currentItem() is None and self.citations_list.count():
            self.citations_list.setCurrentRow(self.citations_list.count() - 1)
        self.citations_title.setText(f"Citations ({len(self.citations)})" if self.citations else "Citations: none")

    def show_allowed(self, *, may_void: bool) -> None:
        has_citation = bool(self.citations)
        self.reprint_button.setEnabled(has_citation)
        self.void_button.setEnabled(has_citation)
        self.void_button.setToolTip(
            "Void the highlighted citation, with a reason (Delete in the list)"
            if may_void
            else "Only a supervisor can void a citation; you can reprint it."
        )
