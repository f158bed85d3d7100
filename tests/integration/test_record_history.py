"""A record's history on a device: offline it shows what the device knows; reaching the server
it shows every device's edits with who made them (GET /api/sync/history over real HTTP)."""
from __future__ import annotations


import pytest
from sqlalchemy.orm import Session

from common.errors import DomainError
from common.schema import Household
from desktop.net.sync import HttpSyncTransport
from desktop.services.records import merge_server_history, record_history
from desktop.services.session import sign_in
from desktop.services.sync import SyncService
from desktop.storage.changes import record_change
from tests.conftest import NOW
from tests.factories import PASSWORD


def test_the_history_names_who_changed_each_field_on_other_devices(live, tmp_path,
                                                                   monkeypatch):
    from sync_server.services.changes import apply_change
    with live.app.state.sessions() as s:
        hid = apply_change(s, Household, None, {"household_no": "H-7", "address": "旧址",
                                                "grid_id": live.tree.id("g1a")}, now=NOW).id
        s.commit()
    monkeypatch.setenv("YZB_HOME", str(tmp_path / "a"))
    worker = sign_in(live.url, "worker1a", PASSWORD, now=NOW).profile
    SyncService(worker, HttpSyncTransport(live.url), clock=lambda: NOW).sync_now()
    with Session(worker.engine) as s, s.begin():
        record_change(s, Household, hid, {"address": "幸福路12号"}, now=NOW)
    SyncService(worker, HttpSyncTransport(live.url), clock=lambda: NOW).sync_now()

    monkeypatch.setenv("YZB_HOME", str(tmp_path / "b"))
    office = sign_in(live.url, "office1", PASSWORD, now=NOW).profile
    service = SyncService(office, HttpSyncTransport(live.url), clock=lambda: NOW)
    service.sync_now()
    with Session(office.engine) as s, s.begin():
        record_change(s, Household, hid, {"household_no": "H-7a"}, now=NOW)  # not yet sent
    with Session(office.engine) as s:
        offline = record_history(s, Household, hid)
        assert {e.who for e in offline if e.field == "address"} == {"其他设备"}
        rows = service.record_history("households", hid)
        entries = merge_server_history(s, Household, hid, rows)
    address = [e for e in entries if e.field == "address"]
    assert [(e.old, e.new, e.who) for e in address] == [
        ("旧址", "幸福路12号", "worker1a"), (None, "旧址", "服务器")]
    assert entries[0].pending and entries[0].field == "household_no" and \
        entries[0].new == "H-7a" and entries[0].who == "本机"
    # a worker of another grid gets nothing of it
    monkeypatch.setenv("YZB_HOME", str(tmp_path / "c"))
    other = sign_in(live.url, "worker1b", PASSWORD, now=NOW).profile
    with pytest.raises(DomainError) as err:
        SyncService(other, HttpSyncTransport(live.url), clock=lambda: NOW).record_history(
            "households", hid)
    assert err.value.code == "not_found"
    for p in (worker, office, other):
        p.close()


def test_the_history_dialog_shows_the_server_record_when_online_and_says_so_when_not(
        live, tmp_path, monkeypatch, qtbot):
    import os
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from desktop.tasks import TaskManager
    from desktop.ui.context import AppContext, CurrentUser
    from desktop.ui.people.history_dialog import HistoryDialog
    from sync_server.services.changes import apply_change
    with live.app.state.sessions() as s:
        hid = apply_change(s, Household, None, {"household_no": "H-8", "address": "旧址",
                                                "grid_id": live.tree.id("g1a")}, now=NOW,
                           actor_id=live.tree.users["office1"].id).id
        s.commit()
    monkeypatch.setenv("YZB_HOME", str(tmp_path / "a"))
    worker = sign_in(live.url, "worker1a", PASSWORD, now=NOW).profile
    SyncService(worker, HttpSyncTransport(live.url), clock=lambda: NOW).sync_now()
    tasks = TaskManager(worker.engine)
    ctx = AppContext(tasks=tasks, user=CurrentUser("u", "worker1a", "worker1a"), now=lambda: NOW,
                     sync=SyncService(worker))
    dialog = HistoryDialog(ctx, Household, hid)
    qtbot.addWidget(dialog)
    with qtbot.wait_signal(dialog.loaded, timeout=20000,
                           check_params_cb=lambda source: source == "server"):
        pass
    who = {dialog.table.item(r, 4).text() for r in range(dialog.table.rowCount())}
    assert who == {"office1"} and "完整" in dialog.source.text()
    live.stop()  # the server goes away: the dialog still opens, from the local copy
    offline = HistoryDialog(ctx, Household, hid)
    qtbot.addWidget(offline)
    # the note and the local rows come in two steps: wait for both (a loaded machine shows
    # the note first)
    qtbot.wait_until(lambda: "未能连接服务器" in offline.source.text()
                     and offline.table.rowCount() >= 2, timeout=30000)
    tasks.shutdown()
    worker.close()
