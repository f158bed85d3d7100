"""报表管理 pages over plain HTTP: the designer (every bad part named beside it, 4xx, nothing
stored), the report page, giving it to grids (bad period, nothing chosen), a grid fills and
submits (bad cells named), the township returns (a reason is required), the grid corrects, the
township approves and sends up, the county approves and downloads the xlsx; each sees only
its own shares; the shares show in the home page's work items."""
from __future__ import annotations

import io
import re

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from sqlalchemy import func, select

from sync_server.db.tables import ReportDef, ReportSubmission
from tests.sync_server.test_reports import _data
from tests.web.conftest import csrf_of, sign_in

DESIGN = {"title": "月度网格情况", "rows": "grid", "frequency": "month",
          "filter_all1": "", "label1": "总人数", "kind1": "people", "group1": "人口",
          "label2": "女性", "kind2": "people", "filter2": "sex:female", "group2": "人口",
          "label3": "果园面积", "kind3": "ledger_sum", "ledger3": "orchard.area",
          "label4": "走访户数", "kind4": "free", "format4": "int", "group4": "填报"}


def _client(web, username: str) -> TestClient:
    client = TestClient(web.app)
    assert sign_in(client, username).status_code == 303
    return client


def _form_values(html: str) -> dict[str, str]:
    """What a browser would send from the page's forms: inputs' values, selects' chosen
    options (the first one when none is marked)."""
    from html.parser import HTMLParser

    out: dict[str, str] = {}

    class Reader(HTMLParser):
        select: str | None = None

        def handle_starttag(self, tag, attrs):  # noqa: ANN001
            a = dict(attrs)
            if tag == "input" and a.get("name") and a.get("type") != "checkbox":
                out[a["name"]] = a.get("value") or ""
            elif tag == "select":
                self.select = a.get("name")
            elif tag == "option" and self.select:
                if self.select not in out or "selected" in a:
                    out[self.select] = a.get("value") or ""

        def handle_endtag(self, tag):  # noqa: ANN001
            if tag == "select":
                self.select = None

    Reader().feed(html)
    return out


def _share(web, key: str) -> str:
    with web.session() as s:
        return s.scalars(select(ReportSubmission.id).where(
            ReportSubmission.node_id == web.tree.id(key))).one()


