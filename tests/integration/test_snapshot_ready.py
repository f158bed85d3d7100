"""A new device of a grid does not wait for its first-sync snapshot: the server keeps every grid
worker's scope's snapshot ready (housekeeping), and a sign-in starts preparing the user's own."""
from __future__ import annotations

import datetime as dt
import time
from types import SimpleNamespace

import httpx
from sqlalchemy import select

from common.schema import User
from sync_server.api.routes.snapshots import keep_ready
from sync_server.db.snapshot_tables import ScopeSnapshot
from sync_server.services.scope import Scope
from sync_server.services.snapshots import RENEW_AFTER, SnapshotJobs
from tests.factories import PASSWORD
from tests.integration.sync_harness import ServerHarness


def _ready_paths(srv: ServerHarness, jobs: SnapshotJobs) -> set[str]:
    deadline = time.time() + 60
    while jobs.running and time.time() < deadline:
        time.sleep(0.05)
    with srv.session() as s:
        return {r.scope_path for r in s.scalars(
            select(ScopeSnapshot).where(ScopeSnapshot.status == "ready"))}


def test_every_grid_workers_snapshot_is_kept_ready_and_renewed_before_it_goes_stale(
        db_url, tmp_path):
    srv = ServerHarness(db_url)
    now = [dt.datetime(2026, 3, 2, 9, 0)]
    jobs = SnapshotJobs(srv.factory, tmp_path / "snap", clock=lambda: now[0])
    state = SimpleNamespace(sessions=srv.factory, snapshot_jobs=jobs)
    try:
        with srv.session() as s:
            grids = {Scope.of(s, u).path for u in s.scalars(select(User))
                     if u.username.startswith("worker")}
            office = Scope.of(s, s.get(User, srv.user("office1").id)).path
        assert keep_ready(state) == len(grids) > 0
        ready = _ready_paths(srv, jobs)
        assert grids <= ready and office not in ready  # larger scopes wait to be asked
        assert keep_ready(state) == 0  # fresh: nothing prepared twice
        now[0] += RENEW_AFTER + dt.timedelta(minutes=1)
        assert keep_ready(state) == len(grids)  # renewed while the old one is still usable
        _ready_paths(srv, jobs)
        with srv.session() as s:  # a device asking now gets the renewed one at once
            worker = Scope.of(s, s.get(User, srv.user("worker1a").id))
        snap = jobs.request(worker)
        assert snap.status == "ready" and snap.created_at == now[0]
    finally:
        jobs.close()
        srv.close()


def test_a_desktop_sign_in_starts_preparing_the_users_snapshot(live):
    with live.harness.session() as s:
        path = Scope.of(s, s.get(User, live.harness.user("office1").id)).path
        assert not s.scalars(select(ScopeSnapshot).where(ScopeSnapshot.scope_path == path)).all()
    r = httpx.post(live.url + "/api/auth/login", timeout=60,
                   json={"username": "office1", "password": PASSWORD,
                         "device_id": "laptop-office1"})
    assert r.status_code == 200
    deadline = time.time() + 60
    while True:
        with live.harness.session() as s:
            found = s.scalars(select(ScopeSnapshot.status).where(
                ScopeSnapshot.scope_path == path)).all()
        if "ready" in found or time.time() > deadline:
            break
        time.sleep(0.1)
    assert found == ["ready"]  # without any snapshot request
