"""The resident limits hold exactly under concurrent requests on PostgreSQL (where two
transactions can count at the same instant): codes per address and reports per resident per
day are counted and inserted as one step (services/locks.py), so a burst of parallel requests
gets exactly the limit through, never one more, and never a 5xx."""
from __future__ import annotations

import io
import re
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from PIL import Image
from sqlalchemy import func, select

from sync_server.db.affair_tables import AffairApplication
from sync_server.db.resident_tables import ResidentCode, ResidentReport
from sync_server.services.affairs import PER_RESIDENT_DAY as AFFAIRS_PER_DAY
from sync_server.services.resident_reports import PER_RESIDENT_DAY
from sync_server.services.web_signin import PER_ADDRESS
from tests.live_server import LiveServer
from tests.web.conftest import CAPTCHA
from tests.web.test_resident import form_fields

pytestmark = [pytest.mark.xdist_group("web_browser"), pytest.mark.postgres]


@pytest.fixture
def live_pg(pg_cluster, pg_template, tmp_path):
    name = pg_cluster.create_database(template=pg_template)
    srv = LiveServer(pg_cluster.url(name), tmp_path)
    srv.settings.captcha_fixed_answer = CAPTCHA
    srv.start()
    yield srv
    srv.stop()
    pg_cluster.drop_database(name)


def ask(url: str, phone: str) -> int:
    with httpx.Client(base_url=url, timeout=120) as client:
        page = client.get("/h5/login")
        return client.post("/h5/login/send", data=form_fields(page.text) | {
            "phone": phone, "captcha_answer": CAPTCHA}).status_code


def test_parallel_codes_and_reports_stop_exactly_at_the_limits_on_postgresql(live_pg):
    # every request ready before any is sent: the captcha pages first, then the sends at once
    clients = []
    for i in range(PER_ADDRESS + 6):
        client = httpx.Client(base_url=live_pg.url, timeout=120)
        clients.append((client, form_fields(client.get("/h5/login").text)))

    def send(i: int) -> int:
        client, fields = clients[i]
        return client.post("/h5/login/send", data=fields | {
            "phone": f"1350000{i:04d}", "captcha_answer": CAPTCHA}).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        codes = list(pool.map(send, range(len(clients))))
    for client, _ in clients:
        client.close()
    assert codes.count(200) == PER_ADDRESS and set(codes) == {200, 429}, codes
    with live_pg.app.state.sessions() as s:
        assert s.scalar(select(func.count()).select_from(ResidentCode)) == PER_ADDRESS

    live_pg.clock.advance(hours=2)
    client = httpx.Client(base_url=live_pg.url, timeout=120)
    page = client.get("/h5/login")
    step = client.post("/h5/login/send", data=form_fields(page.text) | {
        "phone": "13500009999", "captcha_answer": CAPTCHA})
    code = re.search(r"验证码是 (\d{6})",
                     live_pg.app.state.sms_gateway.messages()[-1]["text"]).group(1)
    client.post("/h5/login", data=form_fields(step.text) | {"code": code})
    page = client.get("/h5/consent")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    client.post("/h5/consent", data={"csrf_token": csrf, "agree": "yes"})
    photo = io.BytesIO()
    Image.new("RGB", (320, 240), (30, 90, 160)).save(photo, "JPEG")

    def report(i: int) -> int:
        return client.post("/h5/report", data={
            "csrf_token": csrf, "category": "other", "description": f"第 {i} 条",
            "village_id": live_pg.tree.id("v2"), "address": "南湖村口"},
            files=[("photos", ("p.jpg", photo.getvalue(), "image/jpeg"))]).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        filed = list(pool.map(report, range(PER_RESIDENT_DAY + 8)))
    assert filed.count(303) == PER_RESIDENT_DAY and set(filed) == {303, 429}, filed
    with live_pg.app.state.sessions() as s:
        assert s.scalar(select(func.count()).select_from(ResidentReport)) == PER_RESIDENT_DAY

    def situation(i: int) -> int:  # 主动上报: the online-affairs limit per resident and day
        return client.post("/h5/affairs/report", data={
            "csrf_token": csrf, "report_type": "work_away", "details": f"第 {i} 条",
            "applicant": "李四", "phone": "13500009999", "village_id": live_pg.tree.id("v2"),
            "address": "南湖村口"}, follow_redirects=False).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        told = list(pool.map(situation, range(AFFAIRS_PER_DAY + 8)))
    assert told.count(303) == AFFAIRS_PER_DAY and set(told) == {303, 429}, told
    with live_pg.app.state.sessions() as s:
        assert s.scalar(select(func.count()).select_from(AffairApplication)) == AFFAIRS_PER_DAY

    # a day later, one 随手拍 form without photos tapped six times at once (a slow link): one
    # report, and every answer opens it
    live_pg.clock.advance(days=1, hours=1)
    form_id = re.search(r'name="form_id" value="([^"]+)"', client.get("/h5/report").text).group(1)

    def again(_: int) -> str:
        answer = client.post("/h5/report", data={
            "csrf_token": csrf, "form_id": form_id, "category": "other",
            "description": "路灯不亮", "village_id": live_pg.tree.id("v2"),
            "address": "南湖村口"}, follow_redirects=False)
        assert answer.status_code == 303, answer.text
        return answer.headers["location"]

    with ThreadPoolExecutor(max_workers=6) as pool:
        opened = set(pool.map(again, range(6)))
    client.close()
    assert len(opened) == 1, opened
    with live_pg.app.state.sessions() as s:
        assert s.scalar(select(func.count()).select_from(ResidentReport).where(
            ResidentReport.form_id == form_id)) == 1
