"""The place editor: add a park, building, unit, floor or house under the chosen node of the
places tree (a rural self-built house directly under a grid), or edit one; the form is generated
from the declaration (widgets/record_form.py) and each refused value shows beside its field."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QDialog, QFormLayout, QLabel, QVBoxLayout, QWidget

from common.errors import DomainError
from desktop.services import place_upkeep as up

from ..context import AppContext
from ..widgets.errors import error_text
from ..widgets.forms import SubmitOnce
from ..widgets.labels import labels_of
from ..widgets.record_form import ERROR_STYLE, RecordForm, save_cancel_buttons


class PlaceDialog(QDialog):
    """New (`place_id` None: under `parent_kind`/`parent_id`, a kind chosen among those that
    may hang there) or existing place. Emits `place_saved(kind, id, created)`."""

    place_saved = Signal(str, str, bool)

    def __init__(self, ctx: AppContext, *, kind: str | None = None, place_id: str | None = None,
                 parent_kind: str | None = None, parent_id: str | None = None,
                 parent_title: str = "", parent: Any = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.labels = labels_of(ctx)
        self.place_id = place_id
        self.parent_kind, self.parent_id = parent_kind, parent_id
        self.kinds = (kind,) if kind else up.CHILD_KINDS.get(parent_kind or "", ())
        self.setWindowTitle(("编辑" if place_id else "新增") +
                            (up.KIND_TITLES.get(kind or "", "") or "房屋建筑"))
        self.kind_box = QComboBox(objectName="place_kind")
        self.kind_box.setAccessibleName("类别")
        for k in self.kinds:
            self.kind_box.addItem(up.KIND_TITLES[k] if not (k == "house" and parent_kind == "org")
                                  else "房屋（农村自建房等，直属网格）", k)
        self.kind_box.setEnabled(place_id is None and len(self.kinds) > 1)
        self.message = QLabel("", objectName="message", wordWrap=True, styleSheet=ERROR_STYLE)
        head = QFormLayout()
        if parent_title:
            head.addRow("位置：", QLabel(parent_title, objectName="parent_title"))
        head.addRow("类别(&K)：", self.kind_box)
        self.form_box = QVBoxLayout()
        self.form: RecordForm | None = None
        buttons = save_cancel_buttons(self, self.save)
        self.once = SubmitOnce(buttons)
        layout = QVBoxLayout(self)
        layout.addLayout(head)
        layout.addLayout(self.form_box)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.kind_box.currentIndexChanged.connect(lambda _i: self._build_form())
        self._build_form()
        if place_id and kind:
            self.ctx.tasks.read(lambda s: up.get_place(s, kind, place_id), self._loaded,
                                lambda e: self.message.setText(error_text(e)))

    @property
    def kind(self) -> str:
        return self.kind_box.currentData()

    def _build_form(self) -> None:
        if self.form is not None:
            self.form_box.removeWidget(self.form)
            self.form.deleteLater()
        entity = up.PLACE_KINDS[self.kind]
        self.form = RecordForm(entity, up.form_fields_of(self.kind), self.labels, self)
        if self.kind == "house" and self.parent_kind == "org":
            self.form.set_values({"house_type": "rural_self_built"})
        self.form_box.addWidget(self.form)

    def _loaded(self, values: dict[str, Any]) -> None:
        if self.form is not None:
            self.form.set_values(values)

    def save(self) -> None:
        if self.form is None or not self.once.start():
            return
        kind, place_id = self.kind, self.place_id
        values = self.form.values()
        parent_kind, parent_id = self.parent_kind, self.parent_id
        now, actor, scope = self.ctx.now(), self.ctx.user.id, self.ctx.user.scope_node_id
        self.message.clear()
        self.form.clear_errors()

        def save(s):  # noqa: ANN001, ANN202 - on the writer thread
            if place_id is None:
                values.update(up.parent_values(s, kind, parent_kind, parent_id, scope))
            return up.save_place(s, kind, place_id, values, now=now, actor_id=actor,
                                 scope_node_id=scope)
        self.ctx.tasks.write(save, lambda pid: self._saved(kind, pid), self._refused,
                             touches="places")

    def _saved(self, kind: str, pid: str) -> None:
        self.once.done()
        created = self.place_id is None
        self.place_id = pid
        self.place_saved.emit(kind, pid, created)
        self.accept()

    def _refused(self, exc: BaseException) -> None:
        self.once.done()
        if isinstance(exc, DomainError) and self.form is not None:
            loose = self.form.show_errors(exc)
            self.message.setText("；".join(loose) if loose else "请按提示修改后再保存")
        else:
            self.message.setText(error_text(exc))

    def field(self, name: str) -> QWidget:
        assert self.form is not None
        return self.form.editors[name]
