"""Background sync when the server does not answer: the tries come later and later, the status
says offline, edits are counted as pending, and closing the window with unsent edits asks
whether to sync first (同步后退出 / 直接退出 / 取消)."""
from __future__ import annotations

import datetime as dt
import random

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox
from sqlalchemy.orm import Session

from desktop.net.sync import HttpSyncTransport
from desktop.services import people
from desktop.services.sync import SyncService
from desktop.storage import profiles
from desktop.tasks import TaskManager
from desktop.ui.context import AppContext, CurrentUser
from desktop.ui.sync.background import BackgroundSync
from tests.desktop.people_factories import NOW, make_id_number, make_org
from tests.desktop.storage.conftest import FAST_KDF
from tests.live_server import free_port

pytestmark = pytest.mark.qt


@pytest.fixture
def offline(tmp_path, monkeypatch):
    """A profile whose server is not there (nothing listens on its port)."""
    monkeypatch.setenv("YZB_HOME", str(tmp_path / "home"))
    url = f"http://127.0.0.1:{free_port()}"
    profile = profiles.create_profile("w", "pw", server_url=url, kdf=FAST_KDF, username="w")
    with Session(profile.engine) as s, s.begin():
        grid = make_org(s)["grid"].id
    tasks = TaskManager(profile.engine)
    sync = SyncService(profile, HttpSyncTransport(url, attempts=1, timeout=2),
                       clock=lambda: NOW, writer=tasks.run_on_writer)
    yield profile, tasks, sync, grid
    tasks.shutdown()
    profile.close()


def test_an_unreachable_server_is_tried_again_later_and_later(offline, qtbot):
    _profile, tasks, sync, _grid = offline
    bg = BackgroundSync(tasks, sync, backoff_first_ms=40, backoff_max_ms=100_000,
                        period_ms=600_000, rng=random.Random(3))
    failed: list[str] = []
    bg.sync_failed.connect(failed.append)
    bg.start()
    qtbot.wait_until(lambda: len(failed) >= 4, timeout=30000)
    bg.stop()
    waits = bg.delays[1:5]  # after the first try at sign-in, one wait per failure
    assert all(a < b for a, b in zip(waits, waits[1:])), waits
    assert waits[0] >= 20 and waits[3] >= 160  # doubling: never less than half of 40·2ⁿ
    assert bg.state.online is False and "服务器" in failed[0]
    assert bg.backoff_ms(30) <= 100_000  # capped
    qtbot.wait_until(lambda: not tasks.is_busy(), timeout=10000)


def _window(offline, qtbot):  # noqa: ANN001, ANN202
    from desktop.ui.main_window import MainWindow
    profile, tasks, sync, _grid = offline
    ctx = AppContext(tasks=tasks, user=CurrentUser("u1", "w", "网格员"), profile_dir=profile.path,
                     now=lambda: NOW, sync=sync, blobs=profile.blob_store(),
                     background_options={"backoff_first_ms": 60_000, "edit_delay_ms": 60_000})
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    qtbot.wait_until(lambda: window.background.state.online is False, timeout=20000)
    return window


def _answer_close_question(qtbot, button_text: str, seen: list[list[str]]) -> None:
    def answer() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, answer)
            return
        seen.append([b.text() for b in box.buttons()])
        next(b for b in box.buttons() if b.text() == button_text).click()
    QTimer.singleShot(20, answer)


def test_closing_with_unsent_edits_offers_to_sync_first(offline, qtbot):
    window = _window(offline, qtbot)
    bg = window.background
    assert "离线" in window.sync_label.text()
    _profile, tasks, _sync, grid = offline
    tasks.write(lambda s: people.save_person(s, None, {
        "id_number": make_id_number(dt.date(1980, 5, 6)), "name": "未上传", "grid_id": grid,
        "ethnicity": "01", "resident_type": "registered", "status": "normal"}, [],
        now=NOW, actor_id="u1"), touches="people")
    qtbot.wait_until(lambda: bg.state.pending > 0, timeout=10000)
    assert f"待上传 {bg.state.pending} 条" in window.sync_label.text()

    seen: list[list[str]] = []
    _answer_close_question(qtbot, "取消", seen)
    window.close()
    assert seen and sorted(seen[0]) == sorted(["同步后退出", "直接退出", "取消"])
    assert window.isVisible()  # 取消: still open, the edits still waiting

    _answer_close_question(qtbot, "同步后退出", seen)
    window.close()  # tries to sync (the server is away), then closes: the edits stay local
    qtbot.wait_until(lambda: not window.isVisible(), timeout=20000)
    assert len(seen) == 2
