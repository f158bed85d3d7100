"""Sign-in by a code sent by SMS and by a QR code approved elsewhere, over plain HTTP: the limits,
expiry, attempts, one-time use and the binding of a QR sign-in to the browser that waits."""
from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from common.schema import User
from sync_server.db.tables import OpLog
from sync_server.services import web_signin
from tests.web.conftest import CAPTCHA, form_fields, sign_in

PHONE = "13900001111"


@pytest.fixture
def phoned(web):
    """office1 has a mobile number on their account."""
    with web.session() as s:
        s.get(User, web.tree.users["office1"].id).phone = "139 0000 1111"
        s.commit()
    return web


def sent_codes(web) -> list[str]:
    return [re.search(r"验证码是 (\d{6})", m["text"]).group(1)
            for m in web.app.state.sms_gateway.messages()]


def ask_code(client: TestClient, phone: str = PHONE, answer: str = CAPTCHA):
    page = client.get("/admin/login/sms")
    return client.post("/admin/login/sms/send", data=form_fields(page.text) | {
        "phone": phone, "captcha_answer": answer}, follow_redirects=False)


def give_code(client: TestClient, step_page: str, code: str):
    return client.post("/admin/login/sms", data=form_fields(step_page) | {"code": code},
                       follow_redirects=False)


def test_a_code_sent_to_the_phone_on_the_account_signs_in_once(phoned):
    client = TestClient(phoned.app)
    step = ask_code(client)
    assert step.status_code == 200 and "139****1111" in step.text
    (code,) = sent_codes(phoned)
    answer = give_code(client, step.text, code)
    assert answer.status_code == 303 and answer.headers["location"] == "/admin/"
    home = client.get("/admin/")
    assert home.status_code == 200 and "office1" in home.text
    again = give_code(TestClient(phoned.app), step.text, code)
    assert again.status_code == 403  # another browser has no form token cookie
    other = TestClient(phoned.app)
    other.cookies.set("yzb_login", form_fields(step.text)["form_token"])
    reused = give_code(other, step.text, code)
    assert reused.status_code == 401 and "已用过" in reused.text
    with phoned.session() as s:
        logged = s.scalars(select(OpLog).where(OpLog.action == "login")).all()
        assert [e.details for e in logged] == [{"via": "sms"}]


def test_a_bad_number_or_captcha_is_refused_beside_its_field_and_sends_nothing(phoned):
    client = TestClient(phoned.app)
    bad = ask_code(client, phone="1390000")
    assert bad.status_code == 422 and 'id="e-phone"' in bad.text and "手机号码" in bad.text
    wrong = ask_code(client, answer="XXXX")
    assert wrong.status_code == 401 and 'id="e-captcha_answer"' in wrong.text
    assert sent_codes(phoned) == []


def test_an_unknown_number_is_answered_alike_but_no_message_goes_out(phoned):
    client = TestClient(phoned.app)
    step = ask_code(client, phone="13700000000")
    assert step.status_code == 200 and "137****0000" in step.text
    assert sent_codes(phoned) == []
    answer = give_code(client, step.text, "123456")
    assert answer.status_code == 401 and "不对" in answer.text


def test_wrong_codes_count_and_the_fifth_ends_the_code(phoned):
    client = TestClient(phoned.app)
    step = ask_code(client)
    (code,) = sent_codes(phoned)
    wrong = "000000" if code != "000000" else "111111"
    for left in (4, 3, 2, 1):
        step = give_code(client, step.text, wrong)  # the page again, with the error line
        assert step.status_code == 401 and f"还可再试 {left} 次" in step.text
        assert 'id="e-code"' in step.text
    step = give_code(client, step.text, wrong)
    assert step.status_code == 429 and "输错次数过多" in step.text
    assert give_code(client, step.text, code).status_code == 429  # even the right one now


def test_a_code_expires_after_five_minutes(phoned):
    client = TestClient(phoned.app)
    step = ask_code(client)
    (code,) = sent_codes(phoned)
    phoned.clock.advance(minutes=5, seconds=1)
    answer = give_code(client, step.text, code)
    assert answer.status_code == 401 and "已过期" in answer.text


