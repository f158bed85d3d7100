"""Scope attacks over real HTTP: a worker's token cannot pull, push, guess ids or forge cursors
into another grid's records."""
from __future__ import annotations

import uuid

import httpx
import pytest

from common.errors import DomainError
from common.schema import Household
from common.sync import hlc
from common.sync.messages import (Change, PullRequest, PushRequest, SyncRequest)
from desktop.net.sync import HttpSyncTransport


pytestmark = pytest.mark.live_server(real_clock=True)  # its devices use the real clock


@pytest.fixture
def live_db(db_url):
    return db_url  # every backend


@pytest.fixture
def foreign(live):
    """A household in grid g2 (township t2): outside worker1a's and office1's scope."""
    return live.harness.write(Household, None, {"household_no": "外网格-1", "address": "南湖村",
                                                "grid_id": live.harness.grid("g2")})


def _exchange(live, username, *, cursor=0, changes=(), device=None):
    t = HttpSyncTransport(live.url, attempts=1)
    try:
        return t.exchange(SyncRequest(device_id=device or str(uuid.uuid4()),
                                      push=PushRequest(changes=list(changes)),
                                      pull=PullRequest(cursor=cursor, max_bytes=4_000_000)),
                          live.token(username))
    finally:
        t.close()


def _ids(answer) -> set[str]:
    out = set()
    for block in answer.pull.data.values():
        i = block.cols.index("id")
        out |= {row[i] for row in block.rows}
    return out


def _change(record_id, values, **kw):
    return Change(id=str(uuid.uuid4()), entity="households", record_id=record_id, values=values,
                  clock=hlc.tick(None, 1_900_000_000_000, "attacker"), **kw)


def test_a_pull_never_carries_another_grids_records_whatever_the_cursor(live, foreign):
    for cursor in (0, -5, 1, 10**15):
        answer = _exchange(live, "worker1a", cursor=cursor)
        assert foreign not in _ids(answer)
    assert foreign in _ids(_exchange(live, "worker2"))


def test_pushing_an_edit_to_another_grids_record_is_refused_and_changes_nothing(live, foreign):
    answer = _exchange(live, "worker1a", changes=[_change(foreign, {"address": "被篡改"})])
    (ack,) = answer.push.acks
    assert ack.status == "refused" and ack.error["code"] == "out_of_scope"
    assert live.harness.scope_view("worker2")[foreign]["address"] == "南湖村"


def test_creating_a_record_under_a_guessed_existing_id_does_not_overwrite_it(live, foreign):
    c = _change(foreign, {"household_no": "伪造", "grid_id": live.harness.grid("g1a")})
    (ack,) = _exchange(live, "worker1a", changes=[c]).push.acks
    assert ack.status == "refused"
    assert live.harness.scope_view("worker2")[foreign]["household_no"] == "外网格-1"


def test_deleting_or_moving_another_grids_record_into_ones_own_grid_is_refused(live, foreign):
    acks = _exchange(live, "worker1a", changes=[
        _change(foreign, {"deleted": True}),
        _change(foreign, {"grid_id": live.harness.grid("g1a")})]).push.acks
    assert [a.status for a in acks] == ["refused", "refused"]
    assert live.harness.scope_view("worker2")[foreign]["deleted"] is False


def test_creating_a_record_in_another_grid_is_refused_with_a_reason(live):
    c = _change(str(uuid.uuid4()), {"household_no": "x", "grid_id": live.harness.grid("g2")})
    (ack,) = _exchange(live, "worker1a", changes=[c]).push.acks
    assert ack.error["code"] == "out_of_scope" and "管辖范围" in ack.error["message"]


def test_replaying_another_users_change_id_reveals_nothing_and_applies_nothing(live, foreign):
    mine = _change(foreign, {"address": "本网格员改"})
    (ok,) = _exchange(live, "worker2", changes=[mine]).push.acks
    assert ok.status == "accepted"
    stolen = Change(**{**mine.model_dump(), "values": {"address": "重放"}})
    (ack,) = _exchange(live, "worker1a", changes=[stolen]).push.acks
    assert ack.status == "refused" and ack.rev is None
    assert live.harness.scope_view("worker2")[foreign]["address"] == "本网格员改"


def test_another_users_device_id_cannot_be_used(live):
    device = str(uuid.uuid4())
    _exchange(live, "worker2", device=device)
    with pytest.raises(DomainError) as e:
        _exchange(live, "worker1a", device=device)
    assert e.value.code == "device_mismatch"


def test_a_forged_or_missing_token_is_refused(live):
    t = HttpSyncTransport(live.url, attempts=1)
    request = SyncRequest(device_id=str(uuid.uuid4()))
    for token in (None, "forged.token.value", live.token("worker1a")[:-3] + "abc"):
        with pytest.raises(DomainError) as e:
            t.exchange(request, token)
        assert e.value.params.get("status") == 401
    t.close()


def test_history_of_another_grids_record_looks_like_a_missing_record(live, foreign):
    headers = {"Authorization": f"Bearer {live.token('worker1a')}"}
    r = httpx.get(f"{live.url}/api/sync/history/households/{foreign}", headers=headers, timeout=30)
    assert r.status_code == 404
    headers = {"Authorization": f"Bearer {live.token('worker2')}"}
    r = httpx.get(f"{live.url}/api/sync/history/households/{foreign}", headers=headers, timeout=30)
    assert r.status_code == 200 and r.json()[0]["values"]["household_no"] == "外网格-1"


def test_a_garbage_body_is_refused_cleanly(live):
    headers = {"Authorization": f"Bearer {live.token('worker1a')}",
               "Content-Type": "application/vnd.yzb.sync+zstd"}
    r = httpx.post(f"{live.url}/api/sync", content=b"not zstd at all", headers=headers)
    assert r.status_code == 400 and r.json()["code"] == "bad_sync_message"
