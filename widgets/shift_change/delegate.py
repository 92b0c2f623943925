"""The roster's editor: a combo box of officers, units or zones for the cell being edited."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import (
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtWidgets import (
    QComboBox,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from widgets.shift_change.models import RosterModel

Index = QModelIndex | QPersistentModelIndex


class ChoiceDelegate(QStyledItemDelegate):
    """A combo box editor for the roster: officers and units by id, zones as editable text."""

    def __init__(self, model: RosterModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._model = model

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: Index) -> QWidget:
        combo = QComboBox(parent)
        m = self._model
        if index.column() == RosterModel.OFFICER:
            for o in sorted(m.officers.values(), key=lambda o: o.name):
                combo.addItem(m.officer_label(o.id), o.id)
        elif index.column() == RosterModel.UNIT:
            for u in sorted(m.units.values(), key=lambda u: u.call_sign):
                combo.addItem(u.call_sign, u.id)
        else:
            combo.setEditable(True)
            combo.addItem("", "")
            for zone in m.zones:
                combo.addItem(zone, zone)
        return combo

    def setEditorData(self, editor: QWidget, index: Index) -> None:
        assert isinstance(editor, QComboBox)
        value = index.data(Qt.ItemDataRole.EditRole)
        found = editor.findData(value)
        if found >= 0:
            editor.setCurrentIndex(found)
        elif editor.isEditable():
            editor.setEditText(str(value or ""))

    def setModelData(self, editor: QWidget, model: Any, index: Index) -> None:
        assert isinstance(editor, QComboBox)
        value = editor.currentText() if editor.isEditable() else editor.currentData()
        model.setData(index, value, Qt.ItemDataRole.EditRole)


__all__ = ["ChoiceDelegate"]
