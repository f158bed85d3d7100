"""The desktop client's local log of reveals and exports reaches the server's operation log
(real server on 127.0.0.1, real SQLCipher device): with the device and the original time, once
only when a sync is retried, and only as the signed-in user."""
from __future__ import annotations

import datetime as dt

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from common.schema import Person
from desktop.net.sync import HttpSyncTransport
from desktop.services import people
from desktop.storage.changes import sync_state
from desktop.storage.local_log import OperationLog as LocalLine
from sync_server.db.tables import OpLog
from tests.factories import make_person
from tests.integration.sync_harness import Device, ServerHarness
from tests.live_server import LiveServer

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


@pytest.fixture
def live(db_url, tmp_path):
    server = LiveServer(db_url, tmp_path / "server").start()
    yield server
    server.stop()


@pytest.fixture
def device(live, tmp_path):
    harness = ServerHarness.__new__(ServerHarness)  # only its clock is read by Device.now
    harness.clock = live.clock
    (tmp_path / "device").mkdir()
    d = Device(harness, "worker1a", tmp_path / "device" / "local.db")
    d.server_url = live.url
    d.service.transport = HttpSyncTransport(live.url)
    d.service.store_tokens({"access_token": live.token("worker1a")})
    yield d
    d.close()


def _server_lines(live) -> list[OpLog]:
    with live.app.state.sessions() as s:
        return list(s.scalars(select(OpLog).where(OpLog.device_id.is_not(None))
                              .order_by(OpLog.device_seq)))


def _reveal(device, person_id: str, actor_id: str, at: dt.datetime) -> None:
    with Session(device.engine) as s, s.begin():
        people.reveal(s, person_id, "id_number", now=at, actor_id=actor_id)


def test_reveals_go_up_with_the_device_and_their_time_once_even_when_sent_again(live, device):
    worker = live.tree.users["worker1a"]
    pid = device.write(Person, None, make_person(live.tree.id("g1a")))
    device.sync()
    revealed_at = live.clock() - dt.timedelta(hours=3)
    _reveal(device, pid, worker.id, revealed_at)
    _reveal(device, pid, worker.id, revealed_at + dt.timedelta(minutes=1))
    device.sync()

    lines = _server_lines(live)
    assert [(x.action, x.record_id, x.username) for x in lines] == \
        [("reveal", pid, "worker1a")] * 2
    with Session(device.engine) as s:
        device_id = sync_state(s).device_id
        assert sync_state(s).log_sent_seq == lines[-1].device_seq
    assert {x.device_id for x in lines} == {device_id}
    assert lines[0].at == revealed_at and lines[0].details["field"] == "id_number"

    # The answer got lost: the device sends the same lines again; the server keeps one each.
    with Session(device.engine) as s, s.begin():
        sync_state(s).log_sent_seq = None
    device.sync()
    assert len(_server_lines(live)) == 2
    # Edits reach the server as changes, not as log lines.
    assert all(x.action == "reveal" for x in _server_lines(live))


def test_a_line_of_another_user_on_the_device_is_not_stored_as_theirs(live, device):
    pid = device.write(Person, None, make_person(live.tree.id("g1a")))
    device.sync()
    _reveal(device, pid, live.tree.users["admin"].id, live.clock())
    with Session(device.engine) as s, s.begin():
        s.add(LocalLine(at=live.clock(), user_id=live.tree.users["worker1a"].id,
                        action="export", entity="people", record_id=None,
                        detail={"rows": 3}))
    device.sync()
    lines = _server_lines(live)
    assert [(x.action, x.username) for x in lines] == [("export", "worker1a")]


def test_the_operation_log_api_shows_the_device_lines_to_the_county_admin(live, device):
    pid = device.write(Person, None, make_person(live.tree.id("g1a")))
    device.sync()
    _reveal(device, pid, live.tree.users["worker1a"].id, live.clock())
    device.sync()
    r = httpx.get(f"{live.url}/api/admin/op-log", params={"action": "reveal"},
                  headers={"Authorization": f"Bearer {live.token('admin')}"})
    assert r.status_code == 200 and r.json()["total"] == 1
