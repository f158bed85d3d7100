"""Background sync against a real server on 127.0.0.1: the window syncs when it opens (sign-in),
an edit reaches the server with no F9 pressed, and the status bar says online with nothing left
to send. Intervals are injected in milliseconds: nothing waits for minutes."""
from __future__ import annotations

import datetime as dt
import os
import random
import threading

import pytest
from sqlalchemy import event, select

from common.schema import Person
from desktop.net.sync import HttpSyncTransport
from desktop.services import people
from desktop.services.session import sign_in
from desktop.services.sync import SyncService
from desktop.storage.database import READ_ONLY
from desktop.tasks import TaskManager
from desktop.ui.context import AppContext, CurrentUser
from tests.conftest import NOW
from tests.desktop.people_factories import make_id_number
from tests.factories import PASSWORD

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
pytestmark = pytest.mark.qt

FAST = {"edit_delay_ms": 100, "period_ms": 600_000, "backoff_first_ms": 50,
        "busy_retry_ms": 50}


def test_signing_in_syncs_and_an_edit_reaches_the_server_without_f9(
        live, tmp_path, monkeypatch, qtbot):
    from desktop.ui.main_window import MainWindow
    monkeypatch.setenv("YZB_HOME", str(tmp_path / "home"))
    profile = sign_in(live.url, "worker1a", PASSWORD, now=NOW).profile
    tasks = TaskManager(profile.engine)
    sync = SyncService(profile, HttpSyncTransport(live.url), clock=lambda: NOW,
                       writer=tasks.run_on_writer)
    ctx = AppContext(tasks=tasks, user=CurrentUser(profile.user_id or "", "worker1a", "网格员"),
                     profile_dir=profile.path, now=lambda: NOW,
                     sync=sync, blobs=profile.blob_store(),
                     background_options={**FAST, "rng": random.Random(7)})
    writers: set[str] = set()  # the threads that opened a write transaction: the one writer

    @event.listens_for(profile.engine, "begin")
    def _begun(conn):  # noqa: ANN001, ANN202
        if not conn.get_execution_options().get(READ_ONLY):
            writers.add(threading.current_thread().name.rsplit("_", 1)[0])
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    bg = window.background
    with qtbot.wait_signal(bg.sync_finished, timeout=30000):
        window.show()  # the window of a user who just signed in
    qtbot.wait_until(lambda: bg.state.last_sync_at is not None, timeout=5000)
    assert bg.state.online is True
    with live.app.state.sessions() as s:
        assert s.scalar(select(Person.id).where(Person.name == "后台同步")) is None

    number = make_id_number(dt.date(1971, 2, 3))
    with qtbot.wait_signal(bg.sync_finished, timeout=30000):
        tasks.write(lambda s: people.save_person(s, None, {
            "id_number": number, "name": "后台同步", "grid_id": live.tree.id("g1a"),
            "ethnicity": "01", "resident_type": "registered", "status": "normal"}, [],
            now=NOW, actor_id=profile.user_id or ""), touches="people")
    with live.app.state.sessions() as s:
        assert s.scalar(select(Person.id_number).where(Person.name == "后台同步")) == number
    qtbot.wait_until(lambda: bg.state.pending == 0 and not bg.state.running, timeout=5000)
    text = window.sync_label.text()
    assert "在线" in text and "待上传 0 条" in text and "上次同步" in text
    home = window.page("home")
    qtbot.wait_until(lambda: "在线" in home.sync_line.text(), timeout=5000)
    bg.stop()
    qtbot.wait_until(lambda: not tasks.is_busy(), timeout=10000)
    assert writers == {"db-write"}  # the sync's tokens, answers and acks too (issue 11)
    window.close()  # nothing pending: no question
    profile.close()
