"""流程审核 in Debian's Chromium at both screen sizes: a grid worker looks a person up by full ID
number and claims them; the township opens 审核队列 from the menu, is told a refusal needs a
reason, approves; the worker sees the move among the migration records."""
from __future__ import annotations


import pytest

from common.schema import Household, Person
from tests.factories import make_id_number, make_person
from tests.web.conftest import menu_click
from tests.web.conftest import sign_in_page as sign_in

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("web_browser")]


@pytest.fixture(scope="module")
def live(web_live):
    return web_live


def test_a_claim_is_looked_up_filed_reviewed_and_recorded_as_a_move(page, live):
    width = page.viewport_size["width"]
    name, number = f"认领{width}", make_id_number("19800101")
    g1a = live.harness.grid("g1a")
    hh = live.harness.write(Household, None, {"household_no": f"H{width}", "grid_id": g1a})
    live.harness.write(Person, None, make_person(g1a, id_number=number, name=name,
                                                 household_id=hh))
    sign_in(page, live, "worker2")
    menu_click(page, "人员认领")
    page.get_by_label("公民身份号码").fill(number)
    page.get_by_role("button", name="查找").click()
    page.get_by_text("该人员现在").wait_for()
    assert "团结社区第一网格" in page.locator("p.found").inner_text()
    assert name not in page.content()
    page.get_by_label("认领到网格").select_option(label="南湖村第一网格")
    page.get_by_label("申请理由").fill("已搬到南湖村居住")
    page.get_by_role("button", name="提交认领申请").click()
    page.get_by_role("heading", name="我的申请").wait_for()
    assert "待审核" in page.locator("table.list").inner_text()
    page.get_by_role("button", name="退出登录").click()

    sign_in(page, live, "office1")
    menu_click(page, "审核队列")
    row = page.locator("tr", has_text=name)
    row.get_by_role("button", name="不通过").click()
    page.get_by_role("alert").wait_for()
    assert "请填写审核意见" in page.get_by_role("alert").inner_text()
    row = page.locator("tr", has_text=name)
    row.get_by_label("审核意见").fill("情况属实")
    row.get_by_role("button", name="通过", exact=True).click()
    page.get_by_text("没有待审核的申请").wait_for()
    page.get_by_role("button", name="退出登录").click()

    sign_in(page, live, "worker2")
    menu_click(page, "迁移记录")
    page.get_by_role("cell", name=name).wait_for()
    assert "迁入" in page.locator("tr", has_text=name).inner_text()
    assert not [v for v in page.violations if "Content Security Policy" in v]


def test_a_returned_claim_is_corrected_and_filed_again(page, live):
    width = page.viewport_size["width"]
    name, number = f"退回{width}", make_id_number("19800102")
    g1a = live.harness.grid("g1a")
    live.harness.write(Person, None, make_person(g1a, id_number=number, name=name))
    sign_in(page, live, "worker2")
    menu_click(page, "人员认领")
    page.get_by_label("公民身份号码").fill(number)
    page.get_by_role("button", name="查找").click()
    page.get_by_text("该人员现在").wait_for()
    page.get_by_label("认领到网格").select_option(label="南湖村第一网格")
    page.get_by_label("申请理由").fill("已搬来")
    page.get_by_role("button", name="提交认领申请").click()
    page.get_by_role("heading", name="我的申请").wait_for()
    page.get_by_role("button", name="退出登录").click()

    sign_in(page, live, "office1")
    menu_click(page, "审核队列")
    row = page.locator("tr", has_text=name)
    row.get_by_label("审核意见").fill(f"请写明居住地址{width}")
    row.get_by_role("button", name="退回").click()
    page.get_by_role("heading", name="审核队列").wait_for()
    page.get_by_role("button", name="退出登录").click()

    sign_in(page, live, "worker2")
    menu_click(page, "我的申请")
    row = page.locator("tr", has_text=f"请写明居住地址{width}")
    assert "已退回" in row.inner_text()
    row.get_by_role("textbox").fill("已搬到南湖村一组12号居住")
    row.get_by_role("button", name="重新提交").click()
    page.get_by_role("heading", name="我的申请").wait_for()
    row = page.locator("tr", has_text=f"请写明居住地址{width}")
    assert "待审核" in row.inner_text()
    row.get_by_role("link").first.click()
    page.get_by_role("heading", name="办理记录").wait_for()
    history = page.locator("table.list").inner_text()
    assert "重新提交" in history and "已搬到南湖村一组12号居住" in history
    assert not [v for v in page.violations if "Content Security Policy" in v]


def test_a_township_move_on_the_form_is_announced_and_approved_by_the_receiving_grid(page,
                                                                                    live):
    width = page.viewport_size["width"]
    name = f"转移{width}"
    g1a = live.harness.grid("g1a")
    pid = live.harness.write(Person, None, make_person(g1a, name=name))
    sign_in(page, live, "office1")
    page.goto(f"{live.url}/admin/registry/people/{pid}")
    page.get_by_label("所属网格").select_option(label="团结社区第二网格")
    page.get_by_role("button", name="保存", exact=True).click()
    page.locator("#transfer-notice").wait_for()
    notice = page.locator("#transfer-notice").inner_text()
    assert "已提交人员转移申请" in notice and "转入「团结社区第二网格」须由该网格审核" in notice
    assert "此前仍属「团结社区第一网格」" in notice
    page.get_by_role("button", name="退出登录").click()

    sign_in(page, live, "worker1b")
    menu_click(page, "审核队列")
    row = page.locator("tr", has_text=name)
    assert "人员转移" in row.inner_text() and "网格变更" in row.inner_text()
    row.get_by_role("button", name="通过", exact=True).click()
    page.get_by_text("没有待审核的申请").wait_for()
    menu_click(page, "迁移记录")
    page.get_by_role("cell", name=name).wait_for()
    assert "迁入" in page.locator("tr", has_text=name).inner_text()
    assert not [v for v in page.violations if "Content Security Policy" in v]
