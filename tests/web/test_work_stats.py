"""Cadre work statistics over plain HTTP: visits, work logs, records created and corrected per
person and per area, per day, week and month; the township's scope; bad dates; the logged
xlsx export."""
from __future__ import annotations

import datetime as dt
import io
import re

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select

from common.schema import Household, Visit, WorkLog
from sync_server.db.tables import OpLog
from sync_server.services.changes import apply_change
from tests.web.conftest import csrf_of, sign_in


def _work(web) -> dt.date:
    """worker1a (township 1): 2 visits, a work log, a household created then corrected;
    worker2 (township 2): a visit the day before. Returns today (Beijing)."""
    now = web.clock()
    t, users = web.tree, web.tree.users
    with web.session() as s:
        for user, grid, days in (("worker1a", "g1a", 0), ("worker1a", "g1a", 0),
                                 ("worker2", "g2", 1)):
            apply_change(s, Visit, None, {"kind": "person", "visitor_id": users[user].id,
                                          "visited_at": now - dt.timedelta(days=days),
                                          "grid_id": t.id(grid)}, now=now)
        apply_change(s, WorkLog, None, {"user_id": users["worker1a"].id,
                                        "log_date": (now + dt.timedelta(hours=8)).date(),
                                        "content": "入户走访", "grid_id": t.id("g1a")}, now=now)
        h = apply_change(s, Household, None, {"household_no": "H-1", "grid_id": t.id("g1a")},
                         now=now, actor_id=users["worker1a"].id)
        apply_change(s, Household, h.id, {"household_no": "H-2"}, now=now,
                     actor_id=users["worker1a"].id)
        s.commit()
    return (now + dt.timedelta(hours=8)).date()


def _browser(web, username="admin") -> TestClient:
    client = TestClient(web.app)
    assert sign_in(client, username).status_code == 303
    return client


def _rows(html: str) -> list[list[str]]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [re.findall(r"<td>([^<]*)</td>", tr) for tr in re.findall(r"<tr>(.*?)</tr>", body)]


def test_per_person_per_day_counts_visits_logs_and_upkeep(web):
    today = _work(web)
    rows = _rows(_browser(web).get("/admin/work-stats").text)
    yesterday = (today - dt.timedelta(days=1)).isoformat()
    assert ["worker2（worker2）", yesterday, "1", "0", "0", "0", "1"] in rows
    assert ["worker1a（worker1a）", today.isoformat(), "2", "1", "1", "1", "5"] in rows


def test_per_area_per_month_adds_up_by_township(web):
    today = _work(web)
    page = _browser(web).get("/admin/work-stats", params={"group": "area", "period": "month"})
    rows = _rows(page.text)
    month = f"{today:%Y-%m}"
    if (today - dt.timedelta(days=1)).month == today.month:
        assert ["托克逊镇", month, "2", "1", "1", "1", "5"] in rows
        assert ["夏乡", month, "1", "0", "0", "0", "1"] in rows
    week = _rows(_browser(web).get("/admin/work-stats", params={"period": "week"}).text)
    assert {r[1] for r in week} <= {f"{d.isocalendar()[0]}-W{d.isocalendar()[1]:02d}"
                                    for d in (today, today - dt.timedelta(days=1))}


def test_a_township_office_counts_only_its_township_by_village(web):
    today = _work(web)
    client = _browser(web, "office1")
    rows = _rows(client.get("/admin/work-stats", params={"group": "area"}).text)
    assert rows == [["团结社区", today.isoformat(), "2", "1", "1", "1", "5"]]
    assert "worker2" not in client.get("/admin/work-stats").text


def test_bad_dates_are_answered_beside_the_field(web):
    _work(web)
    client = _browser(web)
    page = client.get("/admin/work-stats", params={"since": "2026-02-30"})
    assert page.status_code == 422
    assert re.search(r'id="e-since"[^>]*>开始日期 2026-02-30 不是有效的日期', page.text)
    back = client.get("/admin/work-stats", params={"since": "2026-05-02", "until": "2026-05-01"})
    assert back.status_code == 422
    assert re.search(r'id="e-until"[^>]*>结束日期不能早于开始日期', back.text)
    assert _browser(web, "worker1a").get("/admin/work-stats").status_code == 403


def test_the_export_is_the_same_table_and_is_logged(web):
    today = _work(web)
    client = _browser(web, "office1")
    page = client.get("/admin/work-stats")
    answer = client.post("/admin/work-stats/export",
                         data={"csrf_token": csrf_of(page.text), "period": "day",
                               "group": "person", "since": today.isoformat(),
                               "until": today.isoformat()})
    assert answer.status_code == 200
    sheet = load_workbook(io.BytesIO(answer.content)).active
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert values[0][:2] == ["人员", "时段"]
    assert values[1:] == [["worker1a（worker1a）", today.isoformat(), 2, 1, 1, 1, 5]]
    with web.session() as s:
        logged = s.scalars(select(OpLog).where(OpLog.action == "export")).all()
    assert [(x.username, x.details["report"]) for x in logged] == [("office1", "work_stats")]
    refused = client.post("/admin/work-stats/export", data={"period": "day"})
    assert refused.status_code == 403
