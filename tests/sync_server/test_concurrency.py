"""Writers at the same moment: every write succeeds (no "database is locked") and every change
gets its own rev."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from fastapi.testclient import TestClient

from tests.factories import make_person


def test_parallel_creates_all_succeed_with_distinct_revs(server):
    token = server.token("office1")
    grids = [server.tree.id("g1a"), server.tree.id("g1b")]

    def writer(n: int) -> list[tuple[int, int]]:
        client = TestClient(server.app)
        client.headers["Authorization"] = f"Bearer {token}"
        out = []
        for i in range(8):
            r = client.post("/api/people", json=make_person(grids[(n + i) % 2]))
            out.append((r.status_code, r.json().get("rev")))
            if i % 3 == 0:
                client.get("/api/people", params={"limit": 5})
        return out

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = [x for chunk in pool.map(writer, range(6)) for x in chunk]
    assert {status for status, _ in results} == {201}
    revs = [rev for _, rev in results]
    assert len(set(revs)) == len(revs) == 48
    assert server.as_("admin").get("/api/people").json()["total"] == 48


def test_the_same_id_number_created_twice_at_once_is_registered_once(server):
    from tests.factories import make_id_number
    token = server.token("office1")
    number = make_id_number()
    grids = [server.tree.id("g1a"), server.tree.id("g1b")]

    def create(n: int) -> int:
        client = TestClient(server.app)
        client.headers["Authorization"] = f"Bearer {token}"
        return client.post("/api/people", json=make_person(grids[n % 2],
                                                           id_number=number)).status_code

    with ThreadPoolExecutor(max_workers=6) as pool:
        statuses = sorted(pool.map(create, range(6)))
    assert statuses == [201, 409, 409, 409, 409, 409]


def test_one_username_claimed_by_simultaneous_requests_goes_to_one_of_them(server):
    token = server.token("admin")

    def create(n: int) -> int:
        client = TestClient(server.app)
        client.headers["Authorization"] = f"Bearer {token}"
        return client.post("/api/admin/users", json={
            "username": "wg_same", "password": "Secret@123", "display_name": f"人{n}",
            "role": "grid_worker", "scope_node_id": server.tree.id("g1a")}).status_code

    with ThreadPoolExecutor(max_workers=4) as pool:
        statuses = sorted(pool.map(create, range(4)))
    assert statuses[0] == 201 and all(s in (409, 422) for s in statuses[1:])
