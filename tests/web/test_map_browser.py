"""态势一张图 in Debian's Chromium at both screen sizes: a county admin clicks from the county map
down to one house's residents, the township user the same inside their township only; the
figures shown equal direct queries, and no CSP violation or script error occurs; the county admin
draws a village's boundary on the map (one across a neighbour refused in Chinese) and drags one of
its vertices."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from common.schema import Building, House, OrgNode, Person
from sync_server.app import create_app
from sync_server.demo.server import DEMO_PASSWORD, build_demo_server
from sync_server.settings import Settings
from tests.live_server import UvicornThread
from tests.web.conftest import CAPTCHA, menu_click
from tests.web.conftest import sign_in_page as sign_in

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("web_browser")]
NOW = dt.datetime(2026, 12, 4, 2, 0)


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    folder = tmp_path_factory.mktemp("map-browser")
    url = f"sqlite:///{folder / 'server.db'}"
    build_demo_server(url, scale=0.02, now=NOW)
    settings = Settings(database_url=url, environment="test", captcha_fixed_answer=CAPTCHA,
                        secret_key="map-browser-" + "x" * 32, attachments_dir=folder / "att",
                        housekeeping_seconds=0)
    app = create_app(settings, clock=lambda: NOW)
    served = UvicornThread(app)
    served.app = app
    yield served
    served.stop()


def route_to_a_house(live, township: str | None = None):
    """(township, village, grid ids, the point to click, the house id, its residents) for a
    house with residents, in a building when there is one."""
    with live.app.state.sessions() as session:
        q = (select(Person.house_id, func.count()).where(Person.deleted.is_(False),
             Person.status == "normal", Person.house_id.is_not(None))
             .group_by(Person.house_id).order_by(func.count().desc(), Person.house_id))
        for house_id, n in session.execute(q):
            house = session.get(House, house_id)
            grid = session.get(OrgNode, house.grid_id)
            path = [p for p in grid.path.split("/") if p]
            town = session.get(OrgNode, path[1])
            if township and town.name != township:
                continue
            point = house.building_id or house.id
            kind = "building" if house.building_id else "house"
            if kind == "building" and session.get(Building, point).lat is None:
                continue
            return path[1:], point, house_id, n, town.name


def drill(page, live, ids, point, house_id):
    for node_id in ids:
        target = page.locator(f'path[data-node="{node_id}"]')
        target.wait_for()
        target.dispatch_event("click")
        page.locator(f'#map-crumbs button[data-node="{node_id}"]').wait_for()
    marker = page.locator(f'path[data-place="{point}"]')
    marker.wait_for()
    marker.dispatch_event("click")
    page.locator(f'#map-detail a[data-house="{house_id}"]').click()
    page.locator("table.list").wait_for()


def test_a_county_admin_clicks_from_the_county_to_a_houses_residents(page, live):
    ids, point, house_id, residents, _ = route_to_a_house(live)
    sign_in(page, live, "admin", DEMO_PASSWORD)
    menu_click(page, "态势一张图")
    page.locator('[data-total="people"]').wait_for()
    with live.app.state.sessions() as session:
        people = session.scalar(select(func.count()).where(Person.deleted.is_(False),
                                                           Person.status == "normal"))
        houses = session.scalar(select(func.count()).where(House.deleted.is_(False)))
    assert page.locator('[data-total="people"]').inner_text() == str(people)
    assert page.locator('[data-total="houses"]').inner_text() == str(houses)
    assert page.locator("path[data-node]").count() == 8
    page.locator("#chart-pyramid canvas").wait_for()
    page.locator("#chart-house_type canvas").wait_for()
    drill(page, live, ids, point, house_id)
    assert f"house_id={house_id}" in page.url
    assert page.locator("table.list tbody tr").count() == residents
    assert not page.violations, page.violations


def test_a_township_user_drills_inside_their_township_only(page, live):
    ids, point, house_id, residents, town = route_to_a_house(live, "库米什镇")
    sign_in(page, live, "xz_kumishi", DEMO_PASSWORD)
    menu_click(page, "态势一张图")
    page.locator('[data-total="people"]').wait_for()
    with live.app.state.sessions() as session:
        township = session.get(OrgNode, ids[0])
        villages = session.scalar(select(func.count()).where(
            OrgNode.parent_id == township.id, OrgNode.deleted.is_(False)))
        people = session.scalar(select(func.count()).where(
            Person.deleted.is_(False), Person.status == "normal",
            Person.grid_id.in_(select(OrgNode.id).where(OrgNode.path.startswith(township.path)))))
    assert page.locator("#map-crumbs").inner_text().startswith(town)
    page.locator("path[data-node]").first.wait_for()
    assert page.locator("path[data-node]").count() == villages
    assert page.locator('[data-total="people"]').inner_text() == str(people)
    drill(page, live, ids[1:], point, house_id)
    assert page.locator("table.list tbody tr").count() == residents
    assert not page.violations, page.violations


def _inner_triangle(polygon, scale: float = 0.5):
    """A triangle around the polygon's representative point, well inside it."""
    import math

    from shapely.geometry import Polygon
    c = polygon.representative_point()
    r = polygon.exterior.distance(c) * scale
    return Polygon([(c.x + r * math.cos(a), c.y + r * math.sin(a))
                    for a in (math.pi / 2, math.pi * 7 / 6, math.pi * 11 / 6)])


