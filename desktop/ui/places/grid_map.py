"""网格地图: the grid's boundary and its buildings and houses drawn from the local database with
QPainter (no tiles, no network); each point carries its people count, and clicking one opens its
residents in 全息检索. The data comes from desktop/services/grid_map.py on a reader thread."""
from __future__ import annotations

import math
from typing import Any

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import (QComboBox, QGraphicsEllipseItem, QGraphicsItem,
                               QGraphicsScene, QGraphicsSimpleTextItem, QGraphicsView,
                               QHBoxLayout, QLabel, QVBoxLayout, QWidget)

from desktop.services.grid_map import GridMap, MapPoint, grid_map, grids

SCALE = 100_000.0
"""Scene units per degree of latitude (about 1.1 m each)."""
POINT = 1  # item data role: the MapPoint of a marker
COLOURS = {"building": QColor("#1f5fa8"), "house": QColor("#d9822b")}
LABELS_UP_TO = 60
"""Points named beside their marker; above this only the people count is written."""


class Marker(QGraphicsEllipseItem):
    """A place as a dot of fixed screen size, its count (and name) beside it."""

    def __init__(self, point: MapPoint, pos: QPointF, named: bool) -> None:
        r = 7.0 if point.kind == "building" else 5.0
        super().__init__(-r, -r, 2 * r, 2 * r)
        self.point = point
        self.setPos(pos)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        self.setBrush(QBrush(COLOURS[point.kind]))
        self.setPen(QPen(QColor("#333333"), 1))
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setData(POINT, point)
        self.setZValue(2)
        extra = f"，房屋 {point.houses} 处" if point.kind == "building" else ""
        self.setToolTip(f"{point.title}：{point.people} 人{extra}（点击查看居民）")
        label = QGraphicsSimpleTextItem(
            f"{point.title} {point.people}人" if named else str(point.people), self)
        label.setFont(QFont(label.font().family(), 8))
        label.setPos(r + 2, -r - 2)


class GridMapView(QGraphicsView):
    """The drawing; `place_clicked` carries the MapPoint clicked."""

    place_clicked = Signal(object)

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.setObjectName("grid_map_view")
        self.setAccessibleName("网格地图")
        self.setScene(QGraphicsScene(self))
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setBackgroundBrush(QBrush(QColor("#f4f6f8")))
        self.markers: list[Marker] = []
        self._extent = QRectF()

    def show_map(self, data: GridMap) -> None:
        scene = self.scene()
        scene.clear()
        self.markers = []
        self.resetTransform()
        coords = list(data.boundary or []) + [(p.lon, p.lat) for p in data.points]
        if not coords:
            self._extent = QRectF()
            return
        lon0 = sum(c[0] for c in coords) / len(coords)
        lat0 = sum(c[1] for c in coords) / len(coords)
        k = math.cos(math.radians(lat0))

        def at(lon: float, lat: float) -> QPointF:
            return QPointF((lon - lon0) * k * SCALE, -(lat - lat0) * SCALE)

        if data.boundary:
            pen = QPen(QColor("#444444"), 2)
            pen.setCosmetic(True)  # two pixels wide at any zoom
            outline = scene.addPolygon(QPolygonF([at(*c) for c in data.boundary]), pen,
                                       QBrush(QColor("#e3ecf5")))
            outline.setZValue(0)
        named = len(data.points) <= LABELS_UP_TO
        for p in data.points:
            marker = Marker(p, at(p.lon, p.lat), named)
            scene.addItem(marker)
            self.markers.append(marker)
        rect = scene.itemsBoundingRect()
        pad = max(rect.width(), rect.height()) * 0.05 + 1
        self._extent = rect.adjusted(-pad, -pad, pad, pad)
        scene.setSceneRect(self._extent.adjusted(-pad * 10, -pad * 10, pad * 10, pad * 10))
        self.fit()

    def fit(self) -> None:
        if not self._extent.isNull():
            self.fitInView(self._extent, Qt.AspectRatioMode.KeepAspectRatio)

    def resizeEvent(self, event: Any) -> None:  # noqa: N802
        super().resizeEvent(event)
        self.fit()

    def wheelEvent(self, event: Any) -> None:  # noqa: N802
        factor = 1.25 if event.angleDelta().y() > 0 else 0.8
        self.scale(factor, factor)

    def marker_at(self, pos: Any) -> Marker | None:
        for item in self.items(pos):
            while item is not None and not isinstance(item, Marker):
                item = item.parentItem()
            if item is not None:
                return item
        return None

    def mousePressEvent(self, event: Any) -> None:  # noqa: N802
        marker = self.marker_at(event.position().toPoint())
        if marker is not None and event.button() == Qt.MouseButton.LeftButton:
            self.place_clicked.emit(marker.point)
            event.accept()
            return
        super().mousePressEvent(event)


class GridMapTab(QWidget):
    """The tab of 房屋下钻: choose a grid of the scope, see it drawn, click a place."""

    loaded = Signal()

    def __init__(self, ctx: Any, parent: Any = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.grid_box = QComboBox(objectName="map_grid")
        self.grid_box.setAccessibleName("网格")
        self.grid_box.currentIndexChanged.connect(self._grid_chosen)
        self.summary = QLabel("", objectName="map_summary", wordWrap=True)
        self.view = GridMapView(self)
        self.view.place_clicked.connect(self.open_place)
        self.data: GridMap | None = None
        row = QHBoxLayout()
        row.addWidget(QLabel("网格(&G)", buddy=self.grid_box))
        row.addWidget(self.grid_box, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(QLabel("本机数据绘制，无需联网：蓝点为建筑，橙点为直属网格的房屋（农村自建房等），"
                                "数字为常住人数；点击一处查看其居民，滚轮缩放，拖动平移"))
        layout.addWidget(self.summary)
        layout.addWidget(self.view, 1)
        self._started = False

    def refresh(self) -> None:
        if not self._started:
            self._started = True
            scope = self.ctx.user.scope_node_id
            self.ctx.tasks.read(lambda s: grids(s, scope), self._grids_loaded)

    def _grids_loaded(self, options: list[tuple[str, str]]) -> None:
        self.grid_box.blockSignals(True)
        self.grid_box.clear()
        for gid, name in options:
            self.grid_box.addItem(name, gid)
        self.grid_box.blockSignals(False)
        if options:
            self._grid_chosen(0)
        else:
            self.summary.setText("本机没有网格数据，请先同步")

    def _grid_chosen(self, index: int) -> None:
        gid = self.grid_box.itemData(index)
        if gid:
            self.ctx.tasks.read(lambda s: grid_map(s, gid), self._map_loaded)

    def _map_loaded(self, data: GridMap) -> None:
        self.data = data
        self.view.show_map(data)
        parts = [f"{data.name}：常住 {data.people} 人，房屋 {data.houses} 处，建筑 {data.buildings} 栋"]
        if data.boundary is None:
            parts.append("该网格还没有边界（由县、乡镇在管理端绘制后同步到本机）")
        if data.unplaced:
            parts.append(f"{data.unplaced} 处建筑或房屋未标注位置，未在图上显示")
        self.summary.setText("；".join(parts))
        self.loaded.emit()

    def open_place(self, point: MapPoint) -> None:
        key = "house_id" if point.kind == "house" else "building_id"
        self.ctx.navigate("search", **{key: point.id, "title": point.title})
