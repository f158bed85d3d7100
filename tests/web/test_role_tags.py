"""A read-only role limited to some tags (民政专干: 低保, 残疾): every read of people follows the
tags (JSON list and get, the web people list, the export), every write is refused in Chinese and
leaves nothing, and the desktop may not sign in or sync for it."""
from __future__ import annotations

import re

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from common.schema import Person, PersonTag
from common.sync.codec import pack
from common.sync.messages import SyncRequest
from sync_server.services import grids, permissions
from sync_server.services.records import create_record
from sync_server.services.scope import Scope
from tests.factories import PASSWORD, make_person
from tests.web.conftest import csrf_of, sign_in

TAGS = ["dibao", "disabled", "veteran", "party_member"]
GRIDS = ["node-g1a", "node-g1b", "node-g2"]  # office1's township holds g1a and g1b
DIGITS = "零一二三四五六七八九"


def _define(web, tags: list[str], *, base: str = "township_office",
            read_only: bool = False) -> None:
    with web.session() as s:
        admin = s.get(type(web.tree.users["admin"]), web.tree.users["admin"].id)
        permissions.save_role(s, admin, code="civil_affairs", name="民政专干", base_role=base,
                              permissions=["web:home", "web:people", "web:registry",
                                           "app:people"],
                              tags=tags, read_only=read_only, now=web.clock())
        user = s.get(type(admin), web.tree.users["office1"].id)
        permissions.give_role(s, user, "civil_affairs")
        s.commit()


def _add_people(web, people: list[tuple[str, frozenset[str]]], start: int) -> list[dict]:
    made = []
    with web.session() as s:
        admin = s.get(type(web.tree.users["admin"]), web.tree.users["admin"].id)
        scope = Scope.of(s, admin)
        for i, (grid, tags) in enumerate(people, start):
            name = "民" + "".join(DIGITS[int(d)] for d in str(i))
            row = create_record(s, scope, admin, Person,
                                {**make_person(grid, name=name), "tags": sorted(tags)},
                                now=web.clock())
            made.append({"id": row.id, "name": name, "grid": grid, "tags": tags})
        s.commit()
    return made


def _browser(web, username: str) -> TestClient:
    client = TestClient(web.app)
    assert sign_in(client, username).status_code == 303
    return client


people_st = st.lists(st.tuples(st.sampled_from(GRIDS), st.frozensets(st.sampled_from(TAGS))),
                     max_size=5)


@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(allowed=st.lists(st.sampled_from(TAGS), min_size=1, unique=True), people=people_st)
def test_a_tag_limited_user_reads_exactly_the_people_carrying_an_allowed_tag(web, allowed,
                                                                             people):
    known = web.__dict__.setdefault("people", [])  # the examples share one server
    known += _add_people(web, people, len(known))
    _define(web, allowed)
    expected = {p["id"] for p in known
                if p["grid"] != "node-g2" and p["tags"] & set(allowed)}
    names = {p["name"] for p in known if p["id"] in expected}
    with web.session() as s:  # the rule's three forms: SQL by grid, SQL row by row, Python
        office = s.get(type(web.tree.users["office1"]), web.tree.users["office1"].id)
        scope = Scope.of(s, office)
        for by_grid in (True, False):
            assert set(s.scalars(select(Person.id).where(
                scope.condition(Person, by_grid_index=by_grid)))) == expected
            # records naming a person (here their tags) follow the person
            assert set(s.scalars(select(PersonTag.person_id).where(
                scope.condition(PersonTag, by_grid_index=by_grid),
                PersonTag.deleted.is_(False)))) == expected
        assert {p["id"] for p in known if scope.contains(s, s.get(Person, p["id"]))} == expected
    api = web.as_("office1")
    answer = api.get("/api/people", params={"limit": 500}).json()
    assert {p["id"] for p in answer["items"]} == expected
    assert answer["total"] == len(expected)
    for p in known:  # one record at a time: the same rule
        assert api.get(f"/api/people/{p['id']}").status_code == (200 if p["id"] in expected
                                                                  else 404)
    csv = api.get("/api/people/export.csv")
    assert csv.headers["X-Total-Count"] == str(len(expected))
    assert set(re.findall(r"民[零一二三四五六七八九]+", csv.text)) == names
    browser = _browser(web, "office1")
    for url in ("/admin/people", "/admin/registry/people"):
        page = browser.get(url, params={"size": 100}).text
        assert f"共 {len(expected)} 条" in page, url
        assert set(re.findall(r"民[零一二三四五六七八九]+", page)) == names, url


def test_the_grid_overview_counts_only_the_people_the_role_reads(web):
    _add_people(web, [("node-g1a", frozenset({"dibao"})), ("node-g1a", frozenset()),
                      ("node-g1b", frozenset({"veteran"}))], 0)
    _define(web, ["dibao"])
    with web.session() as s:
        office = s.get(type(web.tree.users["office1"]), web.tree.users["office1"].id)
        counts = {g.id: g.people for g in grids.overview(s, Scope.of(s, office))}
    assert counts == {"node-g1a": 1, "node-g1b": 0}


