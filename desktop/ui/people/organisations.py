"""单位管理 page: organisations (enterprises, shops …) with a filter, an editor and employees."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QLineEdit, QPushButton, QSplitter,
                               QTableWidgetItem, QVBoxLayout, QWidget)

from common.errors import DomainError
from common.schema import Organisation
from common.schema.fields import form_fields
from desktop.services.places import default_grid
from desktop.services.organisations import (LIST_FIELDS, employees, get_organisation,
                                            list_organisations, save_organisation)

from ..context import AppContext
from ..widgets.columns import fit_columns
from ..widgets.forms import SubmitOnce
from ..widgets.labels import labels_of
from ..widgets.record_form import ERROR_STYLE, RecordForm
from .households import _table

FORM_FIELDS = form_fields(Organisation)


class OrganisationsPage(QWidget):
    def __init__(self, ctx: AppContext, parent: Any = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.labels = labels_of(ctx)
        self.current_id: str | None = None
        self.filter = QLineEdit(objectName="filter", placeholderText="单位名称、法定代表人或信用代码")
        self.columns = ctx.user.visible(Organisation, LIST_FIELDS)  # the role's fields
        self.list = _table([self.labels.field(Organisation, f) for f in self.columns],
                           "organisations")
        self.list.itemSelectionChanged.connect(self._selected)
        self.form = RecordForm(Organisation, ctx.user.visible(Organisation, FORM_FIELDS),
                               self.labels, self)
        self.message = QLabel("", objectName="message", styleSheet=ERROR_STYLE)
        self.staff = _table(["姓名", "部门", "岗位"], "employees")
        new = QPushButton("新增单位(&N)", objectName="button_create")
        new.clicked.connect(self.new)
        save = QPushButton("保存(&S)", objectName="button_save")
        save.clicked.connect(self.save)
        self.once = SubmitOnce(save)
        left = QWidget()
        lv = QVBoxLayout(left)
        lv.addWidget(self.filter)
        lv.addWidget(new)
        lv.addWidget(self.list, 1)
        right = QWidget()
        rv = QVBoxLayout(right)
        rv.addWidget(self.form)
        rv.addWidget(self.message)
        rv.addWidget(save)
        rv.addWidget(QLabel("务工人员"))
        rv.addWidget(self.staff, 1)
        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setSizes([700, 500])
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)
        self._timer = QTimer(self, singleShot=True, interval=200)
        self._timer.timeout.connect(self.reload)
        self.filter.textChanged.connect(lambda _t: self._timer.start())

    def refresh(self) -> None:
        self.reload()

    def reload(self) -> None:
        text = self.filter.text()
        self.ctx.tasks.read(lambda s: list_organisations(s, text), self._loaded)

    def _loaded(self, rows: list[dict]) -> None:
        self.list.setRowCount(len(rows))
        for i, r in enumerate(rows):
            for j, f in enumerate(self.columns):
                item = QTableWidgetItem(self.labels.display(Organisation, f, r[f]))
                item.setData(Qt.ItemDataRole.UserRole, r["id"])
                self.list.setItem(i, j, item)
        fit_columns(self.list)

    def _selected(self) -> None:
        row = self.list.currentRow()
        item = self.list.item(row, 0) if row >= 0 else None
        if item is None:
            return
        oid = item.data(Qt.ItemDataRole.UserRole)
        self.current_id = oid
        self.form.clear_errors()
        self.ctx.tasks.read(lambda s: (get_organisation(s, oid), employees(s, oid)),
                            self._show)

    def _show(self, result: tuple[dict, list[dict]]) -> None:
        values, staff = result
        self.form.set_values(values)
        self.staff.setRowCount(len(staff))
        for i, e in enumerate(staff):
            for j, k in enumerate(("name", "department", "position")):
                self.staff.setItem(i, j, QTableWidgetItem(e[k] or ""))
        fit_columns(self.staff)

    def new(self) -> None:
        self.current_id = None
        self.list.clearSelection()
        self.form.set_values({})
        self.staff.setRowCount(0)
        self.form.editors["name"].setFocus()

    def save(self) -> None:
        if not self.once.start():
            return  # a new unit pressed twice must not become two units
        values = self.form.values()
        oid, now, actor = self.current_id, self.ctx.now(), self.ctx.user.id
        scope = self.ctx.user.scope_node_id
        self.message.clear()
        self.form.clear_errors()

        def save(s):  # noqa: ANN001, ANN202 - on the writer thread
            if oid is None:
                values["grid_id"] = default_grid(s, scope)
            return save_organisation(s, oid, values, now=now, actor_id=actor)
        self.ctx.tasks.write(save, self._saved, self._refused, touches="organisations")

    def _saved(self, oid: str) -> None:
        self.once.done()
        self.current_id = oid
        self.message.setText("")
        self.reload()

    def _refused(self, exc: BaseException) -> None:
        self.once.done()
        if isinstance(exc, DomainError):
            loose = self.form.show_errors(exc)
            self.message.setText("；".join(loose) if loose else "请按提示修改后再保存")
        else:
            self.ctx.tasks.task_failed.emit(exc)
