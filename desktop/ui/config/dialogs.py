"""The config centre's dialogs: a ledger type, a ledger field, a dictionary entry.

Each dialog only collects values: the page sends them to the server (network lane) and, on a
refusal, hands it back with `show_refusal`, which puts the server's Chinese reason under the field
it names (or at the bottom when it names none). The dialog stays open until the server accepts.
"""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFormLayout,
                               QLabel, QLineEdit, QSpinBox, QVBoxLayout, QWidget)

from common.errors import DomainError

from ..widgets.forms import form_keys

ERROR_STYLE = "color: #c0392b;"
FIXED_NOTE = "代码和类型设定后不能修改：已有的台账记录按代码保存数值。如需更改，请停用后新建。"



def _sort_box(value: int) -> QSpinBox:
    box = QSpinBox()
    box.setRange(0, 1_000_000)
    box.setValue(value)
    return box

class _ConfigDialog(QDialog):
    """Rows of (label, editor, error line); `submitted(dict)` when 保存 is pressed."""

    submitted = Signal(dict)

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(440)
        self.editors: dict[str, QWidget] = {}
        self.errors: dict[str, QLabel] = {}
        self._layout = QVBoxLayout(self)
        self.form = QFormLayout()
        self._layout.addLayout(self.form)
        self.note = QLabel("")
        self.note.setWordWrap(True)
        self.note.setVisible(False)
        self.general_error = QLabel("")
        self.general_error.setObjectName("general_error")
        self.general_error.setStyleSheet(ERROR_STYLE)
        self.general_error.setWordWrap(True)
        self.general_error.setVisible(False)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setText("保存(&S)")
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        form_keys(self, self.buttons.button(QDialogButtonBox.StandardButton.Save))

    def _finish_layout(self) -> None:
        self._layout.addWidget(self.note)
        self._layout.addWidget(self.general_error)
        self._layout.addWidget(self.buttons)

    def add_row(self, key: str, label: str, editor: QWidget) -> QWidget:
        error = QLabel("")
        error.setObjectName(f"error_{key}")
        error.setStyleSheet(ERROR_STYLE)
        error.setWordWrap(True)
        error.setVisible(False)
        box = QWidget()
        col = QVBoxLayout(box)
        col.setContentsMargins(0, 0, 0, 0)
        col.setSpacing(2)
        col.addWidget(editor)
        col.addWidget(error)
        self.form.addRow(label, box)
        editor.setAccessibleName(label)
        self.editors[key] = editor
        self.errors[key] = error
        return editor

    def set_note(self, text: str) -> None:
        self.note.setText(text)
        self.note.setVisible(bool(text))

    # -- values and refusals --------------------------------------------------------------------
    def values(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, editor in self.editors.items():
            if not editor.isEnabled():
                continue  # fixed (code, type): shown, never sent
            if isinstance(editor, QLineEdit):
                out[key] = editor.text()
            elif isinstance(editor, QComboBox):
                out[key] = editor.currentData()
            elif isinstance(editor, QCheckBox):
                out[key] = editor.isChecked()
            elif isinstance(editor, QSpinBox):
                out[key] = editor.value()
        return out

    def submit(self) -> None:
        if not self.buttons.button(QDialogButtonBox.StandardButton.Save).isEnabled():
            return  # one submission at a time
        self.clear_errors()
        self.set_busy(True)
        self.submitted.emit(self.values())

    def set_busy(self, busy: bool) -> None:
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setEnabled(not busy)
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setText(
            "正在保存…" if busy else "保存(&S)")

    def clear_errors(self) -> None:
        for label in (*self.errors.values(), self.general_error):
            label.clear()
            label.setVisible(False)

    def show_refusal(self, err: BaseException) -> None:
        """The server's reasons under the fields they name; the rest at the bottom."""
        self.set_busy(False)
        field_errors: dict[str, str] = dict(getattr(err, "field_errors", {}) or {})
        shown = False
        for key, text in field_errors.items():
            if key in self.errors:
                self.errors[key].setText(text)
                self.errors[key].setVisible(True)
                shown = True
        rest = [t for k, t in field_errors.items() if k not in self.errors]
        if isinstance(err, DomainError):
            text = err.message()
        else:
            text = "保存失败，请重试；如果问题重复出现，请联系管理员"
        if rest or not shown:
            self.general_error.setText("；".join(rest) if rest else text)
            self.general_error.setVisible(True)
        self.adjustSize()  # room for the reasons, which may wrap over two lines

    def error_text(self, key: str | None = None) -> str:
        """The reason shown under field `key` (at the bottom when None)."""
        return (self.errors[key] if key else self.general_error).text()


def _combo(options: list[tuple[str, str]], current: str | None = None) -> QComboBox:
    box = QComboBox()
    for code, label in options:
        box.addItem(f"{label}（{code}）" if code and label != code else label, code)
    if current is not None:
        i = box.findData(current)
        if i >= 0:
            box.setCurrentIndex(i)
    return box


def _line(text: str | None = "", placeholder: str = "") -> QLineEdit:
    edit = QLineEdit(text or "")
    edit.setPlaceholderText(placeholder)
    return edit


class LedgerTypeDialog(_ConfigDialog):
    """新增 or 修改 a ledger type; in 修改 the code and the binding are shown, fixed."""

    def __init__(self, bindings: list[tuple[str, str]], current: Any = None,
                 parent: QWidget | None = None) -> None:
        super().__init__("修改台账类型" if current else "新增台账类型", parent)
        code = self.add_row("code", "台账代码", _line(
            getattr(current, "code", ""), "小写英文字母开头，如 beekeeping"))
        self.add_row("name", "台账名称", _line(getattr(current, "name", ""), "如 养蜂台账"))
        binding = self.add_row("binding", "绑定对象",
                               _combo(bindings, getattr(current, "binding", None)))
        per_year = QCheckBox("每年一份（行带年度）")
        per_year.setChecked(getattr(current, "per_year", True))
        self.add_row("per_year", "按年度", per_year)
        if current is not None:
            self.add_row("sort", "排序", _sort_box(current.sort))
            code.setEnabled(False)
            binding.setEnabled(False)
            self.set_note("台账代码和绑定对象设定后不能修改：已有的台账记录依赖它们。")
        self._finish_layout()


class LedgerFieldDialog(_ConfigDialog):
    """新增 or 修改 a field of a ledger type; in 修改 the code and the type are fixed."""

    def __init__(self, type_name: str, field_types: list[tuple[str, str]],
                 dictionaries: list[tuple[str, str]], current: Any = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(f"修改字段 — {type_name}" if current else f"新增字段 — {type_name}",
                         parent)
        code = self.add_row("code", "字段代码", _line(
            getattr(current, "code", ""), "小写英文字母开头，如 hive_count"))
        self.add_row("label", "字段名称", _line(getattr(current, "label", ""), "如 蜂箱数"))
        kind = self.add_row("field_type", "字段类型",
                            _combo(field_types, getattr(current, "field_type", None)))
        self.add_row("unit", "单位", _line(getattr(current, "unit", ""), "可不填，如 箱"))
        dict_box = _combo([("", "（不用字典）")] + dictionaries,
                          getattr(current, "dict_code", None) or "")
        self.add_row("dict_code", "字典", dict_box)
        required = QCheckBox("导入时必须填写")
        required.setChecked(bool(getattr(current, "required", False)))
        self.add_row("required", "必填", required)
        if current is not None:
            self.add_row("sort", "排序", _sort_box(current.sort))
            code.setEnabled(False)
            kind.setEnabled(False)
            self.set_note(FIXED_NOTE)
        kind.currentIndexChanged.connect(self._dict_enabled)
        self._dict_enabled()
        self._finish_layout()

    def _dict_enabled(self) -> None:
        is_dict = self.editors["field_type"].currentData() == "dict"
        box = self.editors["dict_code"]
        box.setEnabled(is_dict)  # a disabled editor is not sent: other types have no dictionary
        if not is_dict:
            box.setCurrentIndex(0)


class DictEntryDialog(_ConfigDialog):
    """新增 an entry to a dictionary, or 修改 its name (the code is fixed: records store it)."""

    def __init__(self, dict_name: str, current: Any = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(f"修改字典项 — {dict_name}" if current else f"新增字典项 — {dict_name}",
                         parent)
        code = self.add_row("code", "代码", _line(getattr(current, "code", ""),
                                                  "如 camel（保存在记录里，设定后不能修改）"))
        self.add_row("label", "名称", _line(getattr(current, "label", ""), "如 骆驼"))
        if current is not None:
            code.setEnabled(False)
            self.set_note("代码设定后不能修改：已有记录按代码保存。")
        self._finish_layout()
