"""The issue's first "Done when", end to end: a phone-sized browser (390x844) signs a resident
in by the SMS code read from the log gateway, files a 随手拍 with a photo; the grid worker's real
desktop client (its encrypted profile, HTTP sync against the live server) receives the event
with the photo's thumbnail, handles and answers it offline, syncs back; the browser sees the
answer and rates it."""
from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from common.attachments import thumb_bytes
from common.schema import Event
from desktop.net.sync import HttpSyncTransport
from desktop.services import events
from desktop.services.session import sign_in
from desktop.services.sync import SyncService
from desktop.services.work_context import Worker
from tests.conftest import NOW
from tests.factories import PASSWORD
from tests.web.conftest import CAPTCHA

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("web_browser")]
pytest.importorskip("playwright.sync_api")
PHONE = "13600005678"


@pytest.fixture(scope="module")
def live(web_live):
    return web_live


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN",
                                  is_mobile=True, has_touch=True)
    context.set_default_timeout(60_000)
    tab = context.new_page()
    tab.violations = []  # type: ignore[attr-defined]
    tab.on("console", lambda m: tab.violations.append(m.text)
           if "Content Security Policy" in m.text else None)
    yield tab
    context.close()


def last_code(live) -> str:
    text = live.app.state.sms_gateway.messages()[-1]["text"]
    return re.search(r"验证码是 (\d{6})", text).group(1)


def camera_photo() -> bytes:
    img = Image.effect_noise((2400, 1800), 60).convert("RGB")  # a large, noisy "camera" shot
    out = io.BytesIO()
    img.save(out, "JPEG", quality=95)
    return out.getvalue()


def test_a_phone_files_a_report_the_grid_laptop_answers_it_and_the_phone_rates_it(
        phone, live, tmp_path, monkeypatch):
    page = phone
    page.goto(live.url + "/h5/")
    page.get_by_label("手机号码").fill("1360000")
    page.get_by_label("图片验证码").fill(CAPTCHA)
    page.get_by_role("button", name="获取短信验证码").click()
    assert "不是有效的手机号码" in page.locator("#e-phone").inner_text()
    page.get_by_label("手机号码").fill(PHONE)
    page.get_by_label("图片验证码").fill(CAPTCHA)
    page.get_by_role("button", name="获取短信验证码").click()
    page.get_by_text("验证码已发送到 136****5678").wait_for()
    page.get_by_label("短信验证码").fill(last_code(live))
    page.get_by_role("button", name="登录").click()
    page.get_by_role("button", name="同意并继续").click()
    assert "请先阅读并勾选同意" in page.locator("#e-agree").inner_text()
    page.get_by_label("我已阅读并同意").check()
    page.get_by_role("button", name="同意并继续").click()
    page.get_by_role("link", name="随手拍 · 反映问题").click()

    big = camera_photo()
    page.get_by_role("button", name="提交").click()
    assert "问题类别不能为空" in page.locator("#e-category").inner_text()
    page.get_by_label("照片").set_input_files(
        files=[{"name": "shot.jpg", "mimeType": "image/jpeg", "buffer": big}])
    page.get_by_text(re.compile("已选择 1 张照片")).wait_for()
    page.get_by_label("问题类别").select_option(label="环境卫生")
    page.get_by_label("问题描述").fill("幸福路垃圾桶满了三天没人清运")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scroll
    page.get_by_label("所在村/社区").select_option(value=live.tree.id("v1"))
    page.get_by_label("详细地址").fill("幸福路 12 号")
    page.get_by_role("button", name="提交").click()
    page.get_by_text("已提交，我们会尽快办理。").wait_for()
    assert "已受理" in page.locator("main").inner_text()
    with live.app.state.sessions() as s:
        (event,) = s.scalars(select(Event).where(Event.source == "resident")).all()
        event_id, (ref,) = event.id, event.photos
    assert ref["size"] < len(big) // 3  # shrunk in the browser before it was sent

    monkeypatch.setenv("YZB_HOME", str(tmp_path / "home"))
    laptop = sign_in(live.url, "worker1a", PASSWORD, now=NOW).profile
    SyncService(laptop, HttpSyncTransport(live.url), clock=lambda: NOW).sync_now()
    worker = Worker(live.tree.users["worker1a"].id, "grid_worker", live.tree.id("g1a"))
    with Session(laptop.engine) as s:
        arrived = s.get(Event, event_id)
        assert arrived.title.startswith("环境卫生") and thumb_bytes(arrived.photos[0])
        events.act(s, worker, event_id, "handle", now=NOW)
        events.act(s, worker, event_id, "close", now=NOW, note="已联系环卫所，垃圾已清运")
        s.commit()
    page.reload()
    assert "办理中" not in page.locator("main").inner_text()  # not synced yet: nothing new
    SyncService(laptop, HttpSyncTransport(live.url), clock=lambda: NOW).sync_now()
    laptop.engine.dispose()

    page.reload()
    text = page.locator("main").inner_text()
    assert "已答复" in text and "已联系环卫所，垃圾已清运" in text and "正在办理" in text
    assert "网格员" not in text  # no staff name reaches the resident
    page.get_by_label("5 星（非常满意）").check()
    page.get_by_role("button", name="提交评价").click()
    page.get_by_text("★★★★★").wait_for()
    assert "已办结" in page.locator("main").inner_text()
    assert not page.violations


