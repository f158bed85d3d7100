"""一张表 page: drop or choose a spreadsheet, pick the job, confirm the column mapping, run it
off the GUI thread with progress, then open the result or its folder."""
from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

from PySide6.QtCore import QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (QButtonGroup, QComboBox, QFormLayout, QGroupBox,
                               QHBoxLayout, QHeaderView, QLabel, QLineEdit, QListWidget,
                               QMessageBox,
                               QProgressBar,
                               QPushButton, QRadioButton, QTableWidget, QTableWidgetItem,
                               QVBoxLayout, QWidget)

from common.errors import DomainError
from common.sheets.catalogue import FIELDS
from desktop.assistant.population import Conditions, describe_conditions, population_size
from desktop.assistant.service import AssistantService, Plan
from desktop.services.saved_searches import saved_searches
from desktop.services.search import PeopleQuery

from ..context import AppContext
from ..widgets.file_dialogs import open_file, save_file
from ..widgets.labels import labels_of

JOB_TITLES = (("fill", "表头填表"), ("complete", "补全"), ("check", "核对"))
SUFFIX = {"fill": "填表结果", "complete": "补全结果", "check": "核对结果"}
HOW = {"exact": "同义词", "fuzzy": "模糊匹配，请确认", "user": "已手动指定", None: "未识别"}


