"""常用检索 in Debian's Chromium at both screen sizes: a township user filters the people list,
saves the search (an empty name refused beside the field first), and a data collection takes it
as its population; a county admin saves their own, which the township user never sees."""
from __future__ import annotations

import shutil

import pytest

from common.schema import Person, PersonTag
from tests.factories import make_id_number, make_person
from tests.live_server import LiveServer
from tests.web.conftest import CAPTCHA, menu_click
from tests.web.conftest import sign_in_page as sign_in

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("web_browser")]


@pytest.fixture(scope="module")
def live(sqlite_template, tmp_path_factory):
    folder = tmp_path_factory.mktemp("web-saved-searches")
    shutil.copyfile(sqlite_template, folder / "server.db")
    srv = LiveServer(f"sqlite:///{folder / 'server.db'}", folder)
    srv.settings.captcha_fixed_answer = CAPTCHA
    h = srv.harness
    for name, grid, nation in (("甲", "g1a", "05"), ("乙", "g1b", "05"), ("丙", "g1a", "01"),
                               ("丁", "g2", "05")):
        person = h.write(Person, None, make_person(h.grid(grid), name=name, ethnicity=nation,
                                                   id_number=make_id_number("19500301")))
        h.write(PersonTag, None, {"person_id": person, "tag_code": "dibao",
                                  "grid_id": h.grid(grid)})
    srv.start()
    yield srv
    srv.stop()


def test_a_township_user_saves_a_search_and_collects_from_it(page, live):
    sign_in(page, live, "office1")
    menu_click(page, "人口")
    page.get_by_label("民族").select_option(label="维吾尔族")
    page.get_by_role("button", name="查询").click()
    page.wait_for_url("**ethnicity=05**")
    name = f"维吾尔族{page.viewport_size['width']}"
    page.get_by_role("button", name="保存为常用检索").click()
    page.locator("#e-search_name").wait_for()
    assert "检索名称不能为空" in page.locator("#e-search_name").inner_text()
    page.get_by_label("检索名称").fill(name)
    page.get_by_role("button", name="保存为常用检索").click()
    page.get_by_role("link", name=name).wait_for()
    menu_click(page, "数据采集")
    page.get_by_label("采集名称").fill(f"核实{name}")
    page.get_by_label("人员范围（已保存的检索）").select_option(label=name)
    page.get_by_label("联系电话").check()
    page.get_by_label("截止日期").fill("2099-01-31")
    page.get_by_role("button", name="发起采集").click()
    page.get_by_role("heading", name=f"数据采集：核实{name}").wait_for()
    assert f"采集对象：常用检索“{name}”的人员" in page.locator("main").inner_text()
    rows = page.locator("#completion tbody").inner_text()
    # 甲 (g1a) and 乙 (g1b): 维吾尔族 in township 1; never 丙 (汉族) nor 丁 (township 2)
    assert "团结社区第一网格" in rows and "团结社区第二网格" in rows
    assert page.locator("#completion tbody tr").count() == 2
    assert not [v for v in page.violations if "Content Security Policy" in v]


def test_a_county_admins_search_is_their_own(page, live):
    sign_in(page, live, "admin")
    menu_click(page, "人口")
    name = f"全县{page.viewport_size['width']}"
    page.get_by_label("检索名称").fill(name)
    page.get_by_role("button", name="保存为常用检索").click()
    page.get_by_role("link", name=name).wait_for()
    page.get_by_role("button", name=f"删除常用检索 {name}").click()
    page.get_by_role("button", name="保存为常用检索").wait_for()
    assert page.get_by_role("link", name=name).count() == 0
    assert not [v for v in page.violations if "Content Security Policy" in v]
