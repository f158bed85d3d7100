"""A compact checkable list of dictionary options (space toggles), emitting `changed`."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QListWidget, QListWidgetItem


class CheckListWidget(QListWidget):
    changed = Signal()

    def __init__(self, options: list[tuple[str, str]], parent: Any = None,
                 rows: int = 4) -> None:
        super().__init__(parent)
        for code, text in options:
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, code)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.addItem(item)
        self.setMaximumHeight(22 * rows + 6)
        self.itemChanged.connect(lambda _i: self.changed.emit())

    def checked(self) -> tuple[str, ...]:
        return tuple(self.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.count())
                     if self.item(i).checkState() == Qt.CheckState.Checked)

    def set_checked(self, codes: tuple[str, ...] | list[str]) -> None:
        self.blockSignals(True)
        for i in range(self.count()):
            item = self.item(i)
            on = item.data(Qt.ItemDataRole.UserRole) in codes
            item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)
        self.blockSignals(False)
        self.changed.emit()
