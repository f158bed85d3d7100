"""采集任务: the collection tasks synced to this worker; choosing one shows a form of the fields
the collection asks for (generated from the person declaration, as the person form is), filled
with the person's current values; 保存 writes them into the person and marks the task done,
offline, for the next sync."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QComboBox, QHBoxLayout, QLabel, QPushButton, QSplitter,
                               QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget)

from common.errors import DomainError
from common.schema import Person
from desktop.services import collections as svc

from ..context import AppContext
from ..widgets.columns import fit_columns
from ..widgets.errors import error_text
from ..widgets.forms import SubmitOnce
from ..widgets.labels import labels_of
from ..widgets.record_form import ERROR_STYLE, RecordForm
from ..widgets.tasks import GuardedTasks

STATUS = {"open": "待采集", "done": "已完成"}


class CollectionTasksPage(QWidget):
    """Signals: `tasks_loaded(int)`, `task_filled(str)` (the task id)."""

    tasks_loaded = Signal(int)
    task_filled = Signal(str)

    def __init__(self, ctx: AppContext, parent: Any = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.tasks = GuardedTasks(ctx.tasks, self)
        self.labels = labels_of(ctx)
        self.rows: list[svc.CollectionTaskRow] = []
        self.current: svc.CollectionTaskRow | None = None
        self.which = QComboBox(objectName="task_filter")
        self.which.setAccessibleName("任务范围")
        for code, text in (("open", "待采集"), ("done", "已完成"), ("all", "全部")):
            self.which.addItem(text, code)
        self.which.currentIndexChanged.connect(lambda _i: self.refresh())
        self.table = QTableWidget(0, 5, objectName="collection_tasks")
        self.table.setHorizontalHeaderLabels(["采集名称", "采集对象", "期次", "截止日期", "状态"])
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.table.setAccessibleName("采集任务")
        self.table.itemSelectionChanged.connect(self._selected)
        self.heading = QLabel("选择左侧任务后填写", objectName="task_heading", wordWrap=True)
        self.form_box = QVBoxLayout()
        self.form: RecordForm | None = None
        self.message = QLabel("", objectName="message", wordWrap=True, styleSheet=ERROR_STYLE)
        self.save_button = QPushButton("保存并完成(&S)", objectName="button_fill")
        self.save_button.clicked.connect(self.save)
        self.save_button.setEnabled(False)
        self.once = SubmitOnce(self.save_button)
        left = QWidget()
        lv = QVBoxLayout(left)
        top = QHBoxLayout()
        top.addWidget(QLabel("显示："))
        top.addWidget(self.which)
        top.addStretch(1)
        lv.addLayout(top)
        lv.addWidget(self.table, 1)
        right = QWidget()
        rv = QVBoxLayout(right)
        rv.addWidget(self.heading)
        rv.addLayout(self.form_box)
        rv.addWidget(self.message)
        rv.addWidget(self.save_button)
        rv.addStretch(1)
        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setSizes([600, 500])
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)

    def refresh(self) -> None:
        user, which = self.ctx.user.id, self.which.currentData()
        self.tasks.read(lambda s: svc.my_tasks(s, user, which=which), self._loaded,
                        lambda e: self.message.setText(error_text(e)))

    def _loaded(self, rows: list[svc.CollectionTaskRow]) -> None:
        self.rows = rows
        self.table.setRowCount(len(rows))
        for i, r in enumerate(rows):
            for j, text in enumerate((r.title, r.person_name,
                                      "一次性" if r.period == "once" else r.period,
                                      r.due_date.isoformat(), STATUS.get(r.status, r.status))):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, r.id)
                self.table.setItem(i, j, item)
        fit_columns(self.table)
        self.tasks_loaded.emit(len(rows))

    def _selected(self) -> None:
        row = self.table.currentRow()
        if not 0 <= row < len(self.rows):
            return
        tid = self.rows[row].id
        self.tasks.read(lambda s: svc.task_form(s, tid), self._show,
                        lambda e: self.message.setText(error_text(e)))

    def _show(self, result: tuple[svc.CollectionTaskRow, dict[str, Any]]) -> None:
        task, values = result
        self.current = task
        if self.form is not None:
            self.form_box.removeWidget(self.form)
            self.form.deleteLater()
        self.form = RecordForm(Person, list(task.fields), self.labels, self)
        self.form.set_values(values)
        self.form_box.addWidget(self.form)
        self.heading.setText(f"{task.title}：{task.person_name}（截止 {task.due_date}）")
        self.message.clear()
        self.save_button.setEnabled(task.status != "done")

    def save(self) -> None:
        if self.current is None or self.form is None or not self.once.start():
            return
        tid, values = self.current.id, self.form.values()
        now, actor = self.ctx.now(), self.ctx.user.id
        self.form.clear_errors()
        self.message.clear()
        self.tasks.write(lambda s: svc.fill_task(s, tid, values, now=now, actor_id=actor),
                         lambda _pid: self._filled(tid), self._refused,
                         touches="people")

    def _filled(self, task_id: str) -> None:
        self.once.done()
        self.save_button.setEnabled(False)
        self.message.setStyleSheet("")
        self.message.setText("已保存，同步后上报")
        self.task_filled.emit(task_id)
        self.refresh()

    def _refused(self, exc: BaseException) -> None:
        self.once.done()
        self.message.setStyleSheet(ERROR_STYLE)
        if isinstance(exc, DomainError) and self.form is not None:
            loose = self.form.show_errors(exc)
            self.message.setText("；".join(loose) if loose else "请按提示修改后再保存")
        else:
            self.message.setText(error_text(exc))
