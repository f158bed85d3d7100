"""Sync between real SQLCipher devices and a real server database (in-process transport)."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from common.errors import DomainError
from common.schema import Household
from desktop.storage import outbox
from desktop.storage.conflicts import list_conflicts, resolve_conflict
from tests.integration.sync_harness import Device


@pytest.fixture
def device(server, tmp_path):
    made = []

    def make(username: str, **kw):
        d = Device(server, username, tmp_path / f"{username}-{len(made)}.db", **kw)
        made.append(d)
        return d

    yield make
    for d in made:
        d.close()


def test_an_offline_create_reaches_the_office_and_an_office_edit_comes_back(server, device):
    worker, office = device("worker1a"), device("office1")
    worker.sync(), office.sync()
    hid = worker.write(Household, None, {"household_no": "H-001", "address": "团结路 1 号",
                                         "grid_id": server.grid("g1a")})
    progress = worker.sync()
    assert progress.accepted == 1 and progress.pending == 0
    office.sync()
    assert office.view()[hid]["address"] == "团结路 1 号"
    office.write(Household, hid, {"address": "团结路 2 号"})
    office.sync()
    worker.sync()
    assert worker.view()[hid]["address"] == "团结路 2 号"
    assert worker.view() == server.scope_view("worker1a")


def test_concurrent_edits_to_different_fields_both_survive(server, device):
    a, b = device("worker1a"), device("office1")
    hid = server.write(Household, None, {"household_no": "H-1", "address": "旧址",
                                         "grid_id": server.grid("g1a")})
    a.sync(), b.sync()
    a.write(Household, hid, {"household_no": "H-1-新"})
    b.write(Household, hid, {"address": "新址"})
    a.sync(), b.sync(), a.sync()
    for d in (a, b):
        assert d.view()[hid]["household_no"] == "H-1-新"
        assert d.view()[hid]["address"] == "新址"
        with Session(d.engine) as s:
            assert list_conflicts(s) == []


def test_concurrent_edits_to_one_field_pick_one_winner_and_keep_the_loser_as_a_conflict(
        server, device):
    a, b = device("worker1a"), device("office1")
    hid = server.write(Household, None, {"household_no": "H-1", "address": "旧址",
                                         "grid_id": server.grid("g1a")})
    a.sync(), b.sync()
    a.write(Household, hid, {"address": "甲写的"})
    server.clock.advance(minutes=5)
    b.write(Household, hid, {"address": "乙写的"})
    b.sync(), a.sync(), b.sync()
    assert a.view()[hid]["address"] == b.view()[hid]["address"] == "乙写的"
    for d in (a, b):
        with Session(d.engine) as s:
            (c,) = list_conflicts(s)
            assert (c.field, c.loser_value, c.winner_value) == ("address", "甲写的", "乙写的")
    with Session(a.engine) as s, s.begin():
        resolve_conflict(s, c.id, "restore", now=a.now())
    a.sync(), b.sync()
    assert b.view()[hid]["address"] == "甲写的"
    with Session(b.engine) as s:
        assert list_conflicts(s) == []


def test_a_resent_batch_has_no_further_effect(server, device):
    a = device("worker1a")
    a.sync()
    hid = a.write(Household, None, {"household_no": "H-9", "grid_id": server.grid("g1a")})
    with pytest.raises(DomainError):
        a.sync(faults=["response_lost"])
    with Session(a.engine) as s:
        assert outbox.pending_count(s) == 1  # not acknowledged: still waiting
    a.sync(faults=["duplicate"])
    with Session(a.engine) as s:
        assert outbox.pending_count(s) == 0
    with server.session() as s:
        from sync_server.db.sync_tables import ChangeLog
        logs = s.scalars(select(ChangeLog).where(ChangeLog.record_id == hid)).all()
    assert len(logs) == 1


def test_a_refused_change_is_quarantined_with_a_reason_and_the_rest_goes_through(
        server, device):
    a = device("worker1a")
    a.sync()
    bad = a.write(Household, None, {"household_no": "X", "grid_id": server.grid("g2")})
    good = a.write(Household, None, {"household_no": "H-ok", "grid_id": server.grid("g1a")})
    progress = a.sync()
    assert (progress.accepted, progress.refused) == (1, 1)
    with Session(a.engine) as s:
        (q,) = outbox.quarantined(s)
    assert q.record_id == bad and q.code == "out_of_scope" and "管辖范围" in q.reason
    assert bad in a.view() and good in server.scope_view("worker1a")


def test_a_person_moving_grid_leaves_the_old_devices_and_arrives_on_the_new_ones(
        server, device):
    old, new, office = device("worker1a"), device("worker1b"), device("office1")
    hid = server.write(Household, None, {"household_no": "H-m", "grid_id": server.grid("g1a")})
    old.sync(), new.sync(), office.sync()
    old.write(Household, hid, {"address": "离开前最后一次走访记下的地址"})
    office.write(Household, hid, {"grid_id": server.grid("g1b")})
    office.sync()
    old.sync()
    assert hid not in old.view()
    new.sync()
    assert new.view()[hid]["address"] == "离开前最后一次走访记下的地址"
    assert new.view()[hid]["grid_id"] == server.grid("g1b")


def test_a_too_old_client_is_told_to_update_and_keeps_its_changes(server, device,
                                                                     monkeypatch):
    a = device("worker1a")
    a.write(Household, None, {"household_no": "H-old", "grid_id": server.grid("g1a")})
    import desktop.services.sync as engine
    from common.sync.messages import SyncRequest
    real = engine.SyncRequest

    def old_client(**kw):
        return real(protocol=0, **kw)

    monkeypatch.setattr(engine, "SyncRequest", old_client)
    with pytest.raises(DomainError) as e:
        a.sync()
    assert e.value.code == "client_too_old"
    assert "更新" in e.value.message()
    with Session(a.engine) as s:
        assert outbox.pending_count(s) == 1
    assert SyncRequest is real


def test_an_edit_typed_while_the_move_arrives_is_kept_until_accepted_then_the_record_leaves(
        server, device):
    old, new = device("worker1a"), device("worker1b")
    hid = server.write(Household, None, {"household_no": "H-r", "grid_id": server.grid("g1a")})
    old.sync(), new.sync()
    server.write(Household, hid, {"grid_id": server.grid("g1b")})   # the office moves it
    old.transport.while_in_flight = lambda: old.write(Household, hid, {"address": "同步时录入"})
    old.sync()
    # The answer said "moved away", but an edit of it is still waiting: the record stays until
    # the server has accepted that edit, and then leaves (not as a deletion).
    with Session(old.engine) as s:
        assert outbox.pending_count(s) == 0 and outbox.quarantined(s) == []
    assert hid not in old.view()
    new.sync()
    assert new.view()[hid]["address"] == "同步时录入"
    assert new.view()[hid]["deleted"] is False


def test_two_syncs_asked_of_one_profile_at_once_run_one_after_the_other(server, device):
    import threading
    worker = device("worker1a")
    hid = worker.write(Household, None, {"household_no": "H-两次", "grid_id": server.grid("g1a")})
    order: list[str] = []
    second: list[threading.Thread] = []

    def while_the_first_is_in_flight() -> None:
        t = threading.Thread(target=lambda: (worker.service.sync_now(), order.append("second")))
        second.append(t)
        t.start()
        t.join(0.3)  # the second waits for the first to finish
        order.append("first still running")

    worker.transport.while_in_flight = while_the_first_is_in_flight
    worker.service.sync_now()
    order.append("first")
    second[0].join(20)
    assert order == ["first still running", "first", "second"]
    with server.session() as s:
        assert s.get(Household, hid).household_no == "H-两次"
