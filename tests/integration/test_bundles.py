"""USB sync bundles: a laptop that never touches a network syncs through files carried to an
office computer (real SQLCipher laptop, real server database; the relay is the server's own
relay service, as POST /api/sync/bundle runs it — the HTTP path is in test_bundles_http.py)."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from common.errors import DomainError
from common.schema import Household
from desktop.services import bundles
from desktop.storage import outbox
from desktop.storage.changes import sync_state
from sync_server.services import bundles as server_bundles
from tests.integration.sync_harness import Device, ServerHarness

SECRET = "test-secret-" + "x" * 32


@pytest.fixture
def laptop(server, tmp_path):
    made = []

    def make(username: str = "worker1a") -> Device:
        d = Device(server, username, tmp_path / f"{username}-{len(made)}.db")
        made.append(d)
        with Session(d.engine) as s, s.begin():
            device_id = sync_state(s).device_id
        # Handed out at the laptop's last online sign-in (POST /api/sync/bundle/key).
        with server.session() as s:
            answer = server_bundles.issue_key(s, server.user(username), device_id, secret=SECRET)
        bundles.store_key(d.engine, answer, now=d.now())
        return d

    yield make
    for d in made:
        d.close()


def relay(server: ServerHarness, data: bytes, by: str = "office1") -> bytes:
    """The office desktop's hop: the server answers a relayed request bundle."""
    with server.session() as s:
        relayer = s.get(type(server.user(by)), server.user(by).id)
        answer = server_bundles.relay(s, relayer, data, secret=SECRET, now=server.clock())
        s.commit()
    return answer


def usb(folder: Path, name: str, data: bytes) -> bytes:
    """Write to the stick and read back, as a file really travels."""
    folder.mkdir(exist_ok=True)
    (folder / name).write_bytes(data)
    return (folder / name).read_bytes()


def pending(device: Device) -> int:
    with Session(device.engine) as s:
        return outbox.pending_count(s)


def cursor(device: Device) -> int:
    with Session(device.engine) as s:
        return sync_state(s).cursor


def server_households(server: ServerHarness) -> int:
    with server.session() as s:
        return s.scalar(select(func.count()).select_from(Household))


def test_offline_edits_reach_the_server_through_two_bundle_hops_and_server_edits_come_back(
        server, laptop, tmp_path):
    office_hid = server.write(Household, None, {"household_no": "H-办公室", "address": "团结路 9 号",
                                                "grid_id": server.grid("g1a")})
    worker = laptop()
    hid = worker.write(Household, None, {"household_no": "H-001", "address": "团结路 1 号",
                                         "grid_id": server.grid("g1a")})
    worker.write(Household, hid, {"address": "团结路 1 号之一"})
    exported = bundles.export_request(worker.engine, now=worker.now())
    request, count = exported.data, exported.changes
    assert count == 2 and pending(worker) == 2  # nothing leaves the outbox before the answer
    answer = usb(tmp_path / "usb", "answer.yzbsync",
                 relay(server, usb(tmp_path / "usb", "request.yzbsync", request)))
    assert server.scope_view("worker1a")[hid]["address"] == "团结路 1 号之一"
    result = bundles.import_answer(worker.engine, answer, now=worker.now())
    assert (result.accepted, result.refused, result.pending) == (2, 0, 0)
    assert worker.view()[office_hid]["address"] == "团结路 9 号"
    assert worker.view() == server.scope_view("worker1a")
    assert worker.transport.bytes_up == 0  # the laptop never used the network


def test_importing_the_same_answer_twice_changes_nothing(server, laptop):
    worker = laptop()
    worker.write(Household, None, {"household_no": "H-1", "grid_id": server.grid("g1a")})
    answer = relay(server, bundles.export_request(worker.engine, now=worker.now()).data)
    bundles.import_answer(worker.engine, answer, now=worker.now())
    hid = server.write(Household, None, {"household_no": "H-2", "grid_id": server.grid("g1a")})
    worker.write(Household, None, {"household_no": "H-3", "grid_id": server.grid("g1a")})
    before = (worker.view(), pending(worker), cursor(worker))
    again = bundles.import_answer(worker.engine, answer, now=worker.now())
    assert again.stale and "已导入过" in again.text()
    assert (worker.view(), pending(worker), cursor(worker)) == before
    assert hid not in worker.view()


