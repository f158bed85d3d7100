"""Small pieces the work pages share: the acting worker, the photo store, error text, a table
model over plain rows, and a keyboard-friendly photo list."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Callable, Sequence

import shiboken6
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (QHBoxLayout, QListWidget, QPushButton, QVBoxLayout,
                               QWidget)

from common.errors import DomainError
from desktop.services.work_context import Worker

from ..context import AppContext
from ..widgets.file_dialogs import open_files
from ..widgets.labels import local_time  # noqa: F401 - the work pages import it from here

PHOTO_FILTER = "图片 (*.jpg *.jpeg *.png *.webp)"
Index = QModelIndex | QPersistentModelIndex


def worker_of(ctx: AppContext) -> Worker:
    return Worker(ctx.user.id, ctx.user.role, ctx.user.scope_node_id)


def local_today(ctx: AppContext) -> dt.date:
    """Today on the worker's wall calendar. The context's clock is UTC (stored stamps are UTC);
    a day's log or a task's due date belongs to the local day (Xinjiang is UTC+8)."""
    return ctx.now().replace(tzinfo=dt.timezone.utc).astimezone().date()


def local_day_end(ctx: AppContext) -> dt.datetime:
    """The end of the worker's local day, as a naive UTC time like the stored stamps."""
    local = ctx.now().replace(tzinfo=dt.timezone.utc).astimezone()
    end = (local + dt.timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return end.astimezone(dt.timezone.utc).replace(tzinfo=None)


def error_text(exc: BaseException) -> str:
    if isinstance(exc, DomainError):
        return exc.message()
    from desktop.tasks import is_disk_full
    if is_disk_full(exc):  # e.g. a sync writing what it pulled: rolled back, nothing lost
        return DomainError("disk_full").message()
    return "操作失败，请重试；如果问题重复出现，请联系管理员"


class GuardedTasks:
    """The task manager as one widget uses it: results that arrive after the widget was
    deleted (a dialog closed while its save was running) are dropped, not run on a dead widget."""

    def __init__(self, tasks: Any, owner: QWidget) -> None:
        self._tasks = tasks
        self._owner = owner

    def _guard(self, cb: Callable[[Any], None] | None) -> Callable[[Any], None] | None:
        if cb is None:
            return None
        owner = self._owner

        def guarded(value: Any) -> None:
            if shiboken6.isValid(owner):
                cb(value)
        return guarded

    def read(self, fn: Callable[..., Any], on_success: Callable[[Any], None] | None = None,
             on_failure: Callable[[Any], None] | None = None, **kw: Any) -> Any:
        return self._tasks.read(fn, self._guard(on_success), self._guard(on_failure), **kw)

    def write(self, fn: Callable[..., Any], on_success: Callable[[Any], None] | None = None,
              on_failure: Callable[[Any], None] | None = None, **kw: Any) -> Any:
        return self._tasks.write(fn, self._guard(on_success), self._guard(on_failure), **kw)

    def network(self, fn: Callable[..., Any], on_success: Callable[[Any], None] | None = None,
                on_failure: Callable[[Any], None] | None = None, **kw: Any) -> Any:
        return self._tasks.network(fn, self._guard(on_success), self._guard(on_failure), **kw)


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


class PhotoListWidget(QWidget):
    """Photos chosen for a record: add from a file (Alt+P) or the camera, remove (Delete)."""

    def __init__(self, parent: QWidget | None = None, camera_grab: Callable[[], str | None]
                 | None = None) -> None:
        super().__init__(parent)
        self.list = QListWidget()
        self.list.setAccessibleName("照片")
        self.list.setMaximumHeight(90)
        add = QPushButton("添加照片(&P)…")
        add.clicked.connect(self._choose)
        remove = QPushButton("移除照片")
        remove.clicked.connect(self._remove)
        buttons = QVBoxLayout()
        buttons.addWidget(add)
        if camera_grab is not None:
            shot = QPushButton("拍照(&C)")
            shot.clicked.connect(lambda: self._add_path(camera_grab()))
            buttons.addWidget(shot)
        buttons.addWidget(remove)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.list, 1)
        layout.addLayout(buttons)

    def paths(self) -> list[str]:
        return [self.list.item(i).text() for i in range(self.list.count())]

    def add_paths(self, paths: list[str | Path]) -> None:
        for p in paths:
            self._add_path(str(p))

    def _add_path(self, path: str | None) -> None:
        if path and path not in self.paths():
            self.list.addItem(path)

    def _choose(self) -> None:
        files = open_files(self, "选择照片", "", PHOTO_FILTER)
        self.add_paths(files)

    def _remove(self) -> None:
        for item in self.list.selectedItems():
            self.list.takeItem(self.list.row(item))
