"""`make screenshots`, web half: the console's sign-in (password, SMS code, QR), home, people
(and its saved searches), grids, households, statistics, SMS, client version, work statistics and operation log and config centre pages,
the import upload and an import's preview, the situation map and its panels, its boundary
editor and a month's population changes
over a small demo county, in Debian's Chromium at 1366x768 and 1920x1080, into
docs/screenshots/web/; the resident pages (/h5) at phone size (360x740 and 390x844) into
docs/screenshots/resident/. `python -m tests.web_screenshots resident` renders only those
(and the console's 接诉即办 list); `python -m tests.web_screenshots affairs` only the online
affairs pages (网上办事: the resident's side at phone size, the console's lists and detail);
`python -m tests.web_screenshots reports` only the report manager's loop (designer, fill,
review, township, consolidated report)."""
from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots" / "web"
RESIDENT_OUT = ROOT / "docs" / "screenshots" / "resident"
PHONES = ((360, 740), (390, 844))
SCALE = float(os.environ.get("SCREENSHOT_SCALE", "0.05"))
SCREENS = ((1366, 768), (1920, 1080))
CAPTCHA = "ACDE"
NOW = dt.datetime(2026, 12, 4, 2, 0)


def map_shots(page, base: str, size: str) -> None:  # noqa: ANN001
    """态势一张图: the county map with its panels, a township drilled into, each panel whole."""
    page.goto(base + "/admin/map")
    page.locator("path[data-node]").first.wait_for()
    page.locator("#chart-house_type canvas").wait_for()
    page.wait_for_timeout(1500)  # the charts' entry animation
    page.screenshot(path=OUT / f"map-{size}.png")
    page.locator("path[data-node]").first.dispatch_event("click")
    page.locator("#map-crumbs button").nth(1).wait_for()
    page.locator("path[data-node]").first.wait_for()
    page.wait_for_timeout(1500)
    page.screenshot(path=OUT / f"map-township-{size}.png")
    for panel in ("population", "buildings"):
        # the panels scroll beside the map: bring the panel's heading to the top, then shoot
        page.locator(f"#panel-{panel}").evaluate(
            "e => e.previousElementSibling.scrollIntoView({block: 'start'})")
        page.wait_for_timeout(300)
        page.screenshot(path=OUT / f"map-panel-{panel}-{size}.png")
    # the boundary editor of the township's first village; the births behind one month
    county = page.locator("#map-crumbs button").first.get_attribute("data-node")
    village = page.locator("path[data-node]").first.get_attribute("data-node")
    page.goto(f"{base}/admin/map/boundary/{village}")
    page.locator("#boundary-map[data-ready]").wait_for()
    page.get_by_role("button", name="编辑顶点").click()
    page.wait_for_timeout(300)
    page.screenshot(path=OUT / f"map-boundary-{size}.png")
    page.goto(f"{base}/admin/map/changes?node={county}&kind=birth&month=2026-11")
    page.locator("#changes").wait_for()
    page.screenshot(path=OUT / f"map-changes-{size}.png")


