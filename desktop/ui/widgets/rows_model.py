"""A read-only table model over a bounded list of row objects, and the table view for it."""
from __future__ import annotations

from typing import Any, Callable, Sequence

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QAbstractItemView, QTableView, QWidget

Index = QModelIndex | QPersistentModelIndex


class RowsModel(QAbstractTableModel):
    """A read-only table over a list of row objects; `columns` are (header, getter) pairs.
    Lists here are bounded (a day's tasks, a scope's open events), so rows are held whole."""

    def __init__(self, columns: Sequence[tuple[str, Callable[[Any], Any]]],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._columns = list(columns)
        self._rows: list[Any] = []

    def set_rows(self, rows: list[Any]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row_at(self, row: int) -> Any:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def rows(self) -> list[Any]:
        return list(self._rows)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole or not index.isValid():
            return None
        value = self._columns[index.column()][1](self._rows[index.row()])
        return "" if value is None else str(value)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self._columns[section][0]
        return None


def rows_table(model: RowsModel, name: str) -> QTableView:
    """A read-only, row-selecting table view over `model`, named `name` for screen readers."""
    view = QTableView()
    view.setModel(model)
    view.setAccessibleName(name)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    head = view.horizontalHeader()
    head.setStretchLastSection(True)
    # fit the columns to what they hold whenever new rows arrive (measured on the first 200
    # rows, so a long list stays quick); the user can still drag them wider
    head.setResizeContentsPrecision(200)
    model.modelReset.connect(view.resizeColumnsToContents)
    view.verticalHeader().setVisible(False)
    return view
