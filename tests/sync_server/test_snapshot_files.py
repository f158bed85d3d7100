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
