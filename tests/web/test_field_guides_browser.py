"""Form guides in Debian's Chromium at both screen sizes: a county admin writes a field's guide
and example in the config centre (a too-long example first), and the registry's form shows them
under the field."""
from __future__ import annotations


import pytest

from tests.web.conftest import menu_click
from tests.web.conftest import sign_in_page as sign_in

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("web_browser")]


@pytest.fixture(scope="module")
def live(web_live):
    return web_live


def test_a_guide_written_in_the_config_centre_shows_in_the_registry_form(page, live):
    width = page.viewport_size["width"]
    sign_in(page, live, "admin")
    menu_click(page, "配置中心")
    page.get_by_role("link", name="填写说明").click()
    page.get_by_label("公民身份号码的填写说明").fill(f"填写18位身份证号（{width}）")
    page.get_by_label("公民身份号码的示例").fill("1" * 101)
    page.get_by_role("button", name="保存").click()
    page.locator("[id='e-id_number.example']").wait_for()
    assert "最多 100 个字符" in page.locator("[id='e-id_number.example']").inner_text()
    page.get_by_label("公民身份号码的示例").fill("650422199001011234")
    page.get_by_role("button", name="保存").click()
    page.get_by_role("status").filter(has_text="已保存").wait_for()
    menu_click(page, "人口登记")
    page.get_by_role("link", name="新增人口").click()
    hint = page.locator("#h-id_number")
    hint.wait_for()
    assert hint.inner_text() == f"填写18位身份证号（{width}）　示例：650422199001011234"
    assert page.get_by_label("公民身份号码").get_attribute("placeholder") == \
        "例：650422199001011234"
    assert not [v for v in page.violations if "Content Security Policy" in v]
