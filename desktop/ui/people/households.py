"""户籍管理 page: households with their head and member count; a household's members with the
relation to the head; create/edit a household; add a person to it or make them the head."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QHBoxLayout, QLabel,
                               QLineEdit, QPushButton, QSplitter, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)

from common.errors import DomainError
from common.schema import Household, Person
from common.schema.fields import form_fields
from desktop.services.households import (get_household, household_members, list_households,
                                         save_household, set_member)
from desktop.services.places import default_grid
from desktop.services.search import PeopleQuery

from ..context import AppContext
from ..widgets.columns import fit_columns
from ..widgets.forms import SubmitOnce
from ..widgets.labels import labels_of
from ..widgets.people_table import PeopleTableView
from ..widgets.record_form import ERROR_STYLE, RecordForm, save_cancel_buttons

FORM_FIELDS = form_fields(Household)  # the 户 dialog's fields, as declared


def _table(headers: list[str], name: str) -> QTableWidget:
    t = QTableWidget(0, len(headers), objectName=name)
    t.setHorizontalHeaderLabels(headers)
    t.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
    t.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
    t.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    t.horizontalHeader().setStretchLastSection(True)
    t.setTabKeyNavigation(False)
    return t


class HouseholdsPage(QWidget):
    def __init__(self, ctx: AppContext, parent: Any = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.labels = labels_of(ctx)
        self.filter = QLineEdit(objectName="filter", placeholderText="户号、地址或户主姓名")
        f = self.labels.field
        self.list = _table([f(Household, "household_no"), f(Household, "head_person_id"), "人数",
                            f(Household, "house_id"), f(Household, "address")], "households")
        self.members = _table([f(Person, c) for c in ("name", "relation_to_head", "sex",
                                                      "id_number", "status")], "members")
        self.list.itemSelectionChanged.connect(self._show_members)
        self.members.cellActivated.connect(
            lambda r, _c: ctx.navigate("people", person_id=self.members.item(r, 0).data(
                Qt.ItemDataRole.UserRole)))
        buttons = QHBoxLayout()
        for text, slot, name in (("新增户(&N)", lambda: self.edit(None), "create"),
                                 ("编辑户(&E)", self.edit_selected, "edit"),
                                 ("添加成员(&A)", self.add_member, "add_member")):
            b = QPushButton(text, objectName=f"button_{name}")
            b.clicked.connect(slot)
            buttons.addWidget(b)
        buttons.addStretch(1)
        left = QWidget()
        lv = QVBoxLayout(left)
        lv.addWidget(self.filter)
        lv.addLayout(buttons)
        lv.addWidget(self.list, 1)
        right = QWidget()
        rv = QVBoxLayout(right)
        rv.addWidget(QLabel("家庭成员（回车打开人员）"))
        rv.addWidget(self.members, 1)
        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(right)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)
        self._timer = QTimer(self, singleShot=True, interval=200)
        self._timer.timeout.connect(self.reload)
        self.filter.textChanged.connect(lambda _t: self._timer.start())
        self.dialog: QDialog | None = None

    def refresh(self) -> None:
        self.reload()

    def reload(self) -> None:
        text = self.filter.text()
        self.ctx.tasks.read(lambda s: list_households(s, text), self._loaded)

    def _loaded(self, rows: list) -> None:
        selected = self.selected_id()
        self.list.setRowCount(len(rows))
        for i, r in enumerate(rows):
            cells = [r.household_no, r.head_name or "", str(r.members), r.house_plate or "",
                     r.address or ""]
            for j, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, r.id)
                self.list.setItem(i, j, item)
            if r.id == selected:
                self.list.selectRow(i)
        fit_columns(self.list)

    def selected_id(self) -> str | None:
        row = self.list.currentRow()
        item = self.list.item(row, 0) if row >= 0 else None
        return item.data(Qt.ItemDataRole.UserRole) if item else None

    def _show_members(self) -> None:
        hid = self.selected_id()
        if hid:
            self.ctx.tasks.read(lambda s: household_members(s, hid), self._members_loaded)

    def _members_loaded(self, rows: list) -> None:
        self.members.setRowCount(len(rows))
        for i, m in enumerate(rows):
            cells = [m.name, self.labels.label("relation", m.relation),
                     self.labels.label("sex", m.sex), m.id_masked,
                     self.labels.label("person_status", m.status)]
            for j, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, m.person_id)
                self.members.setItem(i, j, item)
        fit_columns(self.members)

    def edit_selected(self) -> None:
        hid = self.selected_id()
        if hid:
            self.edit(hid)

    def edit(self, household_id: str | None) -> None:
        self.dialog = HouseholdDialog(self.ctx, household_id, self)
        self.dialog.accepted.connect(self.reload)
        self.dialog.open()

    def add_member(self) -> None:
        hid = self.selected_id()
        if hid:
            self.dialog = AddMemberDialog(self.ctx, hid, self)
            self.dialog.accepted.connect(self.reload)
            self.dialog.accepted.connect(self._show_members)
            self.dialog.open()


class HouseholdDialog(QDialog):
    def __init__(self, ctx: AppContext, household_id: str | None, parent: Any = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.household_id = household_id
        self.setWindowTitle("编辑户" if household_id else "新增户")
        self.form = RecordForm(Household, ctx.user.visible(Household, FORM_FIELDS),
                               labels_of(ctx), self)
        self.message = QLabel("", styleSheet=ERROR_STYLE)
        buttons = save_cancel_buttons(self, self.save)
        self.once = SubmitOnce(buttons)
        layout = QVBoxLayout(self)
        layout.addWidget(self.form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.grid_id = ctx.user.scope_node_id
        if household_id:
            ctx.tasks.read(lambda s: get_household(s, household_id), self._loaded)

    def _loaded(self, values: dict) -> None:
        self.form.set_values(values)
        self.grid_id = values.get("grid_id")

    def save(self) -> None:
        if not self.once.start():
            return  # pressed twice while saving: one household, not two
        values = self.form.values()
        hid, now, actor, scope = (self.household_id, self.ctx.now(), self.ctx.user.id,
                                  self.grid_id)

        def save(s):  # noqa: ANN001, ANN202 - on the writer thread
            if not hid:
                values["grid_id"] = default_grid(s, scope)
            return save_household(s, hid, values, now=now, actor_id=actor)
        self.ctx.tasks.write(save, lambda _r: self.accept(), self._refused,
                             touches="households")

    def _refused(self, exc: BaseException) -> None:
        self.once.done()
        if isinstance(exc, DomainError):
            self.message.setText("；".join(self.form.show_errors(exc)))
        else:
            self.ctx.tasks.task_failed.emit(exc)


class AddMemberDialog(QDialog):
    """Find a person (any search text) and put them into the household with a relation."""

    def __init__(self, ctx: AppContext, household_id: str, parent: Any = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.household_id = household_id
        self.setWindowTitle("添加家庭成员")
        self.resize(760, 480)
        self.text = QLineEdit(objectName="text", placeholderText="姓名、拼音首字母或证件号片段")
        self.people = PeopleTableView(ctx, self)
        self.relation = QComboBox(objectName="relation")
        for code, label in labels_of(ctx).options("relation"):
            self.relation.addItem(label, code)
        self.message = QLabel("", styleSheet=ERROR_STYLE)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok |
                                   QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(QLabel("与户主关系"))
        row.addWidget(self.relation, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(self.people, 1)
        layout.addLayout(row)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self._timer = QTimer(self, singleShot=True, interval=200)
        self._timer.timeout.connect(
            lambda: self.people.people.set_query(PeopleQuery(text=self.text.text(),
                                                             statuses=("normal",))))
        self.text.textChanged.connect(lambda _t: self._timer.start())
        self.people.person_activated.connect(lambda _p: self.save())

    def save(self) -> None:
        pid = self.people.selected_id()
        if not pid:
            self.message.setText("请先选择一个人")
            return
        hid, rel, now, actor = (self.household_id, self.relation.currentData(), self.ctx.now(),
                                self.ctx.user.id)
        self.ctx.tasks.write(lambda s: set_member(s, hid, pid, rel, now=now, actor_id=actor),
                             lambda _r: self.accept(), self._refused, touches="people")

    def _refused(self, exc: BaseException) -> None:
        self.message.setText(exc.message() if isinstance(exc, DomainError) else "保存失败")
