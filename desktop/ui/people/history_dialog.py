"""A record's field-level history: which field changed, from what to what, who and when."""
from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QHeaderView, QTableWidget,
                               QTableWidgetItem, QVBoxLayout)

from common.schema.base import Base
from desktop.services.records import record_history

from ..context import AppContext
from ..widgets.labels import labels_of


class HistoryDialog(QDialog):
    def __init__(self, ctx: AppContext, entity: type[Base], record_id: str,
                 parent: Any = None) -> None:
        super().__init__(parent)
        self.entity = entity
        self.labels = labels_of(ctx)
        self.setWindowTitle(f"{entity.__label__}修改记录")
        self.resize(760, 420)
        self.table = QTableWidget(0, 5)
        self.table.setObjectName("history")
        self.table.setHorizontalHeaderLabels(["时间", "字段", "原值", "新值", "修改方"])
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText("关闭")
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        ctx.tasks.read(lambda s: record_history(s, entity, record_id), self._loaded)

    def _loaded(self, entries: list) -> None:
        self.table.setRowCount(len(entries))
        for i, e in enumerate(entries):
            who = e.who + ("（待上传）" if e.pending else "")
            cells = [e.at.strftime("%Y-%m-%d %H:%M") if e.at else "", e.label,
                     self._shown(e.field, e.old), self._shown(e.field, e.new), who]
            for j, text in enumerate(cells):
                self.table.setItem(i, j, QTableWidgetItem(text))

    def _shown(self, field: str, value: Any) -> str:
        if field in ("id_number", "phone") and value:
            from desktop.services.people import mask_id_number, mask_phone
            return mask_id_number(value) if field == "id_number" else mask_phone(value)
        if field in self.entity.__table__.columns:
            return self.labels.display(self.entity, field, value)
        return "" if value is None else str(value)
