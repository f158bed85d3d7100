"""A scripted, bounded flood on 127.0.0.1 against a live server: code sending and report
filing from parallel clients get 429s once the limits are reached, and never a 5xx."""
from __future__ import annotations

import io
import re
import shutil
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from PIL import Image

from tests.live_server import LiveServer
from tests.web.conftest import CAPTCHA
from tests.web.test_resident import form_fields

pytestmark = pytest.mark.xdist_group("web_browser")  # a live server: keep off the other workers


@pytest.fixture
def live(sqlite_template, tmp_path):
    shutil.copyfile(sqlite_template, tmp_path / "server.db")
    srv = LiveServer(f"sqlite:///{tmp_path / 'server.db'}", tmp_path)
    srv.settings.captcha_fixed_answer = CAPTCHA
    srv.start()
    yield srv
    srv.stop()


def ask(url: str, phone: str) -> int:
    with httpx.Client(base_url=url, timeout=60) as client:
        page = client.get("/h5/login")
        return client.post("/h5/login/send", data=form_fields(page.text) | {
            "phone": phone, "captcha_answer": CAPTCHA}).status_code


def test_a_flood_of_code_requests_and_reports_is_refused_with_429_never_a_5xx(live):
    with ThreadPoolExecutor(max_workers=6) as pool:
        codes = list(pool.map(lambda i: ask(live.url, f"1350000{i:04d}"), range(48)))
    assert codes.count(200) == 10 and set(codes) == {200, 429}, codes

    live.clock.advance(hours=2)
    client = httpx.Client(base_url=live.url, timeout=60)
    page = client.get("/h5/login")
    step = client.post("/h5/login/send", data=form_fields(page.text) | {
        "phone": "13500009999", "captcha_answer": CAPTCHA})
    code = re.search(r"验证码是 (\d{6})",
                     live.app.state.sms_gateway.messages()[-1]["text"]).group(1)
    client.post("/h5/login", data=form_fields(step.text) | {"code": code})
    page = client.get("/h5/consent")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    client.post("/h5/consent", data={"csrf_token": csrf, "agree": "yes"})
    photo = io.BytesIO()
    Image.new("RGB", (800, 600), (30, 90, 160)).save(photo, "JPEG")

    def report(i: int) -> int:
        return client.post("/h5/report", data={
            "csrf_token": csrf, "category": "other", "description": f"第 {i} 条",
            "village_id": live.tree.id("v2"), "address": "南湖村口"},
            files=[("photos", ("p.jpg", photo.getvalue(), "image/jpeg"))]).status_code

    with ThreadPoolExecutor(max_workers=4) as pool:
        filed = list(pool.map(report, range(24)))
    client.close()
    assert filed.count(303) == 10 and set(filed) == {303, 429}, filed