def test_design_assign_fill_review_send_up_and_export_through_the_pages(web):
    _data(web)
    t = web.tree
    admin = _client(web, "admin")
    page = admin.get("/admin/reports/new")
    assert page.status_code == 200 and "果园·面积" in page.text and "果园·条数" in page.text
    assert "按人口类型分组" in page.text and "性别：女" in page.text
    token = csrf_of(page.text)
    bad = admin.post("/admin/reports/new", data={
        "csrf_token": token, "title": "", "rows": "house", "frequency": "month",
        "filter_all2": "sex:nobody", "label1": "耕地", "kind1": "ledger_sum",
        "ledger1": "orchard.nothing", "label2": "", "kind2": "free",
        "label3": "x", "kind3": "free", "format3": "percent"})
    assert bad.status_code == 422
    for text in ("报表名称不能为空", "不是数字字段", "第 2 列的列名不能为空", "报表行",
                 "第 2 个筛选条件", "第 3 列的数字格式"):
        assert text in bad.text, text
    assert 'value="耕地"' in bad.text  # what was typed stays in the form
    with web.session() as s:
        assert s.scalar(select(func.count()).select_from(ReportDef)) == 0
    made = admin.post("/admin/reports/new", data={"csrf_token": token, **DESIGN},
                      follow_redirects=False)
    assert made.status_code == 303
    url = made.headers["location"]
    table = admin.get(url).text
    assert re.search(r'<th scope="colgroup" colspan="2" class="group">人口</th>', table)
    assert re.search(r'<td>团结社区第一网格</td><td class="num">2</td><td class="num">1</td>'
                     r'<td class="num">2.5</td><td class="num"></td>', table)
    assert "合计" not in table or "totals-row" in table
    bad_assign = admin.post(url + "/assign", data={"csrf_token": token, "period": "2026-Q4",
                                                   "assignees": t.id("g1a")})
    assert bad_assign.status_code == 422 and "这张报表是月报" in bad_assign.text
    none = admin.post(url + "/assign", data={"csrf_token": token, "period": "2026-11"})
    assert none.status_code == 422 and "请至少选择一个乡镇或网格" in none.text
    assert admin.post(url + "/assign", data={
        "csrf_token": token, "period": "2026-11", "assignees": [t.id("g1a"), t.id("g1b")]},
        follow_redirects=False).status_code == 303

    # a grid fills its share
    worker = _client(web, "worker1a")
    home = worker.get("/admin/reports").text
    assert "月度网格情况" in home and "待填报" in home
    g1a, g1b, town = _share(web, "g1a"), _share(web, "g1b"), _share(web, "t1")
    assert worker.get(f"/admin/reports/submissions/{g1b}").status_code == 404
    assert worker.get("/admin/reports/new").status_code == 403
    fill_url = f"/admin/reports/submissions/{g1a}"
    form = worker.get(fill_url).text
    key = f"v:{t.id('g1a')}:c4"
    wrong = worker.post(fill_url, data={"csrf_token": csrf_of(form), key: "3.5",
                                        "action": "submit"})
    assert wrong.status_code == 422 and "应填写整数，现在是“3.5”" in wrong.text
    assert 'value="3.5"' in wrong.text
    assert worker.post(fill_url, data={"csrf_token": csrf_of(form), key: "12",
                                       "action": "submit"},
                       follow_redirects=False).status_code == 303
    own = worker.get(url + "?period=2026-11").text  # a grid sees its own row, cannot assign
    assert "团结社区第一网格" in own and "团结社区第二网格" not in own and 'id="assign"' not in own
    other = _client(web, "worker1b")
    other_form = other.get(f"/admin/reports/submissions/{g1b}").text
    other.post(f"/admin/reports/submissions/{g1b}", data={
        "csrf_token": csrf_of(other_form), f"v:{t.id('g1b')}:c4": "50", "action": "submit"})

    # the township: cannot send up yet, returns one grid, approves after the correction
    office = _client(web, "office1")
    listing = office.get("/admin/reports").text
    assert listing.count(">审核</a>") == 2
    town_page = office.get(f"/admin/reports/submissions/{town}").text
    early = office.post(f"/admin/reports/submissions/{town}",
                        data={"csrf_token": csrf_of(town_page), "action": "submit"})
    assert early.status_code == 400 and "还有 2 个网格的报表未审核通过" in early.text
    review = f"/admin/reports/submissions/{g1b}/review"
    no_note = office.post(review, data={"csrf_token": csrf_of(town_page), "action": "return",
                                        "note": ""})
    assert no_note.status_code == 422 and "退回原因不能为空" in no_note.text
    office.post(review, data={"csrf_token": csrf_of(town_page), "action": "return",
                              "note": "走访户数偏大，请核实"})
    assert "走访户数偏大，请核实" in other.get(f"/admin/reports/submissions/{g1b}").text
    other.post(f"/admin/reports/submissions/{g1b}", data={
        "csrf_token": csrf_of(other_form), f"v:{t.id('g1b')}:c4": "5", "action": "submit"})
    for share in (g1a, g1b):
        office.post(f"/admin/reports/submissions/{share}/review",
                    data={"csrf_token": csrf_of(town_page), "action": "approve"})
    assert office.post(f"/admin/reports/submissions/{town}", data={
        "csrf_token": csrf_of(town_page), "action": "submit"},
        follow_redirects=False).status_code == 303
    assert "南湖村" not in office.get(url + "?period=2026-11").text  # only its own rows

    # the county approves and downloads the consolidated table
    assert admin.post(f"/admin/reports/submissions/{town}/review", data={
        "csrf_token": token, "action": "approve"}, follow_redirects=False).status_code == 303
    with web.session() as s:
        assert s.get(ReportSubmission, town).status == "approved"
    progress = admin.get(url + "?period=2026-11").text
    assert "已通过 2" in progress
    xlsx = admin.post(url + "/export", data={"csrf_token": token, "period": "2026-11"})
    assert xlsx.status_code == 200
    rows = [list(r) for r in load_workbook(io.BytesIO(xlsx.content)).active
            .iter_rows(values_only=True)]
    assert ["团结社区第一网格", 2, 1, 2.5, 12] in rows
    assert ["团结社区第二网格", 1, 1, 4, 5] in rows
    assert ["南湖村第一网格", 1, 0, 10, None] in rows  # not given out: counted now
    assert rows[-1] == ["合计", 4, 2, 16.5, 17]


def test_shares_show_in_the_work_items_and_a_standing_assignment_stops(web):
    _data(web)
    t = web.tree
    admin = _client(web, "admin")
    token = csrf_of(admin.get("/admin/reports/new").text)
    url = admin.post("/admin/reports/new", data={"csrf_token": token, **DESIGN},
                     follow_redirects=False).headers["location"]
    admin.post(url + "/assign", data={"csrf_token": token, "period": "2026-11",
                                      "assignees": t.id("g1a"), "standing": "1"})
    assert "每期自动下发给：团结社区第一网格" in admin.get(url).text
    home = _client(web, "worker1a").get("/admin/").text
    assert re.search(r"待填报的报表\D*1", home)
    assert not re.search(r"待填报的报表", _client(web, "worker2").get("/admin/").text)
    admin.post(url + "/standing/stop", data={"csrf_token": token})
    assert "每期自动下发给：" not in admin.get(url).text


FORM_TEXT = st.one_of(st.just(""), st.text(max_size=70),
                      st.sampled_from(["总人数", "people", "free", "ledger_sum", "ledger_count",
                                       "sex:female", "tag:dibao", "orchard.area", "orchard.",
                                       "int", "decimal", "grid", "group:tag", "month"]))


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(fields=st.dictionaries(
    st.sampled_from(["title", "rows", "frequency", "filter_all1", "filter_all3",
                     *(f"{k}{i}" for k in ("label", "group", "kind", "filter", "ledger",
                                           "format") for i in (1, 2, 8))]),
    FORM_TEXT, max_size=14))