def test_sends_are_limited_per_number_and_per_address(phoned):
    client = TestClient(phoned.app)
    assert ask_code(client).status_code == 200
    soon = ask_code(client)
    assert soon.status_code == 429 and "秒后再获取" in soon.text
    for _ in range(web_signin.PER_PHONE - 1):
        phoned.clock.advance(seconds=61)
        assert ask_code(client).status_code == 200
    phoned.clock.advance(seconds=61)
    assert ask_code(client).status_code == 429
    assert len(sent_codes(phoned)) == web_signin.PER_PHONE
    for i in range(web_signin.PER_ADDRESS - web_signin.PER_PHONE):
        assert ask_code(client, phone=f"1370000{i:04d}").status_code == 200
    assert ask_code(client, phone="13799999999").status_code == 429  # this address is done
    phoned.clock.advance(hours=1, seconds=1)
    assert ask_code(client).status_code == 200


# -- QR ----------------------------------------------------------------------------------------
def shown_code(page_text: str) -> str:
    return re.search(r'id="qr-code">([A-Z0-9-]+)<', page_text).group(1)


def test_a_qr_code_approved_by_a_signed_in_user_signs_the_waiting_browser_in(web):
    waiting = TestClient(web.app)
    page = waiting.get("/admin/login/qr")
    assert page.status_code == 200 and 'src="data:image/png;base64,' in page.text
    code = shown_code(page.text)
    assert waiting.get("/admin/login/qr/status").text.count("等待确认") == 1
    approver = TestClient(web.app)
    sign_in(approver, "office1")
    confirm = approver.get(f"/admin/qr/{code.replace('-', '')}")
    assert confirm.status_code == 200 and "确认登录" in confirm.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', confirm.text).group(1)
    assert approver.post(f"/admin/qr/{code}", data={}).status_code == 403  # no CSRF token
    done = approver.post(f"/admin/qr/{code.replace('-', '')}", data={"csrf_token": token})
    assert done.status_code == 200 and "已确认" in done.text
    # another browser cannot take the approval: it is bound to the waiting one
    assert "过期" in TestClient(web.app).get("/admin/login/qr/status").text
    status = waiting.get("/admin/login/qr/status")
    assert status.status_code == 204 and status.headers["hx-redirect"] == "/admin/"
    home = waiting.get("/admin/")
    assert home.status_code == 200 and "office1" in home.text
    again = waiting.get("/admin/login/qr/status")
    assert "过期" in again.text  # used up


def test_a_qr_code_expires_after_two_minutes_and_unknown_codes_are_refused(web):
    waiting = TestClient(web.app)
    code = shown_code(waiting.get("/admin/login/qr").text)
    approver = TestClient(web.app)
    sign_in(approver, "admin")
    wrong = approver.get("/admin/qr/ACDEACDE")
    assert wrong.status_code == 404 and 'id="e-code"' in wrong.text and "不存在或已过期" in wrong.text
    web.clock.advance(minutes=2, seconds=1)
    late = approver.get(f"/admin/qr/{code}")
    assert late.status_code == 404
    assert "过期" in waiting.get("/admin/login/qr/status").text


def test_the_desktop_client_approves_with_its_bearer_token(web):
    waiting = TestClient(web.app)
    code = shown_code(waiting.get("/admin/login/qr").text)
    assert web.client.post("/api/auth/qr/approve", json={"code": code}).status_code == 401
    assert web.as_("office1").post("/api/auth/qr/approve",
                                   json={"code": code}).status_code == 204
    refused = web.as_("admin").post("/api/auth/qr/approve", json={"code": code})
    assert refused.status_code == 404 and "过期" in refused.json()["message"]  # one-time
    assert waiting.get("/admin/login/qr/status").status_code == 204
    assert "office1" in waiting.get("/admin/").text


def test_the_approve_page_asks_a_signed_out_browser_to_sign_in_first(web):
    answer = TestClient(web.app).get("/admin/qr/ACDEACDE", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/admin/login")
