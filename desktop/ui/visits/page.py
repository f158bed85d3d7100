"""走访: tasks due and overdue (manual and from the automatic rules), visit records, and the
dashboard (coverage of the scope, tasks done, ranking by person)."""
from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (QComboBox, QDateEdit, QDialog, QDialogButtonBox, QFormLayout,
                               QLabel, QLineEdit, QPushButton, QTabWidget, QVBoxLayout, QWidget)

from desktop.services import visits

from ..context import AppContext, local_today, worker_of
from ..widgets.errors import error_text
from ..widgets.forms import SubmitOnce, form_keys, labelled_bar
from ..widgets.labels import labels_of, local_time
from ..widgets.rows_model import RowsModel, rows_table
from ..widgets.tasks import GuardedTasks
from .dialog import VisitDialog

TASK_FILTERS = (("due", "近期到期"), ("overdue", "已逾期"), ("open", "全部待走访"),
                ("done", "已完成"))


class VisitsPage(QWidget):
    """Enter on a task records its visit; Ctrl+N new visit, Ctrl+T new task, F5 refresh (and
    generate the rule tasks). Signals: `visit_saved(str)`, `tasks_loaded(int)`."""

    visit_saved = Signal(str)
    tasks_loaded = Signal(int)
    dashboard_loaded = Signal(object)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._wanted_task: str | None = None
        self.ctx = ctx
        self.labels = labels_of(ctx)  # the synced dictionaries
        self.tasks = GuardedTasks(ctx.tasks, self)
        self.dialog: QDialog | None = None
        self.tabs = QTabWidget()
        self.tabs.addTab(self._tasks_tab(), "走访任务(&1)")
        self.tabs.addTab(self._records_tab(), "走访记录(&2)")
        self.tabs.addTab(self._dashboard_tab(), "走访统计(&3)")
        self.tabs.currentChanged.connect(lambda _i: self.refresh())
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        self.message = QLabel("")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        for keys, slot in (("Ctrl+N", self.new_visit), ("Ctrl+T", self.new_task),
                           ("F5", self.generate_and_refresh)):
            QShortcut(QKeySequence(keys), self, activated=slot)
        self._generated = False

    # -- tabs ----------------------------------------------------------------------------------
    def _tasks_tab(self) -> QWidget:
        self.task_filter = QComboBox()
        for code, text in TASK_FILTERS:
            self.task_filter.addItem(text, code)
        self.task_filter.currentIndexChanged.connect(lambda _i: self.load_tasks())
        self.task_model = RowsModel([
            ("截止日期", lambda r: r.due_date.isoformat()), ("任务", lambda r: r.title),
            ("对象", lambda r: r.target),
            ("类型", lambda r: self.labels.label("visit_kind", r.kind)),
            ("来源", lambda r: "自动规则" if r.rule_id else "手工"),
            ("状态", lambda r: self.labels.label("task_status", r.status))])
        self.task_view = rows_table(self.task_model, "走访任务")
        self.task_view.activated.connect(lambda _i: self.visit_selected_task())
        record = QPushButton("记录走访(&R)")
        record.clicked.connect(self.visit_selected_task)
        new_visit = QPushButton("新建走访(&N)")
        new_visit.clicked.connect(self.new_visit)
        new_task = QPushButton("新建任务(&T)")
        new_task.clicked.connect(self.new_task)
        cancel = QPushButton("取消任务(&X)")
        cancel.clicked.connect(self.cancel_selected_task)
        refresh = QPushButton("刷新/生成自动任务(F5)")
        refresh.clicked.connect(self.generate_and_refresh)
        rules = QPushButton("自动规则(&G)…")
        rules.clicked.connect(self.open_rules)
        top = labelled_bar("显示(&S)：", self.task_filter)
        for b in (record, new_visit, new_task, cancel, refresh, rules):
            top.addWidget(b)
        w = QWidget()
        lay = QVBoxLayout(w)
        lay.addLayout(top)
        lay.addWidget(self.task_view)
        return w

    def _records_tab(self) -> QWidget:
        self.visit_model = RowsModel([
            ("走访时间", lambda r: local_time(r['visited_at'])),
            ("对象", lambda r: r["target"]),
            ("类型", lambda r: self.labels.label("visit_kind", r["kind"])),
            ("走访人", lambda r: r["visitor"]), ("扫码", lambda r: "是" if r["qr"] else ""),
            ("跟进", lambda r: "需跟进" if r["follow_up"] else ""),
            ("照片", lambda r: r["photos"] or ""), ("走访情况", lambda r: r["notes"])])
        self.visit_view = rows_table(self.visit_model, "走访记录")
        self.visit_view.activated.connect(
            lambda i: self.open_record(visit_id=self.visit_model.row_at(i.row())["id"]))
        w = QWidget()
        QVBoxLayout(w).addWidget(self.visit_view)
        return w

    def _dashboard_tab(self) -> QWidget:
        self.period = QComboBox()
        for days, text in ((7, "近 7 天"), (30, "近 30 天"), (90, "近 90 天")):
            self.period.addItem(text, days)
        self.period.setCurrentIndex(1)
        self.period.currentIndexChanged.connect(lambda _i: self.load_dashboard())
        self.figures = QLabel("")
        self.figures.setObjectName("visit_figures")
        self.figures.setTextFormat(Qt.TextFormat.PlainText)
        self.rank_model = RowsModel([("名次", lambda r: r[0]), ("走访人", lambda r: r[1]),
                                     ("走访次数", lambda r: r[2]), ("扫码签到", lambda r: r[3])])
        self.rank_view = rows_table(self.rank_model, "走访排名")
        self.grid_model = RowsModel([("网格", lambda r: r[0]), ("走访次数", lambda r: r[1]),
                                     ("走访房屋", lambda r: r[2])])
        self.grid_view = rows_table(self.grid_model, "按网格统计")
        w = QWidget()
        lay = QVBoxLayout(w)
        lay.addLayout(labelled_bar("统计期间(&D)：", self.period))
        lay.addWidget(self.figures)
        lay.addWidget(QLabel("按人员排名："))
        lay.addWidget(self.rank_view)
        lay.addWidget(QLabel("按网格统计："))
        lay.addWidget(self.grid_view)
        return w

    # -- loading -------------------------------------------------------------------------------
    def refresh(self) -> None:
        if not self._generated:  # first showing of the day: let the rules make today's tasks
            self._generated = True
            self.generate_and_refresh()
            return
        [self.load_tasks, self.load_visits, self.load_dashboard][self.tabs.currentIndex()]()

    def generate_and_refresh(self) -> None:
        now, today = self.ctx.now(), local_today(self.ctx)
        self.tasks.write(
            lambda s: visits.generate_rule_tasks(s, today=today, now=now),
            lambda made: (self.message.setText(f"已按自动规则生成 {made} 项走访任务")
                          if made else None, self.load_tasks()),
            self._failed, touches="visit_tasks")

    def load_tasks(self) -> None:
        which, worker, today = self.task_filter.currentData(), worker_of(self.ctx), \
            local_today(self.ctx)
        self.tasks.read(lambda s: visits.list_tasks(s, worker, which, today=today),
                            self._show_tasks, self._failed)

    def _show_tasks(self, rows: list[Any]) -> None:
        self.task_model.set_rows(rows)
        self.tasks_loaded.emit(len(rows))
        wanted = [i for i, r in enumerate(rows) if r.id == self._wanted_task]
        if wanted:
            self._wanted_task = None
        if rows:
            self.task_view.selectRow(wanted[0] if wanted else 0)

    def load_visits(self) -> None:
        self.tasks.read(lambda s: visits.recent_visits(s), self.visit_model.set_rows,
                            self._failed)

    def load_dashboard(self) -> None:
        days, today = self.period.currentData(), local_today(self.ctx)
        offset = self.ctx.now().replace(tzinfo=dt.timezone.utc).astimezone().utcoffset()
        self.tasks.read(
            lambda s: visits.dashboard(s, today=today, days=days, utc_offset=offset),
            self._show_dashboard, self._failed)

    def _show_dashboard(self, d: visits.Dashboard) -> None:
        self.figures.setText(
            f"统计期间：{d.period_start} 至 {d.period_end}\n"
            f"房屋走访覆盖：{d.houses_visited} / {d.houses_total} 户（{d.house_coverage:.0%}）\n"
            f"重点人员按期走访：{d.key_people_on_time} / {d.key_people_total} 人"
            f"（{d.key_coverage:.0%}）\n"
            f"任务：期间完成 {d.tasks_done} 项，待走访 {d.tasks_open} 项，逾期 {d.tasks_overdue} 项")
        self.rank_model.set_rows([(i + 1, *r) for i, r in enumerate(d.ranking)])
        self.grid_model.set_rows(list(d.by_grid))
        self.dashboard_loaded.emit(d)

    # -- actions -------------------------------------------------------------------------------
    def selected_task(self) -> Any:
        idx = self.task_view.currentIndex()
        return self.task_model.row_at(idx.row()) if idx.isValid() else None

    def visit_selected_task(self) -> None:
        task = self.selected_task()
        if task is None:
            self.message.setText("请先选择一项走访任务")
        elif task.status != "open":
            self.message.setText("该任务已完成或已取消")
        else:
            self._open_dialog(VisitDialog(self.ctx, self, task=task))

    def new_visit(self) -> None:
        self._open_dialog(VisitDialog(self.ctx, self))

    def open_record(self, visit_id: str | None = None, house_id: str | None = None,
                    person_id: str | None = None, task_id: str | None = None,
                    **_kw: Any) -> None:
        """Called by the main window: after a QR check-in, a visit form for the house; from
        the home page's to-do list (`task_id`), that task selected among all open ones."""
        self.tabs.setCurrentIndex(0)
        if task_id is not None:
            self._wanted_task = task_id
            self.task_filter.setCurrentIndex(self.task_filter.findData("open"))
            self.load_tasks()
            return
        self._open_dialog(VisitDialog(self.ctx, self, visit_id=visit_id, house_id=house_id,
                                      person_id=person_id))

    def _open_dialog(self, dialog: VisitDialog) -> None:
        self.dialog = dialog
        dialog.visit_saved.connect(self._visit_saved)
        dialog.open()

    def _visit_saved(self, visit_id: str) -> None:
        self.message.setText("走访记录已保存")
        self.visit_saved.emit(visit_id)
        self.load_tasks()

    def new_task(self) -> None:
        dialog = TaskDialog(self.ctx, self)
        dialog.task_created.connect(lambda _id: (self.message.setText("走访任务已创建"),
                                                 self.load_tasks()))
        self.dialog = dialog
        dialog.open()

    def open_rules(self) -> QDialog:
        from .rules import RulesDialog
        dialog = RulesDialog(self.ctx, self)
        dialog.rules_changed.connect(self.generate_and_refresh)
        self.dialog = dialog
        dialog.open()
        return dialog

    def cancel_selected_task(self) -> None:
        task = self.selected_task()
        if task is None or task.status != "open":
            return
        now = self.ctx.now()
        self.tasks.write(lambda s: visits.cancel_task(s, task.id, now=now),
                             lambda _r: self.load_tasks(), self._failed, touches="visit_tasks")

    def _failed(self, exc: BaseException) -> None:
        self.message.setText(error_text(exc))


