"""人口管理: the people list with a quick filter, create, edit, mark deceased or moved out."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (QHBoxLayout, QInputDialog, QLabel, QLineEdit, QPushButton,
                               QVBoxLayout, QWidget)

from desktop.services.people import mark_status
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
        pid = self.table.selected_id()
        if not pid:
            return
        title = "标记死亡" if status == "deceased" else "标记迁出"
        note, ok = QInputDialog.getText(self, title, "说明（如日期、原因，可不填）：")
        if not ok:
            return
        self.mark_status(pid, status, note)

    def mark_status(self, person_id: str, status: str, note: str = "") -> None:
        now = self.ctx.now()
        actor = self.ctx.user.id
        prefix = "标记死亡" if status == "deceased" else "标记迁出"
        text = f"{prefix}：{note}" if note else ""
        self.ctx.tasks.write(lambda s: mark_status(s, person_id, status, now=now,
                                                   actor_id=actor, note=text),
                             lambda _r: self.reload(), touches="people")
