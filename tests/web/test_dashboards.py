"""统计看板: the 接诉即办 and visit figures of a period against direct queries on a small fixture
with fixed times (the 接诉即办 ones equal the briefing's of the same week), the township's
scope, each chart's xlsx export (in the operation log) and bad periods refused in Chinese."""
from __future__ import annotations

import datetime as dt
import io

from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from sqlalchemy import func, select

from common.errors import DomainError
from common.schema import Event, Household, OrgNode, Person, Visit, VisitTask
from sync_server.db.tables import OpLog
from sync_server.services import briefings, dashboards
from sync_server.services.changes import apply_change
from sync_server.services.oplog import day_start
from tests.factories import make_id_number, make_person
from tests.web.conftest import csrf_of, sign_in
from tests.web.test_briefings import WEEK, _events, _utc

SINCE, UNTIL = "2026-11-16", "2026-11-22"
WEEK_QUERY = f"period=custom&since={SINCE}&until={UNTIL}"


def _visits(web) -> None:
    """Households H1, H2 (township 1) and H3 (township 2); people p1, p2 (H1, g1a), p3 (H2, g1b),
    p4 (H3, g2), p5 (g1a, moved out: not counted). In the week: p1 visited twice by worker1a,
    p4 once by worker2; p3 visited the week before by worker1b. Tasks due in the week: A done
    on time (by the visit of 11-17), B done late (11-18 for 11-17), C (t1) and D (t2) still open
    past their date, E cancelled; F due after the week."""
    t, users, now = web.tree, web.tree.users, web.clock()
    with web.session() as s:
        h = {key: apply_change(s, Household, None, {"household_no": key, "grid_id": t.id(g)},
                               now=now).id
             for key, g in (("H1", "g1a"), ("H2", "g1b"), ("H3", "g2"))}
        p = {}
        for i, (key, grid, house, status) in enumerate((
                ("p1", "g1a", "H1", "normal"), ("p2", "g1a", "H1", "normal"),
                ("p3", "g1b", "H2", "normal"), ("p4", "g2", "H3", "normal"),
                ("p5", "g1a", None, "moved_out"))):
            p[key] = apply_change(s, Person, None, make_person(
                t.id(grid), id_number=make_id_number(f"1980010{i + 1}"), name=f"人员{key}",
                household_id=h.get(house), status=status), now=now).id
        v = {}
        for key, person, user, grid, at in (
                ("v1", "p1", "worker1a", "g1a", "2026-11-17 10:00"),
                ("v2", "p1", "worker1a", "g1a", "2026-11-18 10:00"),
                ("v3", "p4", "worker2", "g2", "2026-11-19 10:00"),
                ("v4", "p3", "worker1b", "g1b", "2026-11-10 10:00")):
            v[key] = apply_change(s, Visit, None, {
                "kind": "person", "person_id": p[person], "visitor_id": users[user].id,
                "visited_at": _utc(at), "grid_id": t.id(grid)}, now=now).id
        for title, grid, due, status, visit in (
                ("A", "g1a", "2026-11-18", "done", "v1"), ("B", "g1a", "2026-11-17", "done", "v2"),
                ("C", "g1b", "2026-11-20", "open", None), ("D", "g2", "2026-11-22", "open", None),
                ("E", "g1a", "2026-11-19", "cancelled", None),
                ("F", "g1a", "2026-11-30", "open", None)):
            apply_change(s, VisitTask, None, {
                "title": title, "kind": "person", "due_date": dt.date.fromisoformat(due),
                "status": status, "visit_id": v.get(visit), "grid_id": t.id(grid)}, now=now)
        s.commit()


def _client(web, username: str) -> TestClient:
    client = TestClient(web.app)
    assert sign_in(client, username).status_code == 303
    return client


def _chart(body, chart_id: str) -> dict[str, int]:
    chart = next(c for c in body["charts"] if c["id"] == chart_id)
    return {i["label"]: i["value"] for i in chart["items"]}


def test_hotline_figures_equal_direct_queries_and_the_briefing(web):
    _events(web)
    body = _client(web, "admin").get(f"/admin/dashboards/data.json?{WEEK_QUERY}").json()
    h = body["hotline"]
    begin, end = day_start(WEEK), day_start(WEEK + dt.timedelta(days=7))
    with web.session() as s:
        received = s.scalar(select(func.count()).select_from(Event).where(
            Event.reported_at >= begin, Event.reported_at < end))
        closed = s.scalar(select(func.count()).select_from(Event).where(
            Event.closed_at >= begin, Event.closed_at < end))
        overdue = s.scalar(select(func.count()).select_from(Event).where(
            Event.due_at < end, Event.reported_at < end,
            Event.closed_at.is_(None) | (Event.closed_at >= end)))
        brief = briefings.compute(s, s.get(OrgNode, web.tree.id("county")), "week", WEEK)
    assert (h["received"], h["closed"], h["overdue"]) == (received, closed, overdue) == (3, 2, 2)
    assert h["satisfaction_rate"] == brief["satisfaction_rate"] == 50.0
    assert h["closed_late"] == brief["closed_late"] == 1
    # e1 closed after 8 hours, e3 after 48: the median of the two
    assert h["median_hours"] == 28.0
    assert _chart(body, "category") == dict(map(tuple, brief["by_category"]))
    assert _chart(body, "area") == {"托克逊镇": 2, "夏乡": 1}
    assert _chart(body, "handler") == {"（未分派）": 3}
    assert _chart(body, "satisfaction") == {"满意": 1, "基本满意": 0, "不满意": 1}