def resident_shots(browser, url: str, sms_log: Path, village: str) -> None:  # noqa: ANN001
    """The resident pages at phone size: sign-in (both steps), the policy, 随手拍 (empty and
    refused), a filed report, my reports, the profile, home, notices, wishes, floating
    registration."""
    import io
    import json
    import re

    from PIL import Image

    RESIDENT_OUT.mkdir(parents=True, exist_ok=True)
    photo = io.BytesIO()
    Image.effect_noise((1200, 900), 40).convert("RGB").save(photo, "JPEG")
    for i, (width, height) in enumerate(PHONES):
        context = browser.new_context(viewport={"width": width, "height": height},
                                      locale="zh-CN", is_mobile=True, has_touch=True)
        page = context.new_page()
        size = f"{width}x{height}"
        page.goto(url + "/h5/login")
        page.get_by_label("手机号码").fill(f"1360000{i:04d}")
        page.get_by_label("图片验证码").fill(CAPTCHA)
        page.screenshot(path=RESIDENT_OUT / f"login-{size}.png")
        page.get_by_role("button", name="获取短信验证码").click()
        page.get_by_label("短信验证码").wait_for()
        last = json.loads(sms_log.read_text(encoding="utf-8").splitlines()[-1])
        page.get_by_label("短信验证码").fill(re.search(r"验证码是 (\d{6})", last["text"]).group(1))
        page.screenshot(path=RESIDENT_OUT / f"login-code-{size}.png")
        page.get_by_role("button", name="登录").click()
        page.get_by_role("button", name="同意并继续").wait_for()
        page.screenshot(path=RESIDENT_OUT / f"consent-{size}.png", full_page=True)
        page.get_by_label("我已阅读并同意").check()
        page.get_by_role("button", name="同意并继续").click()
        page.get_by_role("link", name="随手拍 · 反映问题").click()
        page.get_by_role("button", name="提交").click()
        page.locator("#e-category").wait_for()
        page.screenshot(path=RESIDENT_OUT / f"report-refused-{size}.png", full_page=True)
        page.get_by_label("照片").set_input_files(files=[{
            "name": "photo.jpg", "mimeType": "image/jpeg", "buffer": photo.getvalue()}])
        page.get_by_text(re.compile("已选择 1 张照片")).wait_for()
        page.get_by_label("问题类别").select_option(label="环境卫生")
        page.get_by_label("问题描述").fill("小区门口垃圾桶满了两天没人清运，气味很大")
        page.get_by_label("所在村/社区").select_option(value=village)
        page.get_by_label("详细地址").fill("幸福路 12 号门口")
        page.screenshot(path=RESIDENT_OUT / f"report-{size}.png", full_page=True)
        page.get_by_role("button", name="提交").click()
        page.get_by_text("已提交，我们会尽快办理。").wait_for()
        page.screenshot(path=RESIDENT_OUT / f"report-detail-{size}.png", full_page=True)
        page.get_by_role("link", name="我的反映").click()
        page.screenshot(path=RESIDENT_OUT / f"reports-{size}.png")
        page.get_by_role("link", name="我的", exact=True).click()
        page.screenshot(path=RESIDENT_OUT / f"profile-{size}.png", full_page=True)
        page.goto(url + "/h5/")
        page.screenshot(path=RESIDENT_OUT / f"home-{size}.png", full_page=True)
        page.goto(url + "/h5/notices")
        page.screenshot(path=RESIDENT_OUT / f"notices-{size}.png", full_page=True)
        page.goto(url + "/h5/wishes")
        page.get_by_label("心愿", exact=True).fill("想请人帮忙修一下收音机")
        page.get_by_label("所在村/社区").select_option(value=village)
        page.get_by_role("button", name="发布心愿").click()
        page.get_by_text("心愿已发布").wait_for()
        page.screenshot(path=RESIDENT_OUT / f"wishes-{size}.png", full_page=True)
        page.goto(url + "/h5/floating")
        page.screenshot(path=RESIDENT_OUT / f"floating-{size}.png", full_page=True)
        context.close()


def affairs_shots(browser, url: str, sms_log: Path, village: str,  # noqa: ANN001
                  password: str) -> None:
    """网上办事: a resident at phone size applies for the demo service (refused, then filled,
    then filed) and opens 主动上报; the county admin's console shows the service list, the
    applications and one application's page."""
    import io
    import json
    import re

    from PIL import Image

    photo = io.BytesIO()
    Image.effect_noise((800, 600), 40).convert("RGB").save(photo, "JPEG")
    for i, (width, height) in enumerate(PHONES):
        context = browser.new_context(viewport={"width": width, "height": height},
                                      locale="zh-CN", is_mobile=True, has_touch=True)
        page = context.new_page()
        size = f"{width}x{height}"
        page.goto(url + "/h5/login")
        page.get_by_label("手机号码").fill(f"1360001{i:04d}")
        page.get_by_label("图片验证码").fill(CAPTCHA)
        page.get_by_role("button", name="获取短信验证码").click()
        page.get_by_label("短信验证码").wait_for()
        last = json.loads(sms_log.read_text(encoding="utf-8").splitlines()[-1])
        page.get_by_label("短信验证码").fill(re.search(r"验证码是 (\d{6})", last["text"]).group(1))
        page.get_by_role("button", name="登录").click()
        page.get_by_label("我已阅读并同意").check()
        page.get_by_role("button", name="同意并继续").click()
        page.get_by_role("link", name="网上办事").click()
        page.screenshot(path=RESIDENT_OUT / f"affairs-{size}.png", full_page=True)
        page.get_by_role("link", name="开具居住证明").click()
        page.get_by_role("button", name="提交申请").click()
        page.locator("#e-m0").wait_for()
        page.screenshot(path=RESIDENT_OUT / f"affair-apply-refused-{size}.png", full_page=True)
        page.get_by_label("申请人姓名").fill("张三")
        page.get_by_label("居住村/社区").select_option(value=village)
        page.get_by_label("详细地址").fill("幸福路 12 号 3 单元 401")
        page.get_by_label(re.compile("^身份证照片")).set_input_files(files=[{
            "name": "id.jpg", "mimeType": "image/jpeg", "buffer": photo.getvalue()}])
        page.get_by_role("button", name="提交申请").click()
        page.get_by_text(re.compile("已提交，编号")).wait_for()
        page.screenshot(path=RESIDENT_OUT / f"affair-detail-{size}.png", full_page=True)
        page.goto(url + "/h5/affairs/report")
        page.screenshot(path=RESIDENT_OUT / f"affair-report-{size}.png", full_page=True)
        context.close()
    for width, height in SCREENS:
        page = browser.new_page(viewport={"width": width, "height": height}, locale="zh-CN")
        size = f"{width}x{height}"
        page.goto(url + "/admin/login")
        page.get_by_label("账号").fill("admin")
        page.get_by_label("密码").fill(password)
        page.get_by_label("验证码", exact=True).fill(CAPTCHA)
        page.get_by_role("button", name="登录").click()
        page.get_by_role("heading", name="首页").wait_for()
        page.goto(url + "/admin/affairs/services")
        page.screenshot(path=OUT / f"affairs-services-{size}.png", full_page=True)
        page.goto(url + "/admin/affairs?list=all")
        page.screenshot(path=OUT / f"affairs-{size}.png")
        page.get_by_role("link", name=re.compile("^BS")).first.click()
        page.locator("#state").wait_for()
        page.screenshot(path=OUT / f"affair-detail-{size}.png", full_page=True)
        page.close()


