"""报表管理 pages over plain HTTP: define (bad input named beside the column, 4xx, nothing
stored), the table, give it to a township, the township fills and submits, the county returns
and approves, the xlsx; a township sees only its own share; a grid worker has no page."""
from __future__ import annotations

import io
import re

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import func, select

from sync_server.db.tables import ReportDef, ReportSubmission
from tests.sync_server.test_reports import _data
from tests.web.conftest import csrf_of, sign_in


def _client(web, username: str) -> TestClient:
    client = TestClient(web.app)
    assert sign_in(client, username).status_code == 303
    return client


def test_define_assign_fill_review_and_export_through_the_pages(web):
    _data(web)
    t = web.tree
    admin = _client(web, "admin")
    page = admin.get("/admin/reports")
    assert page.status_code == 200 and "还没有报表" in page.text
    token = csrf_of(page.text)
    bad = admin.post("/admin/reports", data={
        "csrf_token": token, "title": "", "row_level": "township",
        "label1": "耕地", "kind1": "ledger_sum", "ledger1": "orchard.nothing"})
    assert bad.status_code == 422
    assert "报表名称不能为空" in bad.text and "不是数字字段" in bad.text
    with web.session() as s:
        assert s.scalar(select(func.count()).select_from(ReportDef)) == 0
    assert "果园·面积" in page.text  # the ledger's number field is offered
    made = admin.post("/admin/reports", data={
        "csrf_token": token, "title": "月度基本情况", "row_level": "township",
        "label1": "总人数", "kind1": "people", "label2": "女性", "kind2": "people",
        "filter2": "sex:female", "label3": "果园面积", "kind3": "ledger_sum",
        "ledger3": "orchard.area", "label4": "走访户数", "kind4": "free"},
        follow_redirects=False)
    assert made.status_code == 303
    url = made.headers["location"]
    table = admin.get(url).text
    assert re.search(r"<td>托克逊镇</td><td>3</td><td>2</td><td>6.5</td><td></td>", table)
    bad_assign = admin.post(url + "/assign", data={"csrf_token": token, "period": "2026-13",
                                                   "townships": t.id("t1")})
    assert bad_assign.status_code == 422 and "按月填 2026-11" in bad_assign.text
    assert admin.post(url + "/assign", data={"csrf_token": token, "period": "2026-11",
                                             "townships": t.id("t1")},
                      follow_redirects=False).status_code == 303

    office = _client(web, "office1")
    listing = office.get("/admin/reports").text
    assert "月度基本情况" in listing  # given to the township, so listed there
    mine = office.get(url).text
    assert "夏乡" not in mine
    with web.session() as s:
        sub = s.scalars(select(ReportSubmission)).one()
    fill_url = f"/admin/reports/submissions/{sub.id}"
    form = office.get(fill_url).text
    key = f"v:{t.id('t1')}:c4"
    wrong = office.post(fill_url, data={"csrf_token": csrf_of(form), key: "十二",
                                        "action": "submit"})
    assert wrong.status_code == 422 and "应填写数字" in wrong.text
    assert office.post(fill_url, data={"csrf_token": csrf_of(form), key: "12",
                                       "action": "submit"},
                       follow_redirects=False).status_code == 303

    review_url = fill_url + "/review"
    no_note = admin.post(review_url, data={"csrf_token": token, "action": "return", "note": ""})
    assert no_note.status_code == 422 and "退回原因不能为空" in no_note.text
    admin.post(review_url, data={"csrf_token": token, "action": "return", "note": "请核实"})
    assert "请核实" in office.get(fill_url).text
    office.post(fill_url, data={"csrf_token": csrf_of(form), key: "15", "action": "submit"})
    admin.post(review_url, data={"csrf_token": token, "action": "approve"})
    with web.session() as s:
        assert s.get(ReportSubmission, sub.id).status == "approved"
    xlsx = admin.post(url + "/export", data={"csrf_token": token, "period": "2026-11"})
    assert xlsx.status_code == 200
    rows = [list(r) for r in load_workbook(io.BytesIO(xlsx.content)).active
            .iter_rows(values_only=True)]
    assert ["托克逊镇", 3, 2, 6.5, 15] in rows and ["夏乡", 1, 0, 10, None] in rows
    assert _client(web, "worker1a").get("/admin/reports").status_code == 403
