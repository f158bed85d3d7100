"""统计看板 in Debian's Chromium at both screen sizes: the county admin opens it from the menu,
picks this month and sees the figures and the charts drawn (no CSP violation), refuses a
backwards custom period beside the field, downloads a chart's xlsx; a township user sees only
their township."""
from __future__ import annotations

import shutil
from types import SimpleNamespace

import pytest

from tests.live_server import LiveServer
from tests.web.conftest import CAPTCHA, menu_click
from tests.web.conftest import sign_in_page as sign_in
from tests.web.test_briefings import _events
from tests.web.test_dashboards import _visits

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("web_browser")]


@pytest.fixture(scope="module")
def live(sqlite_template, tmp_path_factory):
    folder = tmp_path_factory.mktemp("web-dashboards")
    shutil.copyfile(sqlite_template, folder / "server.db")
    srv = LiveServer(f"sqlite:///{folder / 'server.db'}", folder)
    srv.settings.captcha_fixed_answer = CAPTCHA
    data = SimpleNamespace(tree=srv.tree, clock=srv.clock, session=srv.harness.session)
    _events(data)
    _visits(data)
    srv.start()
    yield srv
    srv.stop()


def test_the_county_admin_reads_this_months_dashboards(page, live):
    sign_in(page, live, "admin")
    menu_click(page, "统计看板")
    page.get_by_role("heading", name="统计看板").wait_for()
    page.get_by_label("统计时段").select_option(label="本月")
    page.get_by_role("button", name="查看").click()
    page.get_by_text("统计时段：2026-11-01 至 2026-11-24").wait_for()
    page.locator("#dash-visits .chart canvas").first.wait_for()
    totals = page.locator("#dash-hotline-totals").inner_text()
    assert "受理" in totals and "满意率" in totals
    assert page.locator("#dash-hotline .chart").count() == 4
    assert page.locator("#dash-visits .chart").count() == 3
    assert "3 / 4" in page.locator("#dash-visit-totals").inner_text()  # p1, p3 and p4 of 4
    # The worker ranking lists names down the side, a line each, over the page's full width
    # (at 1366 px the names under tilted bars crowded into one another).
    ranking = page.locator("#chart-workers .chart-box")
    ranking.locator("canvas").wait_for()
    layout = ranking.evaluate("""box => {
        const o = echarts.getInstanceByDom(box).getOption();
        return {axis: o.yAxis[0].type, names: o.yAxis[0].data.length,
                height: box.getBoundingClientRect().height,
                width: box.getBoundingClientRect().width,
                page: document.getElementById("dash-visits").getBoundingClientRect().width};
    }""")
    assert layout["axis"] == "category" and layout["names"] >= 2
    assert layout["height"] >= layout["names"] * 22 and layout["width"] > 0.9 * layout["page"]
    with page.expect_download() as download:
        page.locator("#chart-area").get_by_role("button", name="导出 Excel").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    page.goto(live.url + "/admin/dashboards")
    page.get_by_label("统计时段").select_option(label="自定义")
    page.get_by_label("开始日期").fill("2026-11-20")
    page.get_by_label("结束日期").fill("2026-11-10")
    page.get_by_role("button", name="查看").click()
    page.locator("#e-until").wait_for()
    assert "结束日期不能早于开始日期" in page.locator("#e-until").inner_text()
    assert not [v for v in page.violations if "Content Security Policy" in v]


def test_a_township_user_sees_their_township(page, live):
    sign_in(page, live, "office1")
    page.goto(live.url + "/admin/dashboards?period=custom&since=2026-11-16&until=2026-11-22")
    page.locator("#dash-hotline .chart canvas").first.wait_for()
    assert "托克逊镇" in page.locator(".hint").inner_text()
    page.locator("#chart-area summary").click()
    data = page.locator("#chart-area table").inner_text()
    assert "团结社区" in data and "南湖村" not in data
    assert not [v for v in page.violations if "Content Security Policy" in v]