def test_relaying_the_same_request_twice_stores_each_change_once(server, laptop):
    worker = laptop()
    worker.write(Household, None, {"household_no": "H-1", "grid_id": server.grid("g1a")})
    request = bundles.export_request(worker.engine, now=worker.now()).data
    relay(server, request)
    first = server.scope_view("worker1a")
    second = relay(server, request)  # the office clicked twice: receipts answer the replay
    assert server.scope_view("worker1a") == first and server_households(server) == 1
    result = bundles.import_answer(worker.engine, second, now=worker.now())
    assert result.accepted == 1 and pending(worker) == 0
    assert worker.view() == server.scope_view("worker1a")


def test_an_older_answer_imported_after_a_newer_one_is_ignored(server, laptop):
    worker = laptop()
    hid = worker.write(Household, None, {"household_no": "H-1", "address": "甲",
                                         "grid_id": server.grid("g1a")})
    old = relay(server, bundles.export_request(worker.engine, now=worker.now()).data)
    server.clock.advance(minutes=5)
    server.write(Household, hid, {"address": "乙"})
    new = relay(server, bundles.export_request(worker.engine, now=worker.now()).data)
    bundles.import_answer(worker.engine, new, now=worker.now())
    assert worker.view()[hid]["address"] == "乙"
    assert bundles.import_answer(worker.engine, old, now=worker.now()).stale
    assert worker.view()[hid]["address"] == "乙"


