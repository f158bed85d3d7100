"""接诉即办 briefings: the figures against direct queries on events with fixed times, the
township's scope, the same period regenerated gives the same figures and the same PDF, the
page (generate, bad input, download, scope) and the housekeeping round that makes and pushes
them."""
from __future__ import annotations

import datetime as dt
import json

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from common.schema import Event, OrgNode, User
from sync_server.app import _briefings
from sync_server.db.tables import Briefing, OpLog
from sync_server.services import briefings as svc
from sync_server.services.changes import apply_change
from tests.web.conftest import csrf_of, sign_in

WEEK = dt.date(2026, 11, 16)  # the last finished week at NOW (Tuesday 2026-11-24)


def _utc(text: str) -> dt.datetime:
    """A Beijing wall time as the naive UTC the server stores."""
    return dt.datetime.fromisoformat(text) - dt.timedelta(hours=8)


def _events(web) -> dict[str, str]:
    """Five events around the week of 2026-11-16 (Beijing): e1 (t1) closed in time and rated
    satisfied; e2 (t1) open past its limit; e3 (t2) closed late, rated dissatisfied; e4 (t2)
    reported the week before, closed only after the week (overdue at the week's end); e5 (t1)
    reported after the week."""
    t, now = web.tree, web.clock()
    spec = {
        "e1": ("g1a", "environment", "2026-11-17 10:00", "2026-11-18 10:00", "2026-11-17 18:00",
               "satisfied"),
        "e2": ("g1b", "dispute", "2026-11-18 09:00", "2026-11-20 09:00", None, None),
        "e3": ("g2", "environment", "2026-11-19 09:00", "2026-11-20 09:00", "2026-11-21 09:00",
               "dissatisfied"),
        "e4": ("g2", "safety", "2026-11-10 09:00", "2026-11-12 09:00", "2026-11-23 11:00", None),
        "e5": ("g1a", "other", "2026-11-23 08:00", "2026-11-25 08:00", None, None),
    }
    ids = {}
    with web.session() as s:
        for key, (grid, category, reported, due, closed, rating) in spec.items():
            row = apply_change(s, Event, None, {
                "title": f"事件{key}", "category": category, "source": "hotline",
                "status": "closed" if closed else "pending", "priority": "normal",
                "reported_at": _utc(reported), "due_at": _utc(due),
                "closed_at": _utc(closed) if closed else None, "satisfaction": rating,
                "grid_id": t.id(grid)}, now=now)
            ids[key] = row.id
        s.commit()
    return ids


def _node(s, key: str, web) -> OrgNode:
    return s.get(OrgNode, web.tree.id(key))


def test_week_figures_match_direct_queries_for_the_county(web):
    _events(web)
    begin, end = svc.day_start(WEEK), svc.day_start(WEEK + dt.timedelta(days=7))
    with web.session() as s:
        f = svc.compute(s, _node(s, "county", web), "week", WEEK)
        received = s.scalar(select(func.count()).select_from(Event).where(
            Event.reported_at >= begin, Event.reported_at < end))
        closed = s.scalar(select(func.count()).select_from(Event).where(
            Event.closed_at >= begin, Event.closed_at < end))
        overdue = s.scalar(select(func.count()).select_from(Event).where(
            Event.due_at < end, Event.reported_at < end,
            Event.closed_at.is_(None) | (Event.closed_at >= end)))
    assert (f["received"], f["closed"], f["overdue"]) == (received, closed, overdue) == (3, 2, 2)
    assert f["closed_late"] == 1
    assert f["satisfaction"] == {"satisfied": 1, "basic": 0, "dissatisfied": 1}
    assert f["satisfaction_rate"] == 50.0
    assert dict(map(tuple, f["by_category"]))["环境卫生"] == 2
    assert dict(map(tuple, f["by_category"]))["邻里纠纷"] == 1
    assert sorted(f["by_area"]) == sorted([["托克逊镇", 2], ["夏乡", 1]])
    assert [r["title"] for r in f["overdue_rows"]] == ["事件e4", "事件e2"]
    assert f["overdue_rows"][0]["days"] == 10  # 11-12 09:00 to the week's end 11-23 00:00
    assert f["period_label"] == "2026年第47周（11月16日—11月22日）"


def test_a_township_counts_only_its_own_events_by_village(web):
    _events(web)
    with web.session() as s:
        f = svc.compute(s, _node(s, "t1", web), "week", WEEK)
    assert (f["received"], f["closed"], f["overdue"], f["satisfaction_rate"]) == (2, 1, 1, 100.0)
    assert [r["title"] for r in f["overdue_rows"]] == ["事件e2"]
    assert sum(n for _, n in f["by_area"]) == 2 and "夏乡" not in json.dumps(f, ensure_ascii=False)


