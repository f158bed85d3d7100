"""接诉即办 in Debian's Chromium at both console sizes: a township user opens the pending list
from the menu, opens a resident's report and supervises it, then sees it on the supervised
list; the county admin sets a time limit and gets a Chinese message beside a bad one."""
from __future__ import annotations

import shutil

import pytest

from sync_server.services.resident_reports import Reporter, create_event
from tests.live_server import LiveServer
from tests.web.conftest import CAPTCHA, menu_click
from tests.web.conftest import sign_in_page as sign_in

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("web_browser")]
pytest.importorskip("playwright.sync_api")


@pytest.fixture(scope="module")
def live(sqlite_template, tmp_path_factory):
    folder = tmp_path_factory.mktemp("hotline-live")
    shutil.copyfile(sqlite_template, folder / "server.db")
    srv = LiveServer(f"sqlite:///{folder / 'server.db'}", folder)
    srv.settings.captcha_fixed_answer = CAPTCHA
    with srv.app.state.sessions() as s:
        for i, text in enumerate(("南湖路井盖缺失", "团结社区路灯不亮")):
            create_event(s, srv.app.state.attachment_files,
                         Reporter(f"r{i}", "居民", None), category="infrastructure",
                         description=text, village_id=srv.tree.id("v1"), address=text,
                         photos=[], now=srv.clock())
        s.commit()
    srv.start()
    yield srv
    srv.stop()


def test_a_township_user_supervises_a_report_from_the_pending_list(page, live):
    sign_in(page, live, "office1")
    menu_click(page, "待受理")
    text = "南湖路井盖缺失" if page.viewport_size["width"] == 1366 else "团结社区路灯不亮"
    page.get_by_role("link", name=f"基础设施：{text}").click()
    page.get_by_label("处置动作").select_option(label="督办")
    page.get_by_role("button", name="提交处置").click()
    page.get_by_role("cell", name="督办", exact=True).wait_for()
    menu_click(page, "督办")
    page.get_by_role("link", name=f"基础设施：{text}").wait_for()
    page.get_by_role("link", name=f"基础设施：{text}").click()
    page.get_by_label("处置动作").select_option(label="延期")
    page.get_by_role("button", name="提交处置").click()
    assert "延期原因不能为空" in page.locator("#e-note").inner_text()
    assert "办理时限" not in page.get_by_role("navigation").inner_text()  # county setting
    assert not [v for v in page.violations if "Content Security Policy" in v]


def test_the_county_admin_sets_time_limits(page, live):
    sign_in(page, live, "admin")
    menu_click(page, "办理时限")
    page.get_by_label("安全隐患（天）").fill("0")
    page.get_by_role("button", name="保存").click()
    assert "“安全隐患”的办理时限应为 1 到 365 之间的整数" in page.locator("#e-safety").inner_text()
    page.get_by_label("安全隐患（天）").fill("2")
    page.get_by_role("button", name="保存").click()
    page.get_by_text("办理时限已保存").wait_for()
    assert page.get_by_label("安全隐患（天）").input_value() == "2"
