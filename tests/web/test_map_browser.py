"""态势一张图 in Debian's Chromium at both screen sizes: a county admin clicks from the county map
down to one house's residents, the township user the same inside their township only; the
figures shown equal direct queries, and no CSP violation or script error occurs."""
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
