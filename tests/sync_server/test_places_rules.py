"""The place rules on the server's write path: a house hung on a floor names its building, a
building's floors are a sensible number; refused in Chinese per field, nothing written."""
from __future__ import annotations

from sqlalchemy import func, select

from common.schema import Building, Floor, House
from sync_server.services.changes import apply_change
from tests.conftest import NOW


def _count(server, entity) -> int:
    with server.session() as s:
        return s.scalar(select(func.count()).select_from(entity))


def test_a_house_on_a_floor_without_its_building_is_refused_by_the_api(server):
    api = server.as_("worker1a")
    grid = server.tree.id("g1a")
    bid = api.post("/api/buildings", json={"grid_id": grid, "name": "3号楼", "use": "living",
                                           "building_type": "residential"}).json()["id"]
    with server.session() as s:  # floors have no REST route: the write path itself
        fid = apply_change(s, Floor, None, {"grid_id": grid, "building_id": bid, "number": 1},
                           now=NOW).id
        s.commit()
    before = _count(server, House)
    r = api.post("/api/houses", json={"grid_id": grid, "door_plate": "3-101",
                                      "house_type": "apartment", "floor_id": fid})
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["field"] == "floor_id"
    assert "要先选所属建筑" in r.json()["errors"][0]["message"]
    assert _count(server, House) == before
    rural = api.post("/api/houses", json={"grid_id": server.tree.id("g1a"),
                                          "door_plate": "5组3号",
                                          "house_type": "rural_self_built"})
    assert rural.status_code == 201, rural.text


def test_a_building_edit_leaving_zero_floors_is_refused(server):
    api = server.as_("worker1a")
    made = api.post("/api/buildings", json={"grid_id": server.tree.id("g1a"), "name": "1号楼",
                                            "building_type": "residential", "use": "living",
                                            "floors_above": 6})
    assert made.status_code == 201, made.text
    bid = made.json()["id"]
    r = api.patch(f"/api/buildings/{bid}", json={"floors_above": 0})
    assert r.status_code == 422 and "应在 1 到 200 之间" in r.text
    with server.session() as s:
        assert s.get(Building, bid).floors_above == 6