def sign_in_phone(page, live, number: str, base: str) -> None:
    page.goto(base + "/h5/")
    page.get_by_label("手机号码").fill(number)
    page.get_by_label("图片验证码").fill(CAPTCHA)
    page.get_by_role("button", name="获取短信验证码").click()
    page.get_by_label("短信验证码").wait_for()
    page.get_by_label("短信验证码").fill(last_code(live))
    page.get_by_role("button", name="登录").click()
    page.get_by_label("我已阅读并同意").check()
    page.get_by_role("button", name="同意并继续").click()


def test_a_cut_mid_upload_resumes_and_the_position_picks_the_grid(browser, live, tmp_path):
    """Through the link shaper, the link is cut in the middle of the photo's second chunk: the
    page waits, asks how much arrived, continues from there, then files the report once; the
    browser's position (allowed) puts it in the grid whose boundary holds it."""
    import json

    from common.schema import OrgNode
    from sync_server.db.engine import unit_of_work
    from tests.integration.attachment_helpers import Shaper, cut_when

    def square(lon: float, lat: float) -> str:
        return json.dumps({"type": "Polygon", "coordinates": [[
            [lon, lat], [lon + .01, lat], [lon + .01, lat + .01], [lon, lat + .01], [lon, lat]]]})

    # the write lock up front (the running server may commit between a read and a write)
    with unit_of_work(live.app.state.sessions) as s:
        s.get(OrgNode, live.tree.id("g1a")).boundary = square(87.60, 43.80)
        s.get(OrgNode, live.tree.id("g1b")).boundary = square(87.61, 43.80)
    shaper = Shaper(live.port, tmp_path, latency_ms=50, up_kbps=1024, down_kbps=2048).start()
    staging = live.settings.attachments_dir / "staging"
    stop = __import__("threading").Event()
    cuts = cut_when(lambda: max((p.stat().st_size for p in staging.glob("h5-*.part")),
                                default=0), [64 * 1024], shaper, stop, delay=0.25)
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN",
                                  is_mobile=True, has_touch=True, permissions=["geolocation"],
                                  geolocation={"latitude": 43.805, "longitude": 87.615})
    context.set_default_timeout(120_000)
    page = context.new_page()
    sent: list[tuple[str, str]] = []
    page.on("request", lambda r: sent.append((r.method, r.url)) if "/h5/uploads" in r.url
            else None)
    try:
        sign_in_phone(page, live, "13600007777", shaper.url)
        page.get_by_role("link", name="随手拍 · 反映问题").click()
        page.get_by_label("照片").set_input_files(
            files=[{"name": "shot.jpg", "mimeType": "image/jpeg", "buffer": camera_photo()}])
        page.get_by_text(re.compile("已选择 1 张照片")).wait_for()
        page.get_by_label("问题类别").select_option(label="环境卫生")
        page.get_by_label("问题描述").fill("第二网格路灯不亮")
        page.get_by_role("button", name="使用当前位置").click()
        page.get_by_text(re.compile("将按位置归入所在网格")).wait_for()
        page.get_by_role("button", name="提交").click()
        page.get_by_text("已提交，我们会尽快办理。").wait_for()
    finally:
        stop.set()
        context.close()
        shaper.stop()
    assert cuts, "the link was never cut"
    with live.app.state.sessions() as s:
        (event,) = s.scalars(select(Event).where(Event.description == "第二网格路灯不亮")).all()
        assert event.grid_id == live.tree.id("g1b") and "43.80500,87.61500" in event.location
        (ref,) = event.photos
        stored = (live.settings.attachments_dir / ref["sha256"][:2] / ref["sha256"])
        with Image.open(stored) as img:
            img.load()  # the whole picture arrived, not a prefix
    starts = [u for m, u in sent if m == "POST"]
    puts = [u.split("/h5/uploads/")[1] for m, u in sent if m == "PUT"]
    offsets = [int(u.split("offset=")[1]) for u in puts]
    assert len(starts) == 1 and len({u.split("?")[0] for u in puts}) == 1  # one upload…
    assert offsets[0] == 0 and offsets == sorted(offsets)  # …resumed, never from scratch
    assert any(m == "GET" for m, _ in sent)  # it asked where to continue
    assert not list(staging.glob("h5-*"))


