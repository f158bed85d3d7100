"""The 配置中心 page (county admins): ledger types with their fields, and the dictionaries.

What it lists is the local copy (read on a reader, works offline); what it changes is saved on
the server (services/config_centre.py on the network lane), then a sync brings it back and the
lists are read again. Offline, the lists stay and each button says why it is disabled.
"""
from __future__ import annotations

from typing import Any, Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QHBoxLayout, QHeaderView, QLabel,
                               QListWidget, QListWidgetItem, QMessageBox, QPushButton,
                               QSplitter, QTableWidget, QTableWidgetItem, QTabWidget,
                               QVBoxLayout, QWidget)

from common.errors import DomainError
from common.ledger_types import LedgerDef
from desktop.services.config_centre import (ActionResult, ConfigCentreService, ConfigView,
                                            EntryView, load_config)

from .dialogs import DictEntryDialog, LedgerFieldDialog, LedgerTypeDialog

OFFLINE_TIP = "需要联网：配置修改直接保存在服务器上"
FIELD_COLUMNS = ("字段代码", "字段名称", "类型", "单位", "字典", "必填", "排序")
ENTRY_COLUMNS = ("代码", "名称", "排序", "状态")


def _table(columns: tuple[str, ...]) -> QTableWidget:
    table = QTableWidget(0, len(columns))
    table.setHorizontalHeaderLabels(list(columns))
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    return table


def _button(text: str, slot: Callable[[], None]) -> QPushButton:
    button = QPushButton(text)
    button.clicked.connect(slot)
    return button


