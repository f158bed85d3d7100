"""Org tree integrity (issue 10, finding 8): a node that still holds people, households or
active accounts cannot be deleted, and the refusal says how many of what."""
from __future__ import annotations

from common.schema import OrgNode, User
from tests.factories import make_person


def test_deleting_a_grid_that_holds_people_households_and_a_worker_is_refused_with_counts(
        server):
    admin = server.as_("admin")
    g = server.tree.id("g2")
    for n in range(3):
        assert admin.post("/api/people", json=make_person(g)).status_code == 201
    for n in range(2):
        r = admin.post("/api/households", json={"household_no": f"H-{n}", "grid_id": g})
        assert r.status_code == 201, r.text
    r = admin.delete(f"/api/org-nodes/{g}")
    assert r.status_code == 409
    assert r.json()["code"] == "node_not_empty"
    assert r.json()["message"] == "该网格下还有 3 名人口、2 户、1 个账号，不能删除"
    with server.session() as s:
        assert s.get(OrgNode, g).deleted is False
        assert s.get(User, server.tree.users["worker2"].id).scope_node_id == g


def test_a_grid_whose_records_are_deleted_and_worker_disabled_can_then_be_deleted(server):
    admin = server.as_("admin")
    g = server.tree.id("g2")
    pid = admin.post("/api/people", json=make_person(g)).json()["id"]
    r = admin.delete(f"/api/org-nodes/{g}")
    assert r.status_code == 409 and "1 名人口、1 个账号" in r.json()["message"]
    assert admin.delete(f"/api/people/{pid}").status_code == 200
    r = admin.delete(f"/api/org-nodes/{g}")
    assert r.json()["message"] == "该网格下还有 1 个账号，不能删除"
    worker = server.tree.users["worker2"].id
    assert admin.patch(f"/api/admin/users/{worker}", json={"active": False}).status_code == 200
    assert admin.delete(f"/api/org-nodes/{g}").status_code == 200
    with server.session() as s:
        assert s.get(OrgNode, g).deleted is True


def test_a_village_holding_a_self_built_house_directly_is_not_deleted(server):
    admin = server.as_("admin")
    v = server.tree.id("v2")
    # empty its grid first (it holds worker2), so only the village's own house is left
    worker = server.tree.users["worker2"].id
    admin.patch(f"/api/admin/users/{worker}", json={"active": False})
    assert admin.delete(f"/api/org-nodes/{server.tree.id('g2')}").status_code == 200
    with server.session() as s:
        from sync_server.services.changes import apply_change
        from common.schema import House
        apply_change(s, House, None, {"door_plate": "南湖村 1 号", "house_type": "bungalow",
                                      "grid_id": v}, now=server.clock())
        s.commit()
    r = admin.delete(f"/api/org-nodes/{v}")
    assert r.status_code == 409
    assert r.json()["message"] == "该村/社区下还有 1 套房屋，不能删除"
