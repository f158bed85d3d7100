"""民政专干 in Debian's Chromium at both screen sizes: the county admin defines the role on the
roles page (read-only, only people tagged 低保 or 残疾); a user given it sees only those people
in the people list, and a write page tells them in Chinese that the role only reads."""
from __future__ import annotations

import shutil

import pytest

from tests.factories import make_id_number, make_person
from tests.live_server import LiveServer
from tests.web.conftest import CAPTCHA, menu_click
from tests.web.conftest import sign_in_page as sign_in

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("web_browser")]
pytest.importorskip("playwright.sync_api")

PEOPLE = [("艾力", "g1a", ["dibao"]), ("布阿依", "g1a", ["disabled", "veteran"]),
          ("陈明", "g1b", ["veteran"]), ("迪丽", "g1a", []), ("古丽", "g2", ["dibao"])]


@pytest.fixture(scope="module")
def live(sqlite_template, tmp_path_factory):
    folder = tmp_path_factory.mktemp("web-role-tags")
    shutil.copyfile(sqlite_template, folder / "server.db")
    srv = LiveServer(f"sqlite:///{folder / 'server.db'}", folder)
    srv.settings.captcha_fixed_answer = CAPTCHA
    srv.start()
    from fastapi.testclient import TestClient
    api = TestClient(srv.app)
    api.headers["Authorization"] = f"Bearer {srv.token('admin')}"
    for i, (name, grid, tags) in enumerate(PEOPLE):
        assert api.post("/api/people", json=make_person(
            srv.tree.id(grid), name=name, tags=tags,
            id_number=make_id_number(f"198{i}0101"))).status_code == 201
    yield srv
    srv.stop()


def _give_role(live, username: str, role: str) -> None:
    from sync_server.services import permissions
    with live.harness.session() as s:
        user = s.get(type(live.tree.users[username]), live.tree.users[username].id)
        permissions.give_role(s, user, role)
        s.commit()


def test_the_county_admin_defines_a_tag_limited_role_and_its_user_sees_only_those_people(
        page, live):
    sign_in(page, live, "admin")
    page.get_by_role("heading", name="首页").wait_for()
    menu_click(page, "角色与权限")
    page.get_by_role("heading", name="角色与权限").wait_for()
    page.get_by_label("角色代码").fill("civil_affairs")
    page.get_by_label("角色名称").fill("民政专干")
    page.get_by_label("基础角色（决定管辖层级和可写范围）").select_option("township_office")
    for code in ("web:home", "web:people", "web:grids"):
        page.locator(f'input[name="permissions"][value="{code}"]').check()
    page.locator('input[name="tags"][value="dibao"]').check()
    page.locator('input[name="tags"][value="disabled"]').check()
    page.get_by_role("button", name="保存角色").click()
    row = page.get_by_role("row").filter(has_text="civil_affairs")
    row.wait_for()
    assert "只读，仅低保、残疾人员" in row.inner_text()
    page.get_by_role("button", name="退出登录").click()

    _give_role(live, "office1", "civil_affairs")
    sign_in(page, live, "office1")
    page.get_by_role("heading", name="首页").wait_for()
    menu_click(page, "人口")
    page.get_by_text("共 2 条").wait_for()
    table = page.locator("table.list").inner_text()
    assert "艾力" in table and "布阿依" in table
    for name in ("陈明", "迪丽", "古丽"):
        assert name not in table
    # a page that writes: the role only reads, said in Chinese, and the counts follow the tags
    menu_click(page, "网格")
    page.get_by_role("heading", name="网格", exact=True).wait_for()
    first = page.get_by_role("row").filter(has_text="团结社区第一网格")
    assert first.get_by_role("cell").nth(3).inner_text() == "2"
    page.get_by_label("名称").fill("第三网格")
    page.get_by_role("button", name="新建").click()
    page.get_by_role("heading", name="无法完成").wait_for()
    assert "您的角色“民政专干”只能查看数据，不能新增、修改或删除" in \
        page.get_by_role("alert").inner_text()
    assert not [v for v in page.violations if "Content Security Policy" in v]
    page.get_by_role("button", name="退出登录").click()
    _give_role(live, "office1", "township_office")