def test_without_tags_the_same_role_sees_its_whole_scope(web):
    made = _add_people(web, [("node-g1a", frozenset()), ("node-g1b", frozenset({"dibao"})),
                             ("node-g2", frozenset({"dibao"}))], 0)
    _define(web, [])
    items = web.as_("office1").get("/api/people", params={"limit": 500}).json()["items"]
    assert {p["id"] for p in items} == {m["id"] for m in made[:2]}


def _counts(web) -> tuple[int, int]:
    with web.session() as s:
        return (s.scalar(select(func.count()).select_from(Person)),
                s.scalar(select(func.count()).select_from(PersonTag)))


def test_every_write_by_a_read_only_role_is_refused_in_chinese_and_leaves_nothing(web):
    made = _add_people(web, [("node-g1a", frozenset({"dibao"}))], 0)
    _define(web, ["dibao"])
    before = _counts(web)
    api = web.as_("office1")
    refusals = [api.post("/api/people", json=make_person("node-g1a", tags=["dibao"])),
                api.patch(f"/api/people/{made[0]['id']}", json={"name": "改名"}),
                api.delete(f"/api/people/{made[0]['id']}"),
                api.post("/api/admin/users", json={"username": "x1", "display_name": "某",
                                                    "password": "Hu-yang-7-Tree-kashgar",
                                                    "role": "grid_worker",
                                                    "scope_node_id": "node-g1a"})]
    for r in refusals:
        assert r.status_code == 403, r.text
        assert r.json()["message"] == "您的角色“民政专干”只能查看数据，不能新增、修改或删除"
    assert _counts(web) == before
    assert api.get(f"/api/people/{made[0]['id']}").json()["name"] == made[0]["name"]
    # The console: a write form is refused, an export (a read) is not.
    browser = _browser(web, "office1")
    token = csrf_of(browser.get("/admin/people").text)
    r = browser.post("/admin/org/node-v1/add", data={"csrf_token": token, "name": "新网格",
                                                     "level": "grid"},
                     follow_redirects=False)
    assert r.status_code == 403 and "只能查看数据" in r.text
    assert "退出登录" in r.text  # the refusal is a page of the signed-in console
    r = browser.post("/admin/people/export", data={"csrf_token": token},
                     follow_redirects=False)
    assert r.status_code in (200, 303)
    assert _counts(web) == before


def test_the_desktop_may_not_sign_in_or_sync_for_a_read_only_role(web):
    _define(web, ["dibao"])
    r = web.client.post("/api/auth/login", json={"username": "office1",
                                                  "password": PASSWORD,
                                                  "device_id": "dev-civil-1"})
    assert r.status_code == 403
    assert r.json()["message"] == "您的角色“民政专干”只能在网页管理端查看数据，不能在桌面端登录或同步"
    # Signed in without a device (a script, the browser): reads work, the sync is refused.
    ok = web.client.post("/api/auth/login", json={"username": "office1",
                                                   "password": PASSWORD})
    assert ok.status_code == 200
    body = pack(SyncRequest(device_id="dev-civil-2").model_dump(mode="json"))
    sync = web.as_("office1").post("/api/sync", content=body,
                                   headers={"X-Device-Id": "dev-civil-2"})
    assert sync.status_code == 403 and "不能在桌面端登录或同步" in sync.json()["message"]
    snap = web.as_("office1").post("/api/sync/snapshots")
    assert snap.status_code == 403 and "不能在桌面端登录或同步" in snap.json()["message"]


def test_a_builtin_role_cannot_be_made_read_only_and_unknown_tags_are_refused(web):
    admin = _browser(web, "admin")
    token = csrf_of(admin.get("/admin/roles").text)
    r = admin.post("/admin/roles", data={"csrf_token": token, "code": "grid_worker",
                                         "name": "网格员", "base_role": "grid_worker",
                                         "permissions": ["web:home"], "tags": ["dibao"]},
                   follow_redirects=False)
    assert r.status_code == 422 and "内置角色不能设为只读或限定标签" in r.text
    r = admin.post("/admin/roles", data={"csrf_token": token, "code": "civil_affairs",
                                         "name": "民政专干", "base_role": "township_office",
                                         "permissions": ["web:people"], "tags": ["nope"]},
                   follow_redirects=False)
    assert r.status_code == 422 and "可查看的人员标签“nope”不在可选项中" in r.text
    ok = admin.post("/admin/roles", data={"csrf_token": token, "code": "civil_affairs",
                                          "name": "民政专干", "base_role": "township_office",
                                          "permissions": ["web:people"],
                                          "tags": ["dibao", "disabled"]},
                    follow_redirects=False)
    assert ok.status_code == 303
    page = admin.get("/admin/roles").text
    assert "只读，仅低保、残疾人员" in page

