"""The visit form: whom (person, house or organisation), kind, notes, photos, follow-up."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFormLayout,
                               QLabel, QLineEdit, QPlainTextEdit, QVBoxLayout)

from desktop.services import visits

from ..context import AppContext, worker_of
from ..qr.camera import take_photo
from ..widgets.errors import error_text
from ..widgets.forms import SubmitOnce, form_keys
from ..widgets.labels import labels_of, local_time
from ..widgets.photos import PhotoListWidget
from ..widgets.tasks import GuardedTasks


class VisitDialog(QDialog):
    """New visit, or completing one a QR check-in started (`visit_id`). Alt+letters reach every
    field; Ctrl+Enter saves. Signal `visit_saved(str)` carries the visit id."""

    visit_saved = Signal(str)

    def __init__(self, ctx: AppContext, parent=None, *, visit_id: str | None = None,  # noqa: ANN001
                 house_id: str | None = None, person_id: str | None = None,
                 task: Any = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.tasks = GuardedTasks(ctx.tasks, self)
        self.visit_id = visit_id
        self.task = task
        self.setWindowTitle("走访记录" if visit_id is None else "填写签到走访")
        self.resize(520, 520)
        self.kind = QComboBox()
        for code, text in labels_of(ctx).options("visit_kind"):
            self.kind.addItem(text, code)
        self.search = QLineEdit()
        self.search.setPlaceholderText("输入姓名、门牌号或单位名称查找")
        self.search.returnPressed.connect(self._search)
        self.target = QComboBox()
        self.target.setAccessibleName("走访对象")
        self.notes = QPlainTextEdit()
        self.notes.setTabChangesFocus(True)  # Tab leaves the notes: the form stays keyboard-only
        self.follow_up = QCheckBox("需要跟进(&U)")
        self.photos = PhotoListWidget(camera_grab=lambda: take_photo(self))
        self.checkin = QLabel("")
        self.error = QLabel("")
        self.error.setStyleSheet("color: #b00020;")
        self.error.setWordWrap(True)
        form = QFormLayout()
        form.addRow("走访类型(&K)：", self.kind)
        form.addRow("查找对象(&F)：", self.search)
        form.addRow("走访对象(&T)：", self.target)
        form.addRow("走访情况(&N)：", self.notes)
        form.addRow("", self.follow_up)
        form.addRow("照片：", self.photos)
        form.addRow("", self.checkin)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel)
        submit = buttons.button(QDialogButtonBox.StandardButton.Save)
        submit.setText("保存(&S)")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        form_keys(self, submit)
        self.once = SubmitOnce(submit)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        if task is not None:
            self._load_targets([(("person_id" if task.person_id else "house_id"),
                                 task.person_id or task.house_id, task.target)])
            self._set_kind(task.kind)
        elif visit_id:
            self.tasks.read(lambda s: visits.visit_values(s, visit_id), self._loaded,
                                self._failed)
        if house_id or (visit_id is None and person_id is None and task is None):
            self._ask_targets("", house_id)
        if person_id:
            self._ask_targets("", None, person_id)
        self.notes.setFocus()

    # -- targets -------------------------------------------------------------------------------
    def _search(self) -> None:
        self._ask_targets(self.search.text(), None)

    def _ask_targets(self, text: str, house_id: str | None, person_id: str | None = None
                     ) -> None:
        def find(s):  # noqa: ANN001, ANN202
            if person_id:
                from common.schema import Person
                p = s.get(Person, person_id)
                return [("person_id", person_id, p.name if p else "")]
            return visits.find_targets(s, text, house_id=house_id)
        self.tasks.read(find, self._load_targets, self._failed)

    def _load_targets(self, rows: list[tuple[str, str, str]]) -> None:
        self.target.clear()
        for fieldname, rid, text in rows:
            self.target.addItem(text, (fieldname, rid))
        if rows and rows[0][0] == "house_id" and len(rows) > 1:
            self.target.setCurrentIndex(1)  # at a house, the visit is usually to a resident

    def _loaded(self, values: dict[str, Any]) -> None:
        self._set_kind(values["kind"])
        self.notes.setPlainText(values["notes"])
        self.follow_up.setChecked(values["follow_up"])
        if values["checkin_at"]:
            self.checkin.setText(f"扫码签到：{local_time(values['checkin_at'])}")

    def _set_kind(self, code: str) -> None:
        i = self.kind.findData(code)
        if i >= 0:
            self.kind.setCurrentIndex(i)

    # -- saving --------------------------------------------------------------------------------
    def values(self) -> dict[str, Any]:
        values: dict[str, Any] = {"kind": self.kind.currentData(),
                                  "notes": self.notes.toPlainText().strip() or None,
                                  "follow_up": self.follow_up.isChecked()}
        chosen = self.target.currentData()
        if chosen:
            values[chosen[0]] = chosen[1]
        if self.task is not None:
            values["task_id"] = self.task.id
        return values

    def save(self) -> None:
        if not self.once.start():
            return
        values, photos = self.values(), self.photos.paths()
        worker, now, store, vid = worker_of(self.ctx), self.ctx.now(), self.ctx.blobs, \
            self.visit_id
        self.error.setText("")
        self.tasks.write(
            lambda s: visits.record_visit(s, worker, values, now=now, visit_id=vid,
                                          photo_files=photos, store=store),
            self._saved, self._failed, touches="visits")

    def _saved(self, visit_id: str) -> None:
        self.visit_saved.emit(visit_id)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.once.done()
        self.error.setText(error_text(exc))
