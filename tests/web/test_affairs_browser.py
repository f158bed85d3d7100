"""网上办事 in real Chromium against a live server: the county admin configures a service on the
console (1366x768, a bad time limit refused beside the field); a resident on a phone (390x844)
applies with a photo; the township office asks for material; the resident adds it; the office
approves and signs; the resident downloads the signed PDF. No sideways scroll on the phone, no
CSP violation."""
from __future__ import annotations

import io
import re

import pytest
from PIL import Image

from tests.web.conftest import CAPTCHA, menu_click, sign_in_page

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("web_browser")]
pytest.importorskip("playwright.sync_api")
PHONE = "13600004321"


@pytest.fixture(scope="module")
def live(web_live):
    return web_live


def _context(browser, width: int, height: int, **kw):
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN",
                                  accept_downloads=True, **kw)
    context.set_default_timeout(60_000)
    tab = context.new_page()
    tab.violations = []  # type: ignore[attr-defined]
    # refused forms answer 4xx on purpose: only CSP violations count
    tab.on("console", lambda m: tab.violations.append(m.text)
           if "Content Security Policy" in m.text else None)
    return context, tab


def photo() -> bytes:
    out = io.BytesIO()
    Image.effect_noise((800, 600), 40).convert("RGB").save(out, "JPEG")
    return out.getvalue()


def staff_step(page, action: str, note: str = "") -> None:
    page.get_by_label("办理操作").select_option(label=action)
    if note:
        page.get_by_label(re.compile("^说明")).fill(note)
    with page.expect_navigation():
        page.get_by_role("button", name="提交").click()


def test_apply_ask_supply_approve_sign_and_download_on_a_phone(browser, live, tmp_path):
    office_ctx, desk = _context(browser, 1366, 768)
    sign_in_page(desk, live, "admin")
    menu_click(desk, "办事事项")
    desk.get_by_label("事项名称").fill("开具居住证明")
    desk.get_by_label("办理说明").fill("用于子女入学、办理证件等")
    desk.get_by_label("办理层级").select_option(label="乡镇（街道）")
    desk.get_by_label("办理时限（天）").fill("0")
    desk.get_by_label("材料 1 名称").fill("身份证照片")
    desk.locator('input[name="material_required"][value="0"]').check()
    desk.get_by_role("button", name="保存").click()
    assert "办理时限应为 1 至 60" in desk.locator("#e-days").inner_text()
    desk.get_by_label("办理时限（天）").fill("5")
    desk.get_by_role("button", name="保存").click()
    desk.get_by_text("已保存“开具居住证明”").wait_for()
    office_ctx.close()

    phone_ctx, phone = _context(browser, 390, 844, is_mobile=True, has_touch=True)
    phone.goto(live.url + "/h5/login")
    phone.get_by_label("手机号码").fill(PHONE)
    phone.get_by_label("图片验证码").fill(CAPTCHA)
    phone.get_by_role("button", name="获取短信验证码").click()
    text = live.app.state.sms_gateway.messages()[-1]["text"]
    phone.get_by_label("短信验证码").fill(re.search(r"验证码是 (\d{6})", text).group(1))
    phone.get_by_role("button", name="登录").click()
    phone.get_by_label("我已阅读并同意").check()
    phone.get_by_role("button", name="同意并继续").click()
    phone.get_by_role("link", name="网上办事").click()
    phone.get_by_role("link", name="开具居住证明").click()
    phone.get_by_role("button", name="提交申请").click()
    assert "请上传“身份证照片”" in phone.locator("#e-m0").inner_text()
    assert "申请人姓名不能为空" in phone.locator("#e-applicant").inner_text()
    phone.get_by_label("申请人姓名").fill("张三")
    phone.get_by_label("居住村/社区").select_option(value=live.tree.id("v1"))
    phone.get_by_label("详细地址").fill("幸福路 12 号")
    # the picker is a Chinese button whatever the phone's language; the chosen file is named
    assert phone.locator("#n-m0").inner_text() == "未选择文件"
    phone.get_by_label(re.compile("^身份证照片")).set_input_files(
        files=[{"name": "id.jpg", "mimeType": "image/jpeg", "buffer": photo()}])
    assert phone.locator("#n-m0").inner_text() == "已选择：id.jpg"
    assert phone.get_by_text("拍照或选择文件").first.is_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.get_by_role("button", name="提交申请").click()
    phone.get_by_text(re.compile("已提交，编号")).wait_for()
    assert "待受理" in phone.locator("main").inner_text()
    detail_url = phone.url.split("?")[0]

    office_ctx, desk = _context(browser, 1366, 768)
    sign_in_page(desk, live, "office1")
    menu_click(desk, "办事申请")
    desk.get_by_role("link", name=re.compile("^BS")).click()
    staff_step(desk, "要求补充材料")
    assert "需要填写说明" in desk.locator("#e-note").inner_text()
    staff_step(desk, "要求补充材料", "请补充户口本首页照片")
    assert "待补充材料" in desk.locator("#state").inner_text()

    phone.goto(detail_url)
    assert "需要补充：请补充户口本首页照片" in phone.locator("main").inner_text()
    phone.get_by_role("button", name="提交补充材料").click()
    assert "请至少上传一份补充材料" in phone.locator("#e-files").inner_text()
    phone.get_by_label(re.compile("选择照片或 PDF")).set_input_files(
        files=[{"name": "hk.jpg", "mimeType": "image/jpeg", "buffer": photo()}])
    phone.get_by_role("button", name="提交补充材料").click()
    phone.get_by_text(re.compile("申请人：补充材料")).wait_for()

    desk.reload()
    assert "补充材料 1" in desk.locator("main").inner_text()
    staff_step(desk, "批准")
    staff_step(desk, "签发办结", "请携带身份证到镇政务服务中心领取原件")
    assert "已办结" in desk.locator("#state").inner_text()
    assert not desk.violations
    office_ctx.close()

    phone.reload()
    text = phone.locator("main").inner_text()
    assert "已办结" in text and "请携带身份证到镇政务服务中心领取原件" in text
    assert "office1" not in text
    with phone.expect_download() as got:
        phone.get_by_role("link", name=re.compile("^下载")).click()
    saved = tmp_path / "result.pdf"
    got.value.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF-")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    assert not phone.violations
    phone_ctx.close()


def test_staff_lists_show_the_time_limit_and_scope_at_office_size(browser, live):
    context, desk = _context(browser, 1366, 768)
    sign_in_page(desk, live, "worker2")  # another township's grid: sees nothing of t1
    menu_click(desk, "办事申请")
    assert "没有符合条件的申请" in desk.locator("table.list").inner_text()
    menu_click(desk, "办事超期")
    assert desk.get_by_role("navigation", name="办理状态").get_by_role(
        "link", name="已超期").get_attribute("aria-current") == "page"
    assert desk.get_by_role("navigation").get_by_role("link", name="办事事项").count() == 0
    assert not desk.violations
    context.close()
