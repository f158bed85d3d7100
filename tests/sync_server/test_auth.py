"""Signing in: passwords, short-lived access tokens, rotated refresh tokens, who am I."""
from __future__ import annotations

from sqlalchemy import select

from sync_server.db.tables import Credential, OpLog
from tests.factories import PASSWORD


def login(server, username="worker1a", password=PASSWORD):
    return server.client.post("/api/auth/login",
                              json={"username": username, "password": password})


def test_a_worker_signs_in_and_sees_who_they_are_and_their_grid(server):
    r = login(server)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 15 * 60
    me = server.client.get("/api/auth/me",
                           headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    assert me.json()["username"] == "worker1a"
    assert me.json()["role"] == "grid_worker"
    assert me.json()["scope_node_name"] == "团结社区第一网格"


def test_a_wrong_password_is_refused_with_a_chinese_message(server):
    r = login(server, password="not-the-password")
    assert r.status_code == 401
    assert r.json()["code"] == "wrong_password"
    assert r.json()["message"] == "账号或密码错误"


def test_an_unknown_username_gets_the_same_answer_as_a_wrong_password(server):
    r = login(server, username="nobody")
    assert r.status_code == 401 and r.json() == login(server, password="x").json()


def test_passwords_are_stored_as_argon2id_hashes(server):
    with server.session() as s:
        stored = s.scalars(select(Credential.password_hash)).all()
    assert stored and all(h.startswith("$argon2id$") for h in stored)
    assert not any(PASSWORD in h for h in stored)


def test_an_access_token_expires_after_fifteen_minutes(server):
    token = login(server).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    server.clock.advance(minutes=14)
    assert server.client.get("/api/auth/me", headers=headers).status_code == 200
    server.clock.advance(minutes=2)
    r = server.client.get("/api/auth/me", headers=headers)
    assert r.status_code == 401 and r.json()["code"] == "token_expired"


def test_a_refresh_token_is_rotated_and_the_old_one_stops_working(server):
    first = login(server).json()
    server.clock.advance(minutes=20)
    r = server.client.post("/api/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert r.status_code == 200, r.text
    second = r.json()
    assert second["refresh_token"] != first["refresh_token"]
    headers = {"Authorization": f"Bearer {second['access_token']}"}
    assert server.client.get("/api/auth/me", headers=headers).status_code == 200
    replay = server.client.post("/api/auth/refresh",
                                json={"refresh_token": first["refresh_token"]})
    assert replay.status_code == 401
    # Replaying a used token revokes its whole family: the stolen copy's twin dies too.
    again = server.client.post("/api/auth/refresh",
                               json={"refresh_token": second["refresh_token"]})
    assert again.status_code == 401


def test_a_refresh_token_expires_after_thirty_days(server):
    first = login(server).json()
    server.clock.advance(days=30, seconds=1)
    r = server.client.post("/api/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert r.status_code == 401 and r.json()["code"] == "token_expired"


def test_logout_revokes_the_refresh_token(server):
    first = login(server).json()
    assert server.client.post("/api/auth/logout",
                              json={"refresh_token": first["refresh_token"]}).status_code == 204
    r = server.client.post("/api/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert r.status_code == 401


def test_requests_without_or_with_a_forged_token_are_refused(server):
    assert server.client.get("/api/people").status_code == 401
    assert server.client.get("/api/people").json()["message"] == "请先登录"
    forged = server.client.get("/api/people", headers={"Authorization": "Bearer abc.def.ghi"})
    assert forged.status_code == 401 and forged.json()["code"] == "token_invalid"
    import jwt
    other_key = jwt.encode({"sub": server.tree.users["admin"].id, "exp": 4_102_444_800,
                            "typ": "access"}, "another-secret-of-enough-length-xxxxx",
                           algorithm="HS256")
    r = server.client.get("/api/people", headers={"Authorization": f"Bearer {other_key}"})
    assert r.status_code == 401


def test_a_sign_in_is_written_to_the_operation_log(server):
    login(server)
    with server.session() as s:
        actions = s.scalars(select(OpLog.action).where(OpLog.username == "worker1a")).all()
    assert actions == ["login"]


def test_health_answers_with_the_database_and_schema(server):
    r = server.client.get("/health")
    assert r.status_code == 200
    assert r.json()["status"] == "ok" and r.json()["schema_current"] is True


def test_the_openapi_docs_are_served(server):
    assert server.client.get("/docs").status_code == 200
    schemas = server.client.get("/openapi.json").json()["components"]["schemas"]
    assert {"PersonCreate", "PersonUpdate", "PersonPublic"} <= set(schemas)



def test_a_token_with_its_algorithm_swapped_to_none_is_refused(server):
    import jwt
    unsigned = jwt.encode({"sub": server.tree.users["admin"].id, "exp": 4_102_444_800,
                           "typ": "access"}, None, algorithm="none")
    r = server.client.get("/api/people", headers={"Authorization": f"Bearer {unsigned}"})
    assert r.status_code == 401 and r.json()["code"] == "token_invalid"


def test_access_tokens_are_short_and_one_changed_character_is_refused(server):
    """Every sync request carries the access token over a 2G link: it is 83 characters, and
    its signature covers every byte of it."""
    token = login(server).json()["access_token"]
    assert len(token) == 83
    me = server.client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200 and me.json()["username"] == "worker1a"
    # The last character of each base64 part also holds bits decoding ignores: every other
    # character there must be refused too.
    for at in (5, 40, 60, 82):
        for other in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_":
            if other == token[at]:
                continue
            bad = token[:at] + other + token[at + 1:]
            r = server.client.get("/api/auth/me", headers={"Authorization": f"Bearer {bad}"})
            assert r.status_code == 401 and r.json()["code"] == "token_invalid", (at, other)


def test_an_access_token_of_the_earlier_jwt_form_is_still_read(server):
    import jwt
    user = server.tree.users["worker1a"]
    old = jwt.encode({"sub": user.id, "exp": 4_102_444_800, "iat": 1_700_000_000,
                      "typ": "access", "gen": 0}, server.settings.secret_key, algorithm="HS256")
    me = server.client.get("/api/auth/me", headers={"Authorization": f"Bearer {old}"})
    assert me.status_code == 200 and me.json()["username"] == "worker1a"
