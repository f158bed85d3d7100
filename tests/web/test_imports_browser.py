"""Batch import in Debian's Chromium at both screen sizes: a township office uploads its sheet,
reads the preview, submits it; the county admin approves some rows with a reason; the approved
person is in the register and the refused one is not."""
from __future__ import annotations


import pytest

from tests.factories import make_id_number, with_wrong_check_digit
from tests.import_sheets import government_xlsx, person_row
from tests.web.conftest import menu_click
from tests.web.conftest import sign_in_page as sign_in

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("web_browser")]


@pytest.fixture(scope="module")
def live(web_live):
    return web_live


def test_upload_preview_submit_and_approve_some(page, live, tmp_path):
    width = page.viewport_size["width"]
    kept, refused = f"导入甲{width}", f"导入乙{width}"
    sheet = tmp_path / f"托克逊镇人口{width}.xlsx"
    sheet.write_bytes(government_xlsx([
        person_row(kept, make_id_number("19800101"), grid="团结社区第一网格"),
        person_row(refused, make_id_number("19810101"), grid="团结社区第二网格"),
        person_row("错号", with_wrong_check_digit(make_id_number()), grid="团结社区第一网格"),
        person_row("越界", make_id_number(), grid="南湖村第一网格"),
    ]))
    sign_in(page, live, "office1")
    menu_click(page, "导入人口")
    page.get_by_label("人口表文件").set_input_files(str(sheet))
    page.get_by_role("button", name="上传并预览").click()
    page.get_by_role("link", name="查看导入预览").click()
    page.get_by_role("link", name="新增人员（2）").wait_for()
    page.get_by_role("link", name="有错误（1）").click()
    page.get_by_text("校验位错误").wait_for()
    page.get_by_role("link", name="超出管辖范围（1）").click()
    page.get_by_text("不在您的管辖范围内").wait_for()
    page.get_by_role("button", name="提交审核").click()
    page.get_by_text("待审核").first.wait_for()
    page.get_by_role("button", name="退出登录").click()

    sign_in(page, live, "admin")
    menu_click(page, "导入审核")
    page.get_by_role("link", name=sheet.name).click()
    page.get_by_label("勾选第 4 行").check()
    page.get_by_label("部分通过：只通过上表中勾选的行").check()
    page.get_by_role("button", name="提交审核结果").click()
    page.locator("#e-reason").wait_for()  # refused rows need a reason
    page.get_by_label("不通过的理由").fill("户籍未核实")
    page.get_by_label("勾选第 4 行").check()
    page.get_by_role("button", name="提交审核结果").click()
    page.get_by_text("不通过：户籍未核实").wait_for()
    assert "部分通过" in page.locator("main").inner_text()
    menu_click(page, "人口登记")
    page.get_by_role("link", name=kept).wait_for()
    assert refused not in page.locator("table.list").inner_text()
    assert not [v for v in page.violations if "Content Security Policy" in v]
