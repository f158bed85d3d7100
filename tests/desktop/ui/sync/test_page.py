"""The 数据同步 page over a real encrypted database: what waits to be sent, a conflict resolved
side by side with the keyboard, and a failed sync explained in plain words without freezing."""
from __future__ import annotations

import datetime as dt
import uuid
from types import SimpleNamespace

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select
from sqlalchemy.orm import Session

from common.schema import Person
from desktop.net.sync import HttpSyncTransport
from desktop.services.sync import SyncService
from desktop.storage.tables import Conflict, OutboxEntry
from desktop.ui.sync.page import SyncPage
from tests.desktop.work_fixtures import NOW, WORKER_ID, ctx, engine, seeded  # noqa: F401

pytestmark = pytest.mark.qt


def add_conflict(seeded, field="phone", mine="13812345678", theirs="13987654321") -> str:
    cid = str(uuid.uuid4())
    with Session(seeded.engine) as s, s.begin():
        s.get(Person, seeded.people["dibao"]).phone = theirs
        s.add(Conflict(id=cid, entity="people", record_id=seeded.people["dibao"], field=field,
                       winner_value=theirs, winner_clock="", loser_value=mine, loser_clock="",
                       loser_actor=WORKER_ID, created_at=NOW - dt.timedelta(hours=1)))
    return cid


def test_the_page_shows_what_waits_to_be_sent_and_the_conflicts(ctx, seeded, qtbot):
    add_conflict(seeded)
    page = SyncPage(ctx)
    qtbot.addWidget(page)
    with qtbot.wait_signal(page.status_loaded, timeout=10000) as got:
        page.refresh()
    st = got.args[0]
    assert st.pending > 0 and "待上传" in page.pending.text() and "人口" in page.pending.text()
    assert "从未同步" in page.last.text()
    assert page.mine_value.text() == "13812345678"
    assert page.theirs_value.text() == "13987654321"
    assert "张秀英" in page.conflict_title.text() and "联系电话" in page.conflict_title.text()


def test_keeping_my_value_in_a_conflict_restores_it_and_queues_it(ctx, seeded, qtbot):
    add_conflict(seeded)
    page = SyncPage(ctx)
    qtbot.addWidget(page)
    page.show()
    with qtbot.wait_signal(page.status_loaded, timeout=10000):
        page.refresh()
    qtbot.wait_until(page.isActiveWindow, timeout=5000)
    with qtbot.wait_signal(page.conflict_resolved, timeout=10000):
        qtbot.keyClick(page.keep_mine, Qt.Key.Key_Space)
    qtbot.wait_until(lambda: page.conflict_model.rowCount() == 0, timeout=5000)
    with Session(seeded.engine) as s:
        assert s.get(Person, seeded.people["dibao"]).phone == "13812345678"
        assert s.scalars(select(Conflict)).one().resolution == "restore"
        entities = set(s.scalars(select(OutboxEntry.entity)))
    assert "people" in entities and len(entities) > 1  # the edit and the resolution both queued


def test_a_queued_conflict_resolution_is_listed_in_chinese_not_by_its_internal_name(
        ctx, seeded, qtbot):
    add_conflict(seeded)
    page = SyncPage(ctx)
    qtbot.addWidget(page)
    with qtbot.wait_signal(page.status_loaded, timeout=10000):
        page.refresh()
    with qtbot.wait_signal(page.status_loaded, timeout=10000):
        page.resolve("accept")
    assert "冲突处理结果" in page.pending.text()
    assert "_conflicts" not in page.pending.text() and "conflicts" not in page.pending.text()


def test_taking_their_value_leaves_the_record_as_it_is(ctx, seeded, qtbot):
    add_conflict(seeded)
    page = SyncPage(ctx)
    qtbot.addWidget(page)
    with qtbot.wait_signal(page.status_loaded, timeout=10000):
        page.refresh()
    with qtbot.wait_signal(page.conflict_resolved, timeout=10000):
        page.resolve("accept")
    with Session(seeded.engine) as s:
        assert s.get(Person, seeded.people["dibao"]).phone == "13987654321"
        assert s.scalars(select(Conflict)).one().resolved


def test_a_sync_without_a_server_says_so_in_plain_words_and_keeps_the_window_live(
        ctx, seeded, qtbot):
    profile = SimpleNamespace(engine=seeded.engine, server_url="http://127.0.0.1:9",
                              username="ayguli")
    ctx.sync = SyncService(
        profile, transport=HttpSyncTransport("http://127.0.0.1:9", timeout=2, attempts=1))
    page = SyncPage(ctx)
    qtbot.addWidget(page)
    with qtbot.wait_signal(page.sync_failed, timeout=20000) as got:
        page.sync_now()
        assert not page.progress.isHidden() and not page.sync_button.isEnabled()
        page.sync_now()  # a second press while running does not start another sync
        assert "正在同步" in page.state.text()
    assert "同步没有完成" in got.args[0] and "稍后再试" in got.args[0]
    assert page.sync_button.isEnabled() and page.progress.isHidden()


def test_a_sync_without_any_server_configured_is_explained(ctx, seeded, qtbot):
    page = SyncPage(ctx)
    qtbot.addWidget(page)
    with qtbot.wait_signal(page.sync_failed, timeout=5000) as got:
        page.sync_now()
    assert "服务器" in got.args[0]
