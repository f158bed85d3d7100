"""The operation log and the cadre work statistics in Debian's Chromium (both screen sizes),
as the county admin and as a township office: search, bad input beside the field, export."""
from __future__ import annotations

import datetime as dt
import shutil

import pytest

from common.schema import Visit
from sync_server.services.changes import apply_change
from sync_server.services.oplog import log_operation
from tests.live_server import LiveServer
from tests.web.conftest import CAPTCHA, menu_click
from tests.web.conftest import sign_in_page as sign_in

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("web_browser")]


@pytest.fixture(scope="module")
def live(sqlite_template, tmp_path_factory):
    folder = tmp_path_factory.mktemp("web-ops-live")
    shutil.copyfile(sqlite_template, folder / "server.db")
    srv = LiveServer(f"sqlite:///{folder / 'server.db'}", folder)
    srv.settings.captcha_fixed_answer = CAPTCHA
    now, users, tree = srv.clock(), srv.tree.users, srv.tree
    with srv.app.state.sessions() as s:
        for user, grid, record in (("worker1a", "g1a", "p-1a"), ("worker2", "g2", "p-2")):
            log_operation(s, user=users[user], action="reveal_id_number", entity="people",
                          record_id=record, now=now - dt.timedelta(hours=1),
                          details={"field": "id_number"})
            apply_change(s, Visit, None, {"kind": "person", "visitor_id": users[user].id,
                                          "visited_at": now - dt.timedelta(hours=1),
                                          "grid_id": tree.id(grid)}, now=now)
        s.commit()
    srv.start()
    yield srv
    srv.stop()


def test_the_county_admin_searches_the_operation_log(page, live):  # noqa: F811
    sign_in(page, live, "admin")
    menu_click(page, "操作明细")
    page.get_by_role("heading", name="操作明细").wait_for()
    page.get_by_label("操作").select_option(label="查看身份证号")
    page.get_by_role("button", name="查询").click()
    page.get_by_text("共 2 条").wait_for()
    page.get_by_label("地区").select_option(label="　夏乡")
    page.get_by_role("button", name="查询").click()
    page.get_by_text("共 1 条").wait_for()
    assert "p-2" in page.locator("tbody").inner_text()
    assert page.violations == []
    page.goto(live.url + "/admin/op-log?since=2026-13-01")
    assert "不是有效的日期" in page.locator("#e-since").inner_text()


def test_a_township_office_sees_its_own_lines_and_work(page, live):  # noqa: F811
    sign_in(page, live, "office1")
    menu_click(page, "操作明细")
    page.get_by_label("操作").select_option(label="查看身份证号")
    page.get_by_role("button", name="查询").click()
    page.get_by_text("共 1 条").wait_for()
    assert "p-1a" in page.locator("tbody").inner_text()
    menu_click(page, "干部工作统计")
    page.get_by_label("统计方式").select_option(label="按地区")
    page.get_by_role("button", name="统计").click()
    page.locator("#stats tbody td", has_text="团结社区").wait_for()
    assert "夏乡" not in page.locator("#stats").inner_text()


def test_the_county_admin_counts_work_and_exports_it(page, live):  # noqa: F811
    sign_in(page, live, "admin")
    menu_click(page, "干部工作统计")
    page.get_by_label("统计方式").select_option(label="按地区")
    page.get_by_label("时段").select_option(label="月")
    page.get_by_role("button", name="统计").click()
    table = page.locator("#stats")
    table.locator("td", has_text="夏乡").wait_for()
    assert "托克逊镇" in table.inner_text()
    with page.expect_download() as got:
        page.get_by_role("button", name="导出 Excel").click()
    assert got.value.suggested_filename.startswith("干部工作统计-")
    assert page.violations == []
    page.get_by_label("开始日期").fill("2026-05-02")
    page.get_by_label("结束日期").fill("2026-05-01")
    page.get_by_role("button", name="统计").click()
    assert page.locator("#e-until").inner_text() == "结束日期不能早于开始日期"


def test_the_county_admin_adds_a_tag_and_is_told_what_is_wrong(page, live):  # noqa: F811
    sign_in(page, live, "admin")
    menu_click(page, "配置中心")
    page.get_by_role("link", name="字典与标签").click()
    form = page.locator("#add-entry")
    form.get_by_label("代码", exact=True).fill("a b")
    form.get_by_label("名称").fill("困境儿童")
    form.get_by_role("button", name="新增").click()
    assert "格式不对" in page.locator("#e-code").inner_text()
    assert form.get_by_label("名称").input_value() == "困境儿童"
    code = f"kid{page.viewport_size['width']}"
    page.locator("#add-entry").get_by_label("代码", exact=True).fill(code)
    page.locator("#add-entry").get_by_role("button", name="新增").click()
    page.locator("#entries td", has_text=code).wait_for()
    page.get_by_role("button", name="停用 困境儿童").click()
    page.locator("#entries tr", has_text=code).get_by_text("已停用").wait_for()


def test_a_field_hidden_from_township_offices_leaves_their_people_list(page, live):  # noqa: F811
    sign_in(page, live, "admin")
    menu_click(page, "配置中心")
    box = page.get_by_label("乡镇/社区工作人员可见公民身份号码")
    box.uncheck()
    page.get_by_role("button", name="保存").click()
    page.get_by_role("status").wait_for()
    page.get_by_role("button", name="退出登录").click()
    sign_in(page, live, "office1")
    menu_click(page, "人口")
    page.locator("table.list").wait_for()
    assert "公民身份号码" not in page.locator("table.list thead").inner_text()
    assert "配置中心" not in page.locator("nav.side").inner_text()
    assert page.violations == []
