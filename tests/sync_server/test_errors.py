"""Malformed requests get a 4xx with a Chinese reason naming the field or position, never a 500."""
from __future__ import annotations

import json
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import make_person

JSON = {"content-type": "application/json"}
SOAK = bool(os.environ.get("SOAK"))  # make soak: many more generated bodies


@pytest.mark.parametrize("raw", [b"{", b"{\"name\": }", b"[1, 2", b"\xff\xfe\x00", b"null",
                                 b"[]", b"\"a string\"", b"12", b""])
def test_a_body_that_is_not_a_json_object_is_refused_with_a_reason(server, raw):
    r = server.as_("worker1a").post("/api/people", content=raw, headers=JSON)
    assert 400 <= r.status_code < 500
    body = r.json()
    assert body["code"] in ("json_invalid", "request_invalid")
    assert body["message"] and not body["message"].isascii()


def test_broken_json_names_the_position(server):
    r = server.as_("worker1a").post("/api/people", content=b'{"name": "x",, }', headers=JSON)
    assert r.status_code == 400 and "第 13 个字符" in r.json()["message"]


def test_wrong_types_and_unknown_fields_name_each_field_in_chinese(server):
    body = make_person(server.tree.id("g1a"), name=123, resident_type=["x"], shoe_size=44)
    r = server.as_("worker1a").post("/api/people", json=body)
    assert r.status_code == 422
    fields = {e["field"]: e["message"] for e in r.json()["errors"]}
    assert fields["name"] == "姓名的值类型不对：应为文字"
    assert "人口类型" in fields["resident_type"]
    assert fields["shoe_size"] == "不认识的字段：shoe_size"


def test_a_missing_required_field_is_named(server):
    r = server.as_("worker1a").post("/api/people", json={"grid_id": server.tree.id("g1a")})
    assert r.status_code == 422
    assert "缺少必填项：公民身份号码" in r.json()["message"]
    assert "缺少必填项：姓名" in r.json()["message"]


def test_a_huge_string_is_refused_with_the_limit(server):
    r = server.as_("worker1a").post("/api/people", json=make_person(server.tree.id("g1a"),
                                                                    name="长" * 100_000))
    assert r.status_code == 422
    assert r.json()["message"] == "姓名过长：最多 64 个字符，现在是 100000 个"


def test_a_body_over_the_size_limit_is_refused_before_it_is_read(server):
    big = json.dumps({"notes": "x" * (17 * 1024 * 1024)}).encode()
    r = server.as_("worker1a").post("/api/people", content=big, headers=JSON)
    assert r.status_code == 413 and r.json()["code"] == "body_too_large"


def test_bad_paging_values_are_refused(server):
    api = server.as_("worker1a")
    assert api.get("/api/people", params={"limit": 0}).status_code == 422
    assert api.get("/api/people", params={"limit": "ten"}).status_code == 422
    r = api.get("/api/people", params={"offset": -1})
    assert r.status_code == 422 and "起始位置" in r.json()["message"]


def test_an_unknown_address_and_a_wrong_method_answer_in_chinese(server):
    assert server.client.get("/api/nothing-here").json()["message"] == "找不到该地址"
    r = server.client.put("/health")
    assert r.status_code == 405 and r.json()["message"] == "不支持该请求方法"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner,
                                                                max_size=3),
    max_leaves=8)
person_fields = st.sampled_from(["id_number", "name", "grid_id", "sex", "birth_date", "phone",
                                 "resident_type", "status", "household_id", "notes", "x"])


@settings(max_examples=500 if SOAK else 20, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.dictionaries(person_fields, json_values, max_size=6))
def test_any_json_object_as_a_person_gets_an_answer_below_500(server, body):
    r = server.as_("worker1a").post("/api/people", json=body)
    assert r.status_code < 500, r.text
    if r.status_code >= 400:
        assert r.json()["message"]


@settings(max_examples=300 if SOAK else 12, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.dictionaries(person_fields, json_values, max_size=4))
def test_any_json_object_as_a_person_update_gets_an_answer_below_500(server, body):
    api = server.as_("worker1a")
    pid = api.get("/api/people", params={"limit": 1}).json()["items"]
    if not pid:
        pid = [api.post("/api/people", json=make_person(server.tree.id("g1a"))).json()]
    r = api.patch(f"/api/people/{pid[0]['id']}", json=body)
    assert r.status_code < 500, r.text


def test_non_standard_json_numbers_are_refused_not_stored(server):
    api = server.as_("worker1a")
    body = b'{"door_plate": "1", "house_type": "bungalow", "grid_id": "%s", "area": Infinity}' % (
        server.tree.id("g1a").encode())
    r = api.post("/api/houses", content=body, headers=JSON)
    assert 400 <= r.status_code < 500, r.text
    assert api.get("/api/houses").json()["total"] == 0
