"""Create, read, update and tombstone-delete of the main records through the REST API."""
from __future__ import annotations

from sqlalchemy import select

from common.schema import House, OrgNode
from sync_server.db.tables import OpLog


def test_a_house_is_created_read_updated_and_deleted_as_a_tombstone(server):
    api = server.as_("worker1a")
    g = server.tree.id("g1a")
    created = api.post("/api/houses", json={"door_plate": "团结路 8 号", "house_type": "bungalow",
                                            "grid_id": g, "area": 96.5})
    assert created.status_code == 201, created.text
    hid = created.json()["id"]
    assert api.get(f"/api/houses/{hid}").json()["door_plate"] == "团结路 8 号"
    updated = api.patch(f"/api/houses/{hid}", json={"use": "rented"})
    assert updated.status_code == 200
    assert updated.json()["use"] == "rented" and updated.json()["area"] == 96.5
    assert updated.json()["rev"] > created.json()["rev"]
    deleted = api.delete(f"/api/houses/{hid}")
    assert deleted.status_code == 200 and deleted.json()["deleted"] is True
    assert api.get("/api/houses").json()["total"] == 0
    assert api.get(f"/api/houses/{hid}").status_code == 404
    assert api.patch(f"/api/houses/{hid}", json={"use": "vacant"}).status_code == 404
    with server.session() as s:
        row = s.get(House, hid)
        assert row is not None and row.deleted is True and row.use == "rented"


def test_a_partial_update_changes_only_the_fields_sent_and_refuses_null_for_required_ones(
        server):
    api = server.as_("worker1a")
    hid = api.post("/api/houses", json={"door_plate": "1 号", "house_type": "bungalow",
                                        "grid_id": server.tree.id("g1a"),
                                        "notes": "有狗"}).json()["id"]
    r = api.patch(f"/api/houses/{hid}", json={"notes": None})
    assert r.status_code == 200 and r.json()["notes"] is None
    assert r.json()["door_plate"] == "1 号"
    refused = api.patch(f"/api/houses/{hid}", json={"door_plate": None})
    assert refused.status_code == 422 and "门牌号" in refused.json()["message"]


def test_an_update_that_changes_nothing_takes_no_rev_and_logs_nothing(server):
    api = server.as_("worker1a")
    created = api.post("/api/buildings", json={"name": "1 号楼", "building_type": "residential",
                                               "use": "living",
                                               "grid_id": server.tree.id("g1a")}).json()
    same = api.patch(f"/api/buildings/{created['id']}", json={"name": "1 号楼"})
    assert same.json()["rev"] == created["rev"]
    with server.session() as s:
        assert s.scalars(select(OpLog.action).where(OpLog.record_id == created["id"])).all() \
            == ["create"]


def test_records_must_belong_to_a_grid_not_to_a_village(server):
    r = server.as_("office1").post("/api/households", json={"household_no": "H-9",
                                                            "grid_id": server.tree.id("v1")})
    assert r.status_code == 422
    assert r.json()["message"] == "所属网格必须选择一个网格（现在选的是村/社区）"


def test_lists_filter_by_a_village_and_include_its_grids(server):
    admin = server.as_("admin")
    for grid, name in (("g1a", "甲商店"), ("g1b", "乙商店"), ("g2", "丙商店")):
        admin.post("/api/organisations", json={"name": name, "kind": "shop",
                                               "grid_id": server.tree.id(grid)})
    r = admin.get("/api/organisations", params={"grid_id": server.tree.id("v1")})
    assert sorted(o["name"] for o in r.json()["items"]) == ["乙商店", "甲商店"]
    assert admin.get("/api/organisations", params={"q": "丙"}).json()["total"] == 1


def test_an_org_node_with_children_cannot_be_deleted_and_an_empty_one_can(server):
    admin = server.as_("admin")
    assert admin.delete(f"/api/org-nodes/{server.tree.id('v1')}").status_code == 400
    grid = admin.post("/api/org-nodes", json={"parent_id": server.tree.id("v2"),
                                              "level": "grid", "name": "临时网格"}).json()
    assert admin.delete(f"/api/org-nodes/{grid['id']}").status_code == 200
    with server.session() as s:
        assert s.get(OrgNode, grid["id"]).deleted is True


def test_a_user_cannot_delete_their_own_scope_node_nor_move_a_node(server):
    office = server.as_("office1")
    assert office.delete(f"/api/org-nodes/{server.tree.id('t1')}").status_code == 403
    r = office.patch(f"/api/org-nodes/{server.tree.id('g1a')}",
                     json={"parent_id": server.tree.id("v2")})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "parent_id"
    renamed = office.patch(f"/api/org-nodes/{server.tree.id('g1a')}", json={"name": "一网格"})
    assert renamed.status_code == 200 and renamed.json()["name"] == "一网格"
