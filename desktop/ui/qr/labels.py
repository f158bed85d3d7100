"""The dialog that prints door-plate stickers: choose houses, write a PDF sheet."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QLabel, QLineEdit,
                               QListWidget, QListWidgetItem, QPushButton, QVBoxLayout)

from desktop.services import doorplates

from ..context import AppContext
from ..widgets.errors import error_text
from ..widgets.file_dialogs import save_file
from ..widgets.tasks import GuardedTasks


class LabelPrintDialog(QDialog):
    """Lists the scope's houses (search narrows); checked ones go on the sheet. Space toggles the
    current house, Ctrl+A checks all shown, Ctrl+G writes the PDF."""

    sheet_written = Signal(str, int)  # path, pages

    def __init__(self, ctx: AppContext, parent=None) -> None:  # noqa: ANN001
        super().__init__(parent)
        self.ctx = ctx
        self.tasks = GuardedTasks(ctx.tasks, self)
        self.setWindowTitle("打印门牌二维码")
        self.resize(520, 560)
        self.search = QLineEdit()
        self.search.setPlaceholderText("按门牌号或地址筛选")
        self.search.setAccessibleName("筛选房屋")
        self.search.textChanged.connect(self.reload)
        self.houses = QListWidget()
        self.houses.setAccessibleName("房屋")
        self.status = QLabel("")
        self.status.setWordWrap(True)
        check_all = QPushButton("全选(&A)")
        check_all.clicked.connect(self.check_all)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.generate = buttons.addButton("生成 PDF(&G)…", QDialogButtonBox.ButtonRole.ActionRole)
        self.generate.clicked.connect(self._choose_file)
        buttons.rejected.connect(self.reject)
        QShortcut(QKeySequence("Ctrl+A"), self, activated=self.check_all)
        QShortcut(QKeySequence("Ctrl+G"), self, activated=self._choose_file)
        layout = QVBoxLayout(self)
        for w in (QLabel("筛选(&F)："), self.search, self.houses, check_all, self.status,
                  buttons):
            layout.addWidget(w)
        layout.itemAt(0).widget().setBuddy(self.search)
        self.reload()

    def reload(self) -> None:
        text = self.search.text()
        self._asked = getattr(self, "_asked", 0) + 1
        asked = self._asked
        self.tasks.read(lambda s: doorplates.list_houses(s, text),
                            lambda rows: self._show(rows, asked),
                            lambda e: self.status.setText(error_text(e)))

    def _show(self, rows: list[tuple[str, str, str]], asked: int) -> None:
        if asked != self._asked:
            return  # two readers run at once: an older search may answer after a newer one
        checked = set(self.checked_ids())
        self.houses.clear()
        for hid, plate, address in rows:
            item = QListWidgetItem(f"{plate}　{address}".strip())
            item.setData(Qt.ItemDataRole.UserRole, hid)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if hid in checked
                               else Qt.CheckState.Unchecked)
            self.houses.addItem(item)
        self.status.setText(f"共 {len(rows)} 户，已选 {len(checked)} 户")

    def check_all(self) -> None:
        for i in range(self.houses.count()):
            self.houses.item(i).setCheckState(Qt.CheckState.Checked)

    def checked_ids(self) -> list[str]:
        return [self.houses.item(i).data(Qt.ItemDataRole.UserRole)
                for i in range(self.houses.count())
                if self.houses.item(i).checkState() == Qt.CheckState.Checked]

    def _choose_file(self) -> None:
        path = save_file(self, "保存门牌标签", "门牌二维码.pdf", "PDF 文件 (*.pdf)")
        if path:
            self.write_sheet(path)

    def write_sheet(self, path: str) -> None:
        ids = self.checked_ids()
        if not ids:
            self.status.setText("请先勾选要打印的房屋（空格键勾选，Ctrl+A 全选）")
            return
        now = self.ctx.now()
        self.status.setText("正在生成…")
        failed = lambda e: self.status.setText(error_text(e))  # noqa: E731

        def render(labels: list[doorplates.Label]) -> None:
            # Drawing takes seconds for a village: off the writer thread, which stays free.
            self.tasks.network(lambda: doorplates.render_label_sheet(labels, path),
                               lambda pages: self._written(path, pages), failed)
        self.tasks.write(lambda s: doorplates.labels_for(s, ids, now=now), render, failed,
                         touches="settings")

    def _written(self, path: str, pages: int) -> None:
        self.status.setText(f"已生成 {pages} 页标签：{path}")
        self.sheet_written.emit(path, pages)
