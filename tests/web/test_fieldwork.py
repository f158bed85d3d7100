"""基层工作 pages over plain HTTP: a township defines a collection (bad input named beside each
field, nothing written), tasks go to each grid's worker, completion by grid and worker within
the scope; 包户 assignments (bad and repeated ones refused) and each cadre's coverage."""
from __future__ import annotations

import datetime as dt
import re

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from common.schema import (Collection, CollectionTask, Household, HouseholdCadre, Person,
                           PersonTag, Visit, VisitTask)
from sync_server.services.changes import apply_change
from tests.factories import make_id_number, make_person
from tests.web.conftest import csrf_of, sign_in


def _people(web) -> dict[str, str]:
    """Three elderly people in g1a, one in g1b, one in g2; one household in g1a."""
    now, t = web.clock(), web.tree
    ids = {}
    with web.session() as s:
        for name, grid in (("甲", "g1a"), ("乙", "g1a"), ("丙", "g1a"), ("丁", "g1b"),
                           ("戊", "g2")):
            p = apply_change(s, Person, None, make_person(t.id(grid), name=name,
                                                          id_number=make_id_number()), now=now)
            ids[name] = p.id
            if name != "丙":
                apply_change(s, PersonTag, None, {"person_id": p.id, "tag_code": "elderly_60",
                                                  "grid_id": t.id(grid)}, now=now)
        h = apply_change(s, Household, None, {"household_no": "H-001", "grid_id": t.id("g1a"),
                                              "head_person_id": ids["甲"]}, now=now)
        apply_change(s, Person, ids["甲"], {"household_id": h.id}, now=now)
        ids["household"] = h.id
        s.commit()
    return ids


def _client(web, username: str) -> TestClient:
    c = TestClient(web.app)
    assert sign_in(c, username).status_code == 303
    return c


def _count(web, entity) -> int:
    with web.session() as s:
        return s.scalar(select(func.count()).select_from(entity))


def _cells(html: str, table: str) -> list[list[str]]:
    body = html.split(f'id="{table}"', 1)[1].split("</table>", 1)[0]
    return [re.findall(r"<td>([^<]*)</td>", tr) for tr in re.findall(r"<tr>(.*?)</tr>", body, re.S)
            if "<td>" in tr]


def test_a_township_defines_a_collection_and_sees_completion_by_grid_and_worker(web):
    _people(web)
    office = _client(web, "office1")
    page = office.get("/admin/fieldwork/collections")
    assert page.status_code == 200 and "发起数据采集" in page.text
    due = (web.clock().date() + dt.timedelta(days=20)).isoformat()
    r = office.post("/admin/fieldwork/collections", data={
        "csrf_token": csrf_of(page.text), "title": "老人联系电话核实", "fields": ["phone",
                                                                         "address"],
        "tag": "elderly_60", "frequency": "once", "due_date": due}, follow_redirects=False)
    assert r.status_code == 303, r.text
    shown = office.get(r.headers["location"]).text
    # township 1 only: 甲 and 乙 in g1a (丙 has no tag), 丁 in g1b; 戊 is in township 2
    assert _cells(shown, "completion") == [["团结社区第一网格", "worker1a", "2", "0", "0%"],
                                           ["团结社区第二网格", "worker1b", "1", "0", "0%"]]
    assert "联系电话、现住址" in shown
    with web.session() as s:
        tasks = s.scalars(select(CollectionTask)).all()
        assert {t.assignee_id for t in tasks} == {web.tree.users["worker1a"].id,
                                                  web.tree.users["worker1b"].id}
        assert all(t.status == "open" and t.period == "once" for t in tasks)
    # seeing the page again makes no more tasks
    office.get(r.headers["location"])
    assert _count(web, CollectionTask) == 3
    # a county admin sees it too; township 2's own collection list does not count its tasks
    assert "老人联系电话核实" in _client(web, "admin").get("/admin/fieldwork/collections").text


