"""A record's field-level history: which field changed, from what to what, who and when."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QHeaderView, QLabel, QTableWidget,
                               QTableWidgetItem, QVBoxLayout)

from common.masking import mask_field
from common.schema.base import Base
from common.schema.fields import sensitive_fields
from common.errors import DomainError
from desktop.services.records import merge_server_history, record_history

from ..context import AppContext
from ..widgets.labels import labels_of, local_time


class HistoryDialog(QDialog):
    """Shows at once what this device knows (its own edits with old and new values, other
    devices' edits dated by their field stamps); when the server can be reached, replaces that
    with the server's change log: every edit with who made it. Signal `loaded(str)`: "local"
    or "server" each time the list is filled."""

    loaded = Signal(str)

    def __init__(self, ctx: AppContext, entity: type[Base], record_id: str,
                 parent: Any = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.record_id = record_id
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
        self.source = QLabel("", objectName="history_source", wordWrap=True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(self.source)
        layout.addWidget(buttons)
        self._from_server = False
        ctx.tasks.read(lambda s: record_history(s, entity, record_id), self._local_loaded)
        service = ctx.sync
        if service is not None:
            self.source.setText("正在从服务器取得完整的修改记录…")
            ctx.tasks.network(lambda: service.record_history(entity.__tablename__, record_id),
                              self._server_answered, self._server_failed)
        else:
            self.source.setText("其他设备的修改只显示时间；联网同步后可查看修改人。")

    def _local_loaded(self, entries: list) -> None:
        if not self._from_server:  # the server's answer came first: keep it
            self._loaded(entries)
            self.loaded.emit("local")

    def _server_answered(self, rows: list) -> None:
        entity, record_id = self.entity, self.record_id
        self.ctx.tasks.read(lambda s: merge_server_history(s, entity, record_id, rows),
                            self._server_loaded, self._server_failed)

    def _server_loaded(self, entries: list) -> None:
        self._from_server = True
        self._loaded(entries)
        self.source.setText("已显示服务器上的完整修改记录（含各设备的修改人）。")
        self.loaded.emit("server")

    def _server_failed(self, exc: BaseException) -> None:
        why = exc.message() if isinstance(exc, DomainError) else str(exc)
        self.source.setText(f"未能连接服务器（{why}）：其他设备的修改只显示时间，"
                            "联网后再打开可查看修改人。")

    def _loaded(self, entries: list) -> None:
        self.table.setRowCount(len(entries))
        for i, e in enumerate(entries):
            who = e.who + ("（待上传）" if e.pending else "")
            cells = [local_time(e.at), e.label,
                     self._shown(e.field, e.old), self._shown(e.field, e.new), who]
            for j, text in enumerate(cells):
                self.table.setItem(i, j, QTableWidgetItem(text))

    def _shown(self, field: str, value: Any) -> str:
        if value and field in sensitive_fields(self.entity):
            return str(mask_field(self.entity, field, value))
        if field in self.entity.__table__.columns:
            return self.labels.display(self.entity, field, value)
        return "" if value is None else str(value)
