"""Scope: a user reads and writes only their org node and what lies below it, and cannot tell a
record outside their scope from one that does not exist."""
from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from common.schema import Person
from tests.factories import make_person


@pytest.fixture
def people(server):
    """One person in each grid, created by the county admin; returns {grid key: person id}."""
    admin = server.as_("admin")
    out = {}
    for grid in ("g1a", "g1b", "g2"):
        r = admin.post("/api/people", json=make_person(server.tree.id(grid), name=f"居民{grid}"))
        assert r.status_code == 201, r.text
        out[grid] = r.json()["id"]
    return out


def listed(server, username, path="/api/people"):
    return sorted(p["name"] for p in server.as_(username).get(path).json()["items"])


def test_a_worker_lists_only_their_own_grid(server, people):
    assert listed(server, "worker1a") == ["居民g1a"]
    assert listed(server, "worker2") == ["居民g2"]


def test_a_township_office_sees_every_grid_below_its_township_only(server, people):
    assert listed(server, "office1") == ["居民g1a", "居民g1b"]


def test_the_county_admin_sees_everyone(server, people):
    assert listed(server, "admin") == ["居民g1a", "居民g1b", "居民g2"]


def test_reading_another_grids_record_looks_exactly_like_a_missing_one(server, people):
    api = server.as_("worker1a")
    other = api.get(f"/api/people/{people['g1b']}")
    missing = api.get(f"/api/people/{uuid.uuid4()}")
    assert other.status_code == missing.status_code == 404
    assert other.json() == missing.json()
    assert api.get(f"/api/people/{people['g1b']}/id-number").status_code == 404


def test_a_worker_cannot_update_or_delete_another_grids_record(server, people):
    api = server.as_("worker1a")
    assert api.patch(f"/api/people/{people['g2']}", json={"name": "改掉"}).status_code == 404
    assert api.delete(f"/api/people/{people['g2']}").status_code == 404
    with server.session() as s:
        row = s.get(Person, people["g2"])
        assert row.name == "居民g2" and row.deleted is False


def test_a_worker_cannot_create_in_or_move_into_another_grid(server, people):
    api = server.as_("worker1a")
    into_other = api.post("/api/people", json=make_person(server.tree.id("g1b")))
    into_nowhere = api.post("/api/people", json=make_person(str(uuid.uuid4())))
    assert into_other.status_code == into_nowhere.status_code == 403
    assert into_other.json() == into_nowhere.json()
    assert into_other.json()["message"] == "该记录不在您的管辖范围内"
    moved = api.patch(f"/api/people/{people['g1a']}", json={"grid_id": server.tree.id("g2")})
    assert moved.status_code == 403
    with server.session() as s:
        assert s.get(Person, people["g1a"]).grid_id == server.tree.id("g1a")
        assert s.scalar(select(Person).where(Person.grid_id == server.tree.id("g1b"),
                                             Person.name == "阿依古丽·买买提")) is None


def test_a_township_office_moves_a_person_between_its_grids_but_not_out_of_its_township(
        server, people):
    def approve_all(username):
        worker = server.as_(username)
        for request in worker.get("/api/workflows/queue").json():
            assert worker.post(f"/api/workflows/{request['id']}/steps",
                               json={"state": "approved"}).status_code == 200

    approve_all("worker1a")  # added by the county: in the register once the grid approves
    api = server.as_("office1")
    r = api.patch(f"/api/people/{people['g1a']}", json={"grid_id": server.tree.id("g1b")})
    # the move waits for the receiving grid's approval (a transfer, 人员转移)
    assert r.status_code == 200 and r.json()["grid_id"] == server.tree.id("g1a")
    assert listed(server, "worker1a") == ["居民g1a"]
    (request,) = [r for r in server.as_("worker1b").get("/api/workflows/queue").json()
                  if r["kind"] == "transfer"]
    assert request["to_node_id"] == server.tree.id("g1b")
    approve_all("worker1b")
    assert listed(server, "worker1a") == []
    assert listed(server, "worker1b") == ["居民g1a", "居民g1b"]
    out = api.patch(f"/api/people/{people['g1a']}", json={"grid_id": server.tree.id("g2")})
    assert out.status_code == 403


def test_a_record_cannot_point_at_a_household_outside_the_scope(server, people):
    admin = server.as_("admin")
    hh = admin.post("/api/households", json={"household_no": "H-2", "grid_id":
                                             server.tree.id("g2")}).json()["id"]
    r = server.as_("worker1a").patch(f"/api/people/{people['g1a']}",
                                     json={"household_id": hh})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "household_id"
    ok = admin.patch(f"/api/people/{people['g2']}", json={"household_id": hh})
    assert ok.status_code == 200