def test_staff_register_a_volunteer_who_claims_a_wish_on_the_phone(page, browser, live):
    """The console's 微心愿 page (county admin at one size, a township office at the other):
    a volunteer is registered by the number they signed in with (a bad number is named beside
    the field); on their phone they see the wishes of their township and claim one."""
    from tests.web.conftest import menu_click, sign_in_page
    from tests.web.test_resident import csrf, signed_in

    width = page.viewport_size["width"]
    number, user = ("13600001366", "admin") if width == 1366 else ("13600001920", "office1")
    phone_context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN",
                                        is_mobile=True, has_touch=True)
    phone_context.set_default_timeout(60_000)
    mobile = phone_context.new_page()
    sign_in_phone(mobile, live, number, live.url)
    poster = signed_in(live, f"1370000{width}")  # another resident posts the wish
    token = csrf(poster.get("/h5/wishes").text)
    poster.post("/h5/wishes", data={"csrf_token": token, "village_id": live.tree.id("v1"),
                                    "title": f"想要一副老花镜（{width}）"})

    sign_in_page(page, live, user)
    menu_click(page, "微心愿")
    assert f"想要一副老花镜（{width}）" in page.locator("table.list").first.inner_text()
    page.get_by_label("手机号码（居民端登录用的号码）").fill("1360000")
    page.get_by_label("志愿者姓名（居民看到的称呼）").fill(f"李明{width}")
    page.get_by_label("服务的乡镇/村社区").select_option(value=live.tree.id("t1"))
    page.get_by_role("button", name="登记").click()
    assert "不是有效的手机号码" in page.locator("#e-phone").inner_text()
    page.get_by_label("手机号码（居民端登录用的号码）").fill("13600009876")  # no account
    page.get_by_role("button", name="登记").click()
    assert "还没有居民端账号" in page.locator("#e-phone").inner_text()
    page.get_by_label("手机号码（居民端登录用的号码）").fill(number)
    page.get_by_role("button", name="登记").click()
    page.get_by_role("cell", name=f"李明{width}").wait_for()

    mobile.goto(live.url + "/h5/wishes")
    wish = mobile.locator("#volunteer .wish").filter(has_text=f"想要一副老花镜（{width}）")
    wish.get_by_role("button", name="认领这个心愿").click()
    mobile.locator("#volunteer .wish").filter(has_text=f"想要一副老花镜（{width}）") \
        .get_by_role("button", name="标记心愿已实现").wait_for()
    page.reload()
    assert f"志愿者 李明{width}" in page.locator("table.list").first.inner_text()
    assert "已认领" in poster.get("/h5/wishes").text
    phone_context.close()
    assert not [v for v in page.violations if "Content Security Policy" in v]