def _draw(page, vertices, view) -> None:
    """Fit the editor's map to `view` (lon/lat bounds, as a user zooms), press 绘制新边界 and
    click the vertices, then the first again to close the ring."""
    box = page.locator("#boundary-map[data-ready]")
    box.wait_for()
    minx, miny, maxx, maxy = view
    points = box.evaluate("""(el, a) => {
        const map = el.boundaryMap;
        map.fitBounds([[a.view[1], a.view[0]], [a.view[3], a.view[2]]],
                      {padding: [40, 40], animate: false});
        return a.vertices.map(v => map.latLngToContainerPoint([v[1], v[0]]));
    }""", {"view": [minx, miny, maxx, maxy], "vertices": [list(v) for v in vertices]})
    page.get_by_role("button", name="绘制新边界").click()
    rect = box.bounding_box()
    for i, p in enumerate([*points, points[0]]):
        page.mouse.click(rect["x"] + p["x"], rect["y"] + p["y"])
        if i == 1:  # the drawing's own hint, in Chinese
            assert "单击继续绘制" in page.locator(".leaflet-tooltip").all_inner_texts()
    page.get_by_text("已绘制，可编辑顶点或保存").wait_for()


def test_a_county_admin_draws_and_edits_a_villages_boundary_and_a_bad_one_is_refused(
        page, live):
    import json
    import math

    from shapely.geometry import shape
    with live.app.state.sessions() as session:
        town = session.scalars(select(OrgNode).where(
            OrgNode.level == "township", OrgNode.deleted.is_(False))
            .order_by(OrgNode.sort, OrgNode.name)).first()
        villages = session.scalars(select(OrgNode).where(
            OrgNode.parent_id == town.id, OrgNode.deleted.is_(False),
            OrgNode.boundary.is_not(None)).order_by(OrgNode.sort, OrgNode.name)).all()
        village = villages[0]
        mine = shape(json.loads(village.boundary))
        neighbour = min(villages[1:], key=lambda v: shape(json.loads(v.boundary)).distance(mine))
        theirs = shape(json.loads(neighbour.boundary))
        before = village.boundary
    sign_in(page, live, "admin", DEMO_PASSWORD)
    menu_click(page, "态势一张图")
    for node_id in (town.id, village.id):
        target = page.locator(f'path[data-node="{node_id}"]')
        target.wait_for()
        target.dispatch_event("click")
        page.locator(f'#map-crumbs button[data-node="{node_id}"]').wait_for()
    page.get_by_role("link", name="编辑边界").click()
    page.get_by_role("heading", name=f"区域边界：{village.name}").wait_for()
    # Across into the neighbour: refused beside the field, nothing saved.
    a, b = mine.representative_point(), theirs.representative_point()
    bad = [(a.x, a.y), (b.x, b.y), ((a.x + b.x) / 2 + (b.y - a.y) / 4,
                                    (a.y + b.y) / 2 - (b.x - a.x) / 4)]
    _draw(page, bad, mine.union(theirs).bounds)
    assert json.loads(page.locator("#f-geojson").input_value())["type"] == "Polygon"
    page.get_by_role("button", name="保存边界").click()
    page.locator("#e-geojson").wait_for()
    assert "重叠" in page.locator("#e-geojson").inner_text()
    with live.app.state.sessions() as session:
        assert session.get(OrgNode, village.id).boundary == before
    # A triangle inside its own area: saved, back on the township's map.
    good = _inner_triangle(mine)
    _draw(page, list(good.exterior.coords)[:3], mine.bounds)
    page.get_by_role("button", name="保存边界").click()
    page.wait_for_url(f"**/admin/map?node={town.id}")
    page.locator(f'path[data-node="{village.id}"]').wait_for()
    with live.app.state.sessions() as session:
        saved = shape(json.loads(session.get(OrgNode, village.id).boundary))
    assert len(saved.exterior.coords) == 4
    side = good.exterior.length / 3
    assert saved.hausdorff_distance(good) < 0.05 * side  # where clicked, to a pixel or two
    assert saved.within(mine)
    # Editing: the first vertex dragged halfway to the middle, the others stay.
    page.goto(f"{live.url}/admin/map/boundary/{village.id}")
    box = page.locator("#boundary-map[data-ready]")
    box.wait_for()
    first, middle = saved.exterior.coords[0], saved.centroid
    target = ((first[0] + middle.x) / 2, (first[1] + middle.y) / 2)
    points = box.evaluate("""(el, a) => {
        const map = el.boundaryMap;
        map.fitBounds([[a.view[1], a.view[0]], [a.view[3], a.view[2]]],
                      {padding: [40, 40], animate: false});
        return [a.from, a.to].map(v => map.latLngToContainerPoint([v[1], v[0]]));
    }""", {"view": list(saved.bounds), "from": list(first), "to": list(target)})
    page.get_by_role("button", name="编辑顶点").click()
    page.locator("#boundary-map .marker-icon").first.wait_for()
    rect = box.bounding_box()
    page.mouse.move(rect["x"] + points[0]["x"], rect["y"] + points[0]["y"])
    page.mouse.down()
    page.mouse.move(rect["x"] + points[1]["x"], rect["y"] + points[1]["y"], steps=8)
    page.mouse.up()
    page.get_by_role("button", name="完成编辑").click()
    page.get_by_role("button", name="保存边界").click()
    page.wait_for_url(f"**/admin/map?node={town.id}")
    with live.app.state.sessions() as session:
        edited = shape(json.loads(session.get(OrgNode, village.id).boundary))
    moved = edited.exterior.coords
    side = saved.exterior.length / 3
    assert len(moved) == 4
    assert math.dist(moved[0], target) < 0.05 * side
    assert all(math.dist(a, b) < 1e-9 for a, b in zip(moved[1:3], saved.exterior.coords[1:3]))
    refused = "status of 422"  # the refused save, shown again with its message
    assert not [v for v in page.violations if refused not in v], page.violations