@pytest.mark.parametrize("where", ["header", "body", "tail"])
def test_a_tampered_bundle_is_refused_both_ways_and_changes_nothing(server, laptop, where):
    worker = laptop()
    worker.write(Household, None, {"household_no": "H-1", "grid_id": server.grid("g1a")})
    request = bundles.export_request(worker.engine, now=worker.now()).data
    spot = {"header": 40, "body": len(request) // 2 + 20, "tail": len(request) - 1}[where]
    if where == "header":  # claim a later sequence number in the clear header
        bad = request.replace(b'"seq":1', b'"seq":7')
    else:
        bad = request[:spot] + bytes([request[spot] ^ 1]) + request[spot + 1:]
    assert bad != request
    with pytest.raises(DomainError) as err:
        relay(server, bad)
    assert err.value.code == "bundle_tampered" and server_households(server) == 0
    assert "改动" in err.value.message()
    answer = relay(server, request)
    bad = answer[:-5] + bytes([answer[-5] ^ 0x80]) + answer[-4:]
    with pytest.raises(DomainError) as err:
        bundles.import_answer(worker.engine, bad, now=worker.now())
    assert err.value.code == "bundle_tampered" and pending(worker) == 1


def test_an_answer_for_another_device_is_refused(server, laptop):
    mine, other = laptop(), laptop()
    other.write(Household, None, {"household_no": "H-9", "grid_id": server.grid("g1a")})
    answer = relay(server, bundles.export_request(other.engine, now=other.now()).data)
    with pytest.raises(DomainError) as err:
        bundles.import_answer(mine.engine, answer, now=mine.now())
    assert err.value.code == "bundle_wrong_device" and "另一台设备" in err.value.message()
    assert mine.view() == {}


def test_a_request_bundle_cannot_be_imported_as_an_answer(server, laptop):
    worker = laptop()
    request = bundles.export_request(worker.engine, now=worker.now()).data
    with pytest.raises(DomainError) as err:
        bundles.import_answer(worker.engine, request, now=worker.now())
    assert err.value.code == "bundle_wrong_direction"


def test_an_office_outside_the_workers_scope_cannot_relay(server, laptop):
    worker = laptop()
    worker.write(Household, None, {"household_no": "H-1", "grid_id": server.grid("g1a")})
    request = bundles.export_request(worker.engine, now=worker.now()).data
    with pytest.raises(DomainError) as err:
        relay(server, request, by="worker2")
    assert err.value.code == "bundle_relay_forbidden" and server_households(server) == 0
    relay(server, request, by="admin")  # the county may relay for anyone
    assert server_households(server) == 1


def test_a_laptop_without_a_bundle_key_is_told_to_sign_in_online_first(server, tmp_path):
    d = Device(server, "worker1a", tmp_path / "nokey.db")
    try:
        with pytest.raises(DomainError) as err:
            bundles.export_request(d.engine, now=d.now())
        assert err.value.code == "bundle_key_missing" and "登录" in err.value.message()
    finally:
        d.close()


def test_a_refused_change_is_quarantined_with_the_servers_reason(server, laptop):
    worker = laptop()
    worker.write(Household, None, {"household_no": "H-外", "grid_id": server.grid("g2")})
    answer = relay(server, bundles.export_request(worker.engine, now=worker.now()).data)
    result = bundles.import_answer(worker.engine, answer, now=worker.now())
    assert result.refused == 1 and pending(worker) == 0
    assert len(worker.quarantined_records()) == 1


def test_a_revoked_laptop_learns_it_from_the_answer_bundle_and_clears_itself(server, laptop,
                                                                               tmp_path):
    from types import SimpleNamespace

    from sync_server.services.devices import revoke_device

    worker = laptop()
    bundles.import_answer(worker.engine, relay(server, bundles.export_request(
        worker.engine, now=worker.now()).data), now=worker.now())
    with Session(worker.engine) as s:
        device_id = sync_state(s).device_id
    with server.session() as s:
        revoke_device(s, device_id, actor=s.get(type(server.user("admin")),
                                                server.user("admin").id), now=server.clock())
        s.commit()
    worker.write(Household, None, {"household_no": "H-丢", "grid_id": server.grid("g1a")})
    answer = relay(server, bundles.export_request(worker.engine, now=worker.now()).data)
    assert server_households(server) == 0  # nothing from a revoked laptop is stored
    result = bundles.import_answer(worker.engine, answer, now=worker.now())
    assert result.revoked
    folder = tmp_path / "profiles" / "worker1a"
    folder.mkdir(parents=True)
    (folder / "key.json").write_text("{}")
    with pytest.raises(DomainError) as err:
        bundles.wipe_if_revoked(result, SimpleNamespace(path=folder, engine=worker.engine),
                                now=worker.now())
    assert err.value.code == "device_revoked" and not folder.exists()
    assert "清除" in err.value.message()


def test_a_long_queue_and_a_large_scope_go_over_several_bundles(server, laptop, monkeypatch):
    monkeypatch.setattr(bundles, "MAX_PUSH", 2)
    monkeypatch.setattr(server_bundles, "MAX_BATCHES", 1)
    for i in range(6):
        server.write(Household, None, {"household_no": f"S-{i}", "address": "团结路" * 60,
                                       "grid_id": server.grid("g1a")})
    worker = laptop()
    for i in range(5):
        worker.write(Household, None, {"household_no": f"L-{i}", "grid_id": server.grid("g1a")})
    rounds = []
    for _ in range(40):
        request = bundles.export_request(worker.engine, now=worker.now(), max_bytes=4000).data
        result = bundles.import_answer(worker.engine, relay(server, request), now=worker.now())
        rounds.append(result)
        if not result.more and result.pending == 0:
            break
    assert len(rounds) >= 3 and "请再导出一次" in rounds[0].text()
    assert rounds[-1].pending == 0
    assert worker.view() == server.scope_view("worker1a")
    assert len(worker.view()) == 11


def test_a_township_bundle_changing_a_persons_grid_files_a_transfer_and_moves_no_one(
        server, laptop):
    from common.schema import Person, WorkRequest
    from tests.factories import make_person
    g1a, g1b = server.grid("g1a"), server.grid("g1b")
    pid = server.write(Person, None, make_person(g1a, name="带U盘的"))
    office = laptop("office1")
    office.sync()
    office.write(Person, pid, {"grid_id": g1b, "phone": "13900001111"})
    answer = relay(server, bundles.export_request(office.engine, now=office.now()).data)
    result = bundles.import_answer(office.engine, answer, now=office.now())
    assert (result.accepted, result.refused) == (1, 0)
    with server.session() as s:
        person = s.get(Person, pid)
        assert (person.grid_id, person.phone) == (g1a, "13900001111")
        (request,) = s.scalars(select(WorkRequest).where(WorkRequest.subject_id == pid))
        assert (request.kind, request.to_node_id) == ("transfer", g1b)
    assert office.view(Person)[pid]["grid_id"] == g1a  # the answer brings the grid back