def _affair_service(url: str) -> None:
    """The demo county's one online service (the shots apply for it)."""
    from sqlalchemy import create_engine, select
    from sqlalchemy.orm import Session

    from common.schema import User
    from sync_server.services.affairs import save_service

    engine = create_engine(url)
    with Session(engine) as s, s.begin():
        admin = s.scalars(select(User).where(User.role == "county_admin")).first()
        save_service(s, admin, {
            "name": "开具居住证明", "description": "用于子女入学、办理证件等，由乡镇（街道）出具",
            "level": "township", "days": "5",
            "material_label": ["身份证照片", "租房合同或房产证"],
            "material_kind": ["photo", "any"], "material_required": ["0"]}, now=NOW)
    engine.dispose()


def report_shots() -> int:
    """报表管理 over the test org tree, at both screen sizes: the designer, a grid's fill page,
    the township's review page of a grid's share, the township's share with its grids, the
    county's consolidated report and the list (the steps of tests/web/test_reports_browser.py)."""
    from types import SimpleNamespace

    from playwright.sync_api import sync_playwright

    from sync_server.db.migrate import migrate
    from tests.live_server import LiveServer
    from tests.sync_server.test_reports import _data
    from tests.web import test_reports_browser as flow
    from tests.web.conftest import ARGS, CHROMIUM, menu_click

    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="yzb-report-shots-") as folder, \
            sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for width, height in SCREENS:
            size = f"{width}x{height}"
            place = Path(folder) / size
            place.mkdir()
            url = f"sqlite:///{place / 'server.db'}"
            migrate(url, now=NOW)
            srv = LiveServer(url, place)
            srv.settings.captcha_fixed_answer = CAPTCHA
            _data(SimpleNamespace(tree=srv.tree, clock=srv.clock, session=srv.harness.session))
            srv.start()
            page = browser.new_page(viewport={"width": width, "height": height},
                                    locale="zh-CN")

            def shoot(name: str) -> None:
                page.screenshot(path=OUT / f"{name}-{size}.png", full_page=True)  # noqa: B023
            try:
                flow.as_user(page, srv, "admin")
                flow.design(page, shoot)
                flow.assign(page)
                flow.as_user(page, srv, "worker1a")
                flow.fill_share(page, "12", shoot)
                flow.as_user(page, srv, "worker1b")
                flow.fill_share(page, "5")
                flow.as_user(page, srv, "office1")
                flow.review(page, "团结社区第一网格", shoot=shoot)
                flow.review(page, "团结社区第二网格")
                shoot("reports-township")
                page.get_by_role("button", name="汇总上报").click()
                page.locator("#share-status", has_text="已上报").wait_for()
                flow.as_user(page, srv, "admin")
                flow.review(page, "托克逊镇")
                shoot("reports-report")
                menu_click(page, "报表管理")
                shoot("reports")
            finally:
                page.close()
                srv.stop()
        browser.close()
    print(f"报表截图已保存到 {OUT}")
    return 0


def people_searches(page, size: str) -> None:  # noqa: ANN001
    """常用检索: the people list narrowed to floating residents, saved under a name."""
    page.get_by_label("人口类型").select_option(label="流动人口")
    page.get_by_role("button", name="查询").click()
    page.wait_for_url("**resident_type=**")
    page.get_by_label("检索名称").fill("流动人口")
    page.get_by_role("button", name="保存为常用检索").click()
    page.get_by_role("link", name="流动人口", exact=True).wait_for()
    page.screenshot(path=OUT / f"people-searches-{size}.png")


def a_cadre(page, base: str) -> None:  # noqa: ANN001
    """One 包户 assignment (the first household, the first account), so the 包户 page shows a
    cadre's households, coverage and visit task; a second run is refused as a repeat."""
    page.goto(base + "/admin/fieldwork/cadres")
    page.get_by_label("户", exact=True).select_option(index=1)
    page.get_by_label("包户干部").select_option(index=1)
    page.get_by_label("走访周期(天)").fill("30")
    page.get_by_role("button", name="指定包户").click()
    page.locator("h1").wait_for()