def test_filtering_by_a_grid_outside_the_scope_returns_nothing(server, people):
    r = server.as_("worker1a").get("/api/people", params={"grid_id": server.tree.id("g2")})
    assert r.status_code == 200 and r.json()["total"] == 0


def test_org_nodes_are_scoped_by_their_path(server):
    names = lambda u: sorted(n["name"] for n in  # noqa: E731
                             server.as_(u).get("/api/org-nodes").json()["items"])
    assert names("worker1a") == ["团结社区第一网格"]
    assert names("office1") == ["团结社区", "团结社区第一网格", "团结社区第二网格", "托克逊镇"]
    assert len(names("admin")) == 8


def test_a_worker_cannot_create_org_nodes_and_an_office_only_below_itself(server):
    node = {"level": "grid", "name": "新网格"}
    worker = server.as_("worker1a").post("/api/org-nodes",
                                         json={**node, "parent_id": server.tree.id("v1")})
    assert worker.status_code == 403
    office = server.as_("office1")
    mine = office.post("/api/org-nodes", json={**node, "parent_id": server.tree.id("v1")})
    assert mine.status_code == 201, mine.text
    assert mine.json()["path"].startswith(server.tree.nodes["v1"].path)
    assert mine.json()["grid_id"] == mine.json()["id"]
    theirs = office.post("/api/org-nodes", json={**node, "parent_id": server.tree.id("v2")})
    assert theirs.status_code == 403
    wrong_level = office.post("/api/org-nodes", json={**node, "parent_id": server.tree.id("t1")})
    assert wrong_level.status_code == 422


@pytest.mark.parametrize("path", ["households", "houses", "buildings", "organisations"])
def test_every_main_record_is_scoped_the_same_way(server, path):
    bodies = {"households": {"household_no": "H-1"},
              "houses": {"door_plate": "团结路 1 号", "house_type": "bungalow"},
              "buildings": {"name": "1 号楼", "building_type": "residential", "use": "living"},
              "organisations": {"name": "托克逊县葡萄干合作社", "kind": "cooperative"}}
    admin = server.as_("admin")
    rid = admin.post(f"/api/{path}", json={**bodies[path], "grid_id": server.tree.id("g2")})
    assert rid.status_code == 201, rid.text
    rid = rid.json()["id"]
    worker = server.as_("worker1a")
    assert worker.get(f"/api/{path}").json()["total"] == 0
    assert worker.get(f"/api/{path}/{rid}").status_code == 404
    assert worker.patch(f"/api/{path}/{rid}", json={"grid_id": server.tree.id("g1a")}) \
        .status_code == 404
    assert worker.delete(f"/api/{path}/{rid}").status_code == 404
    assert worker.post(f"/api/{path}", json={**bodies[path], "grid_id": server.tree.id("g2")}) \
        .status_code == 403
    assert server.as_("worker2").get(f"/api/{path}/{rid}").status_code == 200


def test_every_shared_entity_is_read_only_to_devices():
    """Rows with grid_id NULL of these entities are read by every scope: a device may never
    push them (a new shared entity must be listed in services/sync.READ_ONLY)."""
    from sync_server.services.scope import REFERENCE_ENTITIES
    from sync_server.services.sync import READ_ONLY
    assert {e.__tablename__ for e in REFERENCE_ENTITIES} <= READ_ONLY


@pytest.mark.parametrize("username", ["worker1a", "office1"])
def test_a_shared_row_is_changed_only_from_the_county_scope(server, username):
    """The one door (authorize_and_validate) lets a user below the county read a shared
    dictionary entry but not change it, whatever path the write takes."""
    from common.errors import DomainError
    from common.schema import DictEntry, User
    from sync_server.services.authorize import authorize_and_validate
    from sync_server.services.scope import Scope
    with server.session() as s:
        entry = s.scalars(select(DictEntry).where(DictEntry.grid_id.is_(None))).first()
        assert entry is not None
        for name, allowed in ((username, False), ("admin", True)):
            user = s.scalars(select(User).where(User.username == name)).one()
            scope = Scope.of(s, user)
            assert scope.contains(s, entry)  # everyone reads it
            if allowed:
                authorize_and_validate(s, scope, DictEntry, entry.id, {"label": "改名"})
            else:
                with pytest.raises(DomainError) as refused:
                    authorize_and_validate(s, scope, DictEntry, entry.id, {"label": "改名"})
                assert refused.value.code == "out_of_scope"
        s.rollback()
