"""Large first syncs from a prepared snapshot: a township office's first sync over HTTP
(127.0.0.1) into a real SQLCipher file, cut at 30%, 60% and 90%, resumes instead of starting
over; the snapshot is prepared once and shared."""
from __future__ import annotations

import datetime as dt

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from benchmarks.sync_data import build
from common.errors import DomainError
from common.schema import Person, User, Visit
from desktop.net.sync import HttpSyncTransport
from desktop.services.sync import SyncService
from desktop.storage.changes import sync_state
from sync_server.db.snapshot_tables import ScopeSnapshot
from sync_server.services.auth import make_access_token
from tests.integration.sync_harness import Device
from tests.live_server import LiveServer, real_now


class CuttingTransport(httpx.HTTPTransport):
    """The real HTTP transport, whose link goes down (for the request and its one retry) once
    the device has received each of the given numbers of snapshot batches."""

    def __init__(self, cut_after: list[int]) -> None:
        super().__init__()
        self.cut_after = sorted(cut_after)
        self.failing = 0
        self.batch_requests = 0
        self.batches_received = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        parts = request.url.path.rstrip("/").split("/")
        is_batch = len(parts) == 6 and parts[3] == "snapshots"
        if is_batch:
            self.batch_requests += 1
            if self.cut_after and self.batches_received == self.cut_after[0]:
                self.cut_after.pop(0)
                self.failing = 2
            if self.failing:
                self.failing -= 1
                raise httpx.ReadError("connection cut")
        response = super().handle_request(request)
        if is_batch:
            self.batches_received += 1
        return response


pytestmark = pytest.mark.live_server(real_clock=True)  # its devices use the real clock


@pytest.fixture
def live_db(tmp_path):
    url = f"sqlite:///{tmp_path / 'server.db'}"
    build(url, people=1500, houses=400, visits=1500)
    return url


@pytest.fixture
def live(live):
    live.app.state.snapshot_batch_bytes = 60_000  # many small batches, to cut in between
    return live


def office_device(live: LiveServer, path, transport: httpx.BaseTransport | None = None
                  ) -> Device:
    d = Device(live.harness, "office1", path)
    d.now = real_now
    client = httpx.Client(transport=transport, timeout=60) if transport else None
    d.service = SyncService(d, HttpSyncTransport(live.url, client=client), clock=d.now)
    with live.harness.session() as s:
        user = s.scalar(select(User).where(User.username == "bench_office"))
        token = make_access_token(user, live.settings, real_now())
    d.service.store_tokens({"access_token": token})
    return d


def count(engine, entity) -> int:
    with Session(engine) as s:
        return s.scalar(select(func.count()).select_from(entity))


def test_a_township_first_sync_cut_at_30_60_and_90_percent_completes_without_starting_over(
        live, tmp_path):
    # Learn the number of batches from a first, uncut device (it also prepares the snapshot).
    first = office_device(live, tmp_path / "first.db")
    first.sync()
    with live.harness.session() as s:
        snap = s.scalars(select(ScopeSnapshot)).one()
        batches, rev = snap.batches, snap.rev
    assert snap.status == "ready" and batches >= 10
    cuts = [round(batches * f) for f in (0.3, 0.6, 0.9)]
    cutting = CuttingTransport(cuts)
    laptop = office_device(live, tmp_path / "laptop.db", cutting)
    for _ in cuts:
        with pytest.raises(DomainError) as err:
            laptop.sync()
        assert err.value.code == "server_unreachable"
        with Session(laptop.engine) as s:
            assert 0 < sync_state(s).cursor < rev  # what arrived stays
    progress = laptop.sync()

    assert cutting.batches_received == batches          # no batch fetched twice
    assert cutting.batch_requests == batches + 2 * len(cuts)  # a cut costs the batch in flight
    assert count(laptop.engine, Person) == count(first.engine, Person) == 1875
    assert count(laptop.engine, Visit) == 1875
    with Session(laptop.engine) as s:
        assert sync_state(s).cursor >= rev
    assert not progress.rebuilt
    with live.harness.session() as s:  # one snapshot, shared by both devices
        assert s.scalar(select(func.count()).select_from(ScopeSnapshot)) == 1
    first.close(), laptop.close()


