"""房屋下钻 page: a lazily expanded tree (org → grid → park → building → unit → floor → house →
people) with the number of people at every level; Enter on a place lists its people in 全息检索,
Enter on a person opens them."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QHeaderView, QLabel, QTreeView, QVBoxLayout, QWidget

from desktop.services.places import KIND_LABELS, PlaceNode, children, roots

from ..context import AppContext

NODE = Qt.ItemDataRole.UserRole + 1
LOADED = Qt.ItemDataRole.UserRole + 2


class PlacesPage(QWidget):
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
        hint = QLabel("方向键展开/收起，回车查看该处人员")
        layout = QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addWidget(self.tree, 1)
        self._started = False

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
