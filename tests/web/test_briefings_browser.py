"""接诉即办简报 and 报表管理 in Debian's Chromium at both screen sizes, as a township user: the
server's housekeeping already made last week's briefing; an unfinished period is refused
beside the field; a past week is generated and listed; the report page opens."""
from __future__ import annotations


import pytest

from tests.web.conftest import menu_click
from tests.web.conftest import sign_in_page as sign_in

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("web_browser")]


@pytest.fixture(scope="module")
def live(web_live):
    return web_live


def test_a_township_user_generates_a_briefing_and_opens_the_reports(page, live):
    sign_in(page, live, "office1")
    menu_click(page, "接诉即办简报")
    page.get_by_role("heading", name="接诉即办简报").wait_for()
    rows = page.locator("#briefings tbody tr")
    assert "托克逊镇周报" in rows.first.inner_text()  # made by the housekeeping round
    page.get_by_label("周期内任一日期").fill("2099-01-07")
    page.get_by_role("button", name="生成简报").click()
    page.locator("#e-day").wait_for()
    assert "还没有结束" in page.locator("#e-day").inner_text()
    page.get_by_label("简报类型").select_option(label="周报")
    page.get_by_label("周期内任一日期").fill("2020-01-08")
    page.get_by_role("button", name="生成简报").click()
    page.get_by_text("2020年第2周").wait_for()
    with page.expect_download() as download:
        page.locator("#briefings tr", has_text="2020年第2周").get_by_role(
            "link", name="下载 PDF").click()
    assert download.value.suggested_filename.endswith("2020-01-06.pdf")
    menu_click(page, "报表管理")
    page.get_by_role("heading", name="报表管理", exact=True).wait_for()
    assert not [v for v in page.violations if "Content Security Policy" in v]
