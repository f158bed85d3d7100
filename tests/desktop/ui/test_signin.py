"""The sign-in dialog against a real server on 127.0.0.1, then offline; wrong password."""
import pytest
from PySide6.QtCore import Qt

from desktop.app import build_main_window
from desktop.tasks import TaskManager
from desktop.ui.signin.dialog import SignInDialog
from tests.conftest import NOW
from tests.live_server import LiveServer
from tests.factories import PASSWORD


@pytest.fixture
def tasks(qtbot):
    tm = TaskManager()
    yield tm
    tm.shutdown()


def fill(dialog, qtbot, server, account, password):
    dialog.server.setText(server)
    dialog.account.setEditText(account)
    dialog.password.clear()
    qtbot.keyClicks(dialog.password, password)


def test_sign_in_online_then_offline_and_a_wrong_password_is_explained(
        yzb_home, tasks, qtbot, sqlite_template, tmp_path):
    live = LiveServer(sqlite_template, tmp_path).start()
    try:
        dialog = SignInDialog(tasks, lambda: NOW, initial_sync=None)
        qtbot.addWidget(dialog)
        fill(dialog, qtbot, live.url, "worker1a", "not-the-password")
        qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
        qtbot.wait_until(lambda: dialog.message.text() not in ("", "正在登录…"), timeout=10000)
        qtbot.wait_until(dialog.button.isEnabled, timeout=10000)
        assert dialog.message.text() == "账号或密码错误"
        fill(dialog, qtbot, live.url, "worker1a", PASSWORD)
        with qtbot.wait_signal(dialog.signed_in, timeout=10000) as got:
            qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
        signed = got.args[0]
        assert signed.created and signed.user["scope_node_id"] == live.tree.id("g1a")
        window = build_main_window(signed, tasks, now=lambda: NOW)
        qtbot.addWidget(window)
        assert "worker1a" in window.windowTitle()
        # The pages follow the permissions the server gave the role, kept in the profile.
        assert "app:people" in signed.profile.info["permissions"]
        assert "people" in window.page_keys() and "config" not in window.page_keys()
        signed.profile.close()
    finally:
        live.stop()

    # The server is gone: the same account signs in offline with the same password.
    offline = SignInDialog(tasks, lambda: NOW, initial_sync=None)
    qtbot.addWidget(offline)
    assert offline.account.findText("worker1a") >= 0
    fill(offline, qtbot, live.url, "worker1a", PASSWORD)
    with qtbot.wait_signal(offline.signed_in, timeout=10000) as got:
        qtbot.mouseClick(offline.button, Qt.MouseButton.LeftButton)
    assert got.args[0].offline
    assert "app:config" not in got.args[0].profile.info["permissions"]  # the last known list
    got.args[0].profile.close()


def test_after_failed_sign_ins_the_dialog_shows_the_servers_captcha_and_signs_in_with_it(
        yzb_home, tasks, qtbot, sqlite_template, tmp_path, monkeypatch):
    from sync_server.services import captcha as server_captcha
    monkeypatch.setattr(server_captcha, "ALPHABET", "K")  # every captcha reads KKKK
    live = LiveServer(sqlite_template, tmp_path).start()
    try:
        dialog = SignInDialog(tasks, lambda: NOW, initial_sync=None)
        qtbot.addWidget(dialog)
        assert not dialog.captcha_row.isVisible()
        for _ in range(3):
            fill(dialog, qtbot, live.url, "worker1a", "not-the-password")
            qtbot.mouseClick(dialog.button, Qt.MouseButton.LeftButton)
            qtbot.wait_until(dialog.button.isEnabled, timeout=10000)
            assert dialog.message.text() == "账号或密码错误"
        dialog.show()
        qtbot.wait_until(lambda: dialog.captcha_id is not None, timeout=10000)
        assert dialog.captcha_row.isVisible()
        assert not dialog.captcha_image.pixmap().isNull()  # the server's PNG is shown
        # The right password with a wrong captcha: refused, a fresh captcha is loaded.
        first = dialog.captcha_id
        fill(dialog, qtbot, live.url, "worker1a", PASSWORD)
        qtbot.keyClicks(dialog.captcha, "ABCD")
        qtbot.mouseClick(dialog.button, Qt.MouseButton.LeftButton)
        qtbot.wait_until(dialog.button.isEnabled, timeout=10000)
        assert dialog.message.text() == "验证码不对或已过期，请看新的图片重新输入"
        qtbot.wait_until(lambda: dialog.captcha_id not in (None, first), timeout=10000)
        qtbot.keyClicks(dialog.captcha, "kkkk")
        with qtbot.wait_signal(dialog.signed_in, timeout=15000) as got:
            qtbot.keyClick(dialog.captcha, Qt.Key.Key_Return)
        assert got.args[0].created
        got.args[0].profile.close()
    finally:
        live.stop()
