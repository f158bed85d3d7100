"""Grids and the registry in Debian's Chromium at both screen sizes: a county admin registers a
person (a wrong ID number first), marks them dead after the confirmation naming them, and adds
a grid; a township user sees only their township's grids."""
from __future__ import annotations


import pytest

from tests.factories import make_id_number
from tests.web.conftest import menu_click
from tests.web.conftest import sign_in_page as sign_in

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("web_browser")]


@pytest.fixture(scope="module")
def live(web_live):
    return web_live


def nav(page, label: str) -> None:
    menu_click(page, label)


def test_a_person_is_registered_corrected_and_marked_dead(page, live):
    sign_in(page, live, "worker1a")  # the grid's own worker: no review to wait for
    nav(page, "人口登记")
    page.get_by_role("link", name="新增人口").click()
    name = f"测试{page.viewport_size['width']}"
    page.get_by_label("姓名").fill(name)
    page.get_by_label("公民身份号码").fill("12345")
    page.get_by_label("人口类型 *").select_option(label="户籍人口")
    page.get_by_label("人员状态 *").select_option(label="正常")
    page.get_by_label("所属网格 *").select_option(label="团结社区第一网格")
    page.get_by_role("button", name="保存").click()
    page.locator("#e-id_number").wait_for()
    assert "18 位" in page.locator("#e-id_number").inner_text()
    page.get_by_label("公民身份号码").fill(make_id_number())
    page.get_by_role("button", name="保存").click()
    page.get_by_role("heading", name=f"人口：{name}").wait_for()
    page.get_by_label("人员状态 *").select_option(label="死亡")
    page.get_by_role("button", name="保存").click()
    page.get_by_text(f"确认将 {name} 登记为死亡吗？").wait_for()
    page.get_by_role("button", name="确认").click()
    page.get_by_role("cell", name="人员状态").first.wait_for()  # the change history
    nav(page, "死亡人员")
    page.get_by_role("link", name=name).wait_for()
    assert not [v for v in page.violations if "Content Security Policy" in v]


def test_a_county_admin_adds_a_grid_and_a_township_user_sees_only_theirs(page, live):
    sign_in(page, live, "admin")
    nav(page, "网格")
    grid = f"新网格{page.viewport_size['width']}"
    page.get_by_role("button", name="新建").click()
    page.locator("#e-village_id").wait_for()
    page.get_by_label("所属村（社区）").select_option(label="南湖村")
    page.get_by_label("名称").fill(grid)
    page.get_by_role("button", name="新建").click()
    page.get_by_role("cell", name=grid).wait_for()
    page.get_by_role("button", name="退出登录").click()
    sign_in(page, live, "office1")
    nav(page, "网格")
    page.get_by_role("cell", name="团结社区第一网格").wait_for()
    assert "南湖村" not in page.locator("table.list").inner_text()
    assert not [v for v in page.violations if "Content Security Policy" in v]
