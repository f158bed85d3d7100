"""A form generated from an entity's declared columns: label from `info`, a combo box for a
dictionary field, a date box for dates, a multi-line box for long text; each field carries an
error line beneath it where the Chinese message of a refused value appears, and the config
centre's guide (填写说明, also the tooltip) and example (the placeholder) when it has one."""
from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFormLayout,
                               QLabel, QLineEdit, QPlainTextEdit, QVBoxLayout, QWidget)
from sqlalchemy import Boolean, Date, Float, Integer, Text

from common.errors import DomainError, ValidationErrors
from common.schema.base import Base

from .forms import form_keys
from .labels import Labels

ERROR_STYLE = "color: #c0392b;"
GUIDE_STYLE = "color: #666666;"


def with_error_line(editor: QWidget, name: str) -> tuple[QWidget, QLabel]:
    """The editor with a hidden red line under it for the field's refusal: (box, line)."""
    error = QLabel("", objectName=f"error_{name}", wordWrap=True)
    error.setStyleSheet(ERROR_STYLE)
    error.hide()
    box = QWidget()
    v = QVBoxLayout(box)
    v.setContentsMargins(0, 0, 0, 0)
    v.setSpacing(2)
    v.addWidget(editor)
    v.addWidget(error)
    return box, error


def save_cancel_buttons(dialog: QDialog, save: Any) -> QDialogButtonBox:
    """保存 / 取消, wired to `save` and to closing the dialog; Enter moves between fields,
    Ctrl+Enter and Alt+S save (widgets/forms.py)."""
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save |
                               QDialogButtonBox.StandardButton.Cancel)
    buttons.button(QDialogButtonBox.StandardButton.Save).setText("保存(&S)")
    buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
    buttons.accepted.connect(save)
    buttons.rejected.connect(dialog.reject)
    form_keys(dialog, buttons.button(QDialogButtonBox.StandardButton.Save))
    return buttons


class DateEdit(QLineEdit):
    """A date typed as 1980-01-31 (blank allowed): quicker than a calendar for registers."""

    def __init__(self) -> None:
        super().__init__()
        self.setPlaceholderText("如 1980-01-31")
        self.setInputMask("")

    def value(self) -> str | None:
        return self.text().strip() or None

    def set_value(self, value: Any) -> None:
        if isinstance(value, (dt.date, dt.datetime)):
            value = value.isoformat()[:10]
        elif isinstance(value, QDate):
            value = value.toString("yyyy-MM-dd")
        self.setText(value or "")


class RecordForm(QWidget):
    """Edits the given `fields` of `entity`; `values()` returns what the user typed (codes for
    dictionary fields), `show_errors(err)` puts each message next to its field."""

    def __init__(self, entity: type[Base], fields: list[str], labels: Labels,
                 parent: QWidget | None = None, readonly: tuple[str, ...] = ()) -> None:
        super().__init__(parent)
        self.entity = entity
        self.labels = labels
        self.editors: dict[str, QWidget] = {}
        self.errors: dict[str, QLabel] = {}
        layout = QFormLayout(self)
        layout.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        cols = entity.__table__.columns
        for name in fields:
            col = cols[name]
            editor = self._editor(col)
            editor.setObjectName(f"field_{name}")
            editor.setAccessibleName(col.info.get("label", name))
            if name in readonly:
                editor.setEnabled(False)
            box, error = with_error_line(editor, name)
            self._add_guide(box, editor, name, *labels.guide(entity, name))
            label = QLabel(col.info.get("label", name) + ("*" if not col.nullable else ""))
            label.setBuddy(editor)
            layout.addRow(label, box)
            self.editors[name] = editor
            self.errors[name] = error

    def _add_guide(self, box: QWidget, editor: QWidget, name: str, guide: str,
                   example: str) -> None:
        """The config centre's guide under the field (also its tooltip) and its example as
        the empty box's placeholder."""
        if not guide and not example:
            return
        text = guide + ("　" if guide and example else "") + (f"示例：{example}" if example
                                                             else "")
        editor.setToolTip(text)
        if example and isinstance(editor, (QLineEdit, QPlainTextEdit)):
            editor.setPlaceholderText(f"例：{example}")
        hint = QLabel(text, objectName=f"guide_{name}", wordWrap=True)
        hint.setStyleSheet(GUIDE_STYLE)
        box.layout().insertWidget(1, hint)

    def _editor(self, col: Any) -> QWidget:
        d = col.info.get("dict")
        if d:
            combo = QComboBox()
            if col.nullable:
                combo.addItem("（未填）", None)
            for code, text in self.labels.options(d):
                combo.addItem(text, code)
            return combo
        if isinstance(col.type, Boolean):
            return QCheckBox()
        if isinstance(col.type, Date):
            return DateEdit()
        if isinstance(col.type, Text):
            box = QPlainTextEdit()
            box.setTabChangesFocus(True)  # keyboard users leave the box with Tab
            box.setMaximumHeight(70)
            return box
        edit = QLineEdit()
        if isinstance(col.type, (Integer, Float)):
            edit.setPlaceholderText("数字")
        return edit

    # -- values --------------------------------------------------------------------------------
    def set_values(self, values: dict[str, Any]) -> None:
        for name, editor in self.editors.items():
            value = values.get(name)
            if isinstance(editor, QComboBox):
                i = editor.findData(value)
                if i < 0 and value is not None:
                    editor.addItem(str(value), value)  # a code this device does not know yet
                    i = editor.count() - 1
                editor.setCurrentIndex(max(i, 0))
            elif isinstance(editor, QCheckBox):
                editor.setChecked(bool(value))
            elif isinstance(editor, DateEdit):
                editor.set_value(value)
            elif isinstance(editor, QPlainTextEdit):
                editor.setPlainText(value or "")
            else:
                editor.setText("" if value is None else str(value))

    def values(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, editor in self.editors.items():
            if not editor.isEnabled():
                continue
            if isinstance(editor, QComboBox):
                out[name] = editor.currentData()
            elif isinstance(editor, QCheckBox):
                out[name] = editor.isChecked()
            elif isinstance(editor, DateEdit):
                out[name] = editor.value()
            elif isinstance(editor, QPlainTextEdit):
                out[name] = editor.toPlainText()
            else:
                out[name] = editor.text()
        return out

    # -- errors --------------------------------------------------------------------------------
    def clear_errors(self) -> None:
        for label in self.errors.values():
            label.clear()
            label.hide()

    def show_errors(self, err: DomainError) -> list[str]:
        """Show each message next to its field; return messages that belong to no field."""
        self.clear_errors()
        items = err.errors if isinstance(err, ValidationErrors) else [err]
        loose = []
        first = None
        for e in items:
            target = e.field if e.field in self.errors else None
            if target is None and e.field in ("sex", "birth_date") and "id_number" in self.errors:
                target = "id_number"  # derived from the ID number: point at it
            if target is None:
                loose.append(e.message())
                continue
            label = self.errors[target]
            label.setText((label.text() + "；" if label.text() else "") + e.message())
            label.show()
            first = first or target
        if first:
            self.editors[first].setFocus(Qt.FocusReason.OtherFocusReason)
        return loose

    def error_text(self, name: str) -> str:
        return self.errors[name].text()
