"""The 数据同步 page running a real sync (real server services over SQLite, in-process
transport, real SQLCipher device): the progress bar moves, the window stays responsive, the
outbox empties and what the worker wrote is on the server."""
from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from common.schema import WorkLog
from desktop.services import work_logs
from desktop.services.work_context import Worker
from desktop.tasks import TaskManager
from desktop.ui.context import AppContext, CurrentUser
from desktop.ui.sync.page import SyncPage
from tests.integration.sync_harness import Device, ServerHarness

pytestmark = pytest.mark.qt


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_sync_from_the_page_sends_the_days_logs_with_progress(db_url, tmp_path, qtbot):
    server = ServerHarness(db_url)
    device = Device(server, "worker1a", tmp_path / "device.db", max_bytes=2_000)
    user = server.user("worker1a")
    worker = Worker(user.id, "grid_worker", server.grid("g1a"))
    now = server.clock()
    from sqlalchemy.orm import Session
    with Session(device.engine) as s, s.begin():
        for back in range(12):  # twelve days back-filled after a week in the mountains
            work_logs.write_log(s, worker, now.date() - dt.timedelta(days=back), f"第{back}天",
                                now=now)
    tasks = TaskManager(device.engine)
    ctx = AppContext(tasks=tasks, user=CurrentUser(user.id, "worker1a", "worker1a"),
                     now=server.clock, sync=device.service)
    page = SyncPage(ctx)
    qtbot.addWidget(page)
    with qtbot.wait_signal(page.status_loaded, timeout=10000) as got:
        page.refresh()
    assert got.args[0].pending == 12 and "工作日志 12 条" in page.pending.text()
    seen: list[tuple[int, int]] = []
    tasks.progress_reported.connect(lambda name, done, total, _t: seen.append((done, total)))
    with qtbot.wait_signal(page.sync_finished, timeout=30000):
        page.sync_now()
        while page.running:  # the GUI thread keeps serving events while the sync runs
            QApplication.processEvents()
            qtbot.wait(5)
    assert seen and seen[-1][0] == seen[-1][1] == 12
    assert "同步完成" in page.state.text() and page.progress.isHidden()
    qtbot.wait_until(lambda: page.status is not None and page.status.pending == 0
                     and page.status.last_sync_at is not None, timeout=10000)
    assert "没有待上传" in page.pending.text() and "上次成功同步：" in page.last.text()
    with server.session() as s:
        logs = s.scalars(select(WorkLog).where(WorkLog.user_id == user.id)).all()
        assert sorted(w.content for w in logs) == sorted(f"第{b}天" for b in range(12))
        assert sum(w.backfilled for w in logs) == 11
    qtbot.wait_until(lambda: not tasks.is_busy(), timeout=10000)
    tasks.shutdown()
    device.close()
    server.close()
