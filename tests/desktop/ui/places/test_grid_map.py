"""网格地图 (房屋下钻 → 地图) through its widgets on a real encrypted profile: the grid's boundary
and its places are drawn from the local database with their people counts equal to direct
queries, clicking a house opens its residents, a grid without a boundary says so."""
from __future__ import annotations

import json

from PySide6.QtCore import QPoint
from PySide6.QtCore import Qt
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from common.schema import House, OrgNode, Person
from desktop.storage.changes import record_change
from desktop.ui.places.page import PlacesPage
from tests.desktop.people_factories import NOW
from tests.desktop.ui.conftest import wait_idle

BOUNDARY = {"type": "Polygon", "coordinates": [[[88.650, 42.780], [88.660, 42.780],
                                                [88.660, 42.790], [88.650, 42.790],
                                                [88.650, 42.780]]]}


def _place(engine, org, pl) -> None:
    """What a sync brings: the grid's boundary and the places' positions."""
    with Session(engine) as s, s.begin():
        record_change(s, OrgNode, org["grid"].id, {"boundary": json.dumps(BOUNDARY)}, now=NOW)
        from common.schema import Building
        record_change(s, Building, pl["building"].id, {"lon": 88.653, "lat": 42.787}, now=NOW)
        record_change(s, House, pl["rural"].id, {"lon": 88.658, "lat": 42.782}, now=NOW)


def _map_page(ctx, qtbot, grid: str = "第一网格") -> PlacesPage:
    page = PlacesPage(ctx)
    qtbot.addWidget(page)
    page.resize(1000, 700)
    page.show()
    page.refresh()
    wait_idle(qtbot, ctx)
    with qtbot.wait_signal(page.map_tab.loaded, timeout=5000):
        page.tabs.setCurrentIndex(3)
    wait_idle(qtbot, ctx)
    tab = page.map_tab
    if tab.grid_box.currentText() != grid:
        with qtbot.wait_signal(tab.loaded, timeout=5000):
            tab.grid_box.setCurrentIndex(tab.grid_box.findText(grid))
        wait_idle(qtbot, ctx)
    return page


def test_the_grid_is_drawn_with_its_figures_and_a_click_opens_a_houses_residents(
        ctx, scope, qtbot, tmp_path):
    engine, org, pl = scope
    _place(engine, org, pl)
    opened = []
    ctx.navigate = lambda key, **kw: opened.append((key, kw))
    page = _map_page(ctx, qtbot)
    tab = page.map_tab
    assert sorted(tab.grid_box.itemText(i) for i in range(tab.grid_box.count())) == [
        "第一网格", "第二网格"]
    with Session(engine) as s:
        living = (Person.deleted.is_(False), Person.status == "normal")
        people = s.scalar(select(func.count()).where(*living, Person.grid_id == org["grid"].id))
        in_building = s.scalar(select(func.count()).select_from(Person)
                               .join(House, House.id == Person.house_id)
                               .where(*living, House.building_id == pl["building"].id))
        in_rural = s.scalar(select(func.count()).where(*living,
                                                       Person.house_id == pl["rural"].id))
    assert f"常住 {people} 人" in tab.summary.text() and "建筑 1 栋" in tab.summary.text()
    shown = {m.point.title: (m.point.kind, m.point.people) for m in tab.view.markers}
    assert shown == {"1号楼": ("building", in_building),
                     "英阿瓦提村3组12号": ("house", in_rural)}
    # The boundary is drawn and both places sit inside it, on screen.
    outline = [i for i in tab.view.scene().items() if i.type() == 5]  # QGraphicsPolygonItem
    assert len(outline) == 1
    viewport = tab.view.viewport().rect()
    for marker in tab.view.markers:
        assert outline[0].contains(outline[0].mapFromScene(marker.scenePos()))
        assert viewport.contains(tab.view.mapFromScene(marker.scenePos()))
    # A click on the rural house opens its residents (全息检索 lists the people of the house).
    rural = next(m for m in tab.view.markers if m.point.kind == "house")
    qtbot.mouseClick(tab.view.viewport(), Qt.MouseButton.LeftButton,
                     pos=tab.view.mapFromScene(rural.scenePos()))
    assert opened == [("search", {"house_id": pl["rural"].id, "title": "英阿瓦提村3组12号"})]
    # A click on empty ground opens nothing.
    qtbot.mouseClick(tab.view.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(3, 3))
    assert len(opened) == 1
    image = tab.view.grab()
    assert not image.isNull() and image.save(str(tmp_path / "grid_map.png"))


def test_a_grid_without_a_boundary_or_positions_says_so(ctx, scope, qtbot):
    engine, org, pl = scope
    page = _map_page(ctx, qtbot)
    tab = page.map_tab
    assert "还没有边界" in tab.summary.text()
    assert "2 处建筑或房屋未标注位置" in tab.summary.text()
    assert tab.view.markers == []
    with qtbot.wait_signal(tab.loaded, timeout=5000):
        tab.grid_box.setCurrentIndex(tab.grid_box.findText("第二网格"))
    wait_idle(qtbot, ctx)
    assert tab.summary.text().startswith("第二网格：常住 2 人，房屋 0 处")
