"""Ledger types are data: a county admin adds a ledger type or a field without code, everyone
signed in reads them, and every refusal names the field in Chinese and leaves nothing behind."""
from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, select

from common.ledger_types import ledger_type_id
from common.schema import LedgerField, LedgerType
from sync_server.db.sync_tables import ChangeLog
from sync_server.db.tables import OpLog

SOAK = bool(os.environ.get("SOAK"))
LIVESTOCK = ledger_type_id("livestock")
BEES = {"code": "beekeeping", "name": "养蜂台账", "binding": "household", "per_year": True,
        "fields": [{"code": "hives", "label": "蜂箱数", "field_type": "int", "unit": "箱",
                    "required": True},
                   {"code": "honey_kind", "label": "蜜种", "field_type": "dict",
                    "dict_code": "crop_kind"}]}
VACCINATIONS = {"code": "vaccinations", "label": "防疫次数", "field_type": "int", "unit": "次"}


def counts(server) -> tuple[int, int, int, int]:
    """Ledger types, ledger fields, change-log entries and op-log entries on the server."""
    with server.session() as s:
        return tuple(s.scalar(select(func.count()).select_from(t))
                     for t in (LedgerType, LedgerField, ChangeLog, OpLog))


def by_code(listing: list[dict], code: str) -> dict:
    return next(t for t in listing if t["code"] == code)


def test_an_admin_adds_a_ledger_type_with_fields_and_everyone_sees_it(server):
    r = server.as_("admin").post("/api/admin/ledger-types", json=BEES)
    assert r.status_code == 201, r.text
    assert [f["label"] for f in r.json()["fields"]] == ["蜂箱数", "蜜种"]
    listing = server.as_("worker1a").get("/api/ledger-types").json()
    bees = by_code(listing, "beekeeping")
    assert bees["name"] == "养蜂台账" and bees["binding"] == "household"
    assert [(f["code"], f["unit"], f["required"]) for f in bees["fields"]] == [
        ("hives", "箱", True), ("honey_kind", None, False)]
    assert by_code(listing, "livestock")["name"] == "养殖台账"  # the defaults stay
    assert server.client.get("/api/ledger-types").status_code == 401


def test_an_admin_adds_a_field_to_an_existing_ledger_and_it_is_listed_last(server):
    r = server.as_("admin").post(f"/api/admin/ledger-types/{LIVESTOCK}/fields",
                                 json=VACCINATIONS)
    assert r.status_code == 201, r.text
    fields = by_code(server.as_("office1").get("/api/ledger-types").json(), "livestock")["fields"]
    assert fields[-1]["label"] == "防疫次数" and fields[-1]["unit"] == "次"
    assert [f["code"] for f in fields[:2]] == ["animal", "stock"]


def test_a_freshly_migrated_server_lists_the_ledger_types_without_any_admin_action(db_url):
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from sync_server.db.migrate import migrate
    from sync_server.services.ledger_admin import list_types
    engine = create_engine(db_url)
    try:
        with Session(engine) as s:  # stored by the migration, each with a change for devices
            listing = list_types(s)
            logged = set(s.scalars(select(ChangeLog.record_id).where(
                ChangeLog.entity.in_(("ledger_types", "ledger_fields")))))
        assert [v.code for v in listing][:3] == ["land", "production_living",
                                                 "income_expense"]
        livestock = next(v for v in listing if v.code == "livestock")
        assert livestock.id == LIVESTOCK
        assert [f.code for f in livestock.fields] == ["animal", "stock", "sold", "income"]
        assert {LIVESTOCK, *(f.id for f in livestock.fields)} <= logged
        before = counts_of(engine)
        migrate(engine=engine)  # migrating again adds nothing
        assert counts_of(engine) == before
    finally:
        engine.dispose()


def counts_of(engine) -> tuple[int, int]:
    from sqlalchemy.orm import Session
    with Session(engine) as s:
        return tuple(s.scalar(select(func.count()).select_from(t))
                     for t in (LedgerType, LedgerField))


def test_the_service_itself_refuses_anyone_but_a_county_admin(server):
    from common.errors import DomainError
    from common.schema import User
    from sync_server.services import ledger_admin
    with server.session() as s:
        office = s.get(User, server.tree.users["office1"].id)
        with pytest.raises(DomainError) as err:
            ledger_admin.add_field(s, office, LIVESTOCK, VACCINATIONS, now=server.clock())
        assert err.value.code == "forbidden"