class AssistantPage(QWidget):
    """The 一张表 assistant page. Constructed as `AssistantPage(ctx, parent=None)`."""

    plan_loaded = Signal(object)      # Plan
    job_finished = Signal(object)     # JobReport
    job_failed = Signal(str)          # the Chinese message

    def __init__(self, ctx: AppContext, parent: Any = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.plan: Plan | None = None
        self.output: Path | None = None
        self._corrections: dict[tuple[str, str, int], str | None] = {}  # survive a reload
        self.setAcceptDrops(True)

        self.path = QLineEdit(objectName="path", readOnly=True,
                              placeholderText="把 Excel 文件拖到这里，或点“选择文件”")
        choose = QPushButton("选择文件(&O)…", objectName="choose")
        choose.clicked.connect(self._choose)
        self.sheet = QComboBox(objectName="sheet")
        self.sheet.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.sheet.setMinimumContentsLength(8)
        self.sheet.activated.connect(self._sheet_changed)
        top = QHBoxLayout()
        top.addWidget(self.path, 1)
        top.addWidget(choose)
        top.addWidget(QLabel("工作表"))
        top.addWidget(self.sheet)

        self.jobs = QButtonGroup(self)
        job_row = QHBoxLayout()
        for i, (key, title) in enumerate(JOB_TITLES):
            b = QRadioButton(title, objectName=f"job_{key}")
            b.setProperty("job", key)
            self.jobs.addButton(b, i)
            job_row.addWidget(b)
        self.jobs.button(1).setChecked(True)
        self.jobs.idToggled.connect(lambda *_: self._job_changed())
        job_row.addStretch(1)

        self.population = self._population_box()
        self.mapping = QTableWidget(0, 5, objectName="mapping")
        self.mapping.setHorizontalHeaderLabels(["列", "表头", "表中示例", "对应字段", "识别方式"])
        header = self.mapping.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.mapping.setColumnWidth(1, 260)
        self.mapping.setColumnWidth(3, 180)
        self.mapping.setColumnWidth(4, 140)
        self.mapping.verticalHeader().hide()
        self.mapping.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)

        self.run_button = QPushButton("开始(&R)", objectName="run", enabled=False)
        self.run_button.clicked.connect(self._ask_output_and_run)
        self.progress = QProgressBar(objectName="progress", visible=False)
        self.status = QLabel("", objectName="status", wordWrap=True)
        self.open_result = QPushButton("打开结果", objectName="open_result", enabled=False)
        self.open_result.clicked.connect(lambda: self._open(self.output))
        self.open_folder = QPushButton("打开所在文件夹", objectName="open_folder", enabled=False)
        self.open_folder.clicked.connect(lambda: self._open(self.output.parent
                                                            if self.output else None))
        bottom = QHBoxLayout()
        bottom.addWidget(self.run_button)
        bottom.addWidget(self.progress, 1)
        bottom.addWidget(self.open_result)
        bottom.addWidget(self.open_folder)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(job_row)
        layout.addWidget(self.population)
        layout.addWidget(QLabel("表头与字段的对应（请核对，可修改）："))
        layout.addWidget(self.mapping, 1)
        # after a run: the rows a person must look at (not found, several matches, a damaged
        # ID number), as the result's summary sheet lists them
        self.problems_label = QLabel("", objectName="problems_label", visible=False)
        self.problems = QListWidget(objectName="problems", visible=False)
        self.problems.setMaximumHeight(160)
        layout.addWidget(self.problems_label)
        layout.addWidget(self.problems)
        layout.addLayout(bottom)
        layout.addWidget(self.status)
        self.ctx.tasks.progress_reported.connect(self._progress)
        self._count_timer = QTimer(self, singleShot=True, interval=300)
        self._count_timer.timeout.connect(self._count)
        self._job_changed()

    def refresh(self) -> None:
        """Called each time the page is shown: searches saved meanwhile appear in the list."""
        self.ctx.tasks.read(saved_searches, self._saved_loaded, name="assistant-saved")

    # -- building blocks ----------------------------------------------------------------------
    def _population_box(self) -> QGroupBox:
        box = QGroupBox("填表人群（全息检索条件）", objectName="population")
        # the profile's own (synced) dictionaries: a tag an admin added is offered too
        labels = labels_of(self.ctx)
        self.sex = QComboBox(objectName="sex")
        self.sex.addItem("不限", "")
        for _, text in labels.options("sex"):
            self.sex.addItem(text, text)
        self.age = QLineEdit(objectName="age", placeholderText="如 65-、18-22、-14")
        self.tag = QComboBox(objectName="tag")
        self.tag.addItem("不限", "")
        for _, text in labels.options("tag"):
            self.tag.addItem(text, text)
        self.place = QLineEdit(objectName="place", placeholderText="乡镇、村（社区）或网格名称")
        # as on the 全息检索 page: 正常 unless chosen otherwise, so the deceased are not listed
        self.person_status = QComboBox(objectName="person_status")
        for _, text in labels.options("person_status"):
            self.person_status.addItem(text, text)
        self.person_status.addItem("不限（含死亡、迁出）", "不限")
        self.saved = QComboBox(objectName="saved")
        self.saved.addItem("（不用，按下面的条件）", None)
        self.saved.activated.connect(self._saved_chosen)
        self.count_label = QLabel("", objectName="population_count")
        form = QFormLayout(box)
        form.addRow("已保存的检索", self.saved)
        form.addRow("性别", self.sex)
        form.addRow("年龄", self.age)
        form.addRow("标签", self.tag)
        form.addRow("区划", self.place)
        form.addRow("人员状态", self.person_status)
        form.addRow("", self.count_label)
        for w in (self.sex, self.tag, self.person_status):
            w.currentIndexChanged.connect(self._conditions_changed)
        for e in (self.age, self.place):
            e.textChanged.connect(self._conditions_changed)
        return box

    def _saved_loaded(self, items: list[tuple[str, PeopleQuery]]) -> None:
        current = self.saved.currentText()
        self.saved.clear()
        self.saved.addItem("（不用，按下面的条件）", None)
        for name, q in items:
            self.saved.addItem(name, q)
        self.saved.setCurrentIndex(max(0, self.saved.findText(current)))
        self._saved_chosen()

    def _saved_chosen(self, *_: Any) -> None:
        typed = self.saved.currentData() is None
        for w in (self.sex, self.age, self.tag, self.place, self.person_status):
            w.setEnabled(typed)
        self._conditions_changed()

    def _conditions_changed(self, *_: Any) -> None:
        if self.job() == "fill":
            self._count_timer.start()

    def _count(self) -> None:
        """How many people the conditions take (rows the fill will write), off the GUI
        thread; a condition the search cannot read is said here, before anything runs."""
        cond = self.conditions()
        today = self.ctx.now().date()
        self.ctx.tasks.read(lambda s: population_size(s, cond, today=today), self._counted,
                            lambda exc: self.count_label.setText(
                                exc.message() if isinstance(exc, DomainError) else str(exc)),
                            name="assistant-count")

    def _counted(self, n: int) -> None:
        self.count_label.setText(f"符合条件 {n} 人：将在表中填入 {n} 行")

    def job(self) -> str:
        return self.jobs.checkedButton().property("job")

    def set_job(self, job: str) -> None:
        for b in self.jobs.buttons():
            if b.property("job") == job:
                b.setChecked(True)

    def conditions(self) -> Conditions | PeopleQuery:
        """The population of a fill: a saved 全息检索 search, or the conditions typed here."""
        if self.saved.currentData() is not None:
            return self.saved.currentData()
        return Conditions(sex=self.sex.currentData() or "", age=self.age.text(),
                          tags=[self.tag.currentData()] if self.tag.currentData() else [],
                          place=self.place.text(), statuses=[self.person_status.currentData()])

    def _job_changed(self) -> None:
        self.population.setVisible(self.job() == "fill")
        self._conditions_changed()

    # -- choosing a file ----------------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt's name
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt's name
        urls = event.mimeData().urls()
        if urls:
            self.load_file(urls[0].toLocalFile())

    def _choose(self) -> None:
        path = open_file(self, "选择表格", "", "表格文件 (*.xlsx *.csv);;所有文件 (*)")
        if path:
            self.load_file(path)

    def load_file(self, path: str | Path, sheet: str | None = None, *,
                  quiet: bool = False) -> None:
        """Open the file off the GUI thread and show the detected mapping (`quiet`: keep the
        status line, as after a run, when the file is read again for the next one)."""
        self.path.setText(str(path))
        if not quiet:
            self.status.setText("正在读取表格…")
            self.problems_label.hide()
            self.problems.hide()
        self.run_button.setEnabled(False)
        service = AssistantService(lambda: None)
        self.ctx.tasks.read(lambda _s: service.inspect(path, sheet=sheet),
                            lambda plan: self._plan_ready(plan, quiet), self._failed,
                            name="assistant-inspect")

    def _sheet_changed(self) -> None:
        if self.plan is not None and self.sheet.currentText() != self.plan.table.sheet:
            self.load_file(self.plan.path, self.sheet.currentText())

    def _plan_ready(self, plan: Plan, quiet: bool = False) -> None:
        for (path, sheet, index), field in self._corrections.items():
            if path == str(plan.path) and sheet == plan.table.sheet:
                plan.set_field(index, field)
        self.plan = plan
        self.sheet.clear()
        self.sheet.addItems([t.sheet for t in plan.tables] or [plan.table.sheet])
        self.sheet.setCurrentText(plan.table.sheet)
        self._show_mapping()
        t = plan.table
        if not quiet:
            rows = f"第 {t.header_first}" + ("" if t.header_first == t.header_last
                                            else f"-{t.header_last}")
            extra = f"，示例 {len(t.example_rows)} 行（不当作数据，填表时覆盖）" \
                if t.example_rows else ""
            self.status.setText(f"工作表“{t.sheet}”：表头在{rows} 行，数据 {len(t.data_rows)} 行"
                                f"{extra}。请核对下表中的对应关系。")
        self.run_button.setEnabled(True)
        self.plan_loaded.emit(plan)

    def _show_mapping(self) -> None:
        cols = self.plan.columns
        self.mapping.setRowCount(len(cols))
        for row, c in enumerate(cols):
            letter = QTableWidgetItem(_letter(c.index))
            self.mapping.setItem(row, 0, letter)
            self.mapping.setItem(row, 1, QTableWidgetItem(c.header))
            self.mapping.setItem(row, 2, QTableWidgetItem("、".join(
                self.plan.samples.get(c.index, []))))
            combo = QComboBox()
            combo.addItem("（不处理）", None)
            for f in FIELDS:
                combo.addItem(f.label, f.key)
            combo.setCurrentIndex(max(0, combo.findData(c.field)) if c.field else 0)
            combo.activated.connect(lambda _i, index=c.index, box=combo:
                                    self._field_chosen(index, box.currentData()))
            self.mapping.setCellWidget(row, 3, combo)
            self.mapping.setItem(row, 4, QTableWidgetItem(HOW[c.how]))

    def _field_chosen(self, index: int, field: str | None) -> None:
        self.plan.set_field(index, field)
        self._corrections[(str(self.plan.path), self.plan.table.sheet, index)] = field
        row = next(i for i, c in enumerate(self.plan.columns) if c.index == index)
        self.mapping.item(row, 4).setText(HOW["user"])

    # -- running ------------------------------------------------------------------------------
    def _ask_output_and_run(self) -> None:
        if self.plan is None:
            return
        src = self.plan.path
        default = src.with_name(f"{src.stem}_{SUFFIX[self.job()]}.xlsx")
        # the page asks about an existing file itself, in Chinese, just before running
        path = save_file(self, "保存结果", str(default), "Excel 文件 (*.xlsx)",
                         confirm_overwrite=False)
        if path:
            self.run_job(path)

    def confirm_overwrite(self, output: Path) -> bool:
        """Whether an existing result file may be replaced: the user is asked, never assumed."""
        answer = QMessageBox.question(
            self, "文件已存在", f"“{output.name}”已存在。\n要用这次的结果替换它吗？"
            "（替换前不会改动它；保存失败时原文件保持不变）",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def run_job(self, output: str | Path) -> None:
        """Run the chosen job on the writer lane (it logs the export) with progress. An
        existing output is replaced only when the user says so."""
        output = Path(output)
        overwrite = output.exists()
        if overwrite and not self.confirm_overwrite(output):
            self.status.setText(f"未保存：{output.name} 已存在，已保留原文件。")
            return
        plan, job, cond = self.plan, self.job(), self.conditions()
        now = self.ctx.now()
        user_id = self.ctx.user.id
        self.output = Path(output)
        self.run_button.setEnabled(False)
        self.progress.setVisible(True)
        self.progress.setRange(0, 0)
        self.status.setText("正在处理…")

        def work(session, progress) -> Any:  # noqa: ANN001 - worker thread: no widgets here
            service = AssistantService(lambda: contextlib.nullcontext(session), user_id=user_id)
            return service.run(job, plan, output, today=now.date(), now=now, conditions=cond,
                               progress=lambda done, total: progress.report(done, total),
                               overwrite=overwrite)
        self.ctx.tasks.write(work, self._finished, self._failed, name="assistant")

    def _progress(self, name: str, done: int, total: int, _text: str) -> None:
        if name == "assistant" and total:
            self.progress.setRange(0, total)
            self.progress.setValue(done)

    def _finished(self, report) -> None:  # noqa: ANN001 - a JobReport
        self.progress.setVisible(False)
        self.run_button.setEnabled(True)
        self.open_result.setEnabled(True)
        self.open_folder.setEnabled(True)
        counts = "，".join(f"{label} {n}" for label, n in report.counts())
        used = f"人群条件：{describe_conditions(report.conditions)}。" if report.conditions else ""
        self.status.setText(f"已完成：{counts}。{used}结果已保存到 {self.output}")
        self._show_problems(report)
        self.job_finished.emit(report)
        # a workbook is changed in place by a job: read the file again before another run
        if self.plan is not None:
            self.load_file(self.plan.path, self.plan.table.sheet, quiet=True)

    def _show_problems(self, report) -> None:  # noqa: ANN001 - a JobReport
        self.problems.clear()
        for p in report.problems:
            self.problems.addItem(f"第 {p.row} 行：{DomainError(p.code, **p.params).message()}")
        shown = bool(report.problems)
        self.problems_label.setText(f"需要人工处理的行（{len(report.problems)}），"
                                    "在结果文件中已标色：")
        self.problems_label.setVisible(shown)
        self.problems.setVisible(shown)

    def _failed(self, exc: BaseException) -> None:
        self.progress.setVisible(False)
        self.run_button.setEnabled(self.plan is not None)
        text = exc.message() if isinstance(exc, DomainError) else f"处理失败：{exc}"
        self.status.setText(text)
        self.job_failed.emit(text)

    def _open(self, path: Path | None) -> None:
        if path is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter
    return get_column_letter(index)
