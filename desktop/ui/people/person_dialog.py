"""The person dialog: create or edit a person with tags; refusals appear next to their field."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QComboBox, QDialog, QHBoxLayout, QLabel,
                               QListWidget, QListWidgetItem, QVBoxLayout)

from common import workflows as wf
from common.errors import DomainError
from common.schema import Person
from common.schema.fields import defaults as field_defaults
from common.schema.fields import form_fields
from desktop.services.people import open_for_edit, save_person
from desktop.services.places import grid_options

from ..context import AppContext
from ..widgets.labels import labels_of
from ..widgets.record_form import ERROR_STYLE, RecordForm, save_cancel_buttons

FIELDS = form_fields(Person)
"""The person form's fields, as declared (common/schema/people.py)."""


class PersonDialog(QDialog):
    """Emits `person_saved(id)` after a successful save (then closes)."""

    person_saved = Signal(str)

    def __init__(self, ctx: AppContext, person_id: str | None = None, parent: Any = None,
                 defaults: dict[str, Any] | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.person_id = person_id
        self.labels = labels_of(ctx)
        self.setWindowTitle("编辑人员" if person_id else "新增人员")
        self.form = RecordForm(Person, ctx.user.visible(Person, FIELDS), self.labels, self)
        self.grid = QComboBox()
        self.grid.setObjectName("field_grid_id")
        self.grid.setAccessibleName("所属网格")
        self.tags = QListWidget()
        self.tags.setObjectName("tags")
        self.tags.setAccessibleName("标签")
        self.tags.setMaximumHeight(120)
        for code, text in self.labels.options("tag"):
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, code)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.tags.addItem(item)
        self.move_note = QLabel("")
        self.move_note.setObjectName("move_note")
        self.move_note.setWordWrap(True)
        self.move_note.setVisible(False)
        self._stored: dict[str, Any] = {}
        self.grid.currentIndexChanged.connect(self._grid_changed)
        self.message = QLabel("")
        self.message.setObjectName("message")
        self.message.setStyleSheet(ERROR_STYLE)
        self.message.setWordWrap(True)
        self.buttons = save_cancel_buttons(self, self.save)
        layout = QVBoxLayout(self)
        layout.addWidget(self.form)
        row = QHBoxLayout()
        grid_label = QLabel("所属网格")
        grid_label.setBuddy(self.grid)
        row.addWidget(grid_label)
        row.addWidget(self.grid, 1)
        layout.addLayout(row)
        layout.addWidget(self.move_note)
        layout.addWidget(QLabel("标签（空格键勾选）"))
        layout.addWidget(self.tags)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.form.set_values({**field_defaults(Person), **(defaults or {})})
        self._default_grid = (defaults or {}).get("grid_id") or ctx.user.scope_node_id
        ctx.tasks.read(grid_options, self._grids_loaded)
        if person_id:
            # The form shows the ID number in clear, so opening it is a logged reveal.
            now, actor = ctx.now(), ctx.user.id
            ctx.tasks.write(lambda s: open_for_edit(s, person_id, now=now, actor_id=actor),
                            self._loaded, touches="log")

    def _grids_loaded(self, grids: list[tuple[str, str]]) -> None:
        current = self.grid.currentData() or self._default_grid
        self.grid.clear()
        for gid, name in grids:
            self.grid.addItem(name, gid)
        i = self.grid.findData(current)
        if i >= 0:
            self.grid.setCurrentIndex(i)

    def _loaded(self, detail: Any) -> None:
        self.form.set_values(detail.values)
        self._default_grid = detail.values.get("grid_id")
        self._stored = dict(detail.values)
        i = self.grid.findData(self._default_grid)
        if i >= 0:
            self.grid.setCurrentIndex(i)
        for row in range(self.tags.count()):
            item = self.tags.item(row)
            checked = item.data(Qt.ItemDataRole.UserRole) in detail.tags
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)

    def _grid_changed(self) -> None:
        """Changing a registered person's grid does not move them: the server files a transfer
        (人员转移) that the receiving grid approves. Say so before saving."""
        stored = self._stored.get("grid_id")
        target = self.grid.currentData()
        if not stored or not target or target == stored:
            self.move_note.setVisible(False)
            return
        name = self.grid.currentText()
        if self._stored.get("status") == wf.PENDING:
            text = f"该人员尚在审核中：改到「{name}」后，由「{name}」审核其登记。"
        else:
            text = (f"更改所属网格将提交人员转移申请：须由「{name}」审核通过后才转入，"
                    f"此前该人员仍属原网格；其他修改照常保存。")
        self.move_note.setText(text)
        self.move_note.setVisible(True)

    def checked_tags(self) -> list[str]:
        return [self.tags.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.tags.count())
                if self.tags.item(i).checkState() == Qt.CheckState.Checked]

    def save(self) -> None:
        values = self.form.values()
        if self.grid.currentData():
            values["grid_id"] = self.grid.currentData()
        tags = self.checked_tags()
        now = self.ctx.now()
        actor = self.ctx.user.id
        person_id = self.person_id
        self.form.clear_errors()
        self.message.clear()
        self.buttons.setEnabled(False)
        self.ctx.tasks.write(
            lambda s: save_person(s, person_id, values, tags, now=now, actor_id=actor),
            self._saved, self._refused, touches="people")

    def _saved(self, person_id: str) -> None:
        self.buttons.setEnabled(True)
        self.person_id = person_id
        self.person_saved.emit(person_id)
        self.accept()

    def _refused(self, exc: BaseException) -> None:
        self.buttons.setEnabled(True)
        if isinstance(exc, DomainError):
            loose = self.form.show_errors(exc)
            self.message.setText("；".join(loose) if loose else "请按提示修改后再保存")
        else:
            self.message.setText("保存失败，请重试")
            self.ctx.tasks.task_failed.emit(exc)
