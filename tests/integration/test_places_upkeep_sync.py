"""Places upkeep offline, synced: two devices edit one building while offline, both sync, and
each field keeps its own edit on both devices and the server (the merge people get); a rural
house added offline under a grid reaches the office and the other device of the same grid."""
from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from common.schema import Building, House
from desktop.services.place_upkeep import parent_values, save_place
from desktop.storage.conflicts import list_conflicts
from tests.integration.sync_harness import Device


@pytest.fixture
def device(server, tmp_path):
    made = []

    def make(username: str):
        d = Device(server, username, tmp_path / f"{username}-{len(made)}.db")
        made.append(d)
        return d

    yield make
    for d in made:
        d.close()


def _save(d: Device, kind: str, place_id: str | None, values: dict, parent=None) -> str:
    scope = d.server.user(d.username).scope_node_id
    with Session(d.engine) as s, s.begin():
        if parent:
            values = {**values, **parent_values(s, kind, *parent, scope)}
        return save_place(s, kind, place_id, values, now=d.now(), actor_id="u",
                          scope_node_id=scope)


def test_two_devices_edit_one_building_offline_and_both_edits_survive(server, device):
    worker, office = device("worker1a"), device("office1")
    bid = server.write(Building, None, {"name": "3号楼", "building_type": "residential",
                                        "use": "living", "grid_id": server.grid("g1a")})
    worker.sync(), office.sync()
    _save(worker, "building", bid, {"floors_above": "7", "address": "团结路 3 号"})
    server.clock.advance(minutes=5)
    _save(office, "building", bid, {"use": "mixed", "name": "3号楼（商住）"})
    worker.sync(), office.sync(), worker.sync()
    want = {"floors_above": 7, "address": "团结路 3 号", "use": "mixed", "name": "3号楼（商住）"}
    for view in (worker.view(Building), office.view(Building),
                 server.scope_view("worker1a", Building)):
        assert {k: view[bid][k] for k in want} == want
    for d in (worker, office):
        with Session(d.engine) as s:
            assert list_conflicts(s) == []


def test_a_rural_house_added_offline_reaches_the_office_and_the_grids_other_device(
        server, device):
    worker, laptop, office, other = (device("worker1a"), device("worker1a"), device("office1"),
                                     device("worker2"))
    for d in (worker, laptop, office, other):
        d.sync()
    grid = server.grid("g1a")
    hid = _save(worker, "house", None, {"door_plate": "团结村5组8号",
                                        "house_type": "rural_self_built"},
                parent=("org", grid))
    assert worker.sync().pending == 0
    for d in (laptop, office, other):
        d.sync()
    for d in (laptop, office):
        assert d.view(House)[hid]["building_id"] is None
        assert d.view(House)[hid]["door_plate"] == "团结村5组8号"
    assert hid not in other.view(House)  # another township's device never holds it


def test_the_grids_boundary_and_places_positions_reach_its_devices_read_only(server, device):
    """What the desktop's 地图 draws arrives by sync: the grid's boundary (org nodes are
    read-only on devices: an edit made there is refused and the server's stays) and the
    places' positions; another township's device receives neither."""
    import json

    from common.schema import OrgNode
    from desktop.services.grid_map import grid_map
    from desktop.storage.changes import record_change
    grid = server.grid("g1a")
    ring = [[88.65, 42.78], [88.66, 42.78], [88.66, 42.79], [88.65, 42.78]]
    boundary = json.dumps({"type": "Polygon", "coordinates": [ring]})
    server.write(OrgNode, grid, {"boundary": boundary})
    hid = server.write(House, None, {"door_plate": "团结村5组9号", "house_type": "rural_self_built",
                                     "grid_id": grid, "lon": 88.655, "lat": 42.782})
    worker, other = device("worker1a"), device("worker2")
    worker.sync(), other.sync()
    with Session(worker.engine) as s:
        drawn = grid_map(s, grid)
    assert drawn.boundary == [tuple(p) for p in ring]
    assert [(p.id, p.lon, p.lat) for p in drawn.points] == [(hid, 88.655, 42.782)]
    assert grid not in other.view(OrgNode) and hid not in other.view(House)
    with Session(worker.engine) as s, s.begin():
        record_change(s, OrgNode, grid, {"boundary": None}, now=worker.now())
    worker.sync()
    with server.session() as s:
        assert s.get(OrgNode, grid).boundary == boundary
