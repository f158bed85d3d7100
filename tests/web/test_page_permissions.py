"""The pages' permission checks follow the role's permissions (common/permissions.py), not the
built-in role's name: a defined role lacking a page's permission gets the Chinese 403 page on
that page's routes, and one granted it opens the page."""
from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import csrf_of, sign_in

PAGES = {"web:sms": "/admin/sms/records", "web:releases": "/admin/releases",
         "web:work_stats": "/admin/work-stats", "web:op_log": "/admin/op-log",
         "web:config": "/admin/config/fields"}


def _browser(web, username="admin") -> TestClient:
    client = TestClient(web.app)
    assert sign_in(client, username).status_code == 303
    return client


def _give_role(web, username: str, code: str, base: str, permissions: list[str],
               scope_node_id: str) -> None:
    admin = _browser(web)
    token = csrf_of(admin.get("/admin/roles").text)
    assert admin.post("/admin/roles", data={
        "csrf_token": token, "code": code, "name": f"角色{code}", "base_role": base,
        "permissions": permissions}, follow_redirects=False).status_code == 303
    uid = web.tree.users[username].id
    assert admin.post(f"/admin/users/{uid}/role", data={
        "csrf_token": token, "role": code, "scope_node_id": scope_node_id},
        follow_redirects=False).status_code == 303


@pytest.mark.parametrize("permission", sorted(PAGES))
def test_a_role_lacking_a_pages_permission_gets_the_chinese_403(web, permission):
    # A township role with every page but this one.
    from common.permissions import WEB_PAGES
    _give_role(web, "office1", "no_page", "township_office",
               [p for p in WEB_PAGES if p != permission], "node-t1")
    client = _browser(web, "office1")
    r = client.get(PAGES[permission])
    assert r.status_code == 403 and "无法完成" in r.text
    assert f'href="{PAGES[permission]}"' not in client.get("/admin/").text


def test_a_grid_worker_role_granted_the_op_log_and_work_stats_opens_them(web):
    worker = _browser(web, "worker1a")
    assert worker.get("/admin/op-log").status_code == 403
    _give_role(web, "worker1a", "log_reader", "grid_worker",
               ["web:home", "web:op_log", "web:work_stats"], "node-g1a")
    worker = _browser(web, "worker1a")
    assert worker.get("/admin/op-log").status_code == 200
    assert worker.get("/admin/work-stats").status_code == 200
    assert worker.get("/admin/sms/records").status_code == 403


def test_a_township_office_sends_sms_but_cannot_write_templates(web):
    client = _browser(web, "office1")
    token = csrf_of(client.get("/admin/sms/templates").text)
    r = client.post("/admin/sms/templates", data={"csrf_token": token, "name": "x",
                                                  "body": "y"})
    assert r.status_code == 403 and "无法完成" in r.text
    assert web.as_("office1").post("/api/admin/sms/templates", json={"name": "x", "body": "y"}
                                   ).status_code == 403
