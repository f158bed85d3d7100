"""A lost laptop: an admin revokes the device; its next contact is refused and it wipes itself.
Real server on 127.0.0.1 (SQLite and PostgreSQL), real encrypted profile folders."""
from __future__ import annotations

import os
import subprocess
import sys
from functools import partial
from types import SimpleNamespace

import httpx
import pytest
from sqlalchemy.orm import Session

from common.errors import DomainError
from common.schema import Household
from desktop.net.attachments import AttachmentClient
from desktop.net.sync import HttpSyncTransport
from desktop.services import revocation
from desktop.services.attachments import AttachmentSync
from desktop.services.session import sign_in
from desktop.services.sync import SyncService
from desktop.storage.changes import record_change
from desktop.storage.profiles import base_dir
from tests.conftest import NOW
from tests.factories import PASSWORD
from tests.integration.attachment_helpers import make_photo

# A loaded machine may be preparing a snapshot in the same server: wait longer than 5 s.
_http = SimpleNamespace(post=partial(httpx.post, timeout=60), get=partial(httpx.get, timeout=60))


@pytest.fixture
def live_db(db_url):
    return db_url  # every backend


@pytest.fixture
def live(live, tmp_path, monkeypatch):
    monkeypatch.setenv("YZB_HOME", str(tmp_path / "home"))
    return live


def login(live, username, device_id=None):
    body = {"username": username, "password": PASSWORD}
    if device_id:
        body["device_id"] = device_id
    return _http.post(f"{live.url}/api/auth/login", json=body)


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def admin_token(live, username="admin"):
    r = login(live, username)
    assert r.status_code == 200, r.text
    return r.json()["access_token"]


def revoke(live, device_id, username="admin"):
    return _http.post(f"{live.url}/api/admin/devices/{device_id}/revoke",
                      json={"reason": "笔记本丢失"},
                      headers=bearer(admin_token(live, username)))


def signed_in_laptop(live, username="worker1a"):
    """A worker's laptop after its first sign-in and sync, with a photo and an unsent edit."""
    signed = sign_in(live.url, username, PASSWORD, now=NOW)
    profile = signed.profile
    service = SyncService(profile, HttpSyncTransport(live.url, attempts=1), clock=lambda: NOW)
    service.sync_now()
    profile.blob_store().put_photo(make_photo(40_000, seed=11))
    with Session(profile.engine) as s, s.begin():
        record_change(s, Household, None, {"household_no": "H-9", "address": "幸福路 9 号",
                                           "grid_id": live.tree.id("g1a")}, now=NOW)
    return profile, service


def test_a_revoked_laptop_is_refused_at_its_next_sync_and_wipes_its_local_data(live):
    profile, service = signed_in_laptop(live)
    device_id = profile.device_id()
    with Session(profile.engine) as s:
        from desktop.storage.changes import sync_state
        token, refresh = sync_state(s).access_token, sync_state(s).refresh_token
    assert (profile.path / "local.db").exists() and (profile.path / "key.json").exists()

    r = revoke(live, device_id)
    assert r.status_code == 200, r.text

    with pytest.raises(DomainError) as err:
        service.sync_now()  # the sync engine wipes by itself
    assert err.value.code == "device_revoked" and err.value.params.get("wiped")
    assert "已被管理员停用" in err.value.message() and "已清除" in err.value.message()
    assert not profile.path.exists()  # database, wrapped key and photos: all gone
    assert revocation.was_wiped(profile.path)["reason"] == "device_revoked"
    assert list((base_dir() / "profiles").glob("*/key.json")) == []

    # Its token no longer works anywhere.
    for method, path in (("GET", "/api/auth/me"), ("GET", "/api/people"),
                         ("POST", "/api/attachments/status")):
        r = httpx.request(method, live.url + path, headers=bearer(token),
                          json={"hashes": []} if method == "POST" else None)
        assert r.status_code == 403 and r.json()["code"] == "device_revoked", (path, r.text)
    if refresh:
        r = _http.post(f"{live.url}/api/auth/refresh", json={"refresh_token": refresh})
        assert r.status_code == 403 and r.json()["code"] == "device_revoked"
    r = login(live, "worker1a", device_id)
    assert r.status_code == 403 and r.json()["code"] == "device_revoked"
    # The person is not locked out: a new laptop signs in and works.
    r = login(live, "worker1a", "a-new-laptop")
    assert r.status_code == 200
    assert _http.get(f"{live.url}/api/auth/me",
                     headers=bearer(r.json()["access_token"])).status_code == 200


