"""SMS (contract 42, 108): templates, a text to the people with a tag in the sender's scope through
the pluggable gateway (the log-file gateway here), and send records with each answer."""
from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from sync_server.db.tables import OpLog, SmsMessage
from sync_server.services.sms import HttpGateway, LogFileGateway
from sync_server.settings import Settings
from tests.factories import make_id_number, make_person


# Each grid's worker adds its people: one the county or township adds waits for the grid's
# review (待审核) and gets no SMS.
WORKER = {"g1a": "worker1a", "g1b": "worker1b", "g2": "worker2"}


@pytest.fixture
def people(server):
    for i, (grid, name, phone) in enumerate([("g1a", "王秀英", "13812340001"),
                                              ("g1b", "艾力·买买提", "13812340002"),
                                              ("g1a", "李建国", None),
                                              ]):
        r = server.as_(WORKER[grid]).post("/api/people", json=make_person(
            server.tree.id(grid), name=name, phone=phone, tags=["dibao"],
            id_number=make_id_number(f"195{i}0101")))
        assert r.status_code == 201, r.text
    r = server.as_("worker2").post("/api/people", json=make_person(
        server.tree.id("g2"), name="买买提·托乎提", phone="13812340003", tags=["dibao"],
        id_number=make_id_number("19600101")))
    assert r.status_code == 201, r.text
    return server


def test_a_township_sends_a_template_to_its_dibao_households_only(people):
    admin, office = people.as_("admin"), people.as_("office1")
    t = admin.post("/api/admin/sms/templates",
                   json={"name": "低保年审", "body": "{name}您好，请于本月底前到村委会办理低保年审。"})
    assert t.status_code == 201, t.text
    sent = office.post("/api/admin/sms/send",
                       json={"tag_code": "dibao", "template_id": t.json()["id"]})
    assert sent.status_code == 200, sent.text
    assert sent.json()["sent"] == 2 and sent.json()["failed"] == 0  # no phone: not sent
    texts = LogFileGateway(people.settings.sms_log).messages()
    assert sorted(m["phone"] for m in texts) == ["13812340001", "13812340002"]  # not township 2
    assert any(m["text"].startswith("【托克逊县一张表】王秀英您好") for m in texts)
    records = office.get("/api/admin/sms/messages").json()
    assert records["total"] == 2
    assert {r["phone"] for r in records["items"]} == {"138****0001", "138****0002"}  # masked
    assert people.as_("worker1a").get("/api/admin/sms/messages").status_code == 403
    with people.session() as s:
        entry = s.query(OpLog).filter_by(action="sms_send").one()
        assert entry.details["sent"] == 2 and entry.username == "office1"


def test_a_county_admin_sees_every_record_a_township_only_its_own(people):
    people.as_("admin").post("/api/admin/sms/send", json={"tag_code": "dibao", "body": "通知"})
    assert people.as_("admin").get("/api/admin/sms/messages").json()["total"] == 3
    assert people.as_("office1").get("/api/admin/sms/messages").json()["total"] == 2


@pytest.mark.parametrize("body,field,words", [
    ({"name": "", "body": "x"}, "name", "模板名称不能为空"),
    ({"name": "a", "body": "{姓名}{nmae}您好"}, "body", "{nmae} 不认识"),
    ({"name": "a", "body": "字" * 301}, "body", "过长"),
])
def test_a_bad_template_is_refused_beside_its_field(server, body, field, words):
    r = server.as_("admin").post("/api/admin/sms/templates", json=body)
    assert r.status_code in (400, 422) and words in r.text
    assert r.json()["errors"][0]["field"] == field
    assert server.as_("admin").get("/api/admin/sms/templates").json() == []


def test_sending_to_nobody_says_so_and_records_nothing(server):
    r = server.as_("office1").post("/api/admin/sms/send", json={"tag_code": "veteran",
                                                                "body": "通知"})
    assert r.status_code == 400 and "没有可发送的对象" in r.json()["message"]
    with server.session() as s:
        assert s.query(SmsMessage).count() == 0


class _Provider(BaseHTTPRequestHandler):
    answers: list[int] = []

    def do_POST(self) -> None:  # noqa: N802
        self.rfile.read(int(self.headers["Content-Length"]))
        code = self.answers.pop(0)
        self.send_response(code)
        self.end_headers()
        self.wfile.write(b'{"id": "p-1"}' if code == 200 else b"quota exceeded")

    def log_message(self, *a: object) -> None:
        pass


def test_the_http_gateway_reports_the_providers_answer(tmp_path):
    httpd = HTTPServer(("127.0.0.1", 0), _Provider)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        gw = HttpGateway(f"http://127.0.0.1:{httpd.server_port}/send", "k")
        _Provider.answers = [200, 403]
        assert gw.send("13812340001", "x").gateway_id == "p-1"
        refused = gw.send("13812340001", "x")
        assert not refused.ok and "403" in refused.error and "quota" in refused.error
    finally:
        httpd.shutdown()
    assert not HttpGateway("http://127.0.0.1:9/none", "k").send("1", "x").ok
    with pytest.raises(ValueError, match="SMS_HTTP_URL"):
        Settings(sms_gateway="http", attachments_dir=tmp_path)


def test_the_json_api_follows_the_role_s_permission_as_the_page_does(people):
    """A county that takes 短信 away from the township role closes the JSON API to it too, not
    only the page; a county admin still sends."""
    from common.permissions import SEEDED_ROLES
    from sync_server.services import permissions
    office = people.as_("office1")
    assert office.get("/api/admin/sms/messages").status_code == 200
    with people.session() as s:
        admin = s.get(type(people.tree.users["admin"]), people.tree.users["admin"].id)
        kept = [p for p in SEEDED_ROLES["township_office"][1] if p != "web:sms"]
        permissions.save_role(s, admin, code="township_office", name="乡镇/社区工作人员",
                              base_role="township_office", permissions=kept,
                              now=people.clock())
        s.commit()
    assert office.get("/api/admin/sms/messages").status_code == 403
    assert office.post("/api/admin/sms/send", json={"tag_code": "dibao", "body": "通知"}
                       ).status_code == 403
    assert people.as_("admin").get("/api/admin/sms/messages").status_code == 200
