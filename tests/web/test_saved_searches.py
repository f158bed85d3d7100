"""Saved searches on the people list (/admin/people) and a data collection whose population is
one: a township user filters the list, saves the search, a bad name is refused beside the
field; the collection form offers the user's own searches; the shares are the search's people
of each grid of the township (never another township's), logged."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from common.schema import CollectionTask
from sync_server.db.tables import OpLog
from sync_server.db.web_tables import SavedSearch
from tests.web.conftest import csrf_of
from tests.web.test_fieldwork import _cells, _client, _people


def test_a_township_saves_a_people_search_and_collects_from_it(web):
    _people(web)  # 甲 乙 (g1a) 丁 (g1b) 戊 (g2) tagged 60岁以上; 丙 (g1a) not
    office = _client(web, "office1")
    listed = office.get("/admin/people?tag=elderly_60")
    assert listed.status_code == 200 and "保存为常用检索" in listed.text
    bad = office.post("/admin/people/searches", data={
        "csrf_token": csrf_of(listed.text), "tag": "elderly_60", "search_name": " "})
    assert bad.status_code == 422 and "检索名称不能为空" in bad.text and 'id="e-search_name"' in bad.text
    saved = office.post("/admin/people/searches", data={
        "csrf_token": csrf_of(listed.text), "tag": "elderly_60", "search_name": "老人"},
        follow_redirects=False)
    assert saved.status_code == 303 and saved.headers["location"] == "/admin/people?tag=elderly_60"
    assert ">老人</a>" in office.get("/admin/people").text
    # another user does not see (nor use) it
    assert ">老人</a>" not in _client(web, "admin").get("/admin/people").text

    form = office.get("/admin/fieldwork/collections")
    with web.session() as s:
        sid = s.scalar(select(SavedSearch.id).where(SavedSearch.name == "老人"))
        assert s.scalar(select(OpLog.id).where(OpLog.entity == "saved_searches"))
    assert f'<option value="{sid}">老人</option>' in form.text
    made = office.post("/admin/fieldwork/collections", data={
        "csrf_token": csrf_of(form.text), "title": "老人电话核实", "fields": ["phone"],
        "search_id": sid, "frequency": "once",
        "due_date": (web.clock().date() + dt.timedelta(days=9)).isoformat()},
        follow_redirects=False)
    assert made.status_code == 303, made.text
    shown = office.get(made.headers["location"]).text
    assert "采集对象：常用检索“老人”的人员" in shown
    assert _cells(shown, "completion") == [["团结社区第一网格", "worker1a", "2", "0", "0%"],
                                           ["团结社区第二网格", "worker1b", "1", "0", "0%"]]
    # a search id that is not the user's own is refused beside the field, nothing written
    before = _count_tasks(web)
    other = office.post("/admin/fieldwork/collections", data={
        "csrf_token": csrf_of(form.text), "title": "借用", "fields": ["phone"],
        "search_id": "00000000-0000-0000-0000-000000000000", "frequency": "once",
        "due_date": (web.clock().date() + dt.timedelta(days=9)).isoformat()})
    assert other.status_code == 422 and 'id="e-search_id"' in other.text
    assert _count_tasks(web) == before
    # deleting the search leaves the collection as it was
    page = office.get("/admin/people")
    gone = office.post(f"/admin/people/searches/{sid}/delete",
                       data={"csrf_token": csrf_of(page.text)}, follow_redirects=False)
    assert gone.status_code == 303 and ">老人</a>" not in office.get("/admin/people").text
    assert _count_tasks(web) == before


def _count_tasks(web) -> int:
    with web.session() as s:
        return len(s.scalars(select(CollectionTask.id)).all())
