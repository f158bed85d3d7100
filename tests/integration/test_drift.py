"""Drift repair: a laptop restored from an old backup, or a copy that lost rows, is detected at
the next sync and rebuilt into a new file, without losing its unsent edits or overwriting newer
server values. Real server over HTTP on 127.0.0.1 and real SQLCipher files."""
from __future__ import annotations

import datetime as dt
import shutil

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from common.schema import Household
from desktop.net.sync import HttpSyncTransport
from desktop.services.sync import SyncService
from desktop.storage.outbox import pending_count
from sync_server.db.snapshot_tables import DeviceHolding
from tests.integration.sync_harness import Device
from tests.live_server import LiveServer, real_now


@pytest.fixture
def db_url(sqlite_template, tmp_path):
    """SQLite: the drift check itself runs in the server's exchange on both backends (the
    in-process test below runs on both)."""
    path = tmp_path / "server.db"
    shutil.copyfile(sqlite_template, path)
    return f"sqlite:///{path}"


pytestmark = pytest.mark.live_server(real_clock=True)  # its devices use the real clock


@pytest.fixture
def live_db(db_url):
    return db_url  # every backend


def http_device(live: LiveServer, username: str, path) -> Device:
    d = Device(live.harness, username, path)
    d.now = real_now  # the live server runs on the real clock
    d.service = SyncService(d, HttpSyncTransport(live.url), clock=d.now, max_bytes=20_000)
    d.service.store_tokens({"access_token": live.token(username)})
    return d


def backup(device: Device, to) -> None:
    device.engine.dispose()  # closes the connections, folding the WAL into the file
    shutil.copyfile(device.path, to)


def restore(device: Device, source) -> None:
    device.engine.dispose()
    for suffix in ("-wal", "-shm"):
        device.path.with_name(device.path.name + suffix).unlink(missing_ok=True)
    shutil.copyfile(source, device.path)


def test_a_laptop_restored_from_a_week_old_copy_is_rebuilt_and_keeps_its_new_edits(
        live, tmp_path):
    srv = live.harness
    srv.clock.now = real_now()
    grid = srv.grid("g1a")
    hid = srv.write(Household, None, {"household_no": "H-1", "address": "旧址", "grid_id": grid})
    laptop = http_device(live, "worker1a", tmp_path / "laptop.db")
    laptop.sync()
    backup(laptop, tmp_path / "week-old.db")
    # The week after the backup: the laptop keeps syncing, the office edits the record.
    others = [srv.write(Household, None, {"household_no": f"H-{i}", "grid_id": grid})
              for i in range(2, 30)]
    laptop.write(Household, hid, {"household_no": "H-1-周"})
    laptop.sync()
    srv.clock.now = real_now()
    srv.write(Household, hid, {"address": "新址（办公室改）"})
    laptop.sync()
    assert laptop.view()[hid]["address"] == "新址（办公室改）"
    # The disk is restored from the week-old copy; the user edits before syncing.
    restore(laptop, tmp_path / "week-old.db")
    assert laptop.view()[hid]["address"] == "旧址"
    laptop.write(Household, hid, {"household_no": "H-1-改"})
    made_offline = laptop.write(Household, None, {"household_no": "H-离线", "grid_id": grid})

    progress = laptop.sync()

    assert progress.rebuilt and any("重建" in line for line in progress.log)
    server_view = srv.scope_view("worker1a")
    assert server_view[hid]["address"] == "新址（办公室改）"      # newer server value kept
    # The edit made on the restored copy is later (HLC) than the week's: it wins the field.
    assert server_view[hid]["household_no"] == "H-1-改"
    assert server_view[made_offline]["household_no"] == "H-离线"
    assert laptop.view() == server_view and set(others) <= set(laptop.view())
    with Session(laptop.engine) as s:
        assert pending_count(s) == 0
    assert not laptop.path.with_name(laptop.path.name + ".rebuild").exists()
    # The rebuilt copy is in step: the next sync does not rebuild again.
    assert not laptop.sync().rebuilt
    laptop.close()


def test_a_copy_that_lost_rows_is_caught_by_the_digest_and_rebuilt(live, tmp_path):
    srv = live.harness
    grid = srv.grid("g1a")
    ids = [srv.write(Household, None, {"household_no": f"H-{i}", "grid_id": grid})
           for i in range(5)]
    laptop = http_device(live, "worker1a", tmp_path / "laptop.db")
    laptop.sync()
    with Session(laptop.engine) as s, s.begin():  # a bug loses two rows, cursor unchanged
        s.execute(text("DELETE FROM households WHERE id IN (:a, :b)"),
                  {"a": ids[0], "b": ids[1]})
    pending = laptop.write(Household, ids[2], {"address": "未上传的修改"})
    assert pending
    with live.harness.session() as s:  # the digest is compared at most hourly: make it due
        s.get(DeviceHolding, laptop.service._token() and _device_id(laptop)).checked_at = None
        s.commit()

    progress = laptop.sync()

    assert progress.rebuilt
    view = laptop.view()
    assert set(ids) <= set(view) and view[ids[2]]["address"] == "未上传的修改"
    assert srv.scope_view("worker1a")[ids[2]]["address"] == "未上传的修改"
    laptop.close()


def _device_id(device: Device) -> str:
    with Session(device.engine) as s:
        return s.execute(text("SELECT device_id FROM sync_state")).scalar_one()