def main(argv: list[str] | None = None) -> int:
    args = argv if argv is not None else sys.argv[1:]
    if "reports" in args:
        return report_shots()
    only_resident = "resident" in args
    only_affairs = "affairs" in args
    from playwright.sync_api import sync_playwright

    from sync_server.app import create_app
    from sync_server.demo.server import DEMO_PASSWORD, build_demo_server
    from sync_server.settings import Settings
    from tests.live_server import UvicornThread
    from tests.web.conftest import ARGS, CHROMIUM, menu_click

    with tempfile.TemporaryDirectory(prefix="yzb-web-shots-") as folder:
        url = f"sqlite:///{folder}/server.db"
        summary = build_demo_server(url, scale=SCALE, now=NOW)
        sheet = _import_sheet(url, next(iter(summary.township_offices.values())),
                              Path(folder) / "乡镇人口信息登记表.xlsx")
        _affair_service(url)
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
                RESIDENT_OUT.mkdir(parents=True, exist_ok=True)
                affairs_shots(browser, served.url, settings.sms_log, _a_village(url),
                              DEMO_PASSWORD)
                if only_affairs:
                    browser.close()
                    return 0
                resident_shots(browser, served.url, settings.sms_log, _a_village(url))
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
                    page.goto(served.url + "/admin/hotline?list=all")
                    page.locator("table.list").wait_for()
                    page.screenshot(path=OUT / f"hotline-{size}.png")
                    if only_resident:
                        page.close()
                        continue
                    page.goto(served.url + "/admin/")
                    page.screenshot(path=OUT / f"home-{size}.png")
                    menu_click(page, "人口")
                    page.locator("table.list").wait_for()
                    page.screenshot(path=OUT / f"people-{size}.png")
                    people_searches(page, size)
                    a_cadre(page, served.url)
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
                                       ("config-guides", "/admin/config/guides"),
                                       ("places-stats", "/admin/places/statistics"),
                                       ("collections", "/admin/fieldwork/collections"),
                                       ("cadres", "/admin/fieldwork/cadres"),
                                       ("workflows", "/admin/workflows"),
                                       ("workflows-claim", "/admin/workflows/claim"),
                                       ("workflows-moves", "/admin/workflows/moves"),
                                       ("briefings", "/admin/briefings")):
                        page.goto(served.url + path)
                        page.locator("h1").wait_for()
                        page.screenshot(path=OUT / f"{name}-{size}.png")
                    page.goto(served.url + "/admin/dashboards?period=month")
                    page.locator("#dash-visits .chart canvas").first.wait_for()
                    page.screenshot(path=OUT / f"dashboards-{size}.png", full_page=True)
                    for name, path in (("org", "/admin/org"), ("users", "/admin/users"),
                                       ("roles", "/admin/roles")):
                        page.goto(served.url + path)
                        page.locator("table.list").first.wait_for()
                        page.screenshot(path=OUT / f"{name}-{size}.png")
                    menu_click(page, "导入人口")
                    page.screenshot(path=OUT / f"imports-{size}.png")
                    page.get_by_label("人口表文件").set_input_files(str(sheet))
                    page.get_by_role("button", name="上传并预览").click()
                    page.get_by_role("link", name="查看导入预览").click()
                    page.locator("table.list").wait_for()
                    page.screenshot(path=OUT / f"import-preview-{size}.png")
                    map_shots(page, served.url, size)
                    page.close()
                browser.close()
        finally:
            served.stop()
    if not (only_resident or only_affairs):
        report_shots()
    print(f"网页截图已保存到 {OUT}")
    return 0


def _a_village(url: str) -> str:
    """A village of the demo county that has grids (where the shots' report goes)."""
    from sqlalchemy import create_engine, select

    from common.schema import OrgNode

    engine = create_engine(url)
    with engine.connect() as conn:
        village = conn.scalar(select(OrgNode.parent_id).where(
            OrgNode.level == "grid", OrgNode.deleted.is_(False)).order_by(OrgNode.path).limit(1))
    engine.dispose()
    return village


def _import_sheet(url: str, office_id: str, path: Path) -> Path:
    """A township's 200-row sheet for the import preview (benchmarks/import_preview.py)."""
    from sqlalchemy.orm import Session

    from benchmarks.import_preview import build_sheet
    from common.schema import User
    from sync_server.db.engine import make_engine

    engine = make_engine(url)
    with Session(engine) as session:
        path.write_bytes(build_sheet(session, session.get(User, office_id), 200))
    engine.dispose()
    return path


if __name__ == "__main__":
    sys.exit(main())
