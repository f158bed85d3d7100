"""The push centre's pages over HTTP: templates (county admin writes, field errors), the send form
(count previewed in the sender's scope, then confirmed), the records (masked, in scope)."""
from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from sync_server.db.tables import OpLog, SmsTemplate
from sync_server.services.sms import LogFileGateway
from tests.factories import make_id_number, make_person
from tests.web.conftest import csrf_of, sign_in


# Each grid's worker adds its people: one the county or township adds waits for the grid's
# review (待审核) and gets no SMS.
WORKER = {"g1a": "worker1a", "g1b": "worker1b", "g2": "worker2"}


@pytest.fixture
def people(web):
    for i, (grid, name, phone) in enumerate([("g1a", "王秀英", "13812340001"),
                                              ("g1b", "艾力", "13812340002"),
                                              ("g1a", "李建国", None)]):
        assert web.as_(WORKER[grid]).post("/api/people", json=make_person(
            web.tree.id(grid), name=name, phone=phone, tags=["dibao"],
            id_number=make_id_number(f"195{i}0101"))).status_code == 201
    assert web.as_("worker2").post("/api/people", json=make_person(
        web.tree.id("g2"), name="买买提", phone="13812340003", tags=["dibao"],
        id_number=make_id_number("19600101"))).status_code == 201
    return web


def browser_of(web, username: str) -> tuple[TestClient, str]:
    client = TestClient(web.app)
    sign_in(client, username)
    return client, csrf_of(client.get("/admin/").text)


def test_a_county_admin_creates_and_edits_a_template_with_errors_beside_the_fields(web):
    client, token = browser_of(web, "admin")
    empty = client.post("/admin/sms/templates", data={"csrf_token": token, "name": "",
                                                       "body": "通知"})
    assert empty.status_code == 400 and 'id="e-name"' in empty.text and "模板名称不能为空" in empty.text
    bad = client.post("/admin/sms/templates", data={"csrf_token": token, "name": "年审",
                                                     "body": "{nam}您好"})
    assert bad.status_code == 400 and 'id="e-body"' in bad.text and "{nam}" in bad.text
    assert 'value="年审"' in bad.text  # the input is kept
    ok = client.post("/admin/sms/templates", data={"csrf_token": token, "name": "年审",
                                                    "body": "{name}您好，请办理年审。"},
                     follow_redirects=False)
    assert ok.status_code == 303
    with web.session() as s:
        template = s.query(SmsTemplate).one()
    edit = client.get(f"/admin/sms/templates?edit={template.id}")
    assert "修改模板" in edit.text and "{name}您好" in edit.text
    client.post("/admin/sms/templates", data={"csrf_token": token, "template_id": template.id,
                                              "name": "低保年审", "body": "请办理年审。"})
    listed = client.get("/admin/sms/templates").text
    assert "低保年审" in listed and "停用" in listed  # the active box was left unticked
    with web.session() as s:
        assert [e.action for e in s.query(OpLog).filter_by(entity="sms_templates")] == [
            "create", "update"]


def test_a_township_user_may_read_templates_but_not_write_them(web):
    client, token = browser_of(web, "office1")
    page = client.get("/admin/sms/templates")
    assert page.status_code == 200 and "保存模板" not in page.text
    assert client.post("/admin/sms/templates", data={"csrf_token": token, "name": "x",
                                                      "body": "y"}).status_code == 403
    worker, _ = browser_of(web, "worker1a")
    assert worker.get("/admin/sms/send").status_code == 403
    assert "短信发送" not in worker.get("/admin/").text  # not in a grid worker's menu


def test_a_township_previews_the_count_in_its_scope_then_sends(people):
    client, token = browser_of(people, "office1")
    form = client.get("/admin/sms/send")
    assert form.status_code == 200 and "低保" in form.text  # tags from the dictionary
    missing = client.post("/admin/sms/send", data={"csrf_token": token, "body": "通知"})
    assert missing.status_code == 400 and 'id="e-tag_code"' in missing.text
    no_text = client.post("/admin/sms/send", data={"csrf_token": token, "tag_code": "dibao"})
    assert no_text.status_code == 400 and 'id="e-body"' in no_text.text
    preview = client.post("/admin/sms/send", data={"csrf_token": token, "tag_code": "dibao",
                                                    "body": "{name}您好，请办理年审。"})
    assert preview.status_code == 200 and "将发送给您辖区内 2 人" in preview.text
    assert "确认发送" in preview.text
    assert LogFileGateway(people.settings.sms_log).messages() == []  # nothing sent yet
    sent = client.post("/admin/sms/send", data={"csrf_token": token, "tag_code": "dibao",
                                                 "body": "{name}您好，请办理年审。",
                                                 "confirm": "yes"}, follow_redirects=False)
    assert sent.status_code == 303 and "/admin/sms/records?batch=" in sent.headers["location"]
    records = client.get(sent.headers["location"]).text
    assert "成功 2 条" in records and "138****0001" in records and "13812340001" not in records
    assert "138****0003" not in records  # another township's person
    phones = sorted(m["phone"] for m in LogFileGateway(people.settings.sms_log).messages())
    assert phones == ["13812340001", "13812340002"]
    admin, _ = browser_of(people, "admin")
    assert "共 2 条" in admin.get("/admin/sms/records").text
    admin.post("/admin/sms/send", data={"csrf_token": csrf_of(admin.get("/admin/").text),
                                        "tag_code": "dibao", "body": "通知", "confirm": "yes"})
    assert "共 5 条" in admin.get("/admin/sms/records").text
    assert "共 4 条" in client.get("/admin/sms/records").text  # not the other township's one


def test_a_send_without_the_csrf_token_is_refused_and_sends_nothing(people):
    client, _ = browser_of(people, "office1")
    answer = client.post("/admin/sms/send", data={"tag_code": "dibao", "body": "通知",
                                                   "confirm": "yes"})
    assert answer.status_code == 403
    assert LogFileGateway(people.settings.sms_log).messages() == []


def test_a_tag_nobody_in_scope_carries_is_refused_before_sending(people):
    client, token = browser_of(people, "office1")
    answer = client.post("/admin/sms/send", data={"csrf_token": token, "tag_code": "veteran",
                                                   "body": "通知"})
    assert answer.status_code == 400 and re.search(r'id="e-tag_code"[^>]*>没有可发送的对象',
                                                   answer.text)
