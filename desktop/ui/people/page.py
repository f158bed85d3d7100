"""人口管理: the people list with a quick filter, create, edit, mark deceased or moved out."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QHBoxLayout, QLabel, QLineEdit,
                               QPushButton, QVBoxLayout, QWidget)

from desktop.services.people import mark_status, mask_id_number
from desktop.services.search import PeopleQuery, count_people

from ..context import AppContext
from ..widgets.people_table import PeopleTableView
from .person_dialog import PersonDialog


class PeoplePage(QWidget):
    def __init__(self, ctx: AppContext, parent: Any = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.dialog: PersonDialog | None = None
        self.filter = QLineEdit()
        self.filter.setObjectName("filter")
        self.filter.setPlaceholderText("姓名、拼音首字母、身份证号或电话片段（Ctrl+F）")
        self.filter.setClearButtonEnabled(True)
        self.count = QLabel("")
        self.count.setObjectName("count")
        self.table = PeopleTableView(ctx, self)
        self.table.setObjectName("people")
        self.table.person_activated.connect(self.edit)
        buttons = QHBoxLayout()
        for text, key, slot, name in (("新增(&N)", "Ctrl+N", self.create, "create"),
                                      ("编辑(&E)", "Ctrl+E", self.edit_selected, "edit"),
                                      ("标记死亡(&D)", "", lambda: self.mark("deceased"),
                                       "deceased"),
                                      ("标记迁出(&M)", "", lambda: self.mark("moved_out"),
                                       "moved_out"),
                                      ("修改记录(&H)", "", self.table.show_history, "history"),
                                      ("显示身份证号(&R)", "", self.table.reveal_selected,
                                       "reveal")):
            b = QPushButton(text)
            b.setObjectName(f"button_{name}")
            if key:
                b.setShortcut(QKeySequence(key))
            b.clicked.connect(slot)
            buttons.addWidget(b)
        buttons.addStretch(1)
        top = QHBoxLayout()
        top.addWidget(self.filter, 1)
        top.addWidget(self.count)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)
        self._timer = QTimer(self, singleShot=True, interval=200)
        self._timer.timeout.connect(self.reload)
        self.filter.textChanged.connect(lambda _t: self._timer.start())
        find = QKeySequence("Ctrl+F")
        from PySide6.QtGui import QShortcut
        QShortcut(find, self, activated=self.filter.setFocus)
        self._loaded_once = False

    def refresh(self) -> None:
        if not self._loaded_once:
            self._loaded_once = True
            self.reload()

    def query(self) -> PeopleQuery:
        return PeopleQuery(text=self.filter.text())

    def reload(self) -> None:
        q = self.query()
        today = self.ctx.now().date()
        self.table.people.set_query(q)
        self.ctx.tasks.read(lambda s: count_people(s, q, today=today),
                            lambda n: self.count.setText(f"共 {n} 人"))

    def create(self) -> None:
        self._open(None)

    def edit_selected(self) -> None:
        pid = self.table.selected_id()
        if pid:
            self._open(pid)

    def edit(self, person_id: str) -> None:
        self._open(person_id)

    def open_record(self, person_id: str | None = None, **_: Any) -> None:
        if person_id:
            self._open(person_id)

    def _open(self, person_id: str | None) -> None:
        self.dialog = PersonDialog(self.ctx, person_id, self)
        self.dialog.person_saved.connect(lambda _pid: self.reload())
        self.dialog.open()

    def mark(self, status: str) -> None:
        """Ask before an irreversible status change, naming whom it changes."""
        idx = self.table.currentIndex()
        row = self.table.people.row_of(idx.row()) if idx.isValid() else None
        if row is None:
            return
        self.status_dialog = StatusChangeDialog(row.name, mask_id_number(row.id_number),
                                                status, self)
        pid = row.id
        self.status_dialog.accepted.connect(
            lambda: self.mark_status(pid, status, self.status_dialog.note.text().strip()))
        self.status_dialog.open()

    def mark_status(self, person_id: str, status: str, note: str = "") -> None:
        now = self.ctx.now()
        actor = self.ctx.user.id
        prefix = "标记死亡" if status == "deceased" else "标记迁出"
        text = f"{prefix}：{note}" if note else ""
        self.ctx.tasks.write(lambda s: mark_status(s, person_id, status, now=now,
                                                   actor_id=actor, note=text),
                             lambda _r: self.reload(), touches="people")


STATUS_WORDS = {"deceased": ("标记死亡", "死亡"), "moved_out": ("标记迁出", "迁出")}


class StatusChangeDialog(QDialog):
    """The confirmation of a status change: who (name and masked ID number), what, a note."""

    def __init__(self, name: str, masked_id: str, status: str, parent: Any = None) -> None:
        super().__init__(parent)
        title, word = STATUS_WORDS[status]
        self.setWindowTitle(title)
        self.question = QLabel(f"确定将 {name}（身份证号 {masked_id}）标记为“{word}”吗？\n"
                               "请核实姓名和身份证号后再确认。")
        self.question.setObjectName("question")
        self.question.setWordWrap(True)
        self.note = QLineEdit()
        self.note.setPlaceholderText("如日期、原因，可不填")
        note_label = QLabel("说明(&N)：")
        note_label.setBuddy(self.note)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(f"确认{title}")
        cancel = buttons.button(QDialogButtonBox.StandardButton.Cancel)
        cancel.setText("取消")
        cancel.setDefault(True)  # Enter alone must not change a status that cannot be undone
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.question)
        layout.addWidget(note_label)
        layout.addWidget(self.note)
        layout.addWidget(buttons)