def test_the_command_line_sync_of_a_revoked_laptop_wipes_it_and_fails_with_the_reason(
        live, tmp_path):
    env = {**os.environ, "YZB_HOME": os.environ["YZB_HOME"], "YZB_PASSWORD": PASSWORD}
    cmd = [sys.executable, "-m", "desktop", "sync", "--server", live.url, "--user", "worker1b"]
    first = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stderr
    folder = base_dir() / "profiles" / "worker1b"
    assert (folder / "local.db").exists()
    listed = _http.get(f"{live.url}/api/admin/devices",
                       headers=bearer(admin_token(live))).json()
    (device_id,) = [d["device_id"] for d in listed if d["username"] == "worker1b"]
    assert revoke(live, device_id).status_code == 200
    second = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert second.returncode == 2
    assert "已被管理员停用" in second.stderr and "device_revoked" in second.stderr
    assert not folder.exists()


def test_the_photo_uploader_meeting_the_refusal_also_wipes_the_profile(live):
    profile, _ = signed_in_laptop(live)
    with Session(profile.engine) as s:
        from desktop.storage.changes import sync_state
        token = sync_state(s).access_token
    assert revoke(live, profile.device_id()).status_code == 200
    store = profile.blob_store()
    with AttachmentClient(live.url, token) as client:
        with pytest.raises(DomainError) as err:
            revocation.guarded(AttachmentSync(store, client).upload_pending, profile.path,
                               clock=lambda: NOW, engine=profile.engine)
    assert err.value.code == "device_revoked" and not profile.path.exists()


def test_a_township_office_revokes_devices_in_its_scope_only_and_a_worker_none(live):
    r = login(live, "worker1a", "laptop-1a")
    assert r.status_code == 200
    assert login(live, "worker2", "laptop-2").status_code == 200
    assert revoke(live, "laptop-2", "office1").status_code == 404  # outside t1: as if unknown
    assert revoke(live, "no-such-laptop", "office1").status_code == 404
    refused = revoke(live, "laptop-1a", "worker1b")
    assert refused.status_code == 403
    assert _http.get(f"{live.url}/api/auth/me",
                     headers=bearer(r.json()["access_token"])).status_code == 200
    assert revoke(live, "laptop-1a", "office1").status_code == 200
    assert _http.get(f"{live.url}/api/auth/me",
                     headers=bearer(r.json()["access_token"])).json()["code"] == "device_revoked"
    listed = _http.get(f"{live.url}/api/admin/devices",
                       headers=bearer(admin_token(live, "office1"))).json()
    assert {d["device_id"]: bool(d["revoked_at"]) for d in listed} == {"laptop-1a": True}


def test_a_token_issued_without_a_device_stops_working_when_a_device_of_its_user_is_revoked(
        live):
    old = login(live, "worker1a").json()["access_token"]  # an older client: no device id
    assert login(live, "worker1a", "laptop-1a").status_code == 200
    assert revoke(live, "laptop-1a").status_code == 200
    r = _http.get(f"{live.url}/api/auth/me", headers=bearer(old))
    assert r.status_code == 401 and r.json()["code"] == "token_invalid"


def test_the_sync_page_of_a_revoked_laptop_ends_the_session_with_the_reason(live, qtbot):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from desktop.tasks import TaskManager
    from desktop.ui.context import AppContext, CurrentUser
    from desktop.ui.sync.page import SyncPage
    profile, service = signed_in_laptop(live)
    assert revoke(live, profile.device_id()).status_code == 200
    reasons: list[str] = []
    tasks = TaskManager(profile.engine)
    ctx = AppContext(tasks=tasks, user=CurrentUser("u", "worker1a", "worker1a"), now=lambda: NOW,
                     sync=service, blobs=profile.blob_store(),
                     signed_out=reasons.append)
    page = SyncPage(ctx)
    qtbot.addWidget(page)
    with qtbot.wait_signal(page.sync_failed, timeout=30000):
        page.sync_now()
    assert len(reasons) == 1 and "已被管理员停用" in reasons[0] and "已清除" in reasons[0]
    assert not profile.path.exists()
    tasks.shutdown()