class ConfigPage(QWidget):
    """Signals: `loaded` (the local copy is shown), `online_changed(bool)`, `change_finished(str)`
    (a change was saved, synced and the lists read again: the status text)."""

    loaded = Signal()
    online_changed = Signal(bool)
    change_finished = Signal(str)

    def __init__(self, ctx: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        sync = ctx.sync
        self.service = ConfigCentreService(sync) if sync is not None else None
        self.view: ConfigView | None = None
        self.online = False
        self.busy = False
        self.dialog: Any = None
        # Replaced in tests: a yes/no question before retiring anything.
        self.confirm: Callable[[str, str], bool] = self._ask

        self.connection = QLabel("正在连接服务器…")
        self.connection.setObjectName("connection")
        self.connection.setWordWrap(True)
        self.reconnect = _button("重新连接", self.check_online)
        top = QHBoxLayout()
        top.addWidget(self.connection, 1)
        top.addWidget(self.reconnect)

        self.tabs = QTabWidget()
        self.tabs.addTab(self._ledger_tab(), "台账类型")
        self.tabs.addTab(self._dictionary_tab(), "字典")
        self.status = QLabel("")
        self.status.setObjectName("status")
        self.status.setWordWrap(True)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.status)
        self._update_buttons()

    # -- layout --------------------------------------------------------------------------------
    def _ledger_tab(self) -> QWidget:
        self.types = QListWidget()
        self.types.setAccessibleName("台账类型")
        self.types.currentRowChanged.connect(self._show_fields)
        self.type_info = QLabel("")
        self.fields = _table(FIELD_COLUMNS)
        self.fields.setAccessibleName("字段")
        self.fields.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.fields.itemSelectionChanged.connect(self._update_buttons)
        self.add_type_button = _button("新增台账类型", self.add_type)
        self.edit_type_button = _button("修改台账类型", self.edit_type)
        self.retire_type_button = _button("停用台账类型", self.retire_type)
        self.add_field_button = _button("新增字段", self.add_field)
        self.edit_field_button = _button("修改字段", self.edit_field)
        self.retire_field_button = _button("停用字段", self.retire_field)
        left = QWidget()
        col = QVBoxLayout(left)
        col.setContentsMargins(0, 0, 0, 0)
        col.addWidget(self.types, 1)
        for b in (self.add_type_button, self.edit_type_button, self.retire_type_button):
            col.addWidget(b)
        right = QWidget()
        col = QVBoxLayout(right)
        col.setContentsMargins(0, 0, 0, 0)
        col.addWidget(self.type_info)
        col.addWidget(self.fields, 1)
        row = QHBoxLayout()
        for b in (self.add_field_button, self.edit_field_button, self.retire_field_button):
            row.addWidget(b)
        row.addStretch(1)
        col.addLayout(row)
        split = QSplitter()
        split.addWidget(left)
        split.addWidget(right)
        split.setSizes([260, 900])
        return split

    def _dictionary_tab(self) -> QWidget:
        self.dicts = QListWidget()
        self.dicts.setAccessibleName("字典")
        self.dicts.currentRowChanged.connect(self._show_entries)
        self.entries = _table(ENTRY_COLUMNS)
        self.entries.setAccessibleName("字典项")
        self.entries.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.entries.itemSelectionChanged.connect(self._update_buttons)
        self.add_entry_button = _button("新增字典项", self.add_entry)
        self.edit_entry_button = _button("修改名称", self.edit_entry)
        self.toggle_entry_button = _button("停用", self.toggle_entry)
        right = QWidget()
        col = QVBoxLayout(right)
        col.setContentsMargins(0, 0, 0, 0)
        col.addWidget(self.entries, 1)
        row = QHBoxLayout()
        for b in (self.add_entry_button, self.edit_entry_button, self.toggle_entry_button):
            row.addWidget(b)
        row.addStretch(1)
        col.addLayout(row)
        split = QSplitter()
        split.addWidget(self.dicts)
        split.addWidget(right)
        split.setSizes([260, 900])
        return split

    # -- reading -------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Read the local copy (offline too) and ask whether the server can be reached."""
        self.reload()
        self.check_online()

    def reload(self, after: Callable[[], None] | None = None) -> None:
        def shown(view: ConfigView) -> None:
            self._show(view)
            if after:
                after()
        self.ctx.tasks.read(load_config, shown, self._failed, name="config_load")

    def check_online(self) -> None:
        if self.service is None:
            self._set_online(False, "本机档案没有服务器账号。")
            return
        self.connection.setText("正在连接服务器…")
        self.ctx.tasks.network(self.service.check_online,
                               lambda _: self._set_online(True),
                               lambda exc: self._set_online(False, _why_offline(exc)),
                               name="config_online")

    def _set_online(self, online: bool, reason: str = "") -> None:
        self.online = online
        if online:
            self.connection.setText("已连接服务器：修改直接保存在服务器上，保存后自动同步到本机，"
                                    "其他设备同步后生效。")
            self.connection.setStyleSheet("")
        else:
            self.connection.setText(f"{OFFLINE_TIP}。{reason}下面是本机上次同步到的配置；"
                                    f"联网后请点“重新连接”。")
            self.connection.setStyleSheet("color: #8a5a00;")
        self._update_buttons()
        self.online_changed.emit(online)

    def _show(self, view: ConfigView) -> None:
        # what was selected, read before the new lists replace the old ones
        type_id = self.current_type().id if self.current_type() else None
        self.view = view
        self.types.blockSignals(True)
        self.types.clear()
        binding = dict(self._options("ledger_binding"))
        for t in view.types:
            item = QListWidgetItem(f"{t.name}（{t.code}）")
            item.setData(Qt.ItemDataRole.UserRole, t.id)
            item.setToolTip(f"绑定：{binding.get(t.binding, t.binding)}；"
                            f"{'按年度' if t.per_year else '不分年度'}；{len(t.fields)} 个字段")
            self.types.addItem(item)
        self.types.blockSignals(False)
        ids = [t.id for t in view.types]
        self.types.setCurrentRow(ids.index(type_id) if type_id in ids else (0 if ids else -1))
        self._show_fields()
        dict_code = self.current_dict()
        self.dicts.blockSignals(True)
        self.dicts.clear()
        for code in view.dictionaries:
            name = view.dictionary_names.get(code, code)
            item = QListWidgetItem(f"{name}（{code}）" if name != code else code)
            item.setData(Qt.ItemDataRole.UserRole, code)
            self.dicts.addItem(item)
        self.dicts.blockSignals(False)
        codes = list(view.dictionaries)
        self.dicts.setCurrentRow(codes.index(dict_code) if dict_code in codes
                                 else (0 if codes else -1))
        self._show_entries()
        self.loaded.emit()

    def _show_fields(self, *_: object) -> None:
        t = self.current_type()
        self.fields.setRowCount(0)
        if t is None:
            self.type_info.setText("")
            self._update_buttons()
            return
        binding = dict(self._options("ledger_binding")).get(t.binding, t.binding)
        self.type_info.setText(f"{t.name}：绑定{binding}，{'按年度' if t.per_year else '不分年度'}"
                               f"，{len(t.fields)} 个字段（代码 {t.code}）")
        kinds = dict(self._options("ledger_field_type"))
        names = self.view.dictionary_names if self.view else {}
        self.fields.setRowCount(len(t.fields))
        for r, f in enumerate(t.fields):
            cells = (f.code, f.label, kinds.get(f.field_type, f.field_type), f.unit or "",
                     names.get(f.dict_code, f.dict_code) if f.dict_code else "",
                     "是" if f.required else "", str(f.sort))
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, f.id)
                self.fields.setItem(r, c, item)
        self._update_buttons()

    def _show_entries(self, *_: object) -> None:
        entries = self.current_entries()
        self.entries.setRowCount(len(entries))
        for r, e in enumerate(entries):
            for c, text in enumerate((e.code, e.label, str(e.sort),
                                      "启用" if e.active else "已停用")):
                item = QTableWidgetItem(text)
                if not e.active:
                    item.setForeground(Qt.GlobalColor.gray)
                self.entries.setItem(r, c, item)
        self._update_buttons()

    # -- selection -----------------------------------------------------------------------------
    def current_type(self) -> LedgerDef | None:
        row = self.types.currentRow()
        if self.view is None or not 0 <= row < len(self.view.types):
            return None
        return self.view.types[row]

    def current_field(self) -> Any:
        t = self.current_type()
        row = self.fields.currentRow()
        if t is None or not self.fields.selectedItems() or not 0 <= row < len(t.fields):
            return None
        return t.fields[row]

    def current_dict(self) -> str | None:
        item = self.dicts.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item else None

    def current_entries(self) -> list[EntryView]:
        code = self.current_dict()
        return list(self.view.dictionaries.get(code, [])) if self.view and code else []

    def current_entry(self) -> EntryView | None:
        entries = self.current_entries()
        row = self.entries.currentRow()
        if not self.entries.selectedItems() or not 0 <= row < len(entries):
            return None
        return entries[row]

    def choose_type(self, name_or_code: str) -> None:
        for i, t in enumerate(self.view.types if self.view else []):
            if name_or_code in (t.name, t.code):
                self.types.setCurrentRow(i)
                return

    def choose_dict(self, code: str) -> None:
        codes = list(self.view.dictionaries) if self.view else []
        if code in codes:
            self.dicts.setCurrentRow(codes.index(code))

    def _options(self, dict_code: str) -> list[tuple[str, str]]:
        if self.view is None:
            return []
        return [(e.code, e.label) for e in self.view.dictionaries.get(dict_code, []) if e.active]

    def _update_buttons(self) -> None:
        can = self.online and not self.busy and self.service is not None
        entry = self.current_entry()
        wants = {
            self.add_type_button: True,
            self.edit_type_button: self.current_type() is not None,
            self.retire_type_button: self.current_type() is not None,
            self.add_field_button: self.current_type() is not None,
            self.edit_field_button: self.current_field() is not None,
            self.retire_field_button: self.current_field() is not None,
            self.add_entry_button: self.current_dict() is not None,
            self.edit_entry_button: entry is not None and entry.id is not None,
            self.toggle_entry_button: entry is not None and entry.id is not None,
        }
        for button, selected in wants.items():
            button.setEnabled(can and selected)
            button.setToolTip("" if can else (OFFLINE_TIP if not self.online else "正在保存…"))
        self.toggle_entry_button.setText("启用" if entry is not None and not entry.active
                                         else "停用")

    # -- actions -------------------------------------------------------------------------------
    def add_type(self) -> None:
        dialog = LedgerTypeDialog(self._options("ledger_binding"), parent=self)
        self._open(dialog, lambda v: self.service.add_type(**v), "已新增台账类型")

    def edit_type(self) -> None:
        t = self.current_type()
        if t is None:
            return
        dialog = LedgerTypeDialog(self._options("ledger_binding"), t, parent=self)
        self._open(dialog, lambda v: self.service.change_type(t.id, v), f"已修改“{t.name}”")

    def retire_type(self) -> None:
        t = self.current_type()
        if t is None or not self.confirm(
                "停用台账类型", f"停用“{t.name}”？已有的台账记录和其中的数值都会保留，只是这个"
                f"台账不再出现在台账管理中。代码 {t.code} 以后不能再用于新的台账。"):
            return
        self._run(lambda: self.service.retire_type(t.id), f"已停用“{t.name}”")

    def add_field(self) -> None:
        t = self.current_type()
        if t is None:
            return
        dialog = self._field_dialog(t)
        self._open(dialog, lambda v: self.service.add_field(t.id, **v),
                   f"已为“{t.name}”新增字段")

    def edit_field(self) -> None:
        t, f = self.current_type(), self.current_field()
        if t is None or f is None:
            return
        dialog = self._field_dialog(t, f)
        self._open(dialog, lambda v: self.service.change_field(f.id, v), f"已修改“{f.label}”")

    def retire_field(self) -> None:
        t, f = self.current_type(), self.current_field()
        if t is None or f is None or not self.confirm(
                "停用字段", f"停用“{t.name}”的字段“{f.label}”？已有台账记录中这一项的数值会保留，"
                f"只是导出表和录入中不再有这一列。"):
            return
        self._run(lambda: self.service.retire_field(f.id), f"已停用字段“{f.label}”")

    def add_entry(self) -> None:
        code = self.current_dict()
        if code is None:
            return
        dialog = DictEntryDialog(self._dict_name(code), parent=self)
        self._open(dialog, lambda v: self.service.add_entry(dict_code=code, **v),
                   f"已在“{self._dict_name(code)}”中新增字典项")

    def edit_entry(self) -> None:
        e = self.current_entry()
        if e is None or e.id is None:
            return
        dialog = DictEntryDialog(self._dict_name(e.dict_code), e, parent=self)
        self._open(dialog, lambda v: self.service.change_entry(e.id, v), f"已修改“{e.label}”")

    def toggle_entry(self) -> None:
        e = self.current_entry()
        if e is None or e.id is None:
            return
        if e.active and not self.confirm(
                "停用字典项", f"停用“{e.label}”？已保存为“{e.label}”的记录保持不变，只是以后不能"
                f"再选择它。"):
            return
        self._run(lambda: self.service.change_entry(e.id, {"active": not e.active}),
                  f"已{'停用' if e.active else '启用'}“{e.label}”")

    def _field_dialog(self, t: LedgerDef, f: Any = None) -> LedgerFieldDialog:
        names = self.view.dictionary_names if self.view else {}
        dictionaries = [(c, names.get(c, c)) for c in (self.view.dictionaries if self.view
                                                       else {})]
        return LedgerFieldDialog(t.name, self._options("ledger_field_type"), dictionaries, f,
                                 parent=self)

    def _dict_name(self, code: str) -> str:
        return self.view.dictionary_names.get(code, code) if self.view else code

    # -- running a change ----------------------------------------------------------------------
    def _open(self, dialog: Any, change: Callable[[dict], ActionResult], done: str) -> None:
        self.dialog = dialog
        dialog.submitted.connect(lambda values: self._run(lambda: change(values), done, dialog))
        dialog.open()

    def _run(self, change: Callable[[], ActionResult], done: str, dialog: Any = None) -> None:
        """One server change on the network lane, then (inside it) a sync; then the lists are
        read again and `change_finished` says what happened."""
        if self.service is None:
            return
        self.busy = True
        self._update_buttons()
        self.status.setText("正在保存到服务器…")

        def saved(result: ActionResult) -> None:
            self.busy = False
            if dialog is not None:
                dialog.accept()
            text = f"{done}，已保存到服务器" + (
                "并同步到本机" if result.synced else
                f"；同步到本机未完成（{result.sync_error}），下次同步后显示")
            self.status.setText(text)
            self.ctx.tasks.data_changed.emit("config")
            self.reload(lambda: self.change_finished.emit(text))

        def refused(exc: BaseException) -> None:
            self.busy = False
            if isinstance(exc, DomainError) and exc.code == "server_unreachable":
                self._set_online(False, _why_offline(exc))
            if isinstance(exc, DomainError) and exc.code == "device_revoked":
                self.ctx.signed_out(_text(exc))
            text = _text(exc)
            self.status.setText(f"未保存：{text}")
            if dialog is not None:
                dialog.show_refusal(exc)
            self._update_buttons()
            self.change_finished.emit(f"未保存：{text}")

        self.ctx.tasks.network(change, saved, refused, name="config_change")

    def _failed(self, exc: BaseException) -> None:
        self.status.setText(f"读取本机配置失败：{_text(exc)}")

    def _ask(self, title: str, text: str) -> bool:
        answer = QMessageBox.question(self, title, text,
                                      QMessageBox.StandardButton.Yes
                                      | QMessageBox.StandardButton.No,
                                      QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes


def _why_offline(exc: BaseException) -> str:
    """One sentence for the banner (the general unreachable text speaks of offline sign-in,
    which is beside the point here)."""
    if isinstance(exc, DomainError) and exc.code == "server_unreachable":
        url = exc.params.get("url")
        return f"现在无法连接服务器{f' {url}' if url else ''}。"
    return f"{_text(exc)}。"


def _text(exc: BaseException) -> str:
    if isinstance(exc, DomainError):
        return exc.message()
    return "操作失败，请重试；如果问题重复出现，请联系管理员"
