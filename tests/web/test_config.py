"""The config centre over plain HTTP: fields per role (stored, applied to the console's list,
export and reveal and to the JSON API), dictionaries, tags and code types (add, rename,
retire), bad input beside the field with nothing written, county admins only."""
from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select

from common.schema import DictEntry
from sync_server.db.tables import HiddenField, OpLog
from tests.factories import make_person
from tests.web.conftest import csrf_of, sign_in



def _browser(web, username="admin") -> TestClient:
    client = TestClient(web.app)
    assert sign_in(client, username).status_code == 303
    return client


def _visible_all_but(client, table: str, hidden: dict[str, set[str]]) -> dict[str, list[str]]:
    page = client.get("/admin/config/fields", params={"table": table}).text
    boxes = re.findall(r'name="visible" value="([\w.]+)"', page)
    keep = [b for b in boxes if b.split(".", 1)[1] not in hidden.get(b.split(".", 1)[0], ())]
    return {"csrf_token": csrf_of(page), "table": table, "visible": keep}


def _person(web):
    r = web.as_("admin").post("/api/people", json=make_person(web.tree.id("g1a"),
                                                              phone="13812348000"))
    assert r.status_code in (200, 201), r.text
    return r.json()["id"]


def test_a_field_hidden_from_a_role_leaves_its_list_export_reveal_and_api(web):
    pid = _person(web)
    admin = _browser(web)
    saved = admin.post("/admin/config/fields", follow_redirects=False,
                       data=_visible_all_but(admin, "people", {"township_office": {"phone"}}))
    assert saved.status_code == 303
    office = _browser(web, "office1")
    page = office.get("/admin/people").text
    assert "联系电话" not in page and "138****8000" not in page
    assert "联系电话" in admin.get("/admin/people").text
    assert office.post(f"/admin/people/{pid}/reveal/phone",
                       headers={"X-CSRF-Token": csrf_of(page)}).status_code == 404
    api = web.as_("office1")
    assert api.get("/api/people").json()["items"][0]["phone"] is None
    assert api.get(f"/api/people/{pid}").json()["phone"] is None
    assert api.get(f"/api/people/{pid}/reveal/phone").status_code in (400, 404, 422)
    assert web.as_("admin").get(f"/api/people/{pid}").json()["phone"] == "13812348000"
    with web.session() as s:
        rows = s.scalars(select(HiddenField)).all()
        logged = s.scalars(select(OpLog).where(OpLog.entity == "hidden_fields")).all()
    assert [(r.role, r.entity, r.field) for r in rows] == [("township_office", "people", "phone")]
    assert len(logged) == 1 and logged[0].details["hidden"] == {"township_office": ["phone"]}


def test_the_identifying_field_cannot_be_hidden_and_nothing_is_written(web):
    admin = _browser(web)
    answer = admin.post("/admin/config/fields",
                        data=_visible_all_but(admin, "people",
                                              {"grid_worker": {"name", "phone"}}))
    assert answer.status_code == 422
    assert "“姓名”用来识别记录，不能隐藏" in answer.text
    with web.session() as s:
        assert s.scalars(select(HiddenField)).all() == []


def test_only_the_county_admin_opens_or_changes_the_config_centre(web):
    office = _browser(web, "office1")
    assert office.get("/admin/config/fields").status_code == 403
    assert office.get("/admin/config/dictionaries").status_code == 403
    token = csrf_of(office.get("/admin/").text)
    refused = office.post("/admin/config/dictionaries",
                          data={"csrf_token": token, "dict_code": "tag", "code": "x1",
                                "label": "某标签"})
    assert refused.status_code == 403
    assert "配置中心" not in office.get("/admin/").text


def _entries(web, dict_code: str) -> dict[str, tuple[str, bool]]:
    with web.session() as s:
        return {e.code: (e.label, e.active) for e in s.scalars(
            select(DictEntry).where(DictEntry.dict_code == dict_code))}


def test_a_tag_is_added_renamed_and_retired(web):
    admin = _browser(web)
    page = admin.get("/admin/config/dictionaries", params={"dict": "tag"}).text
    added = admin.post("/admin/config/dictionaries", follow_redirects=False,
                       data={"csrf_token": csrf_of(page), "dict_code": "tag", "code": "veteran2",
                             "label": "退役军人家属"})
    assert added.status_code == 303
    assert _entries(web, "tag")["veteran2"] == ("退役军人家属", True)
    page = admin.get("/admin/config/dictionaries", params={"dict": "tag"}).text
    entry_id = re.search(r'action="/admin/config/dictionaries/([^"]+)"[^<]*<input[^>]*>'
                         r'<input[^>]*>\s*<input name="label" value="退役军人家属"', page).group(1)
    token = csrf_of(page)
    renamed = admin.post(f"/admin/config/dictionaries/{entry_id}", follow_redirects=False,
                         data={"csrf_token": token, "dict_code": "tag", "label": "军属"})
    assert renamed.status_code == 303 and _entries(web, "tag")["veteran2"] == ("军属", True)
    empty = admin.post(f"/admin/config/dictionaries/{entry_id}",
                       data={"csrf_token": token, "dict_code": "tag", "label": "  "})
    assert empty.status_code == 422 and "名称不能为空" in empty.text
    assert _entries(web, "tag")["veteran2"] == ("军属", True)
    retired = admin.post(f"/admin/config/dictionaries/{entry_id}", follow_redirects=False,
                         data={"csrf_token": token, "dict_code": "tag", "active": "0"})
    assert retired.status_code == 303 and _entries(web, "tag")["veteran2"] == ("军属", False)
    assert "已停用" in admin.get("/admin/config/dictionaries", params={"dict": "tag"}).text


