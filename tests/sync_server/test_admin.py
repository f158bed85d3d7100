"""Admin endpoints: accounts inside the admin's scope, disabling signs out, the operation log."""
from __future__ import annotations

from tests.factories import make_person


def new_worker(server, grid="g1b", username="wg_new", **kw):
    return {"username": username, "password": "Secret@123", "display_name": "新网格员",
            "role": "grid_worker", "scope_node_id": server.tree.id(grid), **kw}


def test_a_township_office_creates_a_grid_worker_who_can_then_sign_in(server):
    r = server.as_("office1").post("/api/admin/users", json=new_worker(server))
    assert r.status_code == 201, r.text
    assert r.json()["scope_node_name"] == "团结社区第二网格"
    login = server.client.post("/api/auth/login", json={"username": "wg_new",
                                                        "password": "Secret@123"})
    assert login.status_code == 200


def test_a_township_office_cannot_create_accounts_outside_its_township_or_above_a_worker(
        server):
    office = server.as_("office1")
    assert office.post("/api/admin/users", json=new_worker(server, grid="g2")).status_code == 403
    boss = new_worker(server, grid="t1", role="township_office")
    assert office.post("/api/admin/users", json=boss).status_code == 403
    assert server.as_("worker1a").post("/api/admin/users",
                                       json=new_worker(server)).status_code == 403


def test_a_taken_username_and_a_role_at_the_wrong_level_are_refused(server):
    admin = server.as_("admin")
    taken = admin.post("/api/admin/users", json=new_worker(server, username="worker1a"))
    assert taken.status_code == 422 and "worker1a 已被使用" in taken.json()["message"]
    wrong = admin.post("/api/admin/users", json=new_worker(server, grid="t1"))
    assert wrong.status_code == 422


def test_disabling_an_account_signs_it_out_and_refuses_its_sign_in(server):
    tokens = server.client.post("/api/auth/login", json={"username": "worker1a",
                                                         "password": "Test@2026"}).json()
    admin = server.as_("admin")
    r = admin.patch(f"/api/admin/users/{server.tree.users['worker1a'].id}",
                    json={"active": False})
    assert r.status_code == 200
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert server.client.get("/api/people", headers=headers).status_code == 403
    assert server.client.post("/api/auth/refresh", json={
        "refresh_token": tokens["refresh_token"]}).status_code in (401, 403)
    again = server.client.post("/api/auth/login", json={"username": "worker1a",
                                                        "password": "Test@2026"})
    assert again.status_code == 403 and again.json()["message"] == "该账号已停用，请联系管理员"


def test_the_operation_log_shows_writes_of_users_in_scope_only(server):
    server.as_("worker1a").post("/api/people", json=make_person(server.tree.id("g1a")))
    server.as_("worker2").post("/api/people", json=make_person(server.tree.id("g2")))
    office_view = server.as_("office1").get("/api/admin/op-log", params={"action": "create"})
    assert [e["username"] for e in office_view.json()["items"]] == ["worker1a"]
    admin_view = server.as_("admin").get("/api/admin/op-log", params={"entity": "people"})
    assert sorted(e["username"] for e in admin_view.json()["items"]) == ["worker1a", "worker2"]
    assert server.as_("worker1a").get("/api/admin/op-log").status_code == 403
