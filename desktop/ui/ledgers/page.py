"""台账管理 page: the ledger types on the left (from data), the chosen type's rows in the worker's
scope on the right with year and text filters and counts; add / edit / delete a row in a
generated dialog; export the type to .xlsx and import it back off the GUI thread, with the bad
rows listed by row number and reason."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QGroupBox,
                               QHBoxLayout, QLabel, QLineEdit, QListWidget, QListWidgetItem,
                               QMessageBox, QProgressBar, QPushButton, QSplitter, QTableView,
                               QVBoxLayout, QWidget)

from desktop.assistant.ledgers import ImportReport, LedgerDef, list_ledgers
from desktop.services import ledgers
from desktop.services.ledgers import LedgerQuery
from desktop.services.work_context import grids_in_scope

from ..context import AppContext
from ..widgets.errors import error_text
from ..widgets.file_dialogs import open_file, save_file
from ..widgets.tasks import GuardedTasks
from .dialog import LedgerRowDialog
from .model import LedgerRowsModel
from .transfer import export_rows, import_rows

ALL_YEARS = "全部年度"
BOUND = {"household": "户", "person": "人", "house": "房屋"}
MAX_COLUMN = 240


class LedgersPage(QWidget):
    """Ctrl+N adds a row, Enter (or 修改) edits the selected one, Delete removes it, Ctrl+F
    finds. Signals: `types_loaded(int)`, `counted(int)`, `row_saved(str)`, `row_deleted(str)`,
    `exported(int)`, `imported(object)` (an ImportReport), `failed(str)` (the Chinese text)."""

    types_loaded = Signal(int)
    counted = Signal(int)
    row_saved = Signal(str)
    row_deleted = Signal(str)
    exported = Signal(int)
    imported = Signal(object)
    failed = Signal(str)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.tasks = GuardedTasks(ctx.tasks, self)
        self.ledger_defs: list[LedgerDef] = []
        self.dialog: LedgerRowDialog | None = None
        self._sized_for: str | None = None

        self.types = QListWidget(objectName="types")
        self.types.setAccessibleName("台账类型")
        self.types.setSpacing(4)
        self.types.currentRowChanged.connect(lambda _r: self._type_changed())
        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        lv.addWidget(QLabel("台账类型(&T)", buddy=self.types))
        lv.addWidget(self.types, 1)

        self.year = QComboBox(objectName="year")
        self.year.setMinimumWidth(110)
        self.year.activated.connect(lambda _i: self.reload())
        self.text = QLineEdit(objectName="text", clearButtonEnabled=True,
                              placeholderText="户号、姓名、门牌号或字段内容")
        self._debounce = QTimer(self, singleShot=True, interval=300)
        self._debounce.timeout.connect(self.reload)
        self.text.textEdited.connect(lambda _t: self._debounce.start())
        self.text.returnPressed.connect(self.reload)
        self.count = QLabel("", objectName="count")
        filters = QHBoxLayout()
        filters.addWidget(QLabel("年度(&Y)", buddy=self.year))
        filters.addWidget(self.year)
        filters.addWidget(QLabel("查找(&F)", buddy=self.text))
        filters.addWidget(self.text, 1)
        filters.addWidget(self.count)

        self.model = LedgerRowsModel(ctx.tasks, ctx.user.scope_node_id, self)
        self.model.loaded.connect(self._rows_loaded)
        self.model.failed.connect(self._failed)
        self.table = QTableView(objectName="rows")
        self.table.setModel(self.model)
        self.table.setAccessibleName("台账记录")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setDefaultSectionSize(26)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.activated.connect(lambda _i: self.edit())

        self.add_button = QPushButton("新增(&N)", objectName="add")
        self.add_button.clicked.connect(self.add)
        self.edit_button = QPushButton("修改(&E)", objectName="edit")
        self.edit_button.clicked.connect(self.edit)
        self.delete_button = QPushButton("删除", objectName="delete")
        self.delete_button.clicked.connect(self.ask_delete)
        self.export_button = QPushButton("导出 xlsx(&X)…", objectName="export")
        self.export_button.clicked.connect(self._ask_export)
        self.import_button = QPushButton("导入 xlsx(&I)…", objectName="import")
        self.import_button.clicked.connect(self._ask_import)
        self.progress = QProgressBar(objectName="progress", visible=False)
        buttons = QHBoxLayout()
        for b in (self.add_button, self.edit_button, self.delete_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(self.progress, 1)
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.import_button)
        self.message = QLabel("", objectName="message", wordWrap=True)

        self.result = self._result_box()
        right = QWidget()
        rv = QVBoxLayout(right)
        rv.setContentsMargins(0, 0, 0, 0)
        rv.addLayout(filters)
        rv.addWidget(self.table, 1)
        rv.addLayout(buttons)
        rv.addWidget(self.message)
        rv.addWidget(self.result)

        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(1, 1)
        split.setSizes([170, 1000])
        layout = QVBoxLayout(self)
        layout.addWidget(split)
        QShortcut(QKeySequence("Ctrl+N"), self, activated=self.add)
        QShortcut(QKeySequence("Ctrl+F"), self, activated=self.text.setFocus)
        QShortcut(QKeySequence(Qt.Key.Key_Delete), self.table, activated=self.ask_delete)
        ctx.tasks.progress_reported.connect(self._progress)
        self.load_types()

    def _result_box(self) -> QGroupBox:
        box = QGroupBox("导入结果", objectName="result", visible=False)
        self.result_summary = QLabel("", objectName="result_summary", wordWrap=True)
        self.bad_rows = QListWidget(objectName="bad_rows")
        self.bad_rows.setAccessibleName("有误的行")
        self.bad_rows.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.bad_rows.setMaximumHeight(150)
        copy = QPushButton("复制有误的行(&C)", objectName="copy_bad_rows")
        copy.clicked.connect(self.copy_bad_rows)
        close = QPushButton("关闭", objectName="close_result")
        close.clicked.connect(lambda: box.setVisible(False))
        row = QHBoxLayout()
        row.addWidget(self.result_summary, 1)
        row.addWidget(copy)
        row.addWidget(close)
        v = QVBoxLayout(box)
        v.addLayout(row)
        v.addWidget(self.bad_rows)
        return box

    # -- types and rows ------------------------------------------------------------------------
    def refresh(self) -> None:
        """Called each time the page is shown: types an admin added since appear, rows reload."""
        self.load_types()

    def load_types(self) -> None:
        node = self.ctx.user.scope_node_id

        def read(s):  # noqa: ANN001, ANN202 - reader thread
            return list_ledgers(s), ledgers.counts_by_type(s, grids=grids_in_scope(s, node))
        self.tasks.read(read, lambda got: self._types_ready(*got), self._failed,
                        name="ledger_types")

    def _types_ready(self, defs: list[LedgerDef], counts: dict[str, int]) -> None:
        current = self.current_ledger().code if self.current_ledger() else None
        self.ledger_defs = defs
        self.types.blockSignals(True)
        self.types.clear()
        for d in defs:
            item = QListWidgetItem(f"{d.name}（{counts.get(d.id, 0)}）")
            item.setData(Qt.ItemDataRole.UserRole, d.code)
            item.setToolTip(f"按{BOUND[d.binding]}登记" + ("，每年一份" if d.per_year else ""))
            self.types.addItem(item)
        codes = [d.code for d in defs]
        self.types.setCurrentRow(codes.index(current) if current in codes else 0)
        self.types.blockSignals(False)
        self.types_loaded.emit(len(defs))
        self._type_changed(keep_year=current is not None)

    def current_ledger(self) -> LedgerDef | None:
        row = self.types.currentRow()
        return self.ledger_defs[row] if 0 <= row < len(self.ledger_defs) else None

    def choose_type(self, code_or_name: str) -> None:
        for i, d in enumerate(self.ledger_defs):
            if code_or_name in (d.code, d.name):
                self.types.setCurrentRow(i)
                return

    def _type_changed(self, keep_year: bool = False) -> None:
        d = self.current_ledger()
        if d is None:
            return
        chosen = self.year.currentData() if keep_year else None
        self.year.clear()
        self.year.addItem(ALL_YEARS, None)
        self.year.setEnabled(d.per_year)
        if d.per_year:
            node = self.ctx.user.scope_node_id
            self.tasks.read(lambda s: ledgers.years(s, d, grids=grids_in_scope(s, node)),
                            lambda ys: self._years_ready(d.code, ys, chosen), self._failed)
        self.reload()

    def _years_ready(self, code: str, years: list[int], chosen: int | None) -> None:
        d = self.current_ledger()
        if d is None or d.code != code:
            return
        for y in years:
            self.year.addItem(f"{y} 年", y)
        i = self.year.findData(chosen) if chosen is not None else -1
        self.year.setCurrentIndex(max(i, 0))

    def set_year(self, year: int | None) -> None:
        i = self.year.findData(year)
        if i < 0 and year is not None:
            self.year.addItem(f"{year} 年", year)
            i = self.year.count() - 1
        self.year.setCurrentIndex(max(i, 0))
        self.reload()

    def query(self) -> LedgerQuery | None:
        d = self.current_ledger()
        if d is None:
            return None
        return LedgerQuery(year=self.year.currentData() if d.per_year else None,
                           text=self.text.text().strip())

    def reload(self) -> None:
        d, q = self.current_ledger(), self.query()
        if d is None or q is None:
            return
        self._debounce.stop()
        self.model.set_query(d, q)
        node = self.ctx.user.scope_node_id
        self.count.setText("正在统计…")
        self.tasks.read(lambda s: ledgers.count_rows(s, d, q, grids=grids_in_scope(s, node)),
                        lambda n: self._counted(d.code, q, n), self._failed,
                        name="ledger_count")

    def _counted(self, code: str, q: LedgerQuery, n: int) -> None:
        d = self.current_ledger()
        if d is None or d.code != code or q != self.query():
            return
        self.count.setText(f"共 {n} 行" + ("" if q.year is None and not q.text else "（已筛选）"))
        self.counted.emit(n)

    def _rows_loaded(self, _n: int) -> None:
        d = self.current_ledger()
        if d is not None and self._sized_for != d.code and self.model.rowCount():
            self._sized_for = d.code  # once per type: scrolling in more rows keeps widths
            self.table.resizeColumnsToContents()
            header = self.table.horizontalHeader()
            for c in range(self.model.columnCount()):
                header.resizeSection(c, min(header.sectionSize(c) + 12, MAX_COLUMN))

    def selected_id(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.data(rows[0], Qt.ItemDataRole.UserRole) if rows else None

    # -- editing -------------------------------------------------------------------------------
    def add(self) -> None:
        self._open_dialog(None)

    def edit(self) -> None:
        rid = self.selected_id()
        if rid:
            self._open_dialog(rid)
        else:
            self.message.setText("请先在表中选中一行")

    def _open_dialog(self, row_id: str | None) -> None:
        d = self.current_ledger()
        if d is None:
            return
        year = self.year.currentData() or (self.ctx.now().year - 1)
        self.dialog = LedgerRowDialog(self.ctx, d, row_id, default_year=year, parent=self)
        self.dialog.row_saved.connect(self._saved)
        self.dialog.open()

    def _saved(self, row_id: str) -> None:
        self.message.setText("已保存，将随下次同步上传")
        self.row_saved.emit(row_id)
        self.refresh()

    def ask_delete(self) -> None:
        rid = self.selected_id()
        if not rid:
            self.message.setText("请先在表中选中一行")
            return
        answer = QMessageBox.question(self, "删除记录", "确定删除选中的这条台账记录吗？")
        if answer == QMessageBox.StandardButton.Yes:
            self.delete(rid)

    def delete(self, row_id: str) -> None:
        d, now = self.current_ledger(), self.ctx.now()
        if d is None:
            return
        self.tasks.write(lambda s: ledgers.delete_row(s, d, row_id, now=now),
                         lambda _r: self._deleted(row_id), self._failed, touches="ledger_rows")

    def _deleted(self, row_id: str) -> None:
        self.message.setText("已删除，将随下次同步上传")
        self.row_deleted.emit(row_id)
        self.refresh()

    # -- export and import ---------------------------------------------------------------------
    def _ask_export(self) -> None:
        d = self.current_ledger()
        if d is None:
            return
        year = self.year.currentData()
        default = Path.home() / f"{d.name}{f'_{year}年' if year else ''}.xlsx"
        path = save_file(self, "导出台账", str(default), "Excel 文件 (*.xlsx)")
        if path:
            self.export_to(path)

    def export_to(self, path: str | Path) -> None:
        """Write the chosen type (the chosen year) to `path` on the writer lane (it logs the
        export, as the CLI does)."""
        d = self.current_ledger()
        if d is None:
            return
        self._busy(True, "正在导出…")
        year, uid, now = self.year.currentData(), self.ctx.user.id, self.ctx.now()
        node = self.ctx.user.scope_node_id
        self.tasks.write(lambda s: export_rows(s, d, path, year=year, user_id=uid, now=now,
                                               scope_node_id=node),
                         lambda n: self._exported(path, n), self._failed, touches="log",
                         name="ledger-export")

    def _exported(self, path: str | Path, n: int) -> None:
        self._busy(False, f"已导出 {n} 行：{path}")
        self.exported.emit(n)

    def _ask_import(self) -> None:
        path = open_file(self, "导入台账", str(Path.home()), "表格文件 (*.xlsx *.csv);;所有文件 (*)")
        if path:
            self.import_from(path)

    def import_from(self, path: str | Path) -> None:
        """Import a sheet into the chosen type off the GUI thread (writer lane), with progress;
        the result lists the bad rows by row number and reason."""
        d = self.current_ledger()
        if d is None:
            return
        self._busy(True, "正在导入…")
        now = self.ctx.now()

        def work(session, progress) -> ImportReport:  # noqa: ANN001 - worker thread
            return import_rows(session, d, path, now=now,
                               progress=lambda done, total: progress.report(done, total))
        self.tasks.write(work, self._imported, self._failed, touches="ledger_rows",
                         name="ledger-import")

    def _progress(self, name: str, done: int, total: int, _text: str) -> None:
        if name == "ledger-import" and total:
            self.progress.setRange(0, total)
            self.progress.setValue(done)

    def _imported(self, report: ImportReport) -> None:
        bad = len(report.errors)
        summary = (f"{report.ledger}：新增 {report.created} 行，更新 {report.updated} 行，"
                   f"有误 {bad} 行" + ("（有误的行未导入，见下表）" if bad else ""))
        self._busy(False, "导入完成，结果见下方")
        self.result_summary.setText(summary)
        self.bad_rows.clear()
        for row, reason in report.errors:
            self.bad_rows.addItem(f"第 {row} 行：{reason}")
        self.bad_rows.setVisible(bool(bad))
        self.result.setVisible(True)
        self.imported.emit(report)
        self.refresh()

    def bad_row_lines(self) -> list[str]:
        return [self.bad_rows.item(i).text() for i in range(self.bad_rows.count())]

    def copy_bad_rows(self) -> None:
        chosen = [i.text() for i in self.bad_rows.selectedItems()] or self.bad_row_lines()
        QGuiApplication.clipboard().setText("\n".join(chosen))
        self.message.setText(f"已复制 {len(chosen)} 行")

    def _busy(self, busy: bool, text: str) -> None:
        self.progress.setVisible(busy)
        self.progress.setRange(0, 0)
        for b in (self.export_button, self.import_button):
            b.setEnabled(not busy)
        self.message.setText(text)

    def _failed(self, exc: BaseException) -> None:
        text = error_text(exc)
        self._busy(False, text)
        self.failed.emit(text)
