"""IDaaS pages over plain HTTP: accounts (create, disable, reset password, role and scope),
the org tree, roles as data and the application permissions (menu, 403, /api/auth/me), scope."""
from __future__ import annotations

import re

from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from common.permissions import PERMISSIONS
from common.schema import OrgNode, User
from sync_server.db.snapshot_tables import DeviceHolding
from sync_server.db.sync_tables import SyncDevice
from sync_server.db.tables import OpLog
from sync_server.db.web_tables import WebSession
from sync_server.web.menu import MENU, menu_for
from tests.factories import make_person
from tests.web.conftest import csrf_of, sign_in

STRONG = "Hu-yang-7-Tree-kashgar"


def _browser(web, username="admin") -> TestClient:
    client = TestClient(web.app)
    assert sign_in(client, username).status_code == 303
    return client


def _post(client: TestClient, url: str, page: str, **data):
    token = csrf_of(client.get(page).text)
    return client.post(url, data={"csrf_token": token, **data}, follow_redirects=False)


def _user(web, username):
    with web.session() as s:
        return s.scalar(select(User).where(User.username == username))


def _new(client, **over):
    data = {"username": "newworker", "display_name": "新网格员", "password": STRONG,
            "role": "grid_worker", "scope_node_id": "node-g1a", "phone": ""} | over
    return _post(client, "/admin/users/new", "/admin/users/new", **data)


def test_the_users_list_shows_accounts_in_scope_only(web):
    county = _browser(web).get("/admin/users").text
    assert "共 5 条" in county and "worker2" in county
    office = _browser(web, "office1").get("/admin/users").text
    assert "worker1a" in office and "worker2" not in office and "共 3 条" in office


def test_a_new_account_signs_in_and_its_creation_is_logged(web):
    client = _browser(web)
    r = _new(client)
    assert r.status_code == 303
    assert _user(web, "newworker").scope_node_id == "node-g1a"
    assert sign_in(TestClient(web.app), "newworker", password=STRONG).status_code == 303
    with web.session() as s:
        assert s.scalar(select(OpLog).where(OpLog.action == "create",
                                            OpLog.entity == "users")) is not None


def test_bad_input_answers_a_chinese_message_beside_the_field_and_writes_nothing(web):
    client = _browser(web)
    weak = _new(client, password="123456")
    assert weak.status_code == 422 and "密码太容易被猜到" in weak.text
    assert 'id="e-password"' in weak.text and 'value="newworker"' in weak.text
    taken = _new(client, username="worker1a")
    assert taken.status_code == 422 and 'id="e-username"' in taken.text
    level = _new(client, scope_node_id="node-t1")
    assert level.status_code == 422 and "该角色不能管辖这一层级的组织" in level.text
    assert _user(web, "newworker") is None


def test_an_office_cannot_create_an_account_outside_its_township(web):
    r = _new(_browser(web, "office1"), scope_node_id="node-g2")
    assert r.status_code == 403 and 'id="e-scope_node_id"' in r.text
    assert _user(web, "newworker") is None


def test_disabling_an_account_ends_its_browser_sessions_and_enabling_lets_it_back(web):
    victim = _browser(web, "worker1a")
    assert victim.get("/admin/").status_code == 200
    admin = _browser(web)
    uid = web.tree.users["worker1a"].id
    r = _post(admin, f"/admin/users/{uid}/active", f"/admin/users/{uid}", active="false")
    assert r.status_code == 303
    assert victim.get("/admin/", follow_redirects=False).status_code in (302, 303)
    assert sign_in(TestClient(web.app), "worker1a").status_code != 303
    _post(admin, f"/admin/users/{uid}/active", f"/admin/users/{uid}", active="true")
    assert sign_in(TestClient(web.app), "worker1a").status_code == 303


