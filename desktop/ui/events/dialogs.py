"""Event dialogs: a new event (随手拍 / 接诉即办) and one action on an event."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel,
                               QLineEdit, QPlainTextEdit, QSpinBox)

from common.dictionaries import DEFAULTS, label
from desktop.services import events

from ..context import AppContext
from ..qr.camera import take_photo
from ..visits.shared import GuardedTasks, PhotoListWidget, blob_store, error_text, worker_of


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
    Signal `event_created(str)`."""

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
        self.photos = PhotoListWidget(camera_grab=lambda: take_photo(self))
        self.error = _error_label()
        form = QFormLayout(self)
        form.addRow("事件标题(&T)：", self.title)
        form.addRow("事件类别(&C)：", self.category)
        form.addRow("事件来源(&Y)：", self.source)
        form.addRow("紧急程度(&J)：", self.priority)
        form.addRow("发生地点(&L)：", self.location)
        form.addRow("事件描述(&D)：", self.description)
        form.addRow("反映人(&R)：", self.reporter)
        form.addRow("反映人电话：", self.phone)
        form.addRow("照片：", self.photos)
        form.addRow(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel)
        save = buttons.button(QDialogButtonBox.StandardButton.Save)
        save.setText("上报(&S)")
        save.setShortcut("Ctrl+Return")
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
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
        values, photos = self.values(), self.photos.paths()
        worker, now, store = worker_of(self.ctx), self.ctx.now(), blob_store(self.ctx)
        self.tasks.write(
            lambda s: events.create_event(s, worker, values, now=now, photo_files=photos,
                                          store=store),
            self._created, lambda e: self.error.setText(error_text(e)), touches="events")

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
        ok.setShortcut("Ctrl+Return")
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def save(self) -> None:
        worker, now, eid, action = worker_of(self.ctx), self.ctx.now(), self.event_id, \
            self.action
        kw = {"note": self.note.toPlainText().strip(),
              "target_id": self.target.currentData() if action in events.NEEDS_TARGET else None,
              "postpone_days": self.days.value() if action == "postpone" else 0,
              "satisfaction": self.satisfaction.currentData() if action == "close" else None}
        self.tasks.write(lambda s: events.act(s, worker, eid, action, now=now, **kw),
                             self._done, lambda e: self.error.setText(error_text(e)),
                             touches="events")

    def _done(self, _step_id: str) -> None:
        self.acted.emit(self.action)
        self.accept()
