"""SMS-code and QR-scan sign-in, the push centre and the client versions page in Debian's
Chromium against a live server, at both screen sizes: a township user signs in with the code
sent to their phone and sends a notice to their township's people with a tag; a browser showing
a QR code is signed in when the county admin, signed in on another browser, approves its code;
the county admin publishes a client build."""
from __future__ import annotations

import re
import shutil

import pytest

from common.schema import User
from tests.factories import make_id_number, make_person
from tests.live_server import LiveServer
from tests.web.conftest import CAPTCHA, menu_click
from tests.web.conftest import sign_in_page as sign_in

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("web_browser")]
pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def live(sqlite_template, tmp_path_factory):
    folder = tmp_path_factory.mktemp("web-signin-live")
    shutil.copyfile(sqlite_template, folder / "server.db")
    srv = LiveServer(f"sqlite:///{folder / 'server.db'}", folder)
    srv.settings.captcha_fixed_answer = CAPTCHA
    with srv.app.state.sessions() as s:
        s.get(User, srv.tree.users["office1"].id).phone = "13900001111"
        s.commit()
    from fastapi.testclient import TestClient
    for i, (name, grid) in enumerate([("艾力", "g1a"), ("布阿依", "g2"), ("陈明", "g1b")]):
        # each by the grid's own worker: a person the county adds waits for the grid's review
        api = TestClient(srv.app)
        api.headers["Authorization"] = f"Bearer {srv.token('worker' + grid[1:])}"
        assert api.post("/api/people", json=make_person(
            srv.tree.id(grid), name=name, phone=f"1381234000{i}", tags=["dibao"],
            id_number=make_id_number(f"195{i}0101"))).status_code == 201
    srv.start()
    yield srv
    srv.stop()


def last_code(live) -> str:
    text = live.app.state.sms_gateway.messages()[-1]["text"]
    return re.search(r"验证码是 (\d{6})", text).group(1)


def test_a_township_user_signs_in_with_the_code_sent_to_their_phone(page, live):  # noqa: F811
    live.clock.advance(seconds=61)  # one code a minute per number: each screen size asks anew
    page.goto(live.url + "/admin/")
    page.get_by_role("link", name="短信验证码登录").click()
    page.get_by_label("手机号码").fill("1390000")
    page.get_by_label("验证码", exact=True).fill(CAPTCHA)
    page.get_by_role("button", name="获取短信验证码").click()
    assert "不是有效的手机号码" in page.locator("#e-phone").inner_text()
    page.get_by_label("手机号码").fill("13900001111")
    page.get_by_label("验证码", exact=True).fill(CAPTCHA)
    page.get_by_role("button", name="获取短信验证码").click()
    page.get_by_text("验证码已发送到 139****1111").wait_for()
    code = last_code(live)
    page.get_by_label("短信验证码").fill("000000" if code != "000000" else "111111")
    page.get_by_role("button", name="登录").click()
    assert "还可再试 4 次" in page.locator("#e-code").inner_text()
    page.get_by_label("短信验证码").fill(code)
    page.get_by_role("button", name="登录").click()
    page.get_by_role("heading", name="首页").wait_for()
    assert "office1" in page.locator("header").inner_text()
    # the refused forms answered 4xx (logged by the browser); the CSP was never violated
    assert not [v for v in page.violations if "Content Security Policy" in v]


def test_a_browser_showing_a_qr_code_is_signed_in_when_another_approves_it(page, live,  # noqa: F811
                                                                           browser):  # noqa: F811
    page.goto(live.url + "/admin/login")
    page.get_by_role("link", name="扫码登录").click()
    page.get_by_role("img", name="扫码登录二维码").wait_for()
    code = page.locator("#qr-code").inner_text()
    page.get_by_text("等待确认").wait_for()

    other = browser.new_context(viewport=page.viewport_size, locale="zh-CN")
    other.set_default_timeout(60_000)
    approver = other.new_page()
    try:
        sign_in(approver, live, "admin")
        menu_click(approver, "扫码登录网页")
        approver.get_by_label("登录码").fill("WRONGCOD")
        approver.get_by_role("button", name="下一步").click()
        assert "不存在或已过期" in approver.locator("#e-code").inner_text()
        approver.get_by_label("登录码").fill(code.lower())
        approver.get_by_role("button", name="下一步").click()
        approver.get_by_role("button", name="确认登录").click()
        approver.get_by_text("已确认").wait_for()
    finally:
        other.close()

    page.get_by_role("heading", name="首页").wait_for()  # the poll saw the approval
    assert "admin" in page.locator("header").inner_text()
    assert page.violations == []


def test_a_township_user_previews_and_sends_a_notice_to_their_people_with_a_tag(page, live):  # noqa: F811
    sign_in(page, live, "office1")
    menu_click(page, "短信发送")
    page.get_by_role("button", name="预览发送人数").click()
    assert "不能为空" in page.locator("#e-tag_code").inner_text()
    page.get_by_label("发送对象（标签）").select_option(label="低保")
    page.get_by_label("短信内容").fill("{nam}您好")
    page.get_by_role("button", name="预览发送人数").click()
    assert "{nam}" in page.locator("#e-body").inner_text()
    page.get_by_label("短信内容").fill("{name}您好，请于本月底前办理低保年审。")
    page.get_by_role("button", name="预览发送人数").click()
    page.get_by_text("将发送给您辖区内 2 人").wait_for()  # not the other township's person
    page.get_by_role("button", name="确认发送").click()
    page.get_by_role("heading", name="短信发送记录").wait_for()
    rows = page.locator("tbody").inner_text()
    assert "138****0000" in rows and "138****0002" in rows and "138****0001" not in rows
    assert "13812340000" not in rows
    assert not [v for v in page.violations if "Content Security Policy" in v]


def test_the_county_admin_publishes_a_client_build(page, live, tmp_path):  # noqa: F811
    version = f"1.{page.viewport_size['width']}.0"  # each screen size publishes a newer one
    build = tmp_path / f"yzb-setup-{version}.exe"
    build.write_bytes(b"MZ" + bytes(range(256)) * 16)
    sign_in(page, live, "admin")
    menu_click(page, "客户端版本")
    page.get_by_label("安装包").set_input_files(str(build))
    page.get_by_label("版本号").fill("1.x")
    page.get_by_label("最低可用版本").fill("1.0.0")
    page.get_by_role("button", name="发布").click()
    assert "格式不对" in page.locator("#e-version").inner_text()
    page.get_by_label("安装包").set_input_files(str(build))  # a browser never keeps a file
    page.get_by_label("版本号").fill(version)
    page.get_by_label("更新说明").fill("修复同步问题")
    page.get_by_role("button", name="发布").click()
    page.locator("tbody", has_text=build.name).wait_for()
    assert not [v for v in page.violations if "Content Security Policy" in v]