def test_a_password_reset_follows_the_strength_rules(web):
    admin = _browser(web)
    uid = web.tree.users["worker1a"].id
    weak = _post(admin, f"/admin/users/{uid}/password", f"/admin/users/{uid}",
                 password="password1")
    assert weak.status_code == 422 and "密码太容易被猜到" in weak.text
    assert sign_in(TestClient(web.app), "worker1a").status_code == 303
    ok = _post(admin, f"/admin/users/{uid}/password", f"/admin/users/{uid}", password=STRONG)
    assert ok.status_code == 303
    assert sign_in(TestClient(web.app), "worker1a").status_code != 303
    assert sign_in(TestClient(web.app), "worker1a", password=STRONG).status_code == 303


def test_a_scope_change_signs_the_user_out_and_makes_their_devices_rebuild(web):
    uid = web.tree.users["worker1a"].id
    victim = _browser(web, "worker1a")
    with web.session() as s:
        s.add(SyncDevice(id="dev-1", user_id=uid, cursor=5, first_seen=web.clock(),
                         last_seen=web.clock()))
        s.add(DeviceHolding(device_id="dev-1", verified_cursor=5, drifts=0,
                            checked_at=web.clock()))
        s.commit()
    admin = _browser(web)
    r = _post(admin, f"/admin/users/{uid}/role", f"/admin/users/{uid}", role="grid_worker",
              scope_node_id="node-g2")
    assert r.status_code == 303
    assert _user(web, "worker1a").scope_node_id == "node-g2"
    assert victim.get("/admin/", follow_redirects=False).status_code in (302, 303)
    with web.session() as s:
        assert s.get(DeviceHolding, "dev-1").checked_at is None
        assert s.scalar(select(WebSession).where(WebSession.user_id == uid)) is None
    people = TestClient(web.app)
    sign_in(people, "worker1a")
    assert "夏乡" not in people.get("/admin/people").text  # smoke: the page answers
    bad = _post(admin, f"/admin/users/{uid}/role", f"/admin/users/{uid}",
                role="grid_worker", scope_node_id="node-t2")
    assert bad.status_code == 422 and 'id="e-scope_node_id"' in bad.text
    assert _user(web, "worker1a").scope_node_id == "node-g2"


def test_the_org_tree_counts_what_each_subtree_holds(web):
    api = web.as_("admin")
    for grid in ("g1a", "g1a", "g2"):
        assert api.post("/api/people", json=make_person(web.tree.id(grid))).status_code == 201
    html = _browser(web).get("/admin/org").text
    row = re.search(r'id="n-node-t1".*?</tr>', html, re.S).group(0)
    cells = re.findall(r"<td>(\d+)</td>", row)
    assert cells[0] == "2" and cells[3] == "3"  # 2 people; office1, worker1a, worker1b
    county = re.search(r'id="n-node-county".*?</tr>', html, re.S).group(0)
    assert re.findall(r"<td>(\d+)</td>", county)[0] == "3"
    office = _browser(web, "office1").get("/admin/org").text
    assert "托克逊镇" in office and "夏乡" not in office


def test_org_nodes_are_added_renamed_and_retired_only_when_empty(web):
    admin = _browser(web)
    r = _post(admin, "/admin/org/node-v1/add", "/admin/org", name="团结社区第三网格")
    assert r.status_code == 303
    with web.session() as s:
        node = s.scalar(select(OrgNode).where(OrgNode.name == "团结社区第三网格"))
        assert node.level == "grid" and node.parent_id == "node-v1"
    empty = _post(admin, "/admin/org/node-v1/add", "/admin/org", name="")
    assert empty.status_code == 422 and "名称不能为空" in empty.text
    renamed = _post(admin, f"/admin/org/{node.id}/rename", "/admin/org", name="三网格")
    assert renamed.status_code == 303 and "三网格" in admin.get("/admin/org").text
    held = _post(admin, "/admin/org/node-g1a/retire", "/admin/org")
    assert held.status_code == 409 and "1 个账号" in held.text
    assert _post(admin, f"/admin/org/{node.id}/retire", "/admin/org").status_code == 303
    with web.session() as s:
        assert s.get(OrgNode, node.id).deleted
        assert not s.get(OrgNode, "node-g1a").deleted


