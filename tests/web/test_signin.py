"""Sign-in, sign-out, idle timeout, CSRF and the security headers, over plain HTTP."""
from __future__ import annotations


from fastapi.testclient import TestClient

from tests.web.conftest import csrf_of, sign_in


def test_sign_in_with_the_right_password_and_captcha_opens_the_home_page(web):
    client = TestClient(web.app)
    answer = sign_in(client, "admin")
    assert answer.status_code == 303 and answer.headers["location"] == "/admin/"
    cookie = answer.headers["set-cookie"]
    assert "yzb_session=" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
    home = client.get("/admin/")
    assert home.status_code == 200 and "首页" in home.text and "退出登录" in home.text


def test_a_wrong_password_is_refused_beside_the_field_keeping_the_username(web):
    client = TestClient(web.app)
    answer = sign_in(client, "admin", password="not-the-password")
    assert answer.status_code == 401
    assert "账号或密码错误" in answer.text and 'value="admin"' in answer.text
    assert client.get("/admin/", follow_redirects=False).status_code == 303


def test_a_wrong_captcha_is_refused_beside_the_captcha_field(web):
    answer = sign_in(TestClient(web.app), "admin", answer="XXXX")
    assert 400 <= answer.status_code < 500
    assert 'id="e-captcha_answer"' in answer.text and "验证码" in answer.text


def test_a_signed_out_browser_is_sent_to_sign_in_and_back_to_the_page_it_asked_for(web):
    client = TestClient(web.app)
    first = client.get("/admin/people?page=2", follow_redirects=False)
    assert first.status_code == 303
    assert first.headers["location"] == "/admin/login?next=/admin/people%3Fpage%3D2"
    answer = sign_in(client, "admin", next_="/admin/people")
    assert answer.headers["location"] == "/admin/people"


def test_sign_in_never_redirects_to_another_site(web):
    answer = sign_in(TestClient(web.app), "admin", next_="//evil.example/")
    assert answer.headers["location"] == "/admin/"


def test_sign_out_ends_the_session(web):
    client = TestClient(web.app)
    sign_in(client, "admin")
    token = csrf_of(client.get("/admin/").text)
    assert client.post("/admin/logout", data={"csrf_token": token},
                       follow_redirects=False).status_code == 303
    assert client.get("/admin/", follow_redirects=False).status_code == 303


def test_a_post_without_the_csrf_token_is_refused(web):
    client = TestClient(web.app)
    sign_in(client, "admin")
    answer = client.post("/admin/logout", data={}, follow_redirects=False)
    assert answer.status_code == 403 and "刷新页面" in answer.text
    assert answer.headers["content-type"].startswith("text/html")  # a page, not JSON
    assert client.get("/admin/").status_code == 200  # still signed in


def test_a_sign_in_post_without_the_form_token_is_refused(web):
    answer = TestClient(web.app).post("/admin/login", data={
        "username": "admin", "password": "x", "captcha_answer": "ACDE"})
    assert answer.status_code == 403


def test_an_idle_session_ends_after_the_idle_timeout(web):
    client = TestClient(web.app)
    sign_in(client, "admin")
    web.clock.advance(minutes=29)
    assert client.get("/admin/").status_code == 200
    web.clock.advance(minutes=31)
    assert client.get("/admin/", follow_redirects=False).status_code == 303


def test_disabling_a_user_ends_their_browser_sessions(web):
    from sync_server.services.auth import revoke_user
    client = TestClient(web.app)
    sign_in(client, "office1")
    assert client.get("/admin/").status_code == 200
    with web.session() as s:
        revoke_user(s, web.tree.users["office1"].id, now=web.clock())
        s.commit()
    assert client.get("/admin/", follow_redirects=False).status_code == 303


def test_every_html_page_carries_a_strict_csp_and_no_inline_script(web):
    client = TestClient(web.app)
    sign_in(client, "admin")
    for path in ("/admin/login", "/admin/", "/admin/people"):
        page = client.get(path)
        csp = page.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "script-src 'self'" in csp
        assert "frame-ancestors 'none'" in csp and "'unsafe-inline'" not in csp
        assert page.headers["x-content-type-options"] == "nosniff"
        assert "<script>" not in page.text and " on" + "click=" not in page.text
