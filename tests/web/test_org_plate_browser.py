"""Moving a grid on the org page and a house's door plate, in Debian's Chromium at both screen
sizes: a county admin moves a grid to the other township's village from its row, and the
township user of the place it left no longer sees it; a house's page shows its plate QR and
opens the printable label."""
from __future__ import annotations


import httpx
import pytest

from tests.web.conftest import menu_click
from tests.web.conftest import sign_in_page as sign_in

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("web_browser")]


@pytest.fixture(scope="module")
def live(web_live):
    return web_live


def test_a_grid_moved_on_the_org_page_leaves_the_old_townships_grids(page, live):
    sign_in(page, live, "admin")
    menu_click(page, "组织架构")
    row = page.locator("#n-node-g1b")
    row.get_by_role("link", name="移动").click()
    select = page.get_by_label("移到（新的上级）")
    here = select.locator("option:checked").inner_text()
    # Each screen size moves it to the other village (the module shares one server).
    there = next(t for t in select.locator("option").all_inner_texts() if t != here)
    select.select_option(label=there)
    page.get_by_role("button", name="移动").click()
    page.wait_for_url("**/admin/org#n-node-g1b")
    page.get_by_role("button", name="退出登录").click()
    sign_in(page, live, "office1")
    menu_click(page, "网格")
    page.get_by_role("cell", name="团结社区第一网格").wait_for()
    shown = "团结社区第二网格" in page.locator("table.list").inner_text()
    assert shown == (there.endswith("团结社区"))
    assert not [v for v in page.violations if "Content Security Policy" in v]


def test_a_houses_page_shows_its_plate_and_opens_the_printable_label(page, live):
    plate = f"团结路 {page.viewport_size['width']} 号"
    r = httpx.post(f"{live.url}/api/houses", json={
        "door_plate": plate, "house_type": "bungalow", "grid_id": "node-g1a"},
        headers={"Authorization": f"Bearer {live.token('admin')}"})
    assert r.status_code == 201, r.text
    sign_in(page, live, "admin")
    page.goto(f"{live.url}/admin/registry/houses/{r.json()['id']}")
    page.get_by_role("img", name=f"门牌二维码：{plate}").wait_for()
    page.get_by_role("link", name="打印门牌标签").click()
    label = page.locator("#plate-label")
    label.wait_for()
    assert plate in label.inner_text()
    box = label.bounding_box()
    assert 250 < box["width"] < 280  # 70 mm at 96 px per inch
    page.emulate_media(media="print")
    assert not page.get_by_role("navigation").is_visible()
    assert label.is_visible()
    assert not [v for v in page.violations if "Content Security Policy" in v]
