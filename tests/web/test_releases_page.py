"""The client versions page over HTTP: a county admin publishes a build (multipart, through
services/releases like the JSON API) and it is what clients are offered; bad input is refused
beside its field with nothing stored; other roles are refused."""
from __future__ import annotations

import hashlib

from fastapi.testclient import TestClient

from tests.web.conftest import csrf_of, sign_in

BUILD = b"MZ" + b"\x00" * 2048


def admin_browser(web) -> tuple[TestClient, str]:
    client = TestClient(web.app)
    sign_in(client, "admin")
    return client, csrf_of(client.get("/admin/releases").text)


def post(client, token, *, version="1.2.0", min_version="1.0.0", notes="修复同步问题",
         file=("yzb-setup-1.2.0.exe", BUILD)):
    return client.post("/admin/releases", data={"csrf_token": token, "version": version,
                                                "min_version": min_version, "notes": notes},
                       files={"file": file} if file else None, follow_redirects=False)


def test_a_published_build_is_listed_and_offered_to_clients(web):
    client, token = admin_browser(web)
    answer = post(client, token)
    assert answer.status_code == 303 and answer.headers["location"] == "/admin/releases"
    page = client.get("/admin/releases").text
    assert "1.2.0" in page and "yzb-setup-1.2.0.exe" in page
    assert hashlib.sha256(BUILD).hexdigest()[:16] in page
    latest = web.as_("office1").get("/api/client/latest", params={"version": "0.9.0"}).json()
    assert latest["required"] and latest["release"]["sha256"] == hashlib.sha256(BUILD).hexdigest()


def test_bad_input_is_refused_beside_its_field_and_nothing_is_stored(web):
    client, token = admin_browser(web)
    bad = post(client, token, version="1.x")
    assert bad.status_code >= 400 and 'id="e-version"' in bad.text and "格式不对" in bad.text
    assert 'value="1.0.0"' in bad.text  # the input is kept
    above = post(client, token, min_version="2.0.0")
    assert above.status_code >= 400 and 'id="e-min_version"' in above.text
    nofile = post(client, token, file=None)
    assert nofile.status_code == 400 and 'id="e-file"' in nofile.text and "安装包不能为空" in nofile.text
    empty = post(client, token, file=("a.exe", b""))
    assert empty.status_code >= 400 and "安装包文件是空的" in empty.text
    assert "还没有发布过客户端版本" in client.get("/admin/releases").text
    assert [p.name for p in web.settings.releases_dir.iterdir()] == []  # no orphan build
    assert post(client, token).status_code == 303
    older = post(client, token, version="1.1.0")
    assert older.status_code >= 400 and 'id="e-version"' in older.text


def test_only_a_county_admin_sees_and_publishes(web):
    client = TestClient(web.app)
    sign_in(client, "office1")
    token = csrf_of(client.get("/admin/").text)
    assert "客户端版本" not in client.get("/admin/").text
    assert client.get("/admin/releases").status_code == 403
    assert post(client, token).status_code == 403
    admin, _ = admin_browser(web)
    assert post(admin, "wrong-token").status_code == 403  # CSRF
