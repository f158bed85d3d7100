"""The server tells each client which fields the user's role does not see (config centre):
/api/auth/me and every sign-in or token answer carry `hidden_fields`."""
from __future__ import annotations

from tests.factories import PASSWORD


def test_me_and_the_sign_in_answer_carry_the_roles_hidden_fields(server):
    assert server.as_("worker1a").get("/api/auth/me").json()["hidden_fields"] == {}
    r = server.as_("admin").put("/api/admin/hidden-fields/people",
                                json={"hidden": {"grid_worker": ["religion", "phone"]}})
    assert r.status_code == 200, r.text
    me = server.as_("worker1a").get("/api/auth/me").json()
    assert me["hidden_fields"] == {"people": ["phone", "religion"]}
    assert server.as_("office1").get("/api/auth/me").json()["hidden_fields"] == {}
    login = server.client.post("/api/auth/login", json={"username": "worker1a",
                                                         "password": PASSWORD,
                                                         "device_id": "dev-hidden-1"})
    assert login.status_code == 200
    assert login.json()["user"]["hidden_fields"] == {"people": ["phone", "religion"]}
    refreshed = server.client.post("/api/auth/refresh",
                                   json={"refresh_token": login.json()["refresh_token"]})
    assert refreshed.json()["user"]["hidden_fields"] == {"people": ["phone", "religion"]}