def test_visit_coverage_tasks_and_rankings(web):
    _visits(web)
    body = _client(web, "admin").get(f"/admin/dashboards/data.json?{WEEK_QUERY}").json()
    v = body["visits"]
    with web.session() as s:
        people = s.scalar(select(func.count()).select_from(Person).where(
            Person.status == "normal"))
        households = s.scalar(select(func.count()).select_from(Household))
        seen = s.scalar(select(func.count(func.distinct(Visit.person_id))).where(
            Visit.visited_at >= day_start(WEEK),
            Visit.visited_at < day_start(WEEK + dt.timedelta(days=7))))
    assert (v["people"], v["people_visited"], v["people_rate"]) == (people, seen, 50.0)
    assert (v["households"], v["households_visited"]) == (households, 2)
    assert v["households_rate"] == 66.7 and v["visits"] == 3
    assert v["tasks"] == {"done_on_time": 1, "done_late": 1, "overdue": 2, "open": 0}
    assert _chart(body, "workers") == {"worker1a（worker1a）": 2, "worker2（worker2）": 1}
    assert list(_chart(body, "grids").items()) == [("团结社区第一网格", 2), ("南湖村第一网格", 1)]


def test_a_township_sees_only_its_township(web):
    _events(web)
    _visits(web)
    office = _client(web, "office1")
    page = office.get(f"/admin/dashboards?{WEEK_QUERY}")
    assert page.status_code == 200 and "托克逊镇" in page.text
    body = office.get(f"/admin/dashboards/data.json?{WEEK_QUERY}").json()
    assert body["node"]["name"] == "托克逊镇"
    assert (body["hotline"]["received"], body["hotline"]["overdue"]) == (2, 1)
    assert _chart(body, "area") == {"团结社区": 2}
    v = body["visits"]
    assert (v["people"], v["people_visited"]) == (3, 1)
    assert (v["households"], v["households_visited"]) == (2, 1)
    assert v["tasks"] == {"done_on_time": 1, "done_late": 1, "overdue": 1, "open": 0}
    assert "南湖村第一网格" not in _chart(body, "grids") and "worker2（worker2）" not in _chart(
        body, "workers")
    assert _client(web, "worker1a").get("/admin/dashboards").status_code == 403


def test_a_chart_exports_as_xlsx_and_is_logged(web):
    _events(web)
    admin = _client(web, "admin")
    token = csrf_of(admin.get("/admin/dashboards").text)
    got = admin.post("/admin/dashboards/export", data={
        "csrf_token": token, "period": "custom", "since": SINCE, "until": UNTIL,
        "chart": "area"})
    assert got.status_code == 200 and got.content.startswith(b"PK")
    rows = list(load_workbook(io.BytesIO(got.content)).active.iter_rows(values_only=True))
    assert ("托克逊镇", 2) in rows and ("夏乡", 1) in rows
    with web.session() as s:
        assert s.scalar(select(func.count()).select_from(OpLog).where(
            OpLog.entity == "dashboards", OpLog.action == "export")) == 1
    missing = admin.post("/admin/dashboards/export", data={
        "csrf_token": token, "period": "week", "chart": "nope"})
    assert missing.status_code == 404


def test_bad_periods_are_refused_in_chinese(web):
    admin = _client(web, "admin")
    odd = admin.get("/admin/dashboards/data.json?period=year")
    assert odd.status_code == 422 and "请选择本周、本月或自定义日期" in odd.json()["errors"]["period"]
    bad = admin.get("/admin/dashboards/data.json?period=custom&since=2026-13-01&until=2026-11-22")
    assert bad.status_code == 422 and "不是有效的日期" in bad.json()["errors"]["since"]
    back = admin.get("/admin/dashboards?period=custom&since=2026-11-22&until=2026-11-16")
    assert back.status_code == 422 and "结束日期不能早于开始日期" in back.text
    long = admin.get("/admin/dashboards?period=custom&since=2024-01-01&until=2026-11-16")
    assert long.status_code == 422 and "最长 366 天" in long.text


def test_this_week_and_this_month(web):
    admin = _client(web, "admin")  # the fixed clock: Tuesday 2026-11-24 (Beijing)
    week = admin.get("/admin/dashboards/data.json?period=week").json()["period"]
    assert (week["since"], week["until"]) == ("2026-11-23", "2026-11-24")
    month = admin.get("/admin/dashboards/data.json?period=month").json()["period"]
    assert (month["since"], month["until"]) == ("2026-11-01", "2026-11-24")


@settings(max_examples=200, deadline=None)
@given(since=st.dates(dt.date(2020, 1, 1), dt.date(2030, 12, 31)),
       until=st.dates(dt.date(2020, 1, 1), dt.date(2030, 12, 31)))
def test_a_custom_period_is_accepted_exactly_when_forwards_and_at_most_366_days(since, until):
    ok = since <= until and (until - since).days < dashboards.MAX_DAYS
    try:
        period = dashboards.parse_period("custom", since.isoformat(), until.isoformat(),
                                         dt.date(2026, 11, 24))
    except DomainError as err:
        assert not ok and err.field == "until"
    else:
        assert ok and (period.since, period.until) == (since, until)
