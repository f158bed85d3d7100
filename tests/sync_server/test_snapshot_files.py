"""Snapshot preparation details: JSON columns go into the batch as stored when that text is
already the wire form, and otherwise as the wire would encode them; a device waiting on a job
is woken when it ends."""
from __future__ import annotations

import asyncio
import json
import threading

from hypothesis import given, settings
from hypothesis import strategies as st

from sync_server.services.snapshots import SnapshotJobs, _json_text

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
    | st.text(alphabet=st.characters(codec="utf-8")),
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.text(alphabet=st.characters(codec="utf-8"), max_size=5), inner,
                      max_size=4),
    max_leaves=12)


def wire(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


@settings(max_examples=300)
@given(JSON)
def test_a_json_column_reaches_the_batch_exactly_as_the_wire_would_encode_it(value):
    # Stored by SQLAlchemy's default serializer (escapes, ", " separators) or already compact.
    for stored in (json.dumps(value), wire(value), json.dumps(value, ensure_ascii=False)):
        assert _json_text(stored) == wire(value)
    assert _json_text(None) == "null"


def test_a_waiting_request_is_woken_when_its_job_ends(tmp_path):
    jobs = SnapshotJobs(None, tmp_path, clock=lambda: None)  # type: ignore[arg-type]
    jobs.running.add("s1")

    async def scenario():
        absent = await jobs.wait("other", 60)
        timed_out = await jobs.wait("s1", 0.01)
        threading.Timer(0.05, jobs._wake, ["s1"]).start()
        woken = await jobs.wait("s1", 60)
        return absent, timed_out, woken

    assert asyncio.run(scenario()) == (None, False, True)
    assert "s1" not in jobs.running and jobs.waiters == {}
    jobs.close()


def test_a_stopping_server_waits_for_the_snapshot_being_prepared(server, tmp_path):
    # a preparation still writing its files when the server goes would leave half a snapshot
    # (and a thread holding the database) behind
    import time

    from fastapi.testclient import TestClient

    from sync_server.api.routes.snapshots import _make_jobs
    server.app.state.snapshots_dir = tmp_path / "snapshots"
    with TestClient(server.app):  # the app's lifespan: started, then stopped on leaving
        jobs = _make_jobs(server.app.state)
        preparing = jobs.pool.submit(time.sleep, 0.5)
    assert preparing.done()


def test_a_snapshot_being_prepared_ends_after_its_batch_when_the_server_stops(server, tmp_path):
    # Ctrl+C on `make run` must not wait for a county's whole snapshot: the job stops after the
    # batch it is writing, is recorded as interrupted and leaves no files
    from sqlalchemy import select

    from sync_server.db.snapshot_tables import ScopeSnapshot
    from sync_server.services.scope import Scope
    jobs = SnapshotJobs(server.app.state.sessions, tmp_path / "snapshots", clock=server.clock,
                        batch_bytes=2_000)  # many small batches
    with server.session() as s:
        from common.schema import User
        scope = Scope.of(s, s.get(User, server.tree.users["worker1a"].id))
    jobs.stopping.set()  # as if the server began to stop before the first batch
    snap = jobs.request(scope)
    jobs.close()
    with server.session() as s:
        row = s.scalar(select(ScopeSnapshot).where(ScopeSnapshot.id == snap.id))
        assert (row.status, row.error) == ("failed", "interrupted")
    assert not (tmp_path / "snapshots" / snap.id).exists()
