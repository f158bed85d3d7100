"""A table model that fetches its rows a keyset page at a time, off the GUI thread.

Qt asks `canFetchMore`/`fetchMore` as the view scrolls near the end; each fetch is one page read
on a reader thread, appended when it arrives, so a list of a hundred thousand rows opens at once.
A new query bumps a generation number: pages of older queries that arrive late are dropped.
Subclasses say how to read the page after a row (`page_reader`) and what a row shows (`data`).
"""
from __future__ import annotations

from typing import Any, Callable

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Signal

from desktop.tasks import TaskManager

Index = QModelIndex | QPersistentModelIndex


class PagedRowsModel(QAbstractTableModel):
    """`loaded(int)`: rows held after a page arrived."""

    loaded = Signal(int)
    task_name = "rows_page"

    def __init__(self, tasks: TaskManager, page_size: int, parent: Any = None) -> None:
        super().__init__(parent)
        self.tasks = tasks
        self.page_size = page_size
        self._rows: list[Any] = []
        self._exhausted = True
        self._loading = False
        self._generation = 0

    # -- what subclasses provide ---------------------------------------------------------------
    def page_reader(self, after: Any) -> Callable[[Any], list[Any]] | None:
        """A function of a session reading the page after the row `after` (None: the first
        page), built on the GUI thread from the current query; None when there is no query."""
        raise NotImplementedError

    def page_failed(self, exc: BaseException) -> None:
        """A page could not be read (the default: the task manager's failure signal)."""
        self.tasks.task_failed.emit(exc)

    # -- the rows ------------------------------------------------------------------------------
    def restart(self, change: Callable[[], None] = lambda: None) -> None:
        """Drop the rows (and, inside the reset, apply `change` to the query), then read the
        first page again."""
        self._generation += 1
        self.beginResetModel()
        change()
        self._rows = []
        self._exhausted = False
        self._loading = False
        self.endResetModel()
        self.fetchMore(QModelIndex())

    def row_at(self, row: int) -> Any:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    # -- lazy fetching -------------------------------------------------------------------------
    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: N802, B008
        return not parent.isValid() and not self._exhausted and not self._loading

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: N802, B008
        if parent.isValid() or self._exhausted or self._loading:
            return
        reader = self.page_reader(self._rows[-1] if self._rows else None)
        if reader is None:
            return
        self._loading = True
        generation = self._generation
        self.tasks.read(reader, lambda rows: self._append(generation, rows),
                        lambda exc: self._failed(generation, exc),
                        name=self.task_name)

    def _append(self, generation: int, rows: list[Any]) -> None:
        if generation != self._generation:
            return
        self._loading = False
        if len(rows) < self.page_size:
            self._exhausted = True
        if rows:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
            self._rows.extend(rows)
            self.endInsertRows()
        self.loaded.emit(len(self._rows))

    def _failed(self, generation: int, exc: BaseException) -> None:
        if generation == self._generation:
            self._loading = False
            self._exhausted = True
            self.page_failed(exc)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self._rows)