def test_township_and_grid_accounts_are_refused_with_a_chinese_reason(server):
    before = counts(server)
    for user in ("office1", "worker1a"):
        api = server.as_(user)
        for r in (api.post("/api/admin/ledger-types", json=BEES),
                  api.post(f"/api/admin/ledger-types/{LIVESTOCK}/fields", json=VACCINATIONS),
                  api.patch(f"/api/admin/ledger-types/{LIVESTOCK}", json={"name": "x"}),
                  api.delete(f"/api/admin/ledger-types/{LIVESTOCK}")):
            assert r.status_code == 403
            assert r.json()["message"] == "您没有执行此操作的权限"
    assert counts(server) == before


def test_bad_codes_are_refused_naming_the_field(server):
    admin = server.as_("admin")
    for code in ("Bees", "1bees", "b", "蜜蜂", "bees-2", "b" * 33, " "):
        r = admin.post("/api/admin/ledger-types", json={**BEES, "code": code})
        assert r.status_code == 422, (code, r.text)
        assert r.json()["errors"][0]["field"] == "code"
        assert r.json()["message"].startswith("台账代码")
    r = admin.post(f"/api/admin/ledger-types/{LIVESTOCK}/fields",
                   json={**VACCINATIONS, "code": "Vacc"})
    assert r.status_code == 422
    assert r.json()["message"] == ("字段代码“Vacc”格式不对：应以小写英文字母开头，"
                                   "由 2 到 32 个小写英文字母、数字或下划线组成")


def test_every_wrong_field_of_a_new_type_is_named_at_once(server):
    body = {"code": "x!", "name": "", "binding": "village", "fields": [
        {"code": "ok_code", "label": "年度", "field_type": "money"},
        {"code": "kind", "label": "种类", "field_type": "dict", "dict_code": "no_such_dict"},
        {"code": "note", "label": "说明", "field_type": "text", "dict_code": "crop_kind"},
        {"code": "pick", "label": "选项", "field_type": "dict"}]}
    r = server.as_("admin").post("/api/admin/ledger-types", json=body)
    assert r.status_code == 422
    errors = {e["field"]: e["message"] for e in r.json()["errors"]}
    assert errors["name"] == "台账名称不能为空"
    assert errors["binding"] == "绑定对象“village”不在可选项中"
    assert errors["fields.0.field_type"] == "第 1 个字段的字段类型“money”不在可选项中"
    assert errors["fields.0.label"] == "第 1 个字段的字段名称“年度”与台账表的固定列重名，请换一个名称"
    assert errors["fields.1.dict_code"] == ("第 2 个字段的字典“no_such_dict”不是已有的字典，"
                                            "请先在字典管理中建立该字典")
    assert errors["fields.2.dict_code"] == "只有“字典选项”类型的字段才能选择第 3 个字段的字典"
    assert errors["fields.3.dict_code"] == "字段类型为“字典选项”时必须选择第 4 个字段的字典"
    assert "code" in errors