def test_the_design_form_stores_whole_or_answers_4xx_in_chinese(designer, fields):
    web, admin, token = designer
    with web.session() as s:
        before = s.scalar(select(func.count()).select_from(ReportDef))
    answer = admin.post("/admin/reports/new", data={"csrf_token": token, **fields},
                        follow_redirects=False)
    with web.session() as s:
        after = s.scalar(select(func.count()).select_from(ReportDef))
    if answer.status_code == 303:
        assert after == before + 1
    else:
        assert answer.status_code == 422 and after == before
        errors = re.findall(r'class="error"[^>]*>([^<]+)<', answer.text)
        assert errors and all(re.search(r"[\u4e00-\u9fff]", e) for e in errors)


@pytest.fixture
def designer(web):
    _data(web)
    admin = _client(web, "admin")
    return web, admin, csrf_of(admin.get("/admin/reports/new").text)


def test_the_housekeeping_round_gives_a_standing_report_out_in_a_new_month(web):
    from sync_server.app import _report_shares

    _data(web)
    admin = _client(web, "admin")
    token = csrf_of(admin.get("/admin/reports/new").text)
    url = admin.post("/admin/reports/new", data={"csrf_token": token, **DESIGN},
                     follow_redirects=False).headers["location"]
    admin.post(url + "/assign", data={"csrf_token": token, "period": "2026-11", "standing": "1",
                                      "assignees": [web.tree.id("g1a"), web.tree.id("g2")]})
    assert _report_shares(web.app) == 0  # this month's shares are there
    web.clock.advance(days=8)  # 2026-12-02
    assert _report_shares(web.app) == 4  # t1 over g1a, g1a, t2 over g2, g2
    assert _report_shares(web.app) == 0
    with web.session() as s:
        assert s.scalar(select(func.count()).select_from(ReportSubmission).where(
            ReportSubmission.period == "2026-12", ReportSubmission.status == "assigned")) == 4


def test_a_report_is_deleted_only_while_nothing_was_filled(web):
    _data(web)
    t = web.tree
    admin = _client(web, "admin")
    token = csrf_of(admin.get("/admin/reports/new").text)
    url = admin.post("/admin/reports/new", data={"csrf_token": token, **DESIGN},
                     follow_redirects=False).headers["location"]
    admin.post(url + "/assign", data={"csrf_token": token, "period": "2026-11",
                                      "assignees": [t.id("g1a"), t.id("g1b")]})
    worker = _client(web, "worker1a")
    share = f"/admin/reports/submissions/{_share(web, 'g1a')}"
    worker.post(share, data={"csrf_token": csrf_of(worker.get(share).text),
                             f"v:{t.id('g1a')}:c4": "3", "action": "save"})
    assert _client(web, "office1").post(url + "/delete", data={
        "csrf_token": token}).status_code in (403, 404)  # not the township's report
    refused = admin.post(url + "/delete", data={"csrf_token": token})
    assert refused.status_code == 400 and "不能删除" in refused.text
    with web.session() as s:  # saved but not submitted still counts as filled: kept
        assert s.scalar(select(func.count()).select_from(ReportSubmission)) == 3
    url2 = admin.post("/admin/reports/new", data={"csrf_token": token, **DESIGN},
                      follow_redirects=False).headers["location"]
    admin.post(url2 + "/assign", data={"csrf_token": token, "period": "2026-11",
                                       "assignees": t.id("g2")})
    assert admin.post(url2 + "/delete", data={"csrf_token": token},
                      follow_redirects=False).status_code == 303
    with web.session() as s:
        assert s.scalar(select(func.count()).select_from(ReportDef)) == 1
        assert s.scalar(select(func.count()).select_from(ReportSubmission)) == 3


def test_a_new_design_starts_from_an_existing_one(web):
    _data(web)
    admin = _client(web, "admin")
    token = csrf_of(admin.get("/admin/reports/new").text)
    url = admin.post("/admin/reports/new", data={"csrf_token": token, **DESIGN,
                                                 "filter_all1": "resident_type:registered"},
                     follow_redirects=False).headers["location"]
    report_id = url.rsplit("/", 1)[1]
    copy = admin.get(f"/admin/reports/new?from={report_id}").text
    assert 'value="月度网格情况（副本）"' in copy and 'value="走访户数"' in copy
    assert re.search(r'<option value="sex:female" selected>', copy)
    assert re.search(r'<option value="orchard.area" selected>', copy)
    assert re.search(r'<option value="resident_type:registered" selected>', copy)
    again = admin.post("/admin/reports/new", data=_form_values(copy) | {"title": "第二张"},
                       follow_redirects=False)
    assert again.status_code == 303
    with web.session() as s:
        first, second = (s.get(ReportDef, report_id),
                         s.get(ReportDef, again.headers["location"].rsplit("/", 1)[1]))
        assert second.columns == first.columns and second.filters == first.filters
    assert admin.get("/admin/reports/new?from=nothing").status_code == 404