def test_regenerating_a_past_period_gives_the_same_figures_and_pdf(web):
    ids = _events(web)
    now = web.clock()
    with web.session() as s:
        county = _node(s, "county", web)
        first = dict(svc.generate(s, county, "week", WEEK, now=now).figures)
        pdf = svc.render_pdf(first)
        # what happens after the week does not change it: e2 is closed now, a new event comes
        apply_change(s, Event, ids["e2"], {"status": "closed", "closed_at": now,
                                           "satisfaction": "satisfied"}, now=now)
        apply_change(s, Event, None, {"title": "新事件", "category": "other", "source": "hotline",
                                      "status": "pending", "priority": "normal",
                                      "reported_at": now, "grid_id": web.tree.id("g1a")}, now=now)
        again = svc.generate(s, county, "week", WEEK, now=now + dt.timedelta(hours=1))
        assert again.figures == first
        assert s.scalar(select(func.count()).select_from(Briefing)) == 1
        assert svc.render_pdf(again.figures) == pdf
    assert pdf.startswith(b"%PDF") and b"WenQuanYi" in pdf  # the Chinese font is embedded


def test_month_period_and_unfinished_periods(web):
    now = web.clock()
    assert svc.last_finished("month", now) == dt.date(2026, 10, 1)
    assert svc.last_finished("week", now) == WEEK
    assert svc.check_period("month", dt.date(2026, 2, 14), now) == dt.date(2026, 2, 1)
    assert svc.period_end("month", dt.date(2026, 12, 1)) == dt.date(2027, 1, 1)
    for kind, day in (("week", dt.date(2026, 11, 23)), ("month", dt.date(2026, 11, 2))):
        try:
            svc.check_period(kind, day, now)
        except svc.DomainError as err:
            assert err.code == "briefing_period_unfinished"
        else:
            raise AssertionError("an unfinished period was accepted")


def _client(web, username: str) -> TestClient:
    client = TestClient(web.app)
    assert sign_in(client, username).status_code == 303
    return client


def test_the_page_generates_lists_and_downloads_within_scope(web):
    _events(web)
    admin = _client(web, "admin")
    page = admin.get("/admin/briefings")
    assert page.status_code == 200 and "还没有简报" in page.text
    token = csrf_of(page.text)
    bad = admin.post("/admin/briefings", data={"csrf_token": token, "kind": "week",
                                               "day": "2026-13-01"})
    assert bad.status_code == 422 and "不是有效的日期" in bad.text
    early = admin.post("/admin/briefings", data={"csrf_token": token, "kind": "month",
                                                 "day": "2026-11-02"})
    assert early.status_code == 422 and "还没有结束" in early.text
    odd = admin.post("/admin/briefings", data={"csrf_token": token, "kind": "year",
                                               "day": "2026-11-02"})
    assert odd.status_code == 422 and "请选择周报或月报" in odd.text
    ok = admin.post("/admin/briefings", data={"csrf_token": token, "kind": "week",
                                              "day": "2026-11-18"}, follow_redirects=False)
    assert ok.status_code == 303
    listing = admin.get("/admin/briefings").text
    assert "周报" in listing
    assert "2026年第47周" in listing
    with web.session() as s:
        county_row = s.scalars(select(Briefing)).one()
    pdf = admin.get(f"/admin/briefings/{county_row.id}/pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    with web.session() as s:
        assert s.scalar(select(func.count()).select_from(OpLog).where(
            OpLog.entity == "briefings", OpLog.action == "export")) == 1

    office = _client(web, "office1")
    own = office.get("/admin/briefings")
    assert own.status_code == 200 and "2026年第47周" not in own.text  # the county's is not theirs
    assert office.get(f"/admin/briefings/{county_row.id}/pdf").status_code == 403
    made = office.post("/admin/briefings", data={"csrf_token": csrf_of(own.text), "kind": "week",
                                                 "day": "2026-11-16"}, follow_redirects=False)
    assert made.status_code == 303
    with web.session() as s:
        mine = s.scalars(select(Briefing).where(Briefing.node_id == web.tree.id("t1"))).one()
    assert mine.figures["received"] == 2
    assert admin.get(f"/admin/briefings/{mine.id}/pdf").status_code == 200  # within the county
    assert _client(web, "worker1a").get("/admin/briefings").status_code == 403


def test_housekeeping_makes_last_weeks_and_months_briefings_and_pushes_the_notice(web):
    _events(web)
    web.settings.briefing_recipients = "admin, office1, worker1a"
    with web.session() as s:
        for name, phone in (("admin", "13800000001"), ("office1", "13800000002")):
            s.scalars(select(User).where(User.username == name)).one().phone = phone
        s.commit()
    made = _briefings(web.app)
    assert made == 2 * 3  # a week and a month for the county and its two townships
    assert _briefings(web.app) == 0  # nothing twice
    with web.session() as s:
        rows = s.scalars(select(Briefing)).all()
        assert {(r.kind, r.period_start) for r in rows} == {("week", WEEK),
                                                            ("month", dt.date(2026, 10, 1))}
        assert all(r.pushed_at is not None for r in rows)
        county_week = next(r for r in rows if r.node_id == web.tree.id("county")
                           and r.kind == "week")
    sent = web.app.state.sms_gateway.messages()
    phones = sorted(m["phone"] for m in sent)
    assert phones == ["13800000001", "13800000001", "13800000002", "13800000002"]
    county_text = next(m["text"] for m in sent if county_week.id in m["text"])
    assert "受理3件，办结2件，逾期2件" in county_text
    assert f"/admin/briefings/{county_week.id}/pdf" in county_text