def test_an_unknown_dictionary_or_field_type_on_a_new_field_is_refused(server):
    admin = server.as_("admin")
    url = f"/api/admin/ledger-types/{LIVESTOCK}/fields"
    r = admin.post(url, json={**VACCINATIONS, "field_type": "money"})
    assert r.status_code == 422 and r.json()["message"] == "字段类型“money”不在可选项中"
    r = admin.post(url, json={**VACCINATIONS, "field_type": "dict", "dict_code": "vaccines"})
    assert r.status_code == 422
    assert r.json()["message"] == "字典“vaccines”不是已有的字典，请先在字典管理中建立该字典"
    r = admin.post(url, json={**VACCINATIONS, "field_type": "dict", "dict_code": "plate_key"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "dict_code"
    # a dictionary the admin creates in the dictionary centre can then be used
    assert admin.post("/api/admin/dictionaries", json={
        "dict_code": "vaccines", "code": "fmd", "label": "口蹄疫"}).status_code == 201
    r = admin.post(url, json={**VACCINATIONS, "field_type": "dict", "dict_code": "vaccines"})
    assert r.status_code == 201, r.text


def test_duplicate_codes_and_names_are_refused_as_conflicts(server):
    admin = server.as_("admin")
    assert admin.post("/api/admin/ledger-types", json=BEES).status_code == 201
    r = admin.post("/api/admin/ledger-types", json={**BEES, "name": "蜜蜂台账"})
    assert r.status_code == 409 and r.json()["message"] == "台账代码 beekeeping 已被使用"
    r = admin.post("/api/admin/ledger-types", json={**BEES, "code": "bees"})
    assert r.status_code == 409 and r.json()["message"] == "台账名称 养蜂台账 已被使用"
    url = f"/api/admin/ledger-types/{LIVESTOCK}/fields"
    r = admin.post(url, json={**VACCINATIONS, "code": "stock"})
    assert r.status_code == 409 and r.json()["message"] == "字段代码 stock 已被使用"
    r = admin.post(url, json={**VACCINATIONS, "label": "存栏数"})
    assert r.status_code == 409 and r.json()["errors"][0]["field"] == "label"
    twice = {**BEES, "code": "bees2", "name": "蜂2", "fields": [VACCINATIONS, VACCINATIONS]}
    r = admin.post("/api/admin/ledger-types", json=twice)
    assert r.status_code == 409 and r.json()["errors"][0]["field"] == "fields.1.code"


def test_a_retired_code_is_never_reused(server):
    admin = server.as_("admin")
    field = admin.post(f"/api/admin/ledger-types/{LIVESTOCK}/fields", json=VACCINATIONS).json()
    assert admin.delete(f"/api/admin/ledger-fields/{field['id']}").status_code == 204
    r = admin.post(f"/api/admin/ledger-types/{LIVESTOCK}/fields",
                   json={**VACCINATIONS, "field_type": "text"})
    assert r.status_code == 409
    assert "曾被已停用的“防疫次数”使用" in r.json()["message"]
    assert admin.delete(f"/api/admin/ledger-types/{LIVESTOCK}").status_code == 204
    r = admin.post("/api/admin/ledger-types", json={**BEES, "code": "livestock"})
    assert r.status_code == 409 and "已停用的“养殖台账”" in r.json()["message"]


def test_changing_a_fields_code_or_type_is_refused_with_the_reason(server):
    admin = server.as_("admin")
    field = admin.post(f"/api/admin/ledger-types/{LIVESTOCK}/fields", json=VACCINATIONS).json()
    before = counts(server)
    for change in ({"code": "shots"}, {"field_type": "decimal"}, {"label": "x", "code": "y"},
                   {"ledger_type_id": ledger_type_id("land")}):
        r = admin.patch(f"/api/admin/ledger-fields/{field['id']}", json=change)
        assert r.status_code == 422, r.text
        assert "设定后不能修改：已有的台账记录依赖它" in r.json()["message"]
    r = admin.patch(f"/api/admin/ledger-types/{LIVESTOCK}", json={"binding": "person"})
    assert r.status_code == 422 and r.json()["message"].startswith("绑定对象设定后不能修改")
    assert counts(server) == before
    # sending the same code back with a real change is fine
    r = admin.patch(f"/api/admin/ledger-fields/{field['id']}",
                    json={"code": "vaccinations", "label": "年防疫次数", "required": True})
    assert r.status_code == 200 and r.json()["label"] == "年防疫次数" and r.json()["required"]


def test_a_type_and_a_field_are_changed_and_retired(server):
    admin = server.as_("admin")
    r = admin.patch(f"/api/admin/ledger-types/{LIVESTOCK}", json={"name": "畜牧养殖台账",
                                                                  "per_year": False})
    assert r.status_code == 200 and r.json()["name"] == "畜牧养殖台账"
    assert r.json()["per_year"] is False and r.json()["fields"][0]["code"] == "animal"
    fields = r.json()["fields"]
    sold = next(f for f in fields if f["code"] == "sold")
    r = admin.patch(f"/api/admin/ledger-fields/{sold['id']}", json={"unit": "头", "sort": 99})
    assert r.status_code == 200 and (r.json()["unit"], r.json()["sort"]) == ("头", 99)
    assert admin.delete(f"/api/admin/ledger-fields/{sold['id']}").status_code == 204
    assert admin.delete(f"/api/admin/ledger-fields/{sold['id']}").status_code == 404
    listing = server.as_("worker1a").get("/api/ledger-types").json()
    assert "sold" not in [f["code"] for f in by_code(listing, "livestock")["fields"]]
    assert admin.delete(f"/api/admin/ledger-types/{LIVESTOCK}").status_code == 204
    listing = server.as_("worker1a").get("/api/ledger-types").json()
    assert "livestock" not in [t["code"] for t in listing] and len(listing) == 7
    assert admin.patch(f"/api/admin/ledger-types/{LIVESTOCK}",
                       json={"name": "x"}).status_code == 404
    assert admin.post(f"/api/admin/ledger-types/{LIVESTOCK}/fields",
                      json=VACCINATIONS).status_code == 404


def test_a_refused_write_leaves_nothing_half_written(server):
    admin = server.as_("admin")
    before = counts(server)
    bad_second = {**BEES, "fields": [BEES["fields"][0], {**VACCINATIONS, "label": "x" * 65}]}
    r = admin.post("/api/admin/ledger-types", json=bad_second)
    assert r.status_code == 422
    assert r.json()["message"] == "第 2 个字段的字段名称过长：最多 64 个字符，现在是 65 个"
    assert counts(server) == before


def test_the_operation_log_and_the_change_log_hold_every_write(server):
    admin = server.as_("admin")
    created = admin.post("/api/admin/ledger-types", json=BEES).json()
    field = admin.post(f"/api/admin/ledger-types/{created['id']}/fields",
                       json=VACCINATIONS).json()
    admin.patch(f"/api/admin/ledger-fields/{field['id']}", json={"label": "防疫"})
    admin.delete(f"/api/admin/ledger-fields/{field['id']}")
    with server.session() as s:
        log = s.execute(select(OpLog.action, OpLog.entity, OpLog.record_id, OpLog.username)
                        .where(OpLog.entity.in_(("ledger_types", "ledger_fields")))
                        .order_by(OpLog.id)).all()
        changes = s.scalars(select(ChangeLog.values).where(
            ChangeLog.record_id == field["id"]).order_by(ChangeLog.rev)).all()
        retired = s.get(LedgerField, field["id"])
        assert retired.deleted and retired.grid_id is None
    assert [(a, e) for a, e, _, _ in log] == [
        ("create", "ledger_types"), ("create", "ledger_fields"), ("create", "ledger_fields"),
        ("create", "ledger_fields"), ("update", "ledger_fields"), ("delete", "ledger_fields")]
    assert {u for *_, u in log} == {"admin"} and log[-1][2] == field["id"]
    assert changes[-2] == {"label": "防疫"} and changes[-1] == {"deleted": True}


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner,
                                                                max_size=3),
    max_leaves=8)
