"""`make screenshots`, web half: the console's sign-in (password, SMS code, QR), home, people,
grids, households, statistics, SMS, client version, work statistics and operation log and config centre pages
over a small demo county, in Debian's Chromium at 1366x768 and 1920x1080, into
docs/screenshots/web/."""
from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots" / "web"
SCALE = float(os.environ.get("SCREENSHOT_SCALE", "0.05"))
SCREENS = ((1366, 768), (1920, 1080))
CAPTCHA = "ACDE"
NOW = dt.datetime(2026, 12, 4, 2, 0)


def main() -> int:
    from playwright.sync_api import sync_playwright

    from sync_server.app import create_app
    from sync_server.demo.server import DEMO_PASSWORD, build_demo_server
    from sync_server.settings import Settings
    from tests.live_server import UvicornThread
    from tests.web.conftest import ARGS, CHROMIUM, menu_click

    with tempfile.TemporaryDirectory(prefix="yzb-web-shots-") as folder:
        url = f"sqlite:///{folder}/server.db"
        build_demo_server(url, scale=SCALE, now=NOW)
        # The fixed captcha answer is a test-only setting: the shots show a filled-in form.
        settings = Settings(database_url=url, environment="test", captcha_fixed_answer=CAPTCHA,
                            secret_key="screenshots-" + "x" * 32,
                            attachments_dir=Path(folder) / "attachments",
                            housekeeping_seconds=0)
        served = UvicornThread(create_app(settings, clock=lambda: NOW))
        OUT.mkdir(parents=True, exist_ok=True)
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                for width, height in SCREENS:
                    page = browser.new_page(viewport={"width": width, "height": height},
                                            locale="zh-CN")
                    size = f"{width}x{height}"
                    page.goto(served.url + "/admin/login/sms")
                    page.screenshot(path=OUT / f"login-sms-{size}.png")
                    page.goto(served.url + "/admin/login/qr")
                    page.screenshot(path=OUT / f"login-qr-{size}.png")
                    page.goto(served.url + "/admin/login")
                    page.get_by_label("账号").fill("admin")
                    page.get_by_label("密码").fill(DEMO_PASSWORD)
                    page.get_by_label("验证码", exact=True).fill(CAPTCHA)
                    page.screenshot(path=OUT / f"login-{size}.png")
                    page.get_by_role("button", name="登录").click()
                    page.get_by_role("heading", name="首页").wait_for()
                    page.screenshot(path=OUT / f"home-{size}.png")
                    menu_click(page, "人口")
                    page.locator("table.list").wait_for()
                    page.screenshot(path=OUT / f"people-{size}.png")
                    for name, path in (("grids", "/admin/grids"),
                                       ("households", "/admin/registry/households"),
                                       ("statistics", "/admin/registry/statistics"),
                                       ("sms-send", "/admin/sms/send"),
                                       ("sms-templates", "/admin/sms/templates"),
                                       ("sms-records", "/admin/sms/records"),
                                       ("releases", "/admin/releases"),
                                       ("work-stats", "/admin/work-stats"),
                                       ("op-log", "/admin/op-log"),
                                       ("config-fields", "/admin/config/fields"),
                                       ("places-stats", "/admin/places/statistics"),
                                       ("collections", "/admin/fieldwork/collections"),
                                       ("cadres", "/admin/fieldwork/cadres")):
                        page.goto(served.url + path)
                        page.locator("h1").wait_for()
                        page.screenshot(path=OUT / f"{name}-{size}.png")
                    for name, path in (("org", "/admin/org"), ("users", "/admin/users"),
                                       ("roles", "/admin/roles")):
                        page.goto(served.url + path)
                        page.locator("table.list").first.wait_for()
                        page.screenshot(path=OUT / f"{name}-{size}.png")
                    page.close()
                browser.close()
        finally:
            served.stop()
    print(f"网页截图已保存到 {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
