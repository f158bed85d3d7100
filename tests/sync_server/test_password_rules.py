"""Passwords (issue 10, accounts): common and trivial ones are refused with a Chinese reason,
one's own is changed only with the current one, and signing out or a new password ends the
access tokens issued before at once (not when they expire)."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from common.errors import ValidationError
from sync_server.services.passwords import check_strength
from tests.factories import PASSWORD


def sign_in(server, username="worker1a", password=PASSWORD) -> dict:
    r = server.client.post("/api/auth/login", json={"username": username, "password": password})
    assert r.status_code == 200, r.text
    return r.json()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("weak, reason", [
    ("12345678", "常见密码"), ("password", "常见密码"), ("aaaaaaaa", "重复的字符"),
    ("qwertyuiop", "常见密码"), ("abcdefgh", "连续的字符"), ("short", "太短"),
    ("worker1a2026", "账号名")])
def test_an_admin_cannot_give_a_common_or_trivial_password(server, weak, reason):
    r = server.as_("admin").post("/api/admin/users", json={
        "username": "worker1a2026"[:8] if weak == "worker1a2026" else "newworker",
        "password": weak, "display_name": "新网格员", "role": "grid_worker",
        "scope_node_id": server.tree.id("g1a")})
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["field"] == "password"
    assert r.json()["message"].startswith("密码太容易被猜到：") and reason in r.json()["message"]


@given(st.sampled_from(["12345678", "password", "aaaaaaaa", "11111111", "iloveyou",
                        "P@ssw0rd", "1q2w3e4r", "qwerty123"]),
       st.sampled_from(["", "!", "1"]))
def test_common_passwords_with_a_trivial_suffix_are_refused(common, suffix):
    with pytest.raises(ValidationError) as caught:
        check_strength(common + suffix)
    assert caught.value.code == "password_weak"


def test_a_reset_to_a_strong_password_is_accepted(server):
    worker = server.tree.users["worker1b"].id
    r = server.as_("admin").patch(f"/api/admin/users/{worker}",
                                  json={"password": "托克逊-Grid#2026"})
    assert r.status_code == 200, r.text


def test_changing_ones_own_password_needs_the_current_one(server):
    session = sign_in(server)
    api = bearer(session["access_token"])
    r = server.client.post("/api/auth/password", headers=api,
                           json={"current_password": "guess", "new_password": "Kumux#Grid-77"})
    assert r.status_code == 403 and r.json()["message"] == "当前密码不对"
    r = server.client.post("/api/auth/password", headers=api,
                           json={"current_password": PASSWORD, "new_password": "12345678"})
    assert r.status_code == 422 and "常见密码" in r.json()["message"]
    # Not through the admin route either, without the current password.
    me = server.tree.users["admin"].id
    r = server.as_("admin").patch(f"/api/admin/users/{me}", json={"password": "Kumux#Grid-77"})
    assert r.status_code == 403 and "当前密码" in r.json()["message"]
    r = server.client.post("/api/auth/password", headers=api,
                           json={"current_password": PASSWORD, "new_password": "Kumux#Grid-77"})
    assert r.status_code == 200, r.text
    fresh = r.json()["access_token"]
    assert server.client.get("/api/auth/me", headers=bearer(fresh)).status_code == 200
    # the token from before the change is over at once, and the old password with it
    assert server.client.get("/api/auth/me", headers=api).status_code == 401
    assert server.client.post("/api/auth/login", json={
        "username": "worker1a", "password": PASSWORD}).status_code == 401
    sign_in(server, password="Kumux#Grid-77")


def test_logout_ends_the_access_token_at_once(server):
    session = sign_in(server)
    api = bearer(session["access_token"])
    assert server.client.get("/api/people", headers=api).status_code == 200
    r = server.client.post("/api/auth/logout", json={"refresh_token": session["refresh_token"]})
    assert r.status_code == 204
    r = server.client.get("/api/people", headers=api)  # same minute, long before it expires
    assert r.status_code == 401 and r.json()["code"] == "token_invalid"
    assert server.client.post("/api/auth/refresh", json={
        "refresh_token": session["refresh_token"]}).status_code == 401
    sign_in(server)  # signing in again works


def test_an_admin_password_reset_ends_the_workers_access_tokens_at_once(server):
    session = sign_in(server, "worker1b")
    api = bearer(session["access_token"])
    assert server.client.get("/api/auth/me", headers=api).status_code == 200
    worker = server.tree.users["worker1b"].id
    assert server.as_("admin").patch(f"/api/admin/users/{worker}",
                                     json={"password": "Shaxiang#Grid-9"}).status_code == 200
    assert server.client.get("/api/auth/me", headers=api).status_code == 401
    assert server.client.post("/api/auth/refresh", json={
        "refresh_token": session["refresh_token"]}).status_code == 401