# Mostly plausible text (so many payloads pass the checks and are written), sometimes with the
# characters that break sheets or PostgreSQL (NUL, tabs, newlines), sometimes anything at all.
plausible = st.text(alphabet="养蜂台账防疫次数亩头只 abcXYZ019-_（）", min_size=1, max_size=16)
texts = (plausible | plausible | plausible
         | st.text(alphabet="养蜂ab \x00\t\n\u3000\u200b", min_size=1, max_size=6)
         | st.text(max_size=70))
codes = st.from_regex(r"[a-z][a-z0-9_]{1,31}", fullmatch=True)
field_bodies = st.fixed_dictionaries(
    {"code": codes, "label": texts,
     "field_type": st.sampled_from(["text", "int", "decimal", "date", "bool"])},
    optional={"unit": st.none() | texts, "required": st.booleans(),
              "sort": st.integers(0, 10)})
type_bodies = st.fixed_dictionaries(
    {"code": codes, "name": texts, "binding": st.sampled_from(["person", "household", "house"])},
    optional={"per_year": st.booleans(), "sort": st.integers(0, 10),
              "fields": st.lists(field_bodies, max_size=3)})


@st.composite
def mutated(draw, bodies, keys: list[str]) -> dict:
    """A plausible body with up to three of its values replaced by anything, or dropped."""
    body = draw(bodies)
    for _ in range(draw(st.integers(0, 3))):
        key = draw(st.sampled_from(keys))
        if draw(st.integers(0, 3)) == 0:
            body.pop(key, None)
        else:
            body[key] = draw(json_values | texts | st.sampled_from(
                ["dict", "crop_kind", "nope", "Stock", "stock", "存栏数", "年度", -1, 10**9]))
    return body


FIELD_KEYS = ["code", "label", "field_type", "unit", "dict_code", "required", "sort", "x"]
TYPE_KEYS = ["code", "name", "binding", "per_year", "sort", "fields", "y"]


@settings(max_examples=400 if SOAK else 25, deadline=None,
          suppress_health_check=list(HealthCheck))
@given(mutated(type_bodies, TYPE_KEYS))
def test_any_payload_to_create_a_ledger_type_gets_an_answer_below_500(server, body):
    r = server.as_("admin").post("/api/admin/ledger-types", json=body)
    assert r.status_code < 500, r.text
    if r.status_code >= 400:
        assert r.json()["message"] and not r.json()["message"].isascii()


@settings(max_examples=400 if SOAK else 25, deadline=None,
          suppress_health_check=list(HealthCheck))
@given(mutated(field_bodies, FIELD_KEYS))
def test_any_payload_to_add_a_field_gets_an_answer_below_500(server, body):
    r = server.as_("admin").post(f"/api/admin/ledger-types/{LIVESTOCK}/fields", json=body)
    assert r.status_code < 500, r.text
    if r.status_code >= 400:
        assert r.json()["message"] and not r.json()["message"].isascii()


def test_every_ledger_endpoint_is_documented(server):
    from pathlib import Path
    doc = (Path(__file__).parents[2] / "docs" / "SERVER.md").read_text(encoding="utf-8")
    paths = server.app.openapi()["paths"]
    routes = [(m.upper(), p) for p, ops in paths.items() if "ledger" in p for m in ops]
    assert len(routes) == 7
    assert all(not op["summary"].isascii() for p, ops in paths.items() if "ledger" in p
               for op in ops.values())  # Chinese summaries in /docs
    for method, path in routes:
        assert f"`{method} {path}" in doc, f"{method} {path} is not in docs/SERVER.md"
