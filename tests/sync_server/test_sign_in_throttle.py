"""Brute force made expensive without locking the owner out (issue 10, accounts): a captcha
after a few failures, growing waits per address, the same answers for unknown accounts, and the
right password from the owner's own address still working after an attack from another."""
from __future__ import annotations

import base64
import io
import time

from fastapi.testclient import TestClient
from PIL import Image

from sync_server.services import captcha
from sync_server.services.throttle import ADDRESS_FREE, PAIR_FREE
from tests.factories import PASSWORD


def client_at(server, address: str) -> TestClient:
    return TestClient(server.app, client=(address, 40000))


def login(client, username="worker1a", password=PASSWORD, **extra):
    return client.post("/api/auth/login",
                       json={"username": username, "password": password, **extra})


def known_captcha(server, answer: str = "K7P3") -> str:
    with server.session() as s:
        challenge_id, _ = captcha.new_challenge(s, now=server.clock(), text=answer)
        s.commit()
    return challenge_id


def test_the_captcha_is_a_png_rendered_with_the_shipped_font(server):
    r = server.client.post("/api/auth/captcha")
    assert r.status_code == 200
    body = r.json()
    image = Image.open(io.BytesIO(base64.b64decode(body["image_png_base64"])))
    assert image.format == "PNG" and image.size == (160, 60)
    assert len(body["captcha_id"]) == 36 and body["expires_in"] == 300


def test_after_three_wrong_passwords_a_captcha_is_asked_and_the_right_one_still_signs_in(
        server):
    home = client_at(server, "10.0.0.7")
    for n in range(3):
        r = login(home, password="guess-wrong")
        assert r.status_code == 401 and r.json()["code"] == "wrong_password"
    assert r.json()["captcha_required"] is True
    r = login(home)  # the right password, without a captcha
    assert r.status_code == 401 and r.json()["code"] == "captcha_required"
    assert r.json()["message"] == "请输入图中的验证码"
    r = login(home, captcha_id=known_captcha(server), captcha_answer="XXXX")
    assert r.status_code == 401 and r.json()["code"] == "captcha_wrong"
    r = login(home, captcha_id=known_captcha(server, "K7P3"), captcha_answer="k7p3")
    assert r.status_code == 200, r.text


def test_a_captcha_is_single_use_and_expires(server):
    home = client_at(server, "10.0.0.8")
    for _ in range(3):
        login(home, password="guess-wrong")
    cid = known_captcha(server, "ACDE")
    assert login(home, password="guess-wrong", captcha_id=cid,
                 captcha_answer="ACDE").json()["code"] == "wrong_password"
    # used once already (even though the password was wrong): refused the second time
    assert login(home, captcha_id=cid, captcha_answer="ACDE").json()["code"] == "captcha_wrong"
    late = known_captcha(server, "ACDE")
    server.clock.advance(minutes=5, seconds=1)
    assert login(home, captcha_id=late, captcha_answer="ACDE").json()["code"] == "captcha_wrong"


def test_an_attack_from_one_address_slows_that_address_but_not_the_owner_elsewhere(server):
    attacker = client_at(server, "203.0.113.9")
    waits: list[int] = []
    for n in range(PAIR_FREE + 20):
        if len(waits) == 4:
            break
        r = login(attacker, password=f"guess-{n}", captcha_id=known_captcha(server),
                  captcha_answer="K7P3")
        if r.status_code == 429:
            waits.append(int(r.headers["Retry-After"]))
            assert r.json()["code"] == "login_throttled"
            assert r.json()["message"] == f"登录失败次数过多，请 {waits[-1]} 秒后再试"
            server.clock.advance(seconds=waits[-1])  # the attacker waits it out, then goes on
    assert waits == [2, 4, 8, 16]  # growing: each further failure doubles the wait
    assert login(attacker, password="guess-again", captcha_id=known_captcha(server),
                 captcha_answer="K7P3").json()["code"] == "wrong_password"
    # Even the right password from the attacker's address waits now …
    r = login(attacker, captcha_id=known_captcha(server), captcha_answer="K7P3")
    assert r.status_code == 429 and r.headers["Retry-After"] == "32"
    # … but the owner, from their own address, signs in (with a captcha: the account is
    # under attack) and is not told to wait.
    owner = client_at(server, "10.1.2.3")
    r = login(owner)
    assert r.status_code == 401 and r.json()["code"] == "captcha_required"
    assert login(owner, captcha_id=known_captcha(server),
                 captcha_answer="K7P3").status_code == 200


def test_one_address_trying_many_accounts_meets_a_captcha_then_growing_waits(server):
    sprayer = client_at(server, "198.51.100.4")
    codes = [login(sprayer, username=f"user{n}", password="12345678").json()["code"]
             for n in range(5)]
    assert codes == ["wrong_password"] * 5
    # a name never tried before, from this address: a captcha is asked already
    assert login(sprayer, username="fresh-name").json()["code"] == "captcha_required"
    for n in range(ADDRESS_FREE):
        r = login(sprayer, username=f"user{n}", captcha_id=known_captcha(server),
                  captcha_answer="K7P3")
        if r.status_code == 429:
            break
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
    # Another address is not affected at all.
    assert login(client_at(server, "10.9.9.9"), username="worker1b").status_code == 200


def test_unknown_accounts_get_the_same_answers_as_real_ones_all_the_way(server):
    a, b = client_at(server, "10.0.1.1"), client_at(server, "10.0.1.2")
    for n in range(PAIR_FREE + 2):
        ra = login(a, username="worker1a", password="wrong-guess",
                   captcha_id=known_captcha(server), captcha_answer="K7P3")
        rb = login(b, username="no-such-user", password="wrong-guess",
                   captcha_id=known_captcha(server), captcha_answer="K7P3")
        assert (ra.status_code, ra.json(), ra.headers.get("Retry-After")) == \
               (rb.status_code, rb.json(), rb.headers.get("Retry-After")), n


def test_an_unknown_account_takes_as_long_to_refuse_as_a_wrong_password(server):
    def slowest_of_fastest(username: str) -> float:
        times = []
        for n in range(3):
            c = client_at(server, f"10.0.2.{n}{len(username)}")
            start = time.perf_counter()
            assert login(c, username=username, password="wrong-guess").status_code == 401
            times.append(time.perf_counter() - start)
        return min(times)

    known, unknown = slowest_of_fastest("worker1a"), slowest_of_fastest("nobody-here")
    # Both check an Argon2 hash (a dummy one for the unknown name): the same order of time.
    assert 0.5 < unknown / known < 2, (known, unknown)
