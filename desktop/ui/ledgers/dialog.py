"""The ledger row dialog: a form generated from the ledger type's fields (number, text, date,
yes/no, dictionary → combo box; required fields marked *), validated by the service with the
import's rules; each refusal appears in Chinese beneath its field."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QComboBox, QDialog, QFormLayout, QLabel,
                               QLineEdit, QScrollArea, QVBoxLayout, QWidget)

from common.errors import DomainError, ValidationErrors
from common.ledger_types import KEYS, YEAR, LedgerDef
from desktop.services import ledgers

from ..context import AppContext
from ..widgets.record_form import DateEdit, ERROR_STYLE, save_cancel_buttons, with_error_line
from ..widgets.tasks import GuardedTasks
from .model import field_header, shown_value
from .transfer import save_row

KEY_HINT = {"household": "如 652123000101", "person": "18 位公民身份号码",
            "house": "如 英阿瓦提村3组12号"}


class LedgerRowDialog(QDialog):
    """Add a row (`row_id` None) or edit one. Emits `row_saved(id)` after a save, then closes.
    `editors` and `errors` are keyed by field code (and ledgers.KEY_FIELD / YEAR_FIELD)."""

    row_saved = Signal(str)
    loaded = Signal()

    def __init__(self, ctx: AppContext, ledger: LedgerDef, row_id: str | None = None,
                 default_year: int | None = None, parent: Any = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.ledger = ledger
        self.row_id = row_id
        self.tasks = GuardedTasks(ctx.tasks, self)
        self.setWindowTitle(f"{'修改' if row_id else '新增'}{ledger.name}记录")
        self.editors: dict[str, QWidget] = {}
        self.errors: dict[str, QLabel] = {}
        form_box = QWidget()
        self.form = QFormLayout(form_box)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        key_label, name_label = KEYS[ledger.binding]
        self.key = QLineEdit(objectName="field_key", placeholderText=KEY_HINT[ledger.binding])
        self.bound_name = QLabel("", objectName="bound_name")
        self._add_row(ledgers.KEY_FIELD, key_label + ("" if row_id else "*"), self.key)
        if row_id:
            self.key.setReadOnly(True)  # a row keeps its record; to move it, delete and add
            self.form.addRow(name_label, self.bound_name)
        if ledger.per_year:
            self.year = QLineEdit(objectName="field_year", placeholderText="如 2025")
            self.year.setText("" if default_year is None else str(default_year))
            self._add_row(ledgers.YEAR_FIELD, YEAR + "*", self.year)
        for f in ledger.fields:
            self._add_row(f.code, field_header(f) + ("*" if f.required else ""), self._editor(f))
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(form_box)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.message = QLabel("", objectName="message", wordWrap=True)
        self.message.setStyleSheet(ERROR_STYLE)
        self.buttons = save_cancel_buttons(self, self.save)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("带 * 的为必填项", objectName="hint"))
        layout.addWidget(scroll, 1)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.resize(460, min(150 + 44 * (len(ledger.fields) + 2), 720))
        if row_id:
            self.buttons.setEnabled(False)
            self.tasks.read(lambda s: ledgers.get_row(s, ledger, row_id), self._loaded,
                            self._refused)

    # -- building ------------------------------------------------------------------------------
    def _add_row(self, code: str, text: str, editor: QWidget) -> None:
        editor.setObjectName(f"field_{code}")
        editor.setAccessibleName(text.rstrip("*"))
        box, error = with_error_line(editor, code)
        label = QLabel(text)
        label.setBuddy(editor)
        self.form.addRow(label, box)
        self.editors[code] = editor
        self.errors[code] = error

    @staticmethod
    def _editor(f: Any) -> QWidget:
        if f.field_type in ("dict", "bool"):
            combo = QComboBox()
            combo.addItem("（未填）", None)
            options = f.choices() if f.field_type == "dict" else \
                (("是", "是"), ("否", "否"))
            for code, text in options:
                combo.addItem(text, code)
            return combo
        if f.field_type == "date":
            return DateEdit()
        edit = QLineEdit()
        if f.field_type in ("int", "decimal"):
            bounds = f"，{f.low:g}–{f.high:g}" if f.low is not None and f.high is not None \
                else ""
            edit.setPlaceholderText(f"数字{('（' + f.unit + bounds + '）') if f.unit else ''}")
            edit.setAlignment(Qt.AlignmentFlag.AlignRight)
        return edit

    # -- values --------------------------------------------------------------------------------
    def set_values(self, data: dict[str, Any]) -> None:
        for f in self.ledger.fields:
            editor, value = self.editors[f.code], data.get(f.code)
            if isinstance(editor, QComboBox):
                if f.field_type == "bool":
                    value = None if value is None else ("是" if value else "否")
                i = editor.findData(value)
                if i < 0 and value is not None:
                    editor.addItem(shown_value(f, value), value)  # a code unknown here
                    i = editor.count() - 1
                editor.setCurrentIndex(max(i, 0))
            elif isinstance(editor, DateEdit):
                editor.set_value(value)
            else:
                editor.setText(shown_value(f, value))

    def values(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in self.ledger.fields:
            editor = self.editors[f.code]
            if isinstance(editor, QComboBox):
                out[f.code] = editor.currentData()
            elif isinstance(editor, DateEdit):
                out[f.code] = editor.value()
            else:
                out[f.code] = editor.text().strip()
        return out

    def _loaded(self, detail: Any) -> None:
        self.key.setText(detail.key)
        self.bound_name.setText(detail.name)
        if self.ledger.per_year:
            self.year.setText("" if detail.year is None else str(detail.year))
        self.set_values(detail.data)
        self.buttons.setEnabled(True)
        self.loaded.emit()

    # -- saving --------------------------------------------------------------------------------
    def save(self) -> None:
        d, row_id, values = self.ledger, self.row_id, self.values()
        key = None if row_id else self.key.text()
        year = self.year.text() if self.ledger.per_year else None
        now, node = self.ctx.now(), self.ctx.user.scope_node_id
        self.clear_errors()
        self.buttons.setEnabled(False)
        self.tasks.write(
            lambda s: save_row(s, d, row_id, values, key=key, year=year, now=now,
                               scope_node_id=node),
            self._saved, self._refused, touches="ledger_rows")

    def _saved(self, row_id: str) -> None:
        self.buttons.setEnabled(True)
        self.row_id = row_id
        self.row_saved.emit(row_id)
        self.accept()

    def clear_errors(self) -> None:
        self.message.clear()
        for label in self.errors.values():
            label.clear()
            label.hide()

    def error_text(self, code: str) -> str:
        return self.errors[code].text()

    def _refused(self, exc: BaseException) -> None:
        self.buttons.setEnabled(True)
        if not isinstance(exc, DomainError):
            self.message.setText("保存失败，请重试；如果问题重复出现，请联系管理员")
            self.ctx.tasks.task_failed.emit(exc)
            return
        items = exc.errors if isinstance(exc, ValidationErrors) else [exc]
        loose, first = [], None
        for e in items:
            label = self.errors.get(getattr(e, "field", None) or "")
            if label is None:
                loose.append(e.message())
                continue
            label.setText((label.text() + "；" if label.text() else "") + e.message())
            label.show()
            first = first or e.field
        if first:
            self.editors[first].setFocus(Qt.FocusReason.OtherFocusReason)
        self.message.setText("；".join(loose) if loose else "请按提示修改后再保存")