def test_a_first_sync_waits_for_the_snapshot_and_then_pulls_what_changed_since(live, tmp_path):
    from common.schema import Household
    a = office_device(live, tmp_path / "a.db")
    a.sync()
    # A change after the snapshot: a second device gets the snapshot, then the change.
    hid = live.harness.write(Household, None, {"household_no": "H-新", "grid_id": "n-ga"})
    b = office_device(live, tmp_path / "b.db")
    b.sync()
    assert b.view()[hid]["household_no"] == "H-新"
    assert count(b.engine, Person) == count(a.engine, Person)
    a.close(), b.close()


def test_a_snapshot_holds_exactly_the_scope_on_either_backend(db_url, tmp_path):
    """The job's one-pass reader, on SQLite and PostgreSQL: every in-scope record once, batch
    cursors rising, the last one the server's rev."""
    import time as _time

    from common.schema import Household
    from common.sync.codec import expand_columnar, unpack
    from sync_server.services.changes import current_rev
    from sync_server.services.scope import Scope
    from sync_server.services.snapshots import SnapshotJobs
    from tests.integration.sync_harness import ServerHarness

    srv = ServerHarness(db_url)
    try:
        for i in range(120):
            srv.write(Household, None, {"household_no": f"H-{i}",
                                        "grid_id": srv.grid("g1a" if i % 2 else "g1b")})
        jobs = SnapshotJobs(srv.factory, tmp_path / "snap", clock=srv.clock, batch_bytes=4_000)
        with srv.session() as s:
            scope = Scope.of(s, s.get(User, srv.user("worker1a").id))
            high = current_rev(s)
        snap = jobs.request(scope)
        deadline = _time.time() + 60
        while jobs.running and _time.time() < deadline:
            _time.sleep(0.05)
        with srv.session() as s:
            snap = s.get(ScopeSnapshot, snap.id)
            manifest = jobs.manifest(snap)
        assert manifest["status"] == "ready" and len(manifest["batches"]) > 2
        cursors = [b["cursor"] for b in manifest["batches"]]
        assert cursors == sorted(set(cursors)) and cursors[-1] == high
        got: list[str] = []
        known: list[str] = []  # one identifier table for the whole snapshot
        for b in manifest["batches"]:
            batch = expand_columnar(unpack(
                (tmp_path / "snap" / snap.id / f"{b['index']}.zst").read_bytes()), known)
            rows = batch["data"].get("households", {"rows": []})["rows"]
            at = batch["data"]["households"]["cols"].index("id") if rows else 0
            got += [r[at] for r in rows]
        assert sorted(got) == sorted(srv.scope_view("worker1a"))
        jobs.close()
    finally:
        srv.close()


def test_a_first_sync_hears_the_snapshot_is_ready_without_polling(live, tmp_path):
    """The server holds the request until the job ends (long poll): the device never sleeps
    between polls, it downloads as soon as the snapshot is ready."""
    from desktop.net.snapshots import SnapshotClient
    from desktop.services.first_sync import first_sync

    d = office_device(live, tmp_path / "a.db")
    with live.harness.session() as s:
        user = s.scalar(select(User).where(User.username == "bench_office"))
        token = make_access_token(user, live.settings, real_now())
    slept: list[float] = []
    report = first_sync(d.engine, SnapshotClient(live.url, token), now=d.now,
                        sleep=slept.append)
    assert slept == [] and report.waited_polls == 0
    assert report.rows > 1500 and count(d.engine, Person) >= 1500
    d.close()


def test_an_older_client_asking_for_a_snapshot_is_told_to_update(live, tmp_path):
    """Snapshot batches are in protocol 3's column-wise form (one identifier table per
    snapshot): a client that does not say it reads them gets the "please update" answer (426),
    not batches it would fail on."""
    from common.sync.messages import PROTOCOL_HEADER
    with live.harness.session() as s:
        user = s.scalar(select(User).where(User.username == "bench_office"))
        token = make_access_token(user, live.settings, real_now())
    auth = {"Authorization": f"Bearer {token}"}
    old = httpx.post(live.url + "/api/sync/snapshots", headers=auth, timeout=60)
    assert old.status_code == 426 and old.json()["code"] == "client_too_old"
    two = httpx.post(live.url + "/api/sync/snapshots", timeout=60,
                     headers={**auth, PROTOCOL_HEADER: "2.2"})
    assert two.status_code == 426 and two.json()["code"] == "client_too_old"
    assert "请更新" in two.json()["message"]
    new = httpx.post(live.url + "/api/sync/snapshots", timeout=60,
                     headers={**auth, PROTOCOL_HEADER: "3.2"})
    assert new.status_code in (200, 202) and new.json()["id"]
