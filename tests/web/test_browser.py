"""The console in Debian's Chromium (Playwright), against a live server on 127.0.0.1, at an
office screen (1366x768) and a wide one (1920x1080): what a user does and sees."""
from __future__ import annotations

import re
import shutil

import pytest

from tests.factories import make_id_number, make_person
from tests.live_server import LiveServer
from tests.web.conftest import CAPTCHA, menu_click
from tests.web.conftest import sign_in_page as sign_in

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("web_browser")]
pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def live(sqlite_template, tmp_path_factory):
    folder = tmp_path_factory.mktemp("web-live")
    shutil.copyfile(sqlite_template, folder / "server.db")
    srv = LiveServer(f"sqlite:///{folder / 'server.db'}", folder)
    srv.settings.captcha_fixed_answer = CAPTCHA
    srv.start()
    from fastapi.testclient import TestClient
    api = TestClient(srv.app)
    api.headers["Authorization"] = f"Bearer {srv.token('admin')}"
    for i, (name, grid) in enumerate([("艾力", "g1a"), ("布阿依", "g2"), ("陈明", "g1b")]):
        assert api.post("/api/people", json=make_person(
            srv.tree.id(grid), name=name, phone=f"1391234500{i}",
            id_number=make_id_number(f"198{i}0101"))).status_code in (200, 201)
    yield srv
    srv.stop()


def test_a_user_signs_in_sees_home_and_signs_out(page, live):
    sign_in(page, live, "admin")
    page.get_by_role("heading", name="首页").wait_for()
    nav = page.get_by_role("navigation")
    assert nav.get_by_role("link", name="首页").is_visible()
    assert not nav.get_by_role("link", name="人口", exact=True).is_visible()  # its group is folded
    nav.get_by_text("人口与房屋").click()
    assert nav.get_by_role("link", name="人口", exact=True).is_visible()
    page.get_by_role("button", name="退出登录").click()
    page.get_by_role("heading", name="一张表 管理端登录").wait_for()
    page.goto(live.url + "/admin/people")
    assert "/admin/login" in page.url
    assert page.violations == []


def test_a_wrong_password_is_explained_beside_the_field_and_the_username_kept(page, live):
    sign_in(page, live, "office1", password="wrong-password")
    assert page.get_by_role("alert").inner_text() == "账号或密码错误"
    assert page.get_by_label("账号").input_value() == "office1"


def test_a_wrong_captcha_is_explained_beside_the_captcha(page, live):
    sign_in(page, live, "office1", answer="XXXX")
    assert "验证码" in page.locator("#e-captcha_answer").inner_text()


def test_the_people_list_filters_sorts_and_reveals_a_phone(page, live):
    sign_in(page, live, "admin")
    menu_click(page, "人口")
    page.get_by_text("共 3 条").wait_for()
    assert "139****5000" in page.content() and "13912345000" not in page.content()
    page.get_by_role("link", name="出生日期").click()
    page.get_by_role("link", name="出生日期 ↑").wait_for()
    assert page.get_by_role("link", name="联系电话").count() == 0  # masked: not sortable
    first = page.locator("tbody tr").first
    first.get_by_role("button", name="显示").nth(1).click()
    page.locator(".revealed", has_text="13912345000").wait_for()
    page.get_by_label("姓名").fill("陈明")
    page.get_by_role("button", name="查询").click()
    page.get_by_text("共 1 条").wait_for()
    assert page.violations == []


def test_a_township_user_sees_only_their_township_in_the_browser(page, live):
    sign_in(page, live, "office1")
    menu_click(page, "人口")
    page.get_by_text("共 2 条").wait_for()
    text = page.locator("tbody").inner_text()
    assert "艾力" in text and "陈明" in text and "布阿依" not in text


def test_an_admin_creates_an_account_and_a_worker_lacks_the_idaas_pages(page, live):
    sign_in(page, live, "admin")
    page.get_by_role("heading", name="首页").wait_for()
    menu_click(page, "组织架构")
    page.get_by_role("heading", name="组织架构").wait_for()
    assert page.locator("#n-node-t1").is_visible()
    menu_click(page, "账号管理")
    page.get_by_role("link", name="新建账号").click()
    page.get_by_label("账号").fill("browserworker")
    page.get_by_label("姓名").fill("浏览器网格员")
    page.get_by_label("初始密码").fill("123456")
    page.get_by_label("角色").select_option("grid_worker")
    page.get_by_label("管辖范围").select_option("node-g1a")
    page.get_by_role("button", name="保存").click()
    assert "密码太容易被猜到" in page.locator("#e-password").inner_text()
    page.get_by_label("初始密码").fill("Sand-dune-42-Poplar-river")
    page.get_by_label("账号").fill(f"bw{page.viewport_size['width']}")
    page.get_by_role("button", name="保存").click()
    page.get_by_role("heading", name=re.compile("账号：浏览器网格员")).wait_for()
    page.get_by_role("button", name="停用").click()
    page.get_by_role("status").wait_for()
    assert "已停用" in page.locator("dl.facts").inner_text()
    menu_click(page, "角色与权限")
    page.get_by_role("heading", name="角色与权限").wait_for()
    page.get_by_role("button", name="退出登录").click()
    sign_in(page, live, "worker1a")
    page.get_by_role("heading", name="首页").wait_for()
    assert page.get_by_role("navigation").get_by_role("link", name="账号管理").count() == 0
    page.goto(live.url + "/admin/users")
    assert page.get_by_role("heading", name="无法完成").is_visible()
    # the 422 and 403 answers are logged by the browser; no CSP refusal is
    assert not [v for v in page.violations if "Content Security Policy" in v]
