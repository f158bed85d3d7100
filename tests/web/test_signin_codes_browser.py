"""SMS-code and QR-scan sign-in in Debian's Chromium against a live server, at both screen
sizes: a township user signs in with the code sent to their phone; a browser showing a QR code
is signed in when the county admin, signed in on another browser, approves its code."""
from __future__ import annotations

import re
import shutil

import pytest

from common.schema import User
from tests.live_server import LiveServer
from tests.web.conftest import CAPTCHA
from tests.web.test_browser import browser, page, sign_in  # noqa: F401 - shared fixtures

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
    assert page.get_by_role("img", name="扫码登录二维码").is_visible()
    code = page.locator("#qr-code").inner_text()
    page.get_by_text("等待确认").wait_for()

    other = browser.new_context(viewport=page.viewport_size, locale="zh-CN")
    other.set_default_timeout(60_000)
    approver = other.new_page()
    try:
        sign_in(approver, live, "admin")
        approver.get_by_role("link", name="扫码登录网页").first.click()
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
