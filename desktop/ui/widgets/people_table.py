"""A people list (table view over PeopleTableModel) with the keyboard actions every people list
offers: Enter opens the person, Ctrl+R reveals the selected ID number (logged), Ctrl+Shift+R the
phone, Ctrl+Alt+R the 宗教信仰, Ctrl+H shows the record's history."""
from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView

from common.schema import Person
from desktop.services.people import reveal
from desktop.services.places import grid_labels

from ..context import AppContext
from .labels import labels_of
from .columns import fit_columns, fit_last_column
from .people_model import COLUMNS, PeopleTableModel


class PeopleTableView(QTableView):
    """Emits `person_activated(id)` on Enter or double click."""

    person_activated = Signal(str)
    revealed = Signal(str, str)  # person id, field

    def __init__(self, ctx: AppContext, parent: Any = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.people = PeopleTableModel(ctx.tasks, labels_of(ctx), lambda: ctx.now().date(), self)
        self.setModel(self.people)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setAlternatingRowColors(True)
        self.verticalHeader().setDefaultSectionSize(24)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.horizontalHeader().setStretchLastSection(True)
        # where people live matters beyond one grid: a township's list shows 网格/村
        self.setColumnHidden(COLUMNS.index("grid_id"), ctx.user.role == "grid_worker")
        for col, key in enumerate(COLUMNS):  # the fields the role does not see (config centre)
            if ctx.user.hides(Person, key):
                self.setColumnHidden(col, True)
        self._fitted = False
        self.people.loaded.connect(self._fit)
        self.people.modelReset.connect(lambda: setattr(self, "_fitted", False))
        ctx.tasks.read(grid_labels, self._grid_names)
        self.setTabKeyNavigation(False)  # Tab leaves the list, arrows move inside it
        self.doubleClicked.connect(lambda idx: self._activate())
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        for text, keys, slot in (("打开(&O)", "Return", self._activate),
                                 ("显示身份证号(&R)", "Ctrl+R", lambda: self.reveal_selected("id_number")),
                                 ("显示电话", "Ctrl+Shift+R", lambda: self.reveal_selected("phone")),
                                 ("显示宗教信仰", "Ctrl+Alt+R",
                                  lambda: self.reveal_selected("religion")),
                                 ("修改记录(&H)", "Ctrl+H", self.show_history)):
            action = QAction(text, self)
            action.setShortcut(QKeySequence(keys))
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.triggered.connect(slot)
            self.addAction(action)

    def _grid_names(self, names: dict[str, str]) -> None:
        self.people.set_grid_names(names)
        self._fitted = False
        self._fit()

    def _fit(self, *_: Any) -> None:
        """Columns to their content once per query (scrolling in more rows keeps the widths
        the user sees, and any the user dragged)."""
        if not self._fitted and self.people.rowCount():
            self._fitted = True
            fit_columns(self)

    def resizeEvent(self, event: Any) -> None:  # noqa: N802
        super().resizeEvent(event)
        if self._fitted:
            fit_last_column(self)

    def selected_id(self) -> str | None:
        idx = self.currentIndex()
        return self.people.person_id(idx.row()) if idx.isValid() else None

    def _activate(self) -> None:
        pid = self.selected_id()
        if pid:
            self.person_activated.emit(pid)

    def reveal_selected(self, field: str = "id_number") -> None:
        """Show the clear value of the selected row's ID number or phone; logged by the service."""
        pid = self.selected_id()
        if not pid:
            return
        now: dt.datetime = self.ctx.now()
        actor = self.ctx.user.id
        self.ctx.tasks.write(lambda s: reveal(s, pid, field, now=now, actor_id=actor),
                             lambda value: self._revealed(pid, field, value), touches="log")

    def _revealed(self, pid: str, field: str, value: str) -> None:
        self.people.set_revealed(pid, field, value)
        self.revealed.emit(pid, field)

    def show_history(self) -> None:
        pid = self.selected_id()
        if pid:
            from ..people.history_dialog import HistoryDialog
            dialog = HistoryDialog(self.ctx, Person, pid, self)
            dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            dialog.show()