def test_a_bad_collection_names_each_field_and_writes_nothing(web):
    _people(web)
    office = _client(web, "office1")
    page = office.get("/admin/fieldwork/collections")
    r = office.post("/admin/fieldwork/collections", data={
        "csrf_token": csrf_of(page.text), "title": "", "fields": ["id_number"],
        "frequency": "weekly", "due_date": "2020-13-01"})
    assert r.status_code == 422
    for field, text in (("title", "采集名称不能为空"), ("fields", "不在可选项中"),
                        ("frequency", "频次“weekly”不在可选项中"),
                        ("due_date", "截止日期 2020-13-01 不是有效的日期")):
        assert text in r.text.split(f'id="e-{field}"', 1)[1].split("</p>", 1)[0], field
    assert 'value="id_number" checked' not in r.text  # not offered at all
    assert _count(web, Collection) == 0 and _count(web, CollectionTask) == 0
    missing = office.post("/admin/fieldwork/collections", data={
        "csrf_token": csrf_of(page.text), "title": "x", "frequency": "once",
        "due_date": "2099-01-01"})
    assert missing.status_code == 422 and "请至少选择一个要采集的字段" in missing.text
    # without the CSRF token nothing happens
    assert office.post("/admin/fieldwork/collections", data={"title": "x"},
                       follow_redirects=False).status_code in (303, 403)
    assert _count(web, Collection) == 0
    # a grid worker has no such page
    assert _client(web, "worker1a").get("/admin/fieldwork/collections").status_code == 403


def test_cadres_are_assigned_to_households_and_their_coverage_shows(web):
    ids = _people(web)
    office = _client(web, "office1")
    page = office.get("/admin/fieldwork/cadres")
    assert page.status_code == 200 and "本辖区还没有包户" in page.text
    token = csrf_of(page.text)
    worker = web.tree.users["worker1a"].id
    assigned = office.post("/admin/fieldwork/cadres", data={
        "csrf_token": token, "household_id": ids["household"], "cadre_id": worker,
        "interval_days": "30"}, follow_redirects=False)
    assert assigned.status_code == 303
    again = office.post("/admin/fieldwork/cadres", data={
        "csrf_token": token, "household_id": ids["household"], "cadre_id": worker,
        "interval_days": "0"})
    assert again.status_code == 422
    assert "worker1a已包户 H-001，不能重复指定" in again.text
    assert "走访周期(天)“0”应在 1 到 365 之间" in again.text
    other = office.post("/admin/fieldwork/cadres", data={
        "csrf_token": token, "household_id": ids["household"],
        "cadre_id": web.tree.users["worker2"].id})  # another township's account
    assert other.status_code == 422 and "包户干部指向的记录不存在" in other.text
    assert _count(web, HouseholdCadre) == 1
    shown = office.get("/admin/fieldwork/cadres").text
    # the assignment made this period's visit task (due on the period's last day)
    assert "worker1a（worker1a）：包户 1 户，周期内已走访 0 户（0%），待走访任务 1 项" in shown
    due = (web.clock().date() + dt.timedelta(days=29)).isoformat()
    assert _cells(shown, "cadre-1")[0][:6] == ["H-001", "甲", "30", "从未走访", "否",
                                               f"待走访，{due} 前"]
    with web.session() as s:
        apply_change(s, Visit, None, {"kind": "person", "person_id": ids["甲"],
                                      "visitor_id": worker, "visited_at": web.clock(),
                                      "grid_id": web.tree.id("g1a")}, now=web.clock())
        s.commit()
    shown = office.get("/admin/fieldwork/cadres").text
    assert "周期内已走访 1 户（100%）" in shown
    with web.session() as s:
        aid = s.scalar(select(HouseholdCadre.id))
    ended = office.post(f"/admin/fieldwork/cadres/{aid}/end", data={"csrf_token": token},
                        follow_redirects=False)
    assert ended.status_code == 303
    assert "本辖区还没有包户" in office.get("/admin/fieldwork/cadres").text
    with web.session() as s:  # the ended assignment's open task goes with it
        assert s.scalars(select(VisitTask.deleted)).all() == [True]
