"""Event dialogs: a new event (随手拍 / 接诉即办) and one action on an event."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel,
                               QLineEdit, QPlainTextEdit, QSpinBox, QWidget)

from common.dictionaries import DEFAULTS, label
from common.errors import ValidationErrors
from desktop.services import events

from ..context import AppContext
from ..qr.camera import take_photo
from ..visits.shared import GuardedTasks, PhotoListWidget, blob_store, error_text, worker_of
from ..widgets.forms import SubmitOnce, form_keys
from ..widgets.record_form import with_error_line


def _combo(dict_code: str, skip: tuple[str, ...] = ()) -> QComboBox:
    box = QComboBox()
    for code, text in DEFAULTS[dict_code]:
        if code not in skip:
            box.addItem(text, code)
    return box


def _error_label() -> QLabel:
    error = QLabel("")
    error.setStyleSheet("color: #b00020;")
    error.setWordWrap(True)
    return error


class EventDialog(QDialog):
    """New event: title, category, source, priority, place, description, reporter, photos.
    A refused field shows its reason under it; the form is sent once (the button is off while
    it saves). Signal `event_created(str)`."""

    event_created = Signal(str)

    def __init__(self, ctx: AppContext, parent=None, *, house_id: str | None = None) -> None:  # noqa: ANN001
        super().__init__(parent)
        self.ctx = ctx
        self.tasks = GuardedTasks(ctx.tasks, self)
        self.house_id = house_id
        self.setWindowTitle("新建事件")
        self.resize(520, 560)
        self.title = QLineEdit()
        self.category = _combo("event_category")
        self.source = _combo("event_source", skip=("resident",))
        self.source.setCurrentIndex(self.source.findData("snapshot"))
        self.priority = _combo("priority")
        self.location = QLineEdit()
        self.description = QPlainTextEdit()
        self.description.setTabChangesFocus(True)
        self.reporter = QLineEdit()
        self.phone = QLineEdit()
        self.phone.setPlaceholderText("手机 11 位，座机如 0995-8561234")
        self.photos = PhotoListWidget(camera_grab=lambda: take_photo(self))
        self.error = _error_label()
        self.field_errors: dict[str, QLabel] = {}
        form = QFormLayout(self)
        for text, name, editor in (("事件标题(&T)：", "title", self.title),
                                   ("事件类别(&K)：", "category", self.category),
                                   ("事件来源(&Y)：", "source", self.source),
                                   ("紧急程度(&J)：", "priority", self.priority),
                                   ("发生地点(&L)：", "location", self.location),
                                   ("事件描述(&D)：", "description", self.description),
                                   ("反映人(&R)：", "reporter_name", self.reporter),
                                   ("反映人电话(&H)：", "reporter_phone", self.phone)):
            editor.setObjectName(f"field_{name}")
            box, self.field_errors[name] = with_error_line(editor, name)
            lbl = QLabel(text)
            lbl.setBuddy(editor)
            form.addRow(lbl, box)
        form.addRow("照片：", self.photos)
        form.addRow(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel)
        self.submit = buttons.button(QDialogButtonBox.StandardButton.Save)
        self.submit.setText("上报(&S)")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        form_keys(self, self.submit)
        self.once = SubmitOnce(self.submit)
        self.title.setFocus()

    def values(self) -> dict[str, Any]:
        v: dict[str, Any] = {
            "title": self.title.text().strip(), "category": self.category.currentData(),
            "source": self.source.currentData(), "priority": self.priority.currentData(),
            "location": self.location.text().strip() or None,
            "description": self.description.toPlainText().strip() or None,
            "reporter_name": self.reporter.text().strip() or None,
            "reporter_phone": self.phone.text().strip() or None}
        if self.house_id:
            v["house_id"] = self.house_id
        return v

    def save(self) -> None:
        if not self.once.start():
            return
        self._clear_errors()
        values, photos = self.values(), self.photos.paths()
        worker, now, store = worker_of(self.ctx), self.ctx.now(), blob_store(self.ctx)
        self.tasks.write(
            lambda s: events.create_event(s, worker, values, now=now, photo_files=photos,
                                          store=store),
            self._created, self._refused, touches="events")

    def _clear_errors(self) -> None:
        self.error.clear()
        for line in self.field_errors.values():
            line.clear()
            line.hide()

    def _refused(self, exc: BaseException) -> None:
        self.once.done()
        items = exc.errors if isinstance(exc, ValidationErrors) else [exc]
        loose, first = [], None
        for e in items:
            line = self.field_errors.get(getattr(e, "field", None) or "")
            if line is None:
                loose.append(error_text(e))
                continue
            line.setText(e.message())
            line.show()
            first = first or e.field
        self.error.setText("；".join(loose) if loose else "请按提示修改后再上报")
        if first:
            self.findChild(QWidget, f"field_{first}").setFocus()

    def _created(self, event_id: str) -> None:
        self.event_created.emit(event_id)
        self.accept()


class ActionDialog(QDialog):
    """One action: a note, and what the action needs (whom, how many days, satisfaction)."""

    acted = Signal(str)

    def __init__(self, ctx: AppContext, event_id: str, action: str,
                 people: list[tuple[str, str]], parent=None) -> None:  # noqa: ANN001
        super().__init__(parent)
        self.ctx, self.event_id, self.action = ctx, event_id, action
        self.tasks = GuardedTasks(ctx.tasks, self)
        self.setWindowTitle(f"{label('event_action', action)}事件")
        form = QFormLayout(self)
        self.target = QComboBox()
        for uid, name in people:
            self.target.addItem(name, uid)
        self.days = QSpinBox()
        self.days.setRange(1, 60)
        self.days.setValue(3)
        self.satisfaction = _combo("satisfaction")
        if action in events.NEEDS_TARGET:
            form.addRow(f"{label('event_action', action)}给(&W)：", self.target)
        if action == "postpone":
            form.addRow("延期天数(&D)：", self.days)
        if action == "close":
            form.addRow("满意度(&M)：", self.satisfaction)
        self.note = QPlainTextEdit()
        self.note.setTabChangesFocus(True)
        form.addRow("处置意见(&N)：", self.note)
        self.error = _error_label()
        form.addRow(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("确定(&S)")
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        form_keys(self, ok)
        self.once = SubmitOnce(ok)

    def save(self) -> None:
        if not self.once.start():
            return
        worker, now, eid, action = worker_of(self.ctx), self.ctx.now(), self.event_id, \
            self.action
        kw = {"note": self.note.toPlainText().strip(),
              "target_id": self.target.currentData() if action in events.NEEDS_TARGET else None,
              "postpone_days": self.days.value() if action == "postpone" else 0,
              "satisfaction": self.satisfaction.currentData() if action == "close" else None}
        self.tasks.write(lambda s: events.act(s, worker, eid, action, now=now, **kw),
                        self._done, self._failed, touches="events")

    def _failed(self, exc: BaseException) -> None:
        self.once.done()
        self.error.setText(error_text(exc))

    def _done(self, _step_id: str) -> None:
        self.acted.emit(self.action)
        self.accept()
