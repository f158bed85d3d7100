"""The ledger rows' item model: one ledger type's rows, fetched a page at a time.

Qt asks `canFetchMore`/`fetchMore` as the view scrolls near the end; each fetch is one keyset
page read on a reader thread (services/ledgers.py), appended when it arrives, so a township's
tens of thousands of rows open at once. Columns come from the type's fields (data, not code):
the bound record's two key columns, the year, then one column per field with its unit.
"""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal

from common.ledger_types import KEYS, YEAR, FieldDef, LedgerDef
from desktop.services import ledgers
from desktop.services.ledgers import LedgerListRow, LedgerQuery
from desktop.services.work_context import grids_in_scope
from desktop.tasks import TaskManager

from ..widgets.paged_model import PagedRowsModel

Index = QModelIndex | QPersistentModelIndex
NUMERIC = ("int", "decimal")


def field_header(f: FieldDef) -> str:
    return f.header()


def shown_value(f: Any, value: Any) -> str:
    """How a stored value reads in the list: a dictionary label, 是/否, a number without a
    trailing .0, an ISO date as stored."""
    if value is None or value == "":
        return ""
    if f.field_type == "dict":
        return str(f.label_of(value) or value)
    if f.field_type == "bool" or isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else f"{value:.2f}".rstrip("0")
    return str(value)


class LedgerRowsModel(PagedRowsModel):
    """Rows of one LedgerQuery in the signed-in worker's scope. `loaded(int)`: rows held after a
    page arrived; `failed(object)`: a read failed (the page shows it)."""

    failed = Signal(object)
    task_name = "ledger_rows"

    def __init__(self, tasks: TaskManager, scope_node_id: str | None, parent: Any = None,
                 page_size: int = ledgers.PAGE) -> None:
        super().__init__(tasks, page_size, parent)
        self.scope_node_id = scope_node_id
        self.ledger: LedgerDef | None = None
        self.query: LedgerQuery | None = None
        self._headers: list[str] = []

    # -- the query -----------------------------------------------------------------------------
    def set_query(self, ledger: LedgerDef, query: LedgerQuery) -> None:
        """Show the rows of `query` from the top; results of older queries are dropped."""
        def change() -> None:
            self.ledger = ledger
            self.query = query
            self._headers = list(KEYS[ledger.binding]) + ([YEAR] if ledger.per_year else []) \
                + [field_header(f) for f in ledger.fields]
        self.restart(change)

    def reload(self) -> None:
        if self.ledger is not None and self.query is not None:
            self.set_query(self.ledger, self.query)

    def rows(self) -> list[LedgerListRow]:
        return list(self._rows)

    def text(self, row: int, column: int) -> str:
        return self.data(self.index(row, column)) or ""

    # -- paging --------------------------------------------------------------------------------
    def page_reader(self, after: LedgerListRow | None) -> Any:
        if self.query is None:
            return None
        d, query, node, limit = self.ledger, self.query, self.scope_node_id, self.page_size
        key = after.sort_key() if after is not None else None

        def fetch(session):  # noqa: ANN001, ANN202 - runs on a reader thread
            return ledgers.list_rows(session, d, query, grids=grids_in_scope(session, node),
                                     limit=limit, after=key)
        return fetch

    def page_failed(self, exc: BaseException) -> None:
        self.failed.emit(exc)

    # -- Qt model ------------------------------------------------------------------------------
    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self._headers)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self._headers[section] if 0 <= section < len(self._headers) else None
        return str(section + 1)

    def _field_at(self, column: int) -> Any:
        fixed = 2 + (1 if self.ledger and self.ledger.per_year else 0)
        return None if column < fixed or self.ledger is None else \
            self.ledger.fields[column - fixed]

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        row = self._rows[index.row()]
        col = index.column()
        f = self._field_at(col)
        if role == Qt.ItemDataRole.DisplayRole:
            if f is not None:
                return shown_value(f, row.data.get(f.code))
            if col == 0:
                return row.key
            if col == 1:
                return row.name
            return "" if row.year is None else str(row.year)
        if role == Qt.ItemDataRole.TextAlignmentRole and f is not None \
                and f.field_type in NUMERIC:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.UserRole:
            return row.id
        if role == Qt.ItemDataRole.ToolTipRole and col == 0 and self.ledger is not None \
                and self.ledger.binding == "person":
            return "身份证号已隐藏；如需查看请到人口管理中打开该人员"
        return None
