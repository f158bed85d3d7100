"""Open311 GeoReport v2 over HTTP: discovery, services, a definition, POST with a registered
client's api_key placing the request in the grid of the village it names, GET requests and one
request following it to closed with the answer; times ISO 8601 with zone; errors in the
specification's list form; a client sees only its own requests; a flood gets 429s."""
from __future__ import annotations

import datetime as dt
import re

from fastapi.testclient import TestClient
from sqlalchemy import select

from common.schema import Event
from tests.web.conftest import csrf_of, sign_in
from tests.web.test_hotline import act

BASE = "/open311/v2"


def register(web, name: str) -> str:
    admin = TestClient(web.app)
    sign_in(admin, "admin")
    page = admin.get("/admin/hotline/open311")
    answer = admin.post("/admin/hotline/open311", data={"csrf_token": csrf_of(page.text),
                                                        "name": name})
    assert answer.status_code == 200, answer.text
    return re.search(r'<code id="new-key">([^<]+)</code>', answer.text).group(1)


def test_discovery_services_and_definition(web):
    found = web.client.get(f"{BASE}/discovery.json").json()
    assert found["endpoints"][0]["specification"] == "http://wiki.open311.org/GeoReport_v2"
    services = web.client.get(f"{BASE}/services.json").json()
    assert {(s["service_code"], s["service_name"]) for s in services} >= {
        ("environment", "环境卫生"), ("safety", "安全隐患")}
    definition = web.client.get(f"{BASE}/services/environment.json").json()
    (attribute,) = definition["attributes"]
    assert attribute["code"] == "village_id" and any(
        v["key"] == web.tree.id("v1") for v in attribute["values"])
    missing = web.client.get(f"{BASE}/services/nonsense.json")
    assert missing.status_code == 404 and missing.json()[0]["code"] == 404


def test_a_client_files_and_follows_a_request_to_its_answer(web):
    key = register(web, "便民服务亭")
    other = register(web, "另一个应用")
    refused = web.client.post(f"{BASE}/requests.json", data={
        "api_key": "wrong", "service_code": "environment", "description": "x"})
    assert refused.status_code == 403 and refused.json() == [
        {"code": 403, "description": "api_key 无效或已停用"}]
    bad = web.client.post(f"{BASE}/requests.json", data={
        "api_key": key, "service_code": "nonsense", "address_string": "团结社区幸福路"})
    assert bad.status_code == 422 and "问题类别不能为空" in bad.json()[0]["description"]
    filed = web.client.post(f"{BASE}/requests.json", data={
        "api_key": key, "service_code": "environment", "description": "路灯下垃圾堆积",
        "address_string": "团结社区幸福路 3 号", "lat": "39.9", "long": "116.4",
        "first_name": "明", "last_name": "陈", "phone": "13812345678"})
    assert filed.status_code == 200, filed.text
    (receipt,) = filed.json()
    request_id = receipt["service_request_id"]
    with web.session() as s:
        event = s.get(Event, request_id)
        assert event.grid_id == web.tree.id("g1a") and event.source == "hotline"
        assert event.reporter_name == "陈 明" and event.reporter_phone == "13812345678"
    (one,) = web.client.get(f"{BASE}/requests/{request_id}.json", params={"api_key": key}
                            ).json()
    assert one["status"] == "open" and one["lat"] == 39.9 and one["long"] == 116.4
    requested = dt.datetime.fromisoformat(one["requested_datetime"])
    assert requested.utcoffset() == dt.timedelta(hours=8)
    assert requested.astimezone(dt.UTC).replace(tzinfo=None) == web.clock()
    assert web.client.get(f"{BASE}/requests/{request_id}.json",
                          params={"api_key": other}).status_code == 404
    assert web.client.get(f"{BASE}/requests.json", params={"api_key": other}).json() == []

    office = TestClient(web.app)
    sign_in(office, "office1")
    act(office, request_id, action="close", note="已清理")
    listed = web.client.get(f"{BASE}/requests.json", params={"api_key": key,
                                                             "status": "closed"}).json()
    assert [(r["service_request_id"], r["status"], r["status_notes"]) for r in listed] == [
        (request_id, "closed", "已清理")]
    assert web.client.get(f"{BASE}/requests.json", params={
        "api_key": key, "status": "open"}).json() == []
    bad_date = web.client.get(f"{BASE}/requests.json", params={"api_key": key,
                                                               "start_date": "yesterday"})
    assert bad_date.status_code == 422 and "ISO 8601" in bad_date.json()[0]["description"]


def test_a_flooding_client_gets_429s_and_never_a_5xx(web, monkeypatch):
    from sync_server.services import open311
    monkeypatch.setattr(open311, "PER_CLIENT_HOUR", 5)
    key = register(web, "终端")
    statuses = [web.client.post(f"{BASE}/requests.json", data={
        "api_key": key, "service_code": "other", "description": f"第 {i} 条",
        "address_string": "南湖村"}).status_code for i in range(8)]
    assert statuses == [200] * 5 + [429] * 3
    with web.session() as s:
        assert len(s.scalars(select(Event)).all()) == 5
