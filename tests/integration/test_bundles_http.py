"""USB bundles end to end through the command line and the real HTTP server (127.0.0.1): the
laptop signs in online once, then syncs only through files relayed by the township office."""
from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from common.schema import Household
from desktop.__main__ import main
from desktop.storage import outbox, profiles
from desktop.storage.changes import record_change
from sync_server.services.changes import apply_change
from tests.conftest import NOW
from tests.factories import PASSWORD


@pytest.fixture
def live_db(db_url):
    return db_url  # every backend


@pytest.fixture
def live(live, tmp_path, monkeypatch):
    monkeypatch.setenv("YZB_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("YZB_PASSWORD", PASSWORD)
    return live


def server_households(live) -> dict[str, str]:
    with live.app.state.sessions() as s:
        return {h.id: h.address for h in s.scalars(select(Household))}


def laptop_households(name: str = "worker1a") -> tuple[dict[str, str], int]:
    profile = profiles.open_profile(name, PASSWORD)
    try:
        with Session(profile.engine) as s:
            return ({h.id: h.address for h in s.scalars(select(Household))},
                    outbox.pending_count(s))
    finally:
        profile.close()


def test_a_laptop_syncs_through_usb_files_relayed_by_the_office(live, tmp_path, capsys):
    assert main(["sync", "--server", live.url, "--user", "worker1a"]) == 0  # last time online
    with live.app.state.sessions() as s:
        office = apply_change(s, Household, None, {"household_no": "H-办", "address": "乡政府旁",
                                                   "grid_id": live.tree.id("g1a")}, now=NOW).id
        s.commit()
    profile = profiles.open_profile("worker1a", PASSWORD)
    with Session(profile.engine) as s, s.begin():
        mine = record_change(s, Household, None, {"household_no": "H-山", "address": "牧场 3 号",
                                                  "grid_id": live.tree.id("g1a")}, now=NOW).id
    profile.close()
    stick = tmp_path / "usb"
    stick.mkdir()

    assert main(["bundle", "export", "--profile", "worker1a", "--out", str(stick)]) == 0
    request = next(stick.iterdir())
    assert mine not in server_households(live)
    assert main(["bundle", "relay", "--server", live.url, "--user", "office1",
                 "--in", str(request)]) == 0
    assert server_households(live)[mine] == "牧场 3 号"
    answer = next(p for p in stick.iterdir() if "回执包" in p.name)
    assert main(["bundle", "import", "--profile", "worker1a", "--in", str(answer)]) == 0
    rows, waiting = laptop_households()
    assert rows[office] == "乡政府旁" and rows[mine] == "牧场 3 号" and waiting == 0

    capsys.readouterr()
    assert main(["bundle", "import", "--profile", "worker1a", "--in", str(answer)]) == 0
    assert "已导入过" in capsys.readouterr().out
    assert laptop_households() == (rows, 0)


def test_a_tampered_bundle_is_refused_by_the_server_with_a_chinese_reason(live, tmp_path, capsys):
    assert main(["sync", "--server", live.url, "--user", "worker1a"]) == 0
    profile = profiles.open_profile("worker1a", PASSWORD)
    with Session(profile.engine) as s, s.begin():
        record_change(s, Household, None, {"household_no": "H-1",
                                           "grid_id": live.tree.id("g1a")}, now=NOW)
    profile.close()
    target = tmp_path / "req.yzbsync"
    assert main(["bundle", "export", "--profile", "worker1a", "--out", str(target)]) == 0
    data = bytearray(target.read_bytes())
    data[-20] ^= 0x01
    target.write_bytes(bytes(data))
    before = server_households(live)
    capsys.readouterr()
    assert main(["bundle", "relay", "--server", live.url, "--user", "office1",
                 "--in", str(target)]) == 2
    assert "改动" in capsys.readouterr().err
    assert server_households(live) == before


def test_an_account_outside_the_laptops_scope_cannot_relay_its_bundle(live, tmp_path, capsys):
    import httpx

    assert main(["sync", "--server", live.url, "--user", "worker1a"]) == 0
    target = tmp_path / "req.yzbsync"
    assert main(["bundle", "export", "--profile", "worker1a", "--out", str(target)]) == 0
    resp = httpx.post(f"{live.url}/api/sync/bundle", content=target.read_bytes(),
                      headers={"Authorization": f"Bearer {live.token('worker2')}"})
    assert resp.status_code == 403 and resp.json()["code"] == "bundle_relay_forbidden"
    capsys.readouterr()
    assert main(["bundle", "relay", "--server", live.url, "--user", "worker2",
                 "--in", str(target)]) == 2
    assert "无权" in capsys.readouterr().err


def test_a_network_sync_keeps_the_bundle_key_for_later(live):
    from desktop.net.sync import HttpSyncTransport
    from desktop.services import bundles
    from desktop.services.sync import SyncService
    from desktop.storage.settings import put_setting

    assert main(["sync", "--server", live.url, "--user", "worker1a"]) == 0
    profile = profiles.open_profile("worker1a", PASSWORD)
    try:
        assert bundles.has_key(profile.engine)
        with Session(profile.engine) as s, s.begin():
            put_setting(s, bundles.SETTING, {}, now=NOW)  # as a profile made before bundles
        service = SyncService(profile, HttpSyncTransport(live.url), password=PASSWORD,
                              clock=lambda: NOW)
        service.sync_now()
        bundles.keep_key(service)  # what the sync page runs after every sync
        assert bundles.has_key(profile.engine)
    finally:
        profile.close()


def test_a_visits_photos_travel_by_usb_and_the_office_downloads_them(live, tmp_path, capsys):
    import hashlib

    import httpx

    from common.attachments import photo_ref
    from common.schema import Visit
    from tests.integration.attachment_helpers import make_photo

    assert main(["sync", "--server", live.url, "--user", "worker1a"]) == 0  # last time online
    photos = [make_photo(120_000, seed=21), make_photo(90_000, seed=22)]
    profile = profiles.open_profile("worker1a", PASSWORD)
    store = profile.blob_store()
    refs = []
    for p in photos:
        sha, mime, thumb = store.put_photo(p)
        refs.append(photo_ref(sha, len(p), mime, thumb))
    with Session(profile.engine) as s, s.begin():
        record_change(s, Visit, None, {"kind": "person", "visitor_id": live.tree.users[
            "worker1a"].id, "visited_at": NOW, "grid_id": live.tree.id("g1a"),
            "notes": "牧场走访", "photos": refs}, now=NOW)
    profile.close()
    stick = tmp_path / "usb"
    stick.mkdir()
    capsys.readouterr()
    assert main(["bundle", "export", "--profile", "worker1a", "--out", str(stick)]) == 0
    assert "2 张照片" in capsys.readouterr().out
    request = next(stick.iterdir())
    assert main(["bundle", "relay", "--server", live.url, "--user", "office1",
                 "--in", str(request)]) == 0
    office = {"Authorization": f"Bearer {live.token('office1')}"}
    for ref, original in zip(refs, photos):
        resp = httpx.get(f"{live.url}/api/attachments/{ref['sha256']}", headers=office)
        assert resp.status_code == 200 and resp.content == original
        assert hashlib.sha256(resp.content).hexdigest() == ref["sha256"]
    outsider = httpx.get(f"{live.url}/api/attachments/{refs[0]['sha256']}",
                         headers={"Authorization": f"Bearer {live.token('worker2')}"})
    assert outsider.status_code == 403

    answer = next(p for p in stick.iterdir() if "回执包" in p.name)
    capsys.readouterr()
    assert main(["bundle", "import", "--profile", "worker1a", "--in", str(answer)]) == 0
    assert "服务器已收到 2 张" in capsys.readouterr().out
    again = tmp_path / "again.yzbsync"
    assert main(["bundle", "export", "--profile", "worker1a", "--out", str(again)]) == 0
    assert "照片" not in capsys.readouterr().out  # neither the bundle nor a network sync resends
    assert again.stat().st_size < 10_000


def test_the_bundle_route_takes_bodies_larger_than_the_general_limit(live):
    import httpx

    body = b"x" * (live.settings.max_body_bytes + 1)
    headers = {"Authorization": f"Bearer {live.token('office1')}"}
    assert httpx.post(f"{live.url}/api/sync", content=body, headers=headers).status_code == 413
    resp = httpx.post(f"{live.url}/api/sync/bundle", content=body, headers=headers, timeout=60)
    assert resp.status_code == 400 and resp.json()["code"] == "bundle_invalid"
