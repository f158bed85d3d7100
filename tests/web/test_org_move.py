"""Moving org nodes (a grid to another village, a village to another township) from the grid
page, the org page and the JSON API, over services/org.move_node: the records' scope follows,
the accounts whose scope changed re-sync, wrong moves are refused in Chinese, all logged."""
from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from common.schema import OrgNode, User
from sync_server.db.snapshot_tables import DeviceHolding
from sync_server.db.sync_tables import SyncDevice
from sync_server.db.tables import OpLog
from tests.factories import PASSWORD, make_person
from tests.web.conftest import csrf_of, sign_in


STRONG = "Hu-yang-7-Tree-kashgar"


def _browser(web, username="admin") -> TestClient:
    client = TestClient(web.app)
    password = STRONG if username == "office2" else PASSWORD
    assert sign_in(client, username, password=password).status_code == 303
    return client


def _post(client, url, data, *, page_url):
    token = csrf_of(client.get(page_url).text)
    return client.post(url, data={"csrf_token": token, **data}, follow_redirects=False)


def _office2(web) -> None:
    r = web.as_("admin").post("/api/admin/users", json={
        "username": "office2", "password": STRONG, "display_name": "夏乡干部",
        "role": "township_office", "scope_node_id": web.tree.id("t2")})
    assert r.status_code == 201, r.text


def _devices(web, **holders: str) -> None:
    """A caught-up, recently compared device per account (device id -> username)."""
    with web.session() as s:
        for device_id, username in holders.items():
            uid = s.scalar(select(User.id).where(User.username == username))
            s.add(SyncDevice(id=device_id, user_id=uid, cursor=5,
                             first_seen=web.clock(), last_seen=web.clock()))
            s.add(DeviceHolding(device_id=device_id, verified_cursor=5, drifts=0,
                                checked_at=web.clock()))
        s.commit()


def _rebuilding(web) -> set[str]:
    with web.session() as s:
        return {h.device_id for h in s.scalars(select(DeviceHolding))
                if h.checked_at is None}


def test_a_moved_grid_leaves_the_old_townships_view_and_joins_the_new_one(web):
    _office2(web)
    web.as_("admin").post("/api/people", json=make_person(web.tree.id("g1b"), name="移动户主"))
    _devices(web, d_office1="office1", d_office2="office2", d_worker1b="worker1b",
             d_admin="admin", d_worker2="worker2")
    old, new = _browser(web, "office1"), _browser(web, "office2")
    assert "移动户主" in old.get("/admin/people").text
    assert "移动户主" not in new.get("/admin/people").text
    gid = web.tree.id("g1b")
    moved = _post(_browser(web), f"/admin/grids/{gid}/move", {"village_id": web.tree.id("v2")},
                  page_url=f"/admin/grids/{gid}")
    assert moved.status_code == 303
    assert "移动户主" not in old.get("/admin/people").text
    assert "团结社区第二网格" not in old.get("/admin/grids").text
    assert "移动户主" in new.get("/admin/people").text
    assert "团结社区第二网格" in new.get("/admin/grids").text
    with web.session() as s:
        assert s.get(OrgNode, gid).path == f"{web.tree.nodes['v2'].path}{gid}/"
        log = s.scalar(select(OpLog).where(OpLog.action == "move"))
        assert log.record_id == gid and log.details["to_parent"] == web.tree.id("v2")
    # The old and the new township's accounts rebuild their copy; the grid's own worker, the
    # county (whose scope holds the grid either way) and another grid's worker do not.
    assert _rebuilding(web) == {"d_office1", "d_office2"}
    assert "移动" in _browser(web).get("/admin/op-log").text


def test_a_village_moves_to_another_township_on_the_org_page(web):
    _office2(web)
    admin = _browser(web)
    vid = web.tree.id("v1")
    form = admin.get(f"/admin/org?move={vid}").text
    assert 'name="parent_id"' in form and "托克逊县 / 夏乡" in form
    r = _post(admin, f"/admin/org/{vid}/move", {"parent_id": web.tree.id("t2")},
              page_url="/admin/org")
    assert r.status_code == 303
    with web.session() as s:
        t2 = web.tree.nodes["t2"].path
        assert s.get(OrgNode, vid).path == f"{t2}{vid}/"
        assert s.get(OrgNode, web.tree.id("g1a")).path == f"{t2}{vid}/node-g1a/"
    assert "团结社区第一网格" in _browser(web, "office2").get("/admin/grids").text
    assert "团结社区第一网格" not in _browser(web, "office1").get("/admin/grids").text


def test_wrong_moves_are_refused_in_chinese_and_change_nothing(web):
    admin = _browser(web)
    gid, vid = web.tree.id("g1a"), web.tree.id("v1")
    level = _post(admin, f"/admin/org/{gid}/move", {"parent_id": web.tree.id("t2")},
                  page_url="/admin/org")
    assert level.status_code == 422
    assert "网格只能移到村/社区之下" in level.text and 'id="e-parent_id"' in level.text
    cycle = _post(admin, f"/admin/org/{vid}/move", {"parent_id": vid}, page_url="/admin/org")
    assert cycle.status_code == 422 and "移到它自己或它的下级组织之下" in cycle.text
    root = _post(admin, f"/admin/org/{web.tree.id('county')}/move",
                 {"parent_id": web.tree.id("t1")}, page_url="/admin/org")
    assert root.status_code == 422 and "最上级组织不能移动" in root.text
    # A township office cannot reach another township's village.
    office = _browser(web, "office1")
    out = _post(office, f"/admin/grids/{gid}/move", {"village_id": web.tree.id("v2")},
                page_url=f"/admin/grids/{gid}")
    assert out.status_code == 422 and "所属村（社区）不能为空" in out.text
    with web.session() as s:
        assert s.get(OrgNode, gid).path == web.tree.nodes["g1a"].path
        assert s.get(OrgNode, vid).path == web.tree.nodes["v1"].path
        assert s.scalar(select(OpLog).where(OpLog.action == "move")) is None


def test_the_json_api_moves_with_the_same_service(web):
    api = web.as_("admin")
    gid = web.tree.id("g1b")
    r = api.post(f"/api/admin/org-nodes/{gid}/move", json={"parent_id": web.tree.id("v2")})
    assert r.status_code == 200, r.text
    assert r.json()["node"]["parent_id"] == web.tree.id("v2") and r.json()["nodes"] == 1
    bad = api.post(f"/api/admin/org-nodes/{gid}/move", json={"parent_id": web.tree.id("t1")})
    assert bad.status_code == 422 and "网格只能移到村/社区之下" in bad.text
    assert web.as_("worker1b").post(f"/api/admin/org-nodes/{gid}/move", json={
        "parent_id": web.tree.id("v1")}).status_code == 403
