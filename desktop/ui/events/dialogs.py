"""Event dialogs: a new event (随手拍 / 接诉即办) and one action on an event."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel,
                               QLineEdit, QPlainTextEdit, QSpinBox, QWidget)

from common.errors import ValidationErrors
from common.schema import Event, label_of
from common.schema.fields import form_fields
from desktop.services import events

from ..context import AppContext, worker_of
from ..qr.camera import take_photo
from ..widgets.errors import error_text
from ..widgets.forms import SubmitOnce, form_keys
from ..widgets.labels import Labels, labels_of
from ..widgets.photos import PhotoListWidget
from ..widgets.record_form import with_error_line
from ..widgets.tasks import GuardedTasks

FORM_FIELDS = form_fields(Event)
"""The fields of a new event, in the order the schema declares them."""
ACCELERATORS = {"title": "T", "category": "K", "source": "Y", "priority": "J", "location": "L",
                "description": "D", "reporter_name": "R", "reporter_phone": "H"}


def _combo(labels: Labels, dict_code: str, skip: tuple[str, ...] = ()) -> QComboBox:
    """The options of the profile's dictionary (synced: an entry added in 配置中心 included)."""
    box = QComboBox()
    for code, text in labels.options(dict_code):
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
        labels = labels_of(ctx)
        self.editors: dict[str, QWidget] = {}
        for name in FORM_FIELDS:  # a combo for a dictionary field, a box for long text
            dict_code = Event.__table__.columns[name].info.get("dict")
            if dict_code:
                skip = ("resident",) if name == "source" else ()  # residents report online
                self.editors[name] = _combo(labels, dict_code, skip)
            elif name == "description":
                self.editors[name] = QPlainTextEdit(tabChangesFocus=True)
            else:
                self.editors[name] = QLineEdit()
        self.title, self.category = self.editors["title"], self.editors["category"]
        self.source, self.priority = self.editors["source"], self.editors["priority"]
        self.location, self.description = self.editors["location"], self.editors["description"]
        self.reporter, self.phone = self.editors["reporter_name"], self.editors["reporter_phone"]
        self.source.setCurrentIndex(self.source.findData("snapshot"))
        self.phone.setPlaceholderText("手机 11 位，座机如 0995-8561234")
        self.photos = PhotoListWidget(camera_grab=lambda: take_photo(self))
        self.error = _error_label()
        self.field_errors: dict[str, QLabel] = {}
        form = QFormLayout(self)
        for name, editor in self.editors.items():
            key = ACCELERATORS.get(name)
            text = label_of(Event, name) + (f"(&{key})" if key else "") + "："
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
        v: dict[str, Any] = {}
        for name, editor in self.editors.items():
            if isinstance(editor, QComboBox):
                v[name] = editor.currentData()
            else:
                text = (editor.toPlainText() if isinstance(editor, QPlainTextEdit)
                        else editor.text()).strip()
                v[name] = text or (None if name != "title" else "")
        if self.house_id:
            v["house_id"] = self.house_id
        return v

    def save(self) -> None:
        if not self.once.start():
            return
        self._clear_errors()
        values, photos = self.values(), self.photos.paths()
        worker, now, store = worker_of(self.ctx), self.ctx.now(), self.ctx.blobs
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
        labels = labels_of(ctx)
        verb = labels.label("event_action", action)
        self.setWindowTitle(f"{verb}事件")
        form = QFormLayout(self)
        self.target = QComboBox()
        for uid, name in people:
            self.target.addItem(name, uid)
        self.days = QSpinBox()
        self.days.setRange(1, 60)
        self.days.setValue(3)
        self.satisfaction = _combo(labels, "satisfaction")
        if action in events.NEEDS_TARGET:
            form.addRow(f"{verb}给(&W)：", self.target)
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