class TaskDialog(QDialog):
    """A manual visit task: title, whom, due date."""

    task_created = Signal(str)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.tasks = GuardedTasks(ctx.tasks, self)
        self.setWindowTitle("新建走访任务")
        self.title = QLineEdit()
        self.search = QLineEdit()
        self.search.setPlaceholderText("输入姓名或门牌号后按回车")
        self.search.returnPressed.connect(self._search)
        self.target = QComboBox()
        self.due = QDateEdit(local_today(ctx) + dt.timedelta(days=7))
        self.due.setCalendarPopup(True)
        self.error = QLabel("")
        self.error.setStyleSheet("color: #b00020;")
        form = QFormLayout(self)
        form.addRow("任务名称(&M)：", self.title)
        form.addRow("查找对象(&F)：", self.search)
        form.addRow("走访对象(&T)：", self.target)
        form.addRow("截止日期(&D)：", self.due)
        form.addRow(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel)
        submit = buttons.button(QDialogButtonBox.StandardButton.Save)
        submit.setText("保存(&S)")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        form_keys(self, submit)
        self.once = SubmitOnce(submit)

    def _search(self) -> None:
        text = self.search.text()
        self.tasks.read(lambda s: visits.find_targets(s, text), self._targets,
                            lambda e: self.error.setText(error_text(e)))

    def _targets(self, rows: list[tuple[str, str, str]]) -> None:
        self.target.clear()
        for fieldname, rid, text in rows:
            self.target.addItem(text, (fieldname, rid))

    def save(self) -> None:
        values: dict[str, Any] = {"title": self.title.text().strip(),
                                  "due_date": self.due.date().toPython()}
        chosen = self.target.currentData()
        if chosen:
            values[chosen[0]] = chosen[1]
            values["kind"] = {"organisation_id": "enterprise"}.get(chosen[0], "person")
        if not self.once.start():
            return
        worker, now = worker_of(self.ctx), self.ctx.now()
        self.tasks.write(lambda s: visits.create_task(s, worker, values, now=now),
                         self._created, self._failed, touches="visit_tasks")

    def _failed(self, exc: BaseException) -> None:
        self.once.done()
        self.error.setText(error_text(exc))

    def _created(self, task_id: str) -> None:
        self.task_created.emit(task_id)
        self.accept()
