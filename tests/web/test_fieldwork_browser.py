"""基层工作 and 房屋建筑统计 in Debian's Chromium at both screen sizes: a township user defines a
collection (no field chosen first) and sees completion by grid and worker; a county admin
assigns a cadre to a household (a bad period first) and sees the coverage; the place counts."""
from __future__ import annotations

import shutil

import pytest

from common.schema import Household, Person, PersonTag
from tests.factories import make_id_number, make_person
from tests.live_server import LiveServer
from tests.web.conftest import CAPTCHA, menu_click
from tests.web.conftest import sign_in_page as sign_in

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("web_browser")]


@pytest.fixture(scope="module")
def live(sqlite_template, tmp_path_factory):
    folder = tmp_path_factory.mktemp("web-fieldwork")
    shutil.copyfile(sqlite_template, folder / "server.db")
    srv = LiveServer(f"sqlite:///{folder / 'server.db'}", folder)
    srv.settings.captcha_fixed_answer = CAPTCHA
    h = srv.harness
    person = h.write(Person, None, make_person(h.grid("g1a"), name="甲",
                                               id_number=make_id_number("19500301")))
    h.write(PersonTag, None, {"person_id": person, "tag_code": "elderly_60",
                              "grid_id": h.grid("g1a")})
    h.write(Household, None, {"household_no": "H-100", "head_person_id": person,
                              "grid_id": h.grid("g1a")})
    srv.start()
    yield srv
    srv.stop()


def test_a_township_user_defines_a_collection_and_sees_its_completion(page, live):
    sign_in(page, live, "office1")
    menu_click(page, "数据采集")
    title = f"住址核实{page.viewport_size['width']}"
    page.get_by_label("采集名称").fill(title)
    page.get_by_label("人员标签（采集对象）").select_option(label="60岁以上老人")
    page.get_by_label("截止日期").fill("2099-01-31")
    page.get_by_role("button", name="发起采集").click()
    page.locator("#e-fields").wait_for()
    assert "请至少选择一个要采集的字段" in page.locator("#e-fields").inner_text()
    assert page.get_by_label("采集名称").input_value() == title  # the input is kept
    page.get_by_label("现住址").check()
    page.get_by_role("button", name="发起采集").click()
    page.get_by_role("heading", name=f"数据采集：{title}").wait_for()
    row = page.locator("#completion tbody tr").first.inner_text()
    assert "团结社区第一网格" in row and "worker1a" in row and "0%" in row
    assert not [v for v in page.violations if "Content Security Policy" in v]


def test_a_county_admin_assigns_a_cadre_and_counts_places(page, live):
    sign_in(page, live, "admin")
    menu_click(page, "包户")
    page.get_by_label("户", exact=True).select_option(label="H-100 甲")
    cadre = "worker1b（worker1b）" if page.viewport_size["width"] == 1366 else \
        "worker1a（worker1a）"
    page.get_by_label("包户干部").select_option(label=cadre)
    page.get_by_label("走访周期(天)").fill("400")
    page.get_by_role("button", name="指定包户").click()
    page.locator("#e-interval_days").wait_for()
    assert "应在 1 到 365 之间" in page.locator("#e-interval_days").inner_text()
    page.get_by_label("走访周期(天)").fill("30")
    page.get_by_role("button", name="指定包户").click()
    page.get_by_text(f"{cadre}：包户 1 户，周期内已走访 0 户（0%）").wait_for()
    menu_click(page, "房屋建筑统计")
    page.get_by_role("heading", name="房屋建筑统计").wait_for()
    assert "房屋类型" in page.locator("main").inner_text()
    assert not [v for v in page.violations if "Content Security Policy" in v]
