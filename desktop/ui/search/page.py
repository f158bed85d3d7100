"""全息检索 page: conditions on the left, the live count and the lazy result list on the right;
searches can be saved and results exported to xlsx (logged)."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (QComboBox, QFormLayout, QHBoxLayout, QInputDialog,
                               QLabel, QLineEdit, QMainWindow, QPushButton, QSpinBox, QSplitter,
                               QVBoxLayout, QWidget)

from common.schema import Household, Person, PersonTag
from common.schema.fields import facet_fields
from desktop.services.places import grid_options
from desktop.services.saved_searches import (EXPORT_FIELDS, export_people, save_search,
                                             saved_searches)
from desktop.services.search import PeopleQuery, count_people

from ..context import AppContext
from ..widgets.check_list import CheckListWidget
from ..widgets.file_dialogs import save_file
from ..widgets.labels import labels_of
from ..widgets.people_table import PeopleTableView


DEFAULT_STATUSES = ("normal",)
FACETS = [f for f in facet_fields(Person) if f.facet != "sex"]
"""The declared multi-value search facets (sex is a single choice)."""


class SearchPage(QWidget):
    def __init__(self, ctx: AppContext, parent: Any = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        labels = self.labels = labels_of(ctx)
        self.scope: dict[str, str] = {}  # building_id / house_id / household_id from drill-down
        self.scope_title = ""
        self.last_count: int | None = None

        self.text = QLineEdit(objectName="text", placeholderText="姓名、拼音、首字母、证件号或电话片段")
        self.text.setClearButtonEnabled(True)
        self.age_min = self._age_box("age_min")
        self.age_max = self._age_box("age_max")
        self.sex = QComboBox(objectName="sex")
        self.sex.addItem("不限", None)
        for code, text in labels.options("sex"):
            self.sex.addItem(text, code)
        # one check list per declared multi-value facet (民族, 宗教信仰, 人口类型, 人员状态…),
        # named by the search query's attribute (self.ethnicities, self.statuses…)
        self.facets: dict[str, CheckListWidget] = {}
        for spec in FACETS:
            options = labels.options(spec.dict_code)
            widget = CheckListWidget(options, rows=3 if len(options) > 8 else 2)
            widget.setObjectName(spec.facet)
            self.facets[spec.facet] = widget
            setattr(self, spec.facet, widget)
        self.tags = CheckListWidget(labels.options("tag"), rows=5)
        self.tags.setObjectName("tags")
        self.tag_mode = QComboBox(objectName="tag_mode")
        self.tag_mode.addItem("满足任一标签", "any")
        self.tag_mode.addItem("同时满足全部标签", "all")
        self.statuses.set_checked(DEFAULT_STATUSES)
        self.household_no = QLineEdit(objectName="household_no", placeholderText="完整户号")
        self.grid = QComboBox(objectName="grid")
        self.grid.addItem("全部网格", None)
        self.scope_label = QLabel("", objectName="scope")
        self.clear_scope = QPushButton("取消限定", objectName="clear_scope")
        self.clear_scope.clicked.connect(self._clear_scope)
        self.clear_scope.hide()

        form = QFormLayout()
        f = labels.field  # field names come from the schema's declared labels
        for label, widget in (("关键字(&K)", self.text), ("年龄从", self.age_min),
                              ("年龄到", self.age_max), (f(Person, "sex"), self.sex),
                              *((f(Person, spec.key), self.facets[spec.facet])
                                for spec in FACETS),
                              (f(PersonTag, "tag_code") + "(&T)", self.tags),
                              ("标签条件", self.tag_mode),
                              (f(Person, "grid_id"), self.grid),
                              (f(Household, "household_no"), self.household_no)):
            lab = QLabel(label)
            lab.setBuddy(widget)
            widget.setAccessibleName(label.replace("(&K)", "").replace("(&T)", ""))
            form.addRow(lab, widget)
        form.addRow(self.scope_label, self.clear_scope)

        self.saved = QComboBox(objectName="saved")
        self.saved.addItem("（已保存的检索）", None)
        self.saved.activated.connect(self._apply_saved)
        save = QPushButton("保存检索(&S)", objectName="save")
        save.clicked.connect(self.ask_save)
        reset = QPushButton("清空条件", objectName="reset")
        reset.clicked.connect(self.reset)
        left = QWidget()
        lv = QVBoxLayout(left)
        lv.addLayout(form)
        lv.addWidget(self.saved)
        row = QHBoxLayout()
        row.addWidget(save)
        row.addWidget(reset)
        lv.addLayout(row)
        lv.addStretch(1)

        self.count = QLabel("", objectName="count")
        self.count.setStyleSheet("font-size: 16px; font-weight: bold;")
        # no result: which conditions are active, and one button to clear them
        self.empty_hint = QLabel("", objectName="empty_hint", wordWrap=True)
        self.clear_all = QPushButton("清空条件重新检索(&Q)", objectName="clear_all")
        self.clear_all.clicked.connect(self.reset)
        empty = QHBoxLayout()
        empty.addWidget(self.empty_hint, 1)
        empty.addWidget(self.clear_all)
        self.empty_hint.hide()
        self.clear_all.hide()
        export = QPushButton("导出 Excel(&X)", objectName="export")
        export.clicked.connect(self.ask_export)
        self.table = PeopleTableView(ctx, self)
        self.table.setObjectName("results")
        self.table.person_activated.connect(lambda pid: ctx.navigate("people", person_id=pid))
        right = QWidget()
        rv = QVBoxLayout(right)
        top = QHBoxLayout()
        top.addWidget(self.count, 1)
        top.addWidget(export)
        rv.addLayout(top)
        rv.addLayout(empty)
        rv.addWidget(self.table, 1)

        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([300, 900])
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)

        self._timer = QTimer(self, singleShot=True, interval=150)
        self._timer.timeout.connect(self.run)
        self.text.textChanged.connect(self.changed)
        self.household_no.textChanged.connect(self.changed)
        for w in (self.age_min, self.age_max):
            w.valueChanged.connect(self.changed)
        for w in (self.sex, self.tag_mode, self.grid):
            w.currentIndexChanged.connect(self.changed)
        for w in (*self.facets.values(), self.tags):
            w.changed.connect(self.changed)
        QShortcut(QKeySequence("Ctrl+F"), self, activated=self.text.setFocus)
        self._started = False

    def _age_box(self, name: str) -> QSpinBox:
        box = QSpinBox(objectName=name)
        box.setRange(-1, 150)
        box.setSpecialValueText("不限")
        box.setValue(-1)
        box.setSuffix(" 岁")
        return box

    # -- page protocol -------------------------------------------------------------------------
    def refresh(self) -> None:
        if not self._started:
            self._started = True
            self.ctx.tasks.read(grid_options, self._grids_loaded)
            self._load_saved()
            self.run()

    def open_record(self, **kw: Any) -> None:
        """Search within a place or household (from the drill-down): building_id=, house_id=,
        household_id=, with `title` naming it. A drill-down starts a clean search: the
        conditions left from an earlier search would hide the place's residents."""
        self._set_fields(PeopleQuery(statuses=DEFAULT_STATUSES))
        self._set_scope(kw)
        self.run()

    def _set_scope(self, kw: dict[str, Any]) -> None:
        self.scope = {k: v for k, v in kw.items()
                      if k in ("building_id", "house_id", "household_id") and v}
        self.scope_title = str(kw.get("title") or "") if self.scope else ""
        self.scope_label.setText(f"限定：{self.scope_title}" if self.scope else "")
        self.clear_scope.setVisible(bool(self.scope))

    # -- the query -----------------------------------------------------------------------------
    def query(self) -> PeopleQuery:
        tags = self.tags.checked()
        all_tags = self.tag_mode.currentData() == "all"
        return PeopleQuery(
            text=self.text.text().strip(),
            age_min=self.age_min.value() if self.age_min.value() >= 0 else None,
            age_max=self.age_max.value() if self.age_max.value() >= 0 else None,
            sex=self.sex.currentData(),
            **{name: w.checked() for name, w in self.facets.items()},
            tags_any=() if all_tags else tags, tags_all=tags if all_tags else (),
            org_node_id=self.grid.currentData(), household_no=self.household_no.text().strip(),
            building_id=self.scope.get("building_id"), house_id=self.scope.get("house_id"),
            household_id=self.scope.get("household_id"))

    def set_query(self, q: PeopleQuery) -> None:
        self._set_fields(q)
        self.run()

    def _set_fields(self, q: PeopleQuery) -> None:
        for w in (self.text, self.age_min, self.age_max, self.sex, self.tag_mode, self.grid,
                  self.household_no):
            w.blockSignals(True)
        self.text.setText(q.text)
        self.household_no.setText(q.household_no)
        self.age_min.setValue(-1 if q.age_min is None else q.age_min)
        self.age_max.setValue(-1 if q.age_max is None else q.age_max)
        self.sex.setCurrentIndex(max(self.sex.findData(q.sex), 0))
        self.tag_mode.setCurrentIndex(1 if q.tags_all else 0)
        self.grid.setCurrentIndex(max(self.grid.findData(q.org_node_id), 0))
        for w in (self.text, self.age_min, self.age_max, self.sex, self.tag_mode, self.grid,
                  self.household_no):
            w.blockSignals(False)
        for w, codes in (*((w, getattr(q, name)) for name, w in self.facets.items()),
                         (self.tags, q.tags_all or q.tags_any)):
            w.blockSignals(True)
            w.set_checked(codes)
            w.blockSignals(False)

    def reset(self) -> None:
        self._set_scope({})
        self.set_query(PeopleQuery(statuses=DEFAULT_STATUSES))

    def _clear_scope(self) -> None:
        self._set_scope({})
        self.run()

    def active_conditions(self) -> list[str]:
        """The conditions narrowing the search, as a person reads them (the default status
        正常 is not one: the drill-down counts only living people too)."""
        q, lab = self.query(), self.labels
        out = []
        if q.text:
            out.append(f"关键字“{q.text}”")
        if q.age_min is not None or q.age_max is not None:
            out.append(f"年龄 {'' if q.age_min is None else q.age_min}"
                       f"–{'' if q.age_max is None else q.age_max} 岁")
        for name, d, codes in (("性别", "sex", (q.sex,) if q.sex else ()),
                               *((spec.label, spec.dict_code, getattr(q, spec.facet))
                                 for spec in FACETS if spec.facet != "statuses"),
                               ("标签", "tag", q.tags_all or q.tags_any)):
            if codes:
                out.append(f"{name} " + "、".join(lab.label(d, c) for c in codes))
        if tuple(q.statuses) != DEFAULT_STATUSES:
            out.append("状态 " + ("、".join(lab.label("person_status", c) for c in q.statuses)
                                 if q.statuses else "不限"))
        if q.org_node_id:
            out.append(f"网格 {self.grid.currentText()}")
        if q.household_no:
            out.append(f"户号 {q.household_no}")
        if self.scope:
            out.append(f"限定 {self.scope_title}")
        return out

    def _show_empty_hint(self, n: int) -> None:
        conditions = self.active_conditions() if n == 0 else []
        if conditions:
            self.empty_hint.setText("没有符合条件的人员。当前条件：" + "；".join(conditions))
        else:
            self.empty_hint.setText("没有符合条件的人员。" if n == 0 else "")
        self.empty_hint.setVisible(n == 0)
        self.clear_all.setVisible(bool(conditions))

    def changed(self, *_: Any) -> None:
        self._timer.start()

    def run(self) -> None:
        """Recount and reload the list for the current conditions."""
        self._timer.stop()
        q = self.query()
        today = self.ctx.now().date()
        self.count.setText("正在统计…")
        self.table.people.set_query(q)

        def counted(n: int, q: PeopleQuery = q) -> None:
            if q == self.query():
                self.last_count = n
                self.count.setText(f"符合条件：{n} 人")
                self._show_empty_hint(n)
        self.ctx.tasks.read(lambda s: count_people(s, q, today=today), counted)

    # -- saved searches and export -------------------------------------------------------------
    def _grids_loaded(self, grids: list[tuple[str, str]]) -> None:
        for gid, name in grids:
            self.grid.addItem(name, gid)

    def _load_saved(self) -> None:
        self.ctx.tasks.read(saved_searches, self._saved_loaded)

    def _saved_loaded(self, items: list[tuple[str, PeopleQuery]]) -> None:
        self.saved.clear()
        self.saved.addItem("（已保存的检索）", None)
        for name, q in items:
            self.saved.addItem(name, q)

    def _apply_saved(self, index: int) -> None:
        q = self.saved.itemData(index)
        if q is not None:
            self.set_query(q)

    def ask_save(self) -> None:
        name, ok = QInputDialog.getText(self, "保存检索", "检索名称：")
        if ok and name.strip():
            self.save_as(name)

    def save_as(self, name: str) -> None:
        q = self.query()
        now = self.ctx.now()
        self.ctx.tasks.write(lambda s: save_search(s, name, q, now=now),
                             lambda _r: self._load_saved(), touches="saved_searches")

    def ask_export(self) -> None:
        path = save_file(self, "导出到 Excel", "全息检索结果.xlsx", "Excel 文件 (*.xlsx)")
        if path:
            self.export_to(path)

    def export_to(self, path: str) -> None:
        q = self.query()
        now = self.ctx.now()
        actor = self.ctx.user.id
        fields = self.ctx.user.visible(Person, EXPORT_FIELDS)  # the role's hidden fields left out
        self.ctx.tasks.write(
            lambda s: export_people(s, q, path, today=now.date(), now=now, actor_id=actor,
                                    fields=fields),
            lambda n: self._exported(n, path), touches="log")

    def _exported(self, n: int, path: str) -> None:
        window = self.window()
        if isinstance(window, QMainWindow):  # shown alone (a test) the page has no status bar
            window.statusBar().showMessage(f"已导出 {n} 人到 {path}", 8000)
