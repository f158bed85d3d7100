"""A resident's 随手拍 over a 2G link: Debian's Chromium at phone size (390x844) signs in by SMS
code and files a report with one camera-sized photo, every byte through ../shared/tools/shaper.py
(2G: 300 ms RTT, 32 kbit/s up, 64 kbit/s down). Reports the bytes up and down and the seconds
for the whole visit (sign-in, consent, form, filing) and for the filing itself (from the tap on
提交 to the report's page), and the photo's size as taken and as sent (shrunk in the browser).

A real server (uvicorn on 127.0.0.1, SQLite). Run: .venv/bin/python -m benchmarks.resident_report
[--link 2g|none] [--photo-px 4000x3000]
"""
from __future__ import annotations

import argparse
import io
import re
import tempfile
import time
from pathlib import Path

CAPTCHA = "ACDE"


def camera_photo(width: int, height: int) -> bytes:
    """A smooth scene with grain, about what a phone's camera writes (JPEG quality 92)."""
    from PIL import Image, ImageChops

    scene = Image.radial_gradient("L").resize((width, height)).convert("RGB")
    grain = Image.effect_noise((width, height), 18).convert("RGB")
    out = io.BytesIO()
    ImageChops.add(scene, grain, scale=1.6).save(out, "JPEG", quality=92)
    return out.getvalue()


def main() -> None:
    from playwright.sync_api import sync_playwright
    from sqlalchemy import select

    from common.schema import Event
    from sync_server.db.migrate import migrate
    from tests.conftest import NOW
    from tests.integration.attachment_helpers import Shaper
    from tests.live_server import LiveServer
    from tests.web.conftest import ARGS, CHROMIUM

    parser = argparse.ArgumentParser()
    parser.add_argument("--link", choices=("2g", "none"), default="2g")
    parser.add_argument("--photo-px", default="4000x3000")
    args = parser.parse_args()
    width, height = (int(x) for x in args.photo_px.split("x"))
    photo = camera_photo(width, height)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        url = f"sqlite:///{folder / 'server.db'}"
        migrate(url, now=NOW)
        server = LiveServer(url, folder)
        server.settings.captcha_fixed_answer = CAPTCHA
        server.start()
        shaper = Shaper(server.port, folder).start() if args.link == "2g" else None
        base = shaper.url if shaper else server.url
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                context = browser.new_context(viewport={"width": 390, "height": 844},
                                              locale="zh-CN", is_mobile=True, has_touch=True)
                context.set_default_timeout(600_000)
                page = context.new_page()
                started = time.perf_counter()
                page.goto(base + "/h5/login")
                page.get_by_label("手机号码").fill("13600001111")
                page.get_by_label("图片验证码").fill(CAPTCHA)
                page.get_by_role("button", name="获取短信验证码").click()
                page.get_by_label("短信验证码").wait_for()
                text = server.app.state.sms_gateway.messages()[-1]["text"]
                page.get_by_label("短信验证码").fill(re.search(r"验证码是 (\d{6})", text).group(1))
                page.get_by_role("button", name="登录").click()
                page.get_by_label("我已阅读并同意").check()
                page.get_by_role("button", name="同意并继续").click()
                page.get_by_role("link", name="随手拍 · 反映问题").click()
                page.get_by_label("照片").set_input_files(files=[{
                    "name": "IMG_0001.jpg", "mimeType": "image/jpeg", "buffer": photo}])
                page.get_by_text(re.compile("已选择 1 张照片")).wait_for()
                page.get_by_label("问题类别").select_option(label="环境卫生")
                page.get_by_label("问题描述").fill("幸福路垃圾桶满了三天没人清运")
                page.get_by_label("所在村/社区").select_option(value=server.tree.id("v1"))
                page.get_by_label("详细地址").fill("幸福路 12 号")
                before = _totals(shaper)
                filing = time.perf_counter()
                page.get_by_role("button", name="提交").click()
                page.get_by_text("已提交，我们会尽快办理。").wait_for()
                done = time.perf_counter()
                browser.close()
        finally:
            if shaper:
                shaper.stop()
            server.stop()
        with server.app.state.sessions() as s:
            (event,) = s.scalars(select(Event)).all()
            sent = event.photos[0]["size"]
        after = _totals(shaper)
        print(f"link: {args.link}; photo as taken {len(photo) / 1024:.0f} KB "
              f"({width}x{height}), as stored {sent / 1024:.0f} KB")
        print(f"whole visit: {done - started:.1f} s, up {after['bytes_up'] / 1024:.0f} KB, "
              f"down {after['bytes_down'] / 1024:.0f} KB")
        print(f"filing one report: {done - filing:.1f} s, "
              f"up {(after['bytes_up'] - before['bytes_up']) / 1024:.0f} KB, "
              f"down {(after['bytes_down'] - before['bytes_down']) / 1024:.0f} KB")


def _totals(shaper) -> dict[str, int]:  # noqa: ANN001
    """Bytes so far through the shaper (its stats are written when an instance stops)."""
    if shaper is None:
        return {"bytes_up": 0, "bytes_down": 0}
    shaper.cut(down_for=0)  # keep-alive connections are re-opened by the browser
    return shaper.totals()


if __name__ == "__main__":
    main()
