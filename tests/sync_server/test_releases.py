"""Client releases (contract item 107): a county admin publishes a build; a client below its
minimum version is refused by sync with the release to download; the download is the file."""
from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from common.sync.codec import pack, unpack
from common.sync.messages import SyncRequest
from common.version import is_version, version_key
from sync_server.db.tables import ClientRelease, OpLog

BUILD = b"MZ\x90\x00" + b"yizhangbiao-setup" * 500


def publish(client, *, version="0.2.0", min_version="0.2.0", notes="修复同步问题",
            data=BUILD, filename="yizhangbiao-0.2.0-setup.exe"):
    return client.post("/api/admin/client-releases",
                       data={"version": version, "min_version": min_version, "notes": notes},
                       files={"file": (filename, data, "application/octet-stream")})


def sync(client, version: str | None):
    body = SyncRequest(device_id="dev-1", client_version=version).model_dump(mode="json")
    return client.post("/api/sync", content=pack(body),
                       headers={"X-Device-Id": "dev-1"})


def test_a_published_release_is_listed_downloadable_and_logged(server):
    admin = server.as_("admin")
    r = publish(admin)
    assert r.status_code == 201, r.text
    assert r.json()["sha256"] == hashlib.sha256(BUILD).hexdigest()
    assert [x["version"] for x in admin.get("/api/admin/client-releases").json()] == ["0.2.0"]
    worker = server.as_("worker1a")
    got = worker.get("/api/client/releases/0.2.0/download")
    assert got.status_code == 200 and got.content == BUILD
    assert "yizhangbiao-0.2.0-setup.exe" in got.headers["content-disposition"]
    part = worker.get("/api/client/releases/0.2.0/download", headers={"Range": "bytes=100-"})
    assert part.status_code == 206 and part.content == BUILD[100:]  # a cut download resumes
    with server.session() as s:
        entry = s.query(OpLog).filter_by(entity="client_releases").one()
        assert entry.record_id == "0.2.0" and entry.username == "admin"


def test_a_client_below_the_minimum_is_refused_with_the_release_and_a_newer_one_syncs(server):
    worker = server.as_("worker1a")
    assert sync(worker, "0.1.0").status_code == 200  # nothing published: every version syncs
    assert publish(server.as_("admin"), version="0.3.0", min_version="0.2.0").status_code == 201
    refused = sync(worker, "0.1.0")
    assert refused.status_code == 426
    body = refused.json()
    assert body["code"] == "client_too_old" and "更新" in body["message"]
    assert body["release"]["version"] == "0.3.0" and body["release"]["notes"] == "修复同步问题"
    assert body["release"]["download"] == "/api/client/releases/0.3.0/download"
    assert sync(worker, None).status_code == 426  # a client that sends no version predates it
    ok = sync(worker, "0.2.0")
    assert ok.status_code == 200 and "server_time" in unpack(ok.content)
    latest = worker.get("/api/client/latest", params={"version": "0.2.0"}).json()
    assert latest["update"] is True and latest["required"] is False
    assert worker.get("/api/client/latest", params={"version": "0.3.0"}).json()["update"] is False


@pytest.mark.parametrize("kw,field,words", [
    ({"version": "v2"}, "version", "格式不对"),
    ({"min_version": "0.3.0"}, "min_version", "不能高于"),
    ({"data": b""}, "file", "空的"),
    ({"filename": "../../etc/passwd;rm"}, "file", "文件名"),
])
def test_bad_input_is_refused_in_chinese_and_nothing_is_stored(server, kw, field, words):
    r = publish(server.as_("admin"), **kw)
    assert r.status_code in (400, 422), r.text
    assert words in r.text and r.json()["errors"][0]["field"] == field
    with server.session() as s:
        assert s.query(ClientRelease).count() == 0
    folder = server.settings.releases_dir
    assert not folder.exists() or not [p for p in folder.iterdir() if p.name.startswith(".")]


def test_only_a_newer_version_can_be_published_and_only_by_a_county_admin(server):
    admin = server.as_("admin")
    assert publish(admin, version="1.0.0", min_version="0.9").status_code == 201
    again = publish(admin, version="1.0", min_version="0.9")
    assert again.status_code == 400 and "不比已发布的最新版本 1.0.0 新" in again.json()["message"]
    assert publish(server.as_("office1"), version="2.0.0").status_code == 403
    assert server.as_("office1").get("/api/admin/client-releases").status_code == 403
    assert server.client.get("/api/client/latest").status_code == 401


def test_an_oversized_build_is_refused_and_leaves_no_file(server):
    server.settings.max_release_bytes = 1000
    r = publish(server.as_("admin"), data=b"x" * 5000)
    assert r.status_code == 413 and "安装包过大" in r.json()["message"]
    assert not list(server.settings.releases_dir.iterdir())


@given(st.lists(st.integers(0, 30), min_size=1, max_size=4),
       st.lists(st.integers(0, 30), min_size=1, max_size=4))
def test_versions_order_by_their_numbers_not_their_text(a, b):
    va, vb = ".".join(map(str, a)), ".".join(map(str, b))
    if not (is_version(va) and is_version(vb)):
        return
    pad = lambda xs: xs + [0] * (4 - len(xs))  # noqa: E731
    assert (version_key(va) < version_key(vb)) == (pad(a) < pad(b))