def test_an_office_cannot_touch_another_township_node(web):
    office = _browser(web, "office1")
    r = _post(office, "/admin/org/node-v2/rename", "/admin/org", name="别的村")
    assert r.status_code == 404
    with web.session() as s:
        assert s.get(OrgNode, "node-v2").name == "南湖村"


def test_a_defined_role_narrows_the_pages_on_the_web_and_in_me(web):
    admin = _browser(web)
    bad = _post(admin, "/admin/roles", "/admin/roles", code="Bad Code", name="",
                base_role="grid_worker", permissions=["web:home", "web:nope"])
    assert bad.status_code == 422 and 'id="e-code"' in bad.text and 'id="e-name"' in bad.text
    assert "“web:nope”不在可选项中" in bad.text
    assert "Bad Code" not in admin.get("/admin/roles").text
    ok = _post(admin, "/admin/roles", "/admin/roles", code="civil_affairs", name="民政专干",
               base_role="grid_worker",
               permissions=["web:home", "web:people", "app:home", "app:people"])
    assert ok.status_code == 303
    assert "民政专干" in admin.get("/admin/roles").text
    uid = web.tree.users["worker1a"].id
    assert _post(admin, f"/admin/users/{uid}/role", f"/admin/users/{uid}",
                 role="civil_affairs", scope_node_id="node-g1a").status_code == 303
    me = web.as_("worker1a").get("/api/auth/me").json()
    assert me["role"] == "grid_worker" and me["role_label"] == "民政专干"
    assert set(me["permissions"]) == {"web:home", "web:people", "app:home", "app:people"}
    # The JSON route and the page check the same rules: a civil-affairs worker is no admin.
    assert web.as_("worker1a").get("/api/admin/users").status_code == 403


def test_pages_a_role_lacks_answer_403_in_chinese_and_leave_the_menu(web):
    worker = _browser(web, "worker1a")
    home = worker.get("/admin/").text
    assert 'href="/admin/people"' in home and 'href="/admin/users"' not in home
    for url in ("/admin/users", "/admin/org", "/admin/roles"):
        r = worker.get(url)
        assert r.status_code == 403 and "无法完成" in r.text, url
    office = _browser(web, "office1")
    assert office.get("/admin/users").status_code == 200
    assert office.get("/admin/roles").status_code == 403
    r = _post(office, "/admin/roles", "/admin/users", code="x_role", name="X",
              base_role="grid_worker", permissions=["web:home"])
    assert r.status_code == 403


def test_builtin_roles_keep_todays_pages(web):
    me = web.as_("admin").get("/api/auth/me").json()
    assert {"web:users", "web:roles", "app:config"} <= set(me["permissions"])
    worker = web.as_("worker1a").get("/api/auth/me").json()
    assert "app:people" in worker["permissions"] and "app:config" not in worker["permissions"]


def test_csrf_is_required_on_every_idaas_form(web):
    admin = _browser(web)
    uid = web.tree.users["worker1a"].id
    r = admin.post(f"/admin/users/{uid}/active", data={"active": "false"},
                   follow_redirects=False)
    assert r.status_code == 403
    assert _user(web, "worker1a").active


def test_the_json_api_asks_the_same_permission_as_the_accounts_page(web):
    admin = _browser(web)
    assert _post(admin, "/admin/roles", "/admin/roles", code="township_viewer", name="乡镇查看员",
                 base_role="township_office",
                 permissions=["web:home", "web:people"]).status_code == 303
    api = web.as_("office1")
    assert api.get("/api/admin/users").status_code == 200
    uid = web.tree.users["office1"].id
    assert _post(admin, f"/admin/users/{uid}/role", f"/admin/users/{uid}",
                 role="township_viewer", scope_node_id="node-t1").status_code == 303
    assert web.as_("office1").get("/api/admin/users").status_code == 403
    assert _browser(web, "office1").get("/admin/users").status_code == 403


@given(st.sets(st.sampled_from(sorted(PERMISSIONS))))
def test_the_web_menu_shows_exactly_the_permitted_pages(perms):
    assert {m.permission for m in menu_for(perms)} == {m.permission for m in MENU} & perms
