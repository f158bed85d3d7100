"""The people list's item model: lazy, windowed fetching of a PeopleQuery's rows.

Qt asks `canFetchMore`/`fetchMore` as the view scrolls near the end; each fetch is one keyset
page read on a reader thread (services/search.py), appended when it arrives, so a 130,000-row
list opens at once and scrolls without blocking the GUI thread. ID numbers and phones are shown
masked unless revealed (the reveal itself is a logged service call made by the page).
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Callable

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt

from common.schema import Person
from common.schema.fields import list_columns
from desktop.services.people import is_masked, masked
from desktop.services.search import PeopleQuery, PersonRow, search_people
from desktop.tasks import TaskManager

from .labels import Labels
from .paged_model import PagedRowsModel

COLUMNS = (*list_columns(Person)[:-1], "grid_id", list_columns(Person)[-1])
"""The declared list columns (common/schema/people.py), with the 网格/村 column before the
last one (the address, which stretches)."""
GRID_HEADER = "网格/村"
PAGE = 200


class PeopleTableModel(PagedRowsModel):
    """Rows of one query, fetched a page at a time. `loaded(int)`: rows held after a page."""

    task_name = "people_page"

    def __init__(self, tasks: TaskManager, labels: Labels, today: Callable[[], dt.date],
                 parent: Any = None) -> None:
        super().__init__(tasks, PAGE, parent)
        self.labels = labels
        self.today = today
        self.query = PeopleQuery()
        self._revealed: dict[tuple[str, str], str] = {}
        self._headers = [GRID_HEADER if c == "grid_id" else labels.field(Person, c)
                         for c in COLUMNS]
        self.grid_names: dict[str, str] = {}

    def set_grid_names(self, names: dict[str, str]) -> None:
        """Where each grid is ("幸福村 第一网格"), shown in the 网格/村 column."""
        self.grid_names = names
        if self._rows:
            col = COLUMNS.index("grid_id")
            self.dataChanged.emit(self.index(0, col), self.index(len(self._rows) - 1, col))

    # -- the query -----------------------------------------------------------------------------
    def set_query(self, query: PeopleQuery) -> None:
        """Show the rows of `query` (from the top); results of older queries are dropped."""
        self.restart(lambda: setattr(self, "query", query))

    def reload(self) -> None:
        self.set_query(self.query)

    def person_id(self, row: int) -> str | None:
        return self._rows[row].id if 0 <= row < len(self._rows) else None

    def row_of(self, row: int) -> PersonRow | None:
        return self.row_at(row)

    def set_revealed(self, person_id: str, field: str, value: str) -> None:
        self._revealed[(person_id, field)] = value
        col = COLUMNS.index(field)
        for i, r in enumerate(self._rows):
            if r.id == person_id:
                idx = self.index(i, col)
                self.dataChanged.emit(idx, idx)

    # -- paging --------------------------------------------------------------------------------
    def page_reader(self, after: PersonRow | None) -> Any:
        query, today = self.query, self.today()
        key = (after.name, after.id) if after is not None else None

        def fetch(session):  # noqa: ANN001, ANN202 - runs on a reader thread
            return search_people(session, query, today=today, limit=PAGE, after=key)
        return fetch

    # -- Qt model ------------------------------------------------------------------------------
    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802,B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            if orientation == Qt.Orientation.Horizontal:
                return self._headers[section]
            return str(section + 1)
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        field = COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            value = getattr(row, field)
            if is_masked(field):
                shown = self._revealed.get((row.id, field))
                if shown is not None:
                    return self.labels.display(Person, field, shown)
                return masked(field, value) or ""
            if field == "grid_id":
                return self.grid_names.get(value or "", "")
            return self.labels.display(Person, field, value)
        if role == Qt.ItemDataRole.UserRole:
            return row.id
        if role == Qt.ItemDataRole.ToolTipRole and is_masked(field):
            return "已隐藏：选中后按 Ctrl+R 显示（会记录在操作日志中）"
        return None
