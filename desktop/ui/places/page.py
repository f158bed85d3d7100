"""房屋下钻 page: a lazily expanded tree (org → grid → park → building → unit → floor → house →
people) with the number of people at every level; Enter on a place lists its people in 全息检索,
Enter on a person opens them. A worker adds a place under the chosen node and edits one (offline,
synced like people), prints a house's door plate, finds places by name, plate or address (查找)
counts them by type and use (统计) and sees the grid on a map drawn offline (地图)."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtPrintSupport import QPrintDialog
from PySide6.QtWidgets import (QDialog, QHBoxLayout, QHeaderView, QLabel, QLineEdit,
                               QPushButton, QTableWidget, QTableWidgetItem, QTabWidget,
                               QTreeView, QVBoxLayout, QWidget)

from desktop.services import place_upkeep as up
from desktop.services.doorplates import Label, labels_for
from desktop.services.places import KIND_LABELS, PlaceNode, children, roots

from ..context import AppContext
from ..widgets.columns import fit_columns
from ..widgets.errors import error_text
from .dialog import PlaceDialog
from .grid_map import GridMapTab
from .plate_print import label_printer, print_labels

NODE = Qt.ItemDataRole.UserRole + 1
LOADED = Qt.ItemDataRole.UserRole + 2


class PlacesPage(QWidget):
    plates_printed = Signal(int)  # labels printed

    def __init__(self, ctx: AppContext, parent: Any = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.model = QStandardItemModel(0, 3, self)
        self.model.setHorizontalHeaderLabels(["名称", "人数", "类别"])
        self.tree = QTreeView(objectName="places")
        self.tree.setModel(self.model)
        self.tree.setAccessibleName("房屋下钻")
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.tree.setEditTriggers(QTreeView.EditTrigger.NoEditTriggers)
        self.tree.expanded.connect(self._expanded)
        self.tree.activated.connect(self._activated)
        hint = QLabel("方向键展开/收起，回车查看该处人员；选中一处后可新增其下的建筑、房屋等")
        self.add_button = QPushButton("新增(&A)…", objectName="button_add_place")
        self.add_button.clicked.connect(self.add_place)
        self.edit_button = QPushButton("编辑(&E)…", objectName="button_edit_place")
        self.edit_button.clicked.connect(self.edit_place)
        self.print_button = QPushButton("打印门牌(&P)…", objectName="button_print_plate")
        self.print_button.clicked.connect(lambda: self.print_plates(self._selected_houses()))
        self.message = QLabel("", objectName="message", wordWrap=True)
        buttons = QHBoxLayout()
        for b in (self.add_button, self.edit_button, self.print_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        drill = QWidget()
        dv = QVBoxLayout(drill)
        dv.addWidget(hint)
        dv.addLayout(buttons)
        dv.addWidget(self.message)
        dv.addWidget(self.tree, 1)
        self.tabs = QTabWidget(objectName="places_tabs")
        self.tabs.addTab(drill, "下钻(&D)")
        self.tabs.addTab(self._find_tab(), "查找(&F)")
        self.tabs.addTab(self._stats_tab(), "统计(&T)")
        self.map_tab = GridMapTab(ctx)
        self.tabs.addTab(self.map_tab, "地图(&M)")
        self.tabs.currentChanged.connect(self._tab_shown)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        self._started = False
        self.pdf_path: str | None = None
        """When set, plates print to this PDF file instead of asking for a printer."""

    def _find_tab(self) -> QWidget:
        self.find_box = QLineEdit(objectName="place_search",
                                  placeholderText="园区、建筑名称或门牌号、地址")
        self.find_box.setAccessibleName("查找房屋建筑")
        self.found = QTableWidget(0, 3, objectName="places_found")
        self.found.setHorizontalHeaderLabels(["名称/门牌", "类别", "说明"])
        self.found.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.found.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.found.setAccessibleName("查找结果")
        self.found.cellActivated.connect(lambda r, _c: self._edit_found(r))
        self._hits: list[up.PlaceHit] = []
        self._find_timer = QTimer(self, singleShot=True, interval=200)
        self._find_timer.timeout.connect(self.find)
        self.find_box.textChanged.connect(lambda _t: self._find_timer.start())
        edit = QPushButton("编辑选中(&O)…", objectName="button_edit_found")
        edit.clicked.connect(lambda: self._edit_found(self.found.currentRow()))
        plate = QPushButton("打印选中房屋门牌(&Q)…", objectName="button_print_found")
        plate.clicked.connect(lambda: self.print_plates(
            [h.id for h in self._found_selection() if h.kind == "house"]))
        tab = QWidget()
        v = QVBoxLayout(tab)
        v.addWidget(self.find_box)
        row = QHBoxLayout()
        row.addWidget(edit)
        row.addWidget(plate)
        row.addStretch(1)
        v.addLayout(row)
        v.addWidget(self.found, 1)
        return tab

    def _stats_tab(self) -> QWidget:
        self.stats = QTableWidget(0, 3, objectName="places_stats")
        self.stats.setHorizontalHeaderLabels(["分类", "类型/用途", "数量"])
        self.stats.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.stats.setAccessibleName("房屋建筑统计")
        tab = QWidget()
        v = QVBoxLayout(tab)
        v.addWidget(QLabel("本机所辖园区、建筑和房屋按类型、用途统计"))
        v.addWidget(self.stats, 1)
        return tab

    def refresh(self) -> None:
        if not self._started:
            self._started = True
            scope = self.ctx.user.scope_node_id
            self.ctx.tasks.read(lambda s: roots(s, scope), self._roots_loaded)

    def _roots_loaded(self, nodes: list[PlaceNode]) -> None:
        self.model.removeRows(0, self.model.rowCount())
        for node in nodes:
            self.model.appendRow(self._row(node))
        if nodes:
            self.tree.setCurrentIndex(self.model.index(0, 0))
            self.tree.expand(self.model.index(0, 0))

    def _row(self, node: PlaceNode) -> list[QStandardItem]:
        name = QStandardItem(node.title)
        name.setData(node, NODE)
        name.setData(False, LOADED)
        if node.has_children:
            name.appendRow([QStandardItem("加载中…"), QStandardItem(""), QStandardItem("")])
        count = QStandardItem(str(node.people) if node.kind != "person" else "")
        count.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        kind = QStandardItem(node.detail or KIND_LABELS.get(node.kind, ""))
        return [name, count, kind]

    def _expanded(self, index: QModelIndex) -> None:
        item = self.model.itemFromIndex(index.siblingAtColumn(0))
        if item is None or item.data(LOADED):
            return
        item.setData(True, LOADED)
        node: PlaceNode = item.data(NODE)
        self.ctx.tasks.read(lambda s: children(s, node.kind, node.id),
                            lambda nodes, it=item: self._children_loaded(it, nodes))

    def _children_loaded(self, item: QStandardItem, nodes: list[PlaceNode]) -> None:
        item.removeRows(0, item.rowCount())
        for node in nodes:
            item.appendRow(self._row(node))
        if not nodes:
            item.appendRow([QStandardItem("（无）"), QStandardItem(""), QStandardItem("")])

    def _activated(self, index: QModelIndex) -> None:
        node: PlaceNode | None = self.model.itemFromIndex(index.siblingAtColumn(0)).data(NODE)
        if node is None:
            return
        if node.kind == "person":
            self.ctx.navigate("people", person_id=node.id)
        elif node.kind == "house":
            self.ctx.navigate("search", house_id=node.id, title=node.title)
        elif node.kind == "building":
            self.ctx.navigate("search", building_id=node.id, title=node.title)
        else:
            self.tree.setExpanded(index, not self.tree.isExpanded(index))

    def node_texts(self, parent: QModelIndex = QModelIndex()) -> list[tuple[str, str]]:
        """(name, people) of the rows under `parent` (for tests and screen readers)."""
        return [(self.model.index(r, 0, parent).data(), self.model.index(r, 1, parent).data())
                for r in range(self.model.rowCount(parent))]

    # -- adding and editing ----------------------------------------------------------------------
    def current_node(self) -> PlaceNode | None:
        index = self.tree.currentIndex()
        if not index.isValid():
            return None
        item = self.model.itemFromIndex(index.siblingAtColumn(0))
        return item.data(NODE) if item is not None else None

    def add_place(self) -> PlaceDialog | None:
        node = self.current_node()
        if node is None or node.kind not in up.CHILD_KINDS:
            self.message.setText("请先在下钻中选中一个网格、园区、建筑、单元或楼层")
            return None
        dialog = PlaceDialog(self.ctx, parent_kind=node.kind, parent_id=node.id,
                             parent_title=node.title, parent=self)
        dialog.place_saved.connect(lambda k, pid, created: self._place_saved(k, pid, created,
                                                                            parent=True))
        dialog.open()
        return dialog

    def edit_place(self) -> PlaceDialog | None:
        node = self.current_node()
        if node is None or node.kind not in up.PLACE_KINDS:
            self.message.setText("请先在下钻中选中要编辑的园区、建筑、单元、楼层或房屋")
            return None
        return self._open_editor(node.kind, node.id)

    def _open_editor(self, kind: str, place_id: str) -> PlaceDialog:
        dialog = PlaceDialog(self.ctx, kind=kind, place_id=place_id, parent=self)
        dialog.place_saved.connect(lambda k, pid, created: self._place_saved(k, pid, created,
                                                                            parent=False))
        dialog.open()
        return dialog

    def _place_saved(self, kind: str, place_id: str, created: bool, *, parent: bool) -> None:
        index = self.tree.currentIndex().siblingAtColumn(0)
        target = index if parent else index.parent()
        self._reload_under(target)
        if created and kind == "house":
            self.last_house = place_id
            self.message.setText("已新增房屋，门牌二维码已生成：点“打印门牌”打印标签")
        else:
            self.message.setText("已保存")
        if self.tabs.currentIndex() == 1:
            self.find()

    def _reload_under(self, index: QModelIndex) -> None:
        item = self.model.itemFromIndex(index) if index.isValid() else None
        if item is None:
            self._started = False
            self.refresh()
            return
        item.setData(False, LOADED)
        if self.tree.isExpanded(index):
            self._expanded(index)
        else:
            self.tree.expand(index)

    # -- door plates -------------------------------------------------------------------------------
    def _selected_houses(self) -> list[str]:
        node = self.current_node()
        if node is not None and node.kind == "house":
            return [node.id]
        last = getattr(self, "last_house", None)
        return [last] if last else []

    def print_plates(self, house_ids: list[str]) -> None:
        """Print the houses' door-plate labels (the signed QR is made offline: a write, as it
        may store the county plate key first)."""
        if not house_ids:
            self.message.setText("请先选中要打印门牌的房屋")
            return
        now = self.ctx.now()
        self.ctx.tasks.write(lambda s: labels_for(s, house_ids, now=now), self._print,
                             lambda e: self.message.setText(error_text(e)))

    def _print(self, labels: list[Label]) -> None:
        printer = label_printer(self.pdf_path)
        if self.pdf_path is None:
            dialog = QPrintDialog(printer, self)
            dialog.setWindowTitle("打印门牌")
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return
        try:
            pages = print_labels(printer, labels)
        except OSError:
            self.message.setText("打印机不可用，请检查打印机后重试")
            return
        self.message.setText(f"已打印 {pages} 张门牌标签")
        self.plates_printed.emit(pages)

    # -- finding and counting ----------------------------------------------------------------------
    def _tab_shown(self, index: int) -> None:
        if index == 1:
            self.find()
        elif index == 2:
            self.ctx.tasks.read(up.place_stats, self._stats_loaded)
        elif index == 3:
            self.map_tab.refresh()

    def find(self) -> None:
        text = self.find_box.text()
        self.ctx.tasks.read(lambda s: up.search_places(s, text), self._found_loaded)

    def _found_loaded(self, hits: list[up.PlaceHit]) -> None:
        self._hits = hits
        self.found.setRowCount(len(hits))
        for i, h in enumerate(hits):
            for j, text in enumerate((h.title, up.KIND_TITLES[h.kind], h.detail)):
                self.found.setItem(i, j, QTableWidgetItem(text))
        fit_columns(self.found)

    def _found_selection(self) -> list[up.PlaceHit]:
        rows = sorted({i.row() for i in self.found.selectedIndexes()})
        return [self._hits[r] for r in rows if r < len(self._hits)]

    def _edit_found(self, row: int) -> None:
        if 0 <= row < len(self._hits):
            self._open_editor(self._hits[row].kind, self._hits[row].id)

    def _stats_loaded(self, groups: list[tuple[str, list[tuple[str, int]]]]) -> None:
        rows = [(title, label, n) for title, items in groups for label, n in items]
        self.stats.setRowCount(len(rows))
        for i, (title, label, n) in enumerate(rows):
            for j, text in enumerate((title, label, str(n))):
                self.stats.setItem(i, j, QTableWidgetItem(text))
        fit_columns(self.stats)

    def stats_rows(self) -> list[tuple[str, str, str]]:
        return [tuple(self.stats.item(r, c).text() for c in range(3))  # type: ignore[misc]
                for r in range(self.stats.rowCount())]