def test_a_new_code_type_and_bad_codes_answered_beside_the_field(web):
    admin = _browser(web)
    token = csrf_of(admin.get("/admin/config/dictionaries").text)
    bad = admin.post("/admin/config/dictionaries",
                     data={"csrf_token": token, "dict_code": "Skill Level", "code": "a b",
                           "label": ""})
    assert bad.status_code == 422
    assert re.search(r'id="e-dict_code"[^>]*>字典代码“Skill Level”格式不对', bad.text)
    assert re.search(r'id="e-code"[^>]*>代码“a b”格式不对', bad.text)
    assert re.search(r'id="e-label"[^>]*>名称不能为空', bad.text)
    assert 'value="Skill Level"' in bad.text  # the input is kept
    assert _entries(web, "Skill Level") == {}
    new = admin.post("/admin/config/dictionaries", follow_redirects=False,
                     data={"csrf_token": token, "dict_code": "skill_level", "code": "01",
                           "label": "初级"})
    assert new.status_code == 303 and _entries(web, "skill_level") == {"01": ("初级", True)}
    again = admin.post("/admin/config/dictionaries",
                       data={"csrf_token": token, "dict_code": "skill_level", "code": "01",
                             "label": "初级2"})
    assert again.status_code == 422 and "已被使用" in again.text
    assert "skill_level（1）" in admin.get("/admin/config/dictionaries").text


def test_a_ledger_type_is_created_gets_a_field_and_bad_input_is_explained(web):
    admin = _browser(web)
    page = admin.get("/admin/config/ledgers").text
    token = csrf_of(page)
    bad = admin.post("/admin/config/ledgers", data={"csrf_token": token, "code": "9x",
                                                    "name": "", "binding": "person"})
    assert bad.status_code == 422
    assert re.search(r'id="e-code"[^>]*>台账代码“9x”格式不对', bad.text)
    assert re.search(r'id="e-name"[^>]*>台账名称不能为空', bad.text)
    made = admin.post("/admin/config/ledgers", follow_redirects=False,
                      data={"csrf_token": token, "code": "elder_care", "name": "养老服务台账",
                            "binding": "person", "per_year": "1"})
    assert made.status_code == 303
    page = admin.get("/admin/config/ledgers").text
    assert "养老服务台账（elder_care）" in page
    type_id = re.search(r'id="ledger-elder_care">.*?action="/admin/config/ledgers/([^/"]+)/fields"',
                        page, re.S).group(1)
    wrong = admin.post(f"/admin/config/ledgers/{type_id}/fields",
                       data={"csrf_token": token, "code": "visits", "label": "姓名",
                             "field_type": "int"})
    assert wrong.status_code == 422 and 'id="e-elder_care-label"' in wrong.text
    added = admin.post(f"/admin/config/ledgers/{type_id}/fields", follow_redirects=False,
                       data={"csrf_token": token, "code": "visits", "label": "上门次数",
                             "field_type": "int", "required": "1"})
    assert added.status_code == 303
    section = admin.get("/admin/config/ledgers").text.split('id="ledger-elder_care"', 1)[1]
    assert "上门次数" in section.split("</section>", 1)[0]
    assert _browser(web, "office1").get("/admin/config/ledgers").status_code == 403


def test_the_json_api_reads_and_sets_the_same_field_visibility(web):
    api = web.as_("admin")
    r = api.put("/api/admin/hidden-fields/people",
                json={"hidden": {"grid_worker": ["phone", "religion"]}})
    assert r.status_code == 200, r.text
    assert r.json()["hidden"]["grid_worker"] == ["phone", "religion"]
    locked = api.put("/api/admin/hidden-fields/people", json={"hidden": {"grid_worker": ["name"]}})
    assert locked.status_code == 422 and "不能隐藏" in locked.json()["errors"][0]["message"]
    refused = web.as_("office1").put("/api/admin/hidden-fields/people",
                                     json={"hidden": {"grid_worker": []}})
    assert refused.status_code == 403
    page = _browser(web).get("/admin/config/fields").text
    box = re.search(r'value="grid_worker\.phone"[^>]*>', page).group(0)
    assert "checked" not in box  # the console shows what the API set
    assert "checked" in re.search(r'value="township_office\.phone"[^>]*>', page).group(0)
