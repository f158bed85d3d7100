"""包户: the households this cadre is assigned to, their last visit by the cadre and whether it
is within the period. The visit tasks the assignments call for come from the server with the
sync (they appear on the 走访 page, and recording the visit completes them)."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget

from desktop.services import cadres as svc

from ..context import AppContext, local_today
from ..widgets.columns import fit_columns
from ..widgets.errors import error_text
from ..widgets.tasks import GuardedTasks


class CadreHouseholdsPage(QWidget):
    """Signal: `households_loaded(int)`."""

    households_loaded = Signal(int)

    def __init__(self, ctx: AppContext, parent: Any = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.tasks = GuardedTasks(ctx.tasks, self)
        self.summary = QLabel("", objectName="summary", wordWrap=True)
        self.table = QTableWidget(0, 6, objectName="cadre_households")
        self.table.setHorizontalHeaderLabels(["户号", "户主", "地址", "走访周期(天)", "最近走访",
                                              "周期内已走访"])
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setAccessibleName("我的包户")
        self.message = QLabel("", objectName="message", wordWrap=True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.message)
        layout.addWidget(self.table, 1)

    def refresh(self) -> None:
        user, today = self.ctx.user.id, local_today(self.ctx)
        self.tasks.read(lambda s: svc.my_households(s, user, today=today), self._loaded,
                        lambda e: self.message.setText(error_text(e)))

    def _loaded(self, rows: list[svc.CadreHousehold]) -> None:
        covered, total = svc.coverage(rows)
        self.summary.setText(f"包户 {total} 户，周期内已走访 {covered} 户" if total
                             else "您还没有包户（由乡镇在网页端指定）")
        self.message.setText("每个走访周期的包户走访任务由系统生成，同步后见“走访”页" if total
                             else "")
        self.table.setRowCount(len(rows))
        for i, r in enumerate(rows):
            for j, text in enumerate((r.household_no, r.head, r.address, str(r.interval_days),
                                      r.last_visit.strftime("%Y-%m-%d") if r.last_visit
                                      else "从未走访", "是" if r.covered else "否")):
                self.table.setItem(i, j, QTableWidgetItem(text))
        fit_columns(self.table)
        self.households_loaded.emit(len(rows))

    def cell_texts(self) -> list[list[str]]:
        return [[self.table.item(r, c).text() for c in range(self.table.columnCount())]
                for r in range(self.table.rowCount())]
