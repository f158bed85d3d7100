"""扫码登录网页 from the desktop, over real HTTP: a browser waits on the web console's QR page;
the user signed in on the desktop types its code in the dialog, confirms, and the browser is
signed in as them. A read-only role may not sign in on the desktop at all."""
from __future__ import annotations

import os
import re

import httpx
import pytest

from common.errors import DomainError
from desktop.net.sync import HttpSyncTransport
from desktop.services.session import sign_in
from desktop.services.sync import SyncService
from desktop.storage.profiles import list_profiles
from tests.conftest import NOW
from tests.factories import PASSWORD

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def _waiting_browser(live) -> tuple[httpx.Client, str]:
    browser = httpx.Client(base_url=live.url, timeout=20)
    page = browser.get("/admin/login/qr")
    assert page.status_code == 200
    return browser, re.search(r'id="qr-code">([A-Z0-9-]+)<', page.text).group(1)


def _dialog(live, tmp_path, monkeypatch, qtbot, username="office1"):  # noqa: ANN001, ANN202
    from desktop.tasks import TaskManager
    from desktop.ui.context import AppContext, CurrentUser
    from desktop.ui.sync.web_sign_in import WebSignInDialog
    monkeypatch.setenv("YZB_HOME", str(tmp_path / username))
    profile = sign_in(live.url, username, PASSWORD, now=NOW).profile
    sync = SyncService(profile, HttpSyncTransport(live.url), clock=lambda: NOW)
    tasks = TaskManager(profile.engine)
    ctx = AppContext(tasks=tasks, user=CurrentUser(id=profile.info.get("user_id") or "",
                                                   username=username, display_name=username),
                     now=lambda: NOW, sync=sync)
    dialog = WebSignInDialog(ctx)
    qtbot.addWidget(dialog)
    return dialog, tasks, profile


def test_the_browsers_code_typed_on_the_desktop_signs_the_browser_in(
        live, tmp_path, monkeypatch, qtbot):
    browser, code = _waiting_browser(live)
    assert "等待确认" in browser.get("/admin/login/qr/status").text
    dialog, tasks, profile = _dialog(live, tmp_path, monkeypatch, qtbot)
    try:
        # a malformed code is refused beside the field, without asking the server
        dialog.code.setText("ABC")
        with qtbot.wait_signal(dialog.refused, timeout=5000) as bad:
            dialog.approve()
        assert "8 位字母和数字" in bad.args[0] and dialog.error.text() == bad.args[0]
        # a well-formed code no browser is waiting on: the server's Chinese refusal
        dialog.code.setText("KKKK-KKKK" if code != "KKKK-KKKK" else "MMMM-MMMM")
        with qtbot.wait_signal(dialog.refused, timeout=15000) as unknown:
            dialog.approve()
        assert "扫码登录码不存在或已过期" in unknown.args[0]
        assert "等待确认" in browser.get("/admin/login/qr/status").text
        # the right code, typed the way it is shown, in lower case
        dialog.code.setText(code.lower())
        with qtbot.wait_signal(dialog.approved, timeout=15000) as ok:
            dialog.approve()
        assert ok.args[0] == code and "已确认" in dialog.message.text()
        assert dialog.error.text() == ""
        status = browser.get("/admin/login/qr/status")
        assert status.status_code == 204 and status.headers["hx-redirect"] == "/admin/"
        home = browser.get("/admin/")
        assert home.status_code == 200 and "office1" in home.text
    finally:
        qtbot.wait_until(lambda: not tasks.is_busy(), timeout=10000)
        tasks.shutdown()
        profile.close()
        browser.close()


def test_the_address_in_the_browsers_qr_image_works_as_the_code(
        live, tmp_path, monkeypatch, qtbot):
    browser, code = _waiting_browser(live)
    dialog, tasks, profile = _dialog(live, tmp_path, monkeypatch, qtbot, "worker1a")
    try:
        dialog.code.setText(f"{live.url}/admin/qr/{code.replace('-', '')}")
        with qtbot.wait_signal(dialog.approved, timeout=15000):
            dialog.approve()
        assert browser.get("/admin/login/qr/status").status_code == 204
        assert "worker1a" in browser.get("/admin/").text
    finally:
        qtbot.wait_until(lambda: not tasks.is_busy(), timeout=10000)
        tasks.shutdown()
        profile.close()
        browser.close()


def test_a_read_only_role_is_refused_a_desktop_sign_in_in_chinese(live, tmp_path, monkeypatch):
    from sync_server.services import permissions
    with live.harness.session() as s:
        admin = s.get(type(live.tree.users["admin"]), live.tree.users["admin"].id)
        permissions.save_role(s, admin, code="civil_affairs", name="民政专干",
                              base_role="grid_worker", permissions=["web:people"],
                              tags=["dibao"], now=NOW)
        permissions.give_role(s, s.get(type(admin), live.tree.users["worker1a"].id),
                              "civil_affairs")
        s.commit()
    monkeypatch.setenv("YZB_HOME", str(tmp_path / "civil"))
    with pytest.raises(DomainError) as refused:
        sign_in(live.url, "worker1a", PASSWORD, now=NOW)
    assert refused.value.code == "role_web_only"
    assert refused.value.message() == \
        "您的角色“民政专干”只能在网页管理端查看数据，不能在桌面端登录或同步"
    assert list_profiles() == []  # nothing was created on this machine
