"""Admission control of /api/sync over real HTTP (docs/SYNC.md, Admission): with the queue
full, a further exchange is turned away at once with 429 server_busy and Retry-After, and the
desktop transport comes back after that time and completes the sync."""
from __future__ import annotations

import threading
import time
import uuid

import httpx
import pytest

from common.errors import DomainError
from common.sync.codec import pack, unpack
from common.sync.messages import MEDIA_TYPE, PullRequest, PushRequest, SyncRequest
from desktop.net.sync import HttpSyncTransport
from sync_server.api.routes.sync import _writer_lock
from tests.live_server import LiveServer


# SQLite: a test holding its one writer lock holds every exchange behind it.
pytestmark = [pytest.mark.parametrize("db_url", ["sqlite"], indirect=True),
              pytest.mark.live_server(real_clock=True)]  # its devices use the real clock


@pytest.fixture
def live_db(db_url):
    return db_url


@pytest.fixture
def live(live):
    live.settings.sync_max_queued = 1
    live.settings.sync_retry_after = 1
    return live


def request() -> SyncRequest:
    return SyncRequest(device_id=str(uuid.uuid4()), push=PushRequest(changes=[]),
                       pull=PullRequest(cursor=0, max_bytes=4_000_000))


class SlowExchange:
    """An exchange that holds the database: the writer lock is taken (as a long exchange
    would), one exchange is admitted and waits for it, filling the queue of one."""

    def __init__(self, live: LiveServer) -> None:
        self.live = live
        self.lock = _writer_lock(_Req(live.app), live.settings)
        self.lock.acquire()
        self.status: list[int] = []
        self.thread = threading.Thread(target=self._send)
        self.thread.start()
        deadline = time.monotonic() + 30
        while getattr(live.app.state, "sync_queued", 0) < 1:
            assert time.monotonic() < deadline, "the first exchange never arrived"
            time.sleep(0.01)

    def _send(self) -> None:
        r = httpx.post(self.live.url + "/api/sync", content=pack(request().model_dump(
            mode="json")), headers={"Authorization": f"Bearer {self.live.token('worker1a')}",
                                    "Content-Type": MEDIA_TYPE}, timeout=60)
        self.status.append(r.status_code)

    def finish(self) -> None:
        self.lock.release()
        self.thread.join(60)


class _Req:
    def __init__(self, app) -> None:  # noqa: ANN001
        self.app = app


def test_a_full_queue_turns_an_exchange_away_at_once_with_retry_after(live):
    slow = SlowExchange(live)
    try:
        r = httpx.post(live.url + "/api/sync", content=pack(request().model_dump(mode="json")),
                       headers={"Authorization": f"Bearer {live.token('worker1a')}",
                                "Content-Type": MEDIA_TYPE}, timeout=60)
        assert r.status_code == 429 and r.headers["Retry-After"] == "1"
        assert r.json()["code"] == "server_busy" and "服务器正忙" in r.json()["message"]
    finally:
        slow.finish()
    assert slow.status == [200]  # the admitted one is served once the database is free


def test_the_client_comes_back_after_retry_after_and_the_sync_completes(live):
    seen: list[int] = []
    client = httpx.Client(timeout=60, event_hooks={"response": [lambda r: seen.append(
        r.status_code)]})
    transport = HttpSyncTransport(live.url, client=client)
    slow = SlowExchange(live)
    result: dict = {}

    def sync() -> None:
        try:
            result["answer"] = transport.exchange(request(), live.token("worker1a"))
        except DomainError as err:
            result["error"] = err

    device = threading.Thread(target=sync)
    device.start()
    deadline = time.monotonic() + 30
    while 429 not in seen:  # turned away while the queue is full...
        assert time.monotonic() < deadline and device.is_alive()
        time.sleep(0.01)
    slow.finish()  # ...then the database frees up and the retry gets through
    device.join(60)
    transport.close()
    assert "error" not in result and result["answer"].pull.cursor > 0
    assert seen[0] == 429 and seen[-1] == 200 and not any(s >= 500 for s in seen)
    assert slow.status == [200]


def test_a_client_still_turned_away_after_its_attempts_gets_the_chinese_refusal(live):
    slow = SlowExchange(live)
    try:
        transport = HttpSyncTransport(live.url, attempts=1)
        with pytest.raises(DomainError) as err:
            transport.exchange(request(), live.token("worker1a"))
        transport.close()
    finally:
        slow.finish()
    assert err.value.code == "server_busy" and "服务器正忙" in err.value.message()
