"""Property: whatever happens to the files on the stick — exported several times, relayed in any
order or twice, imported twice, out of order, or lost — one last clean round trip leaves the
laptop equal to the server's view of its scope with nothing waiting and no edit lost.

CI runs a few examples (each is a real server database and a real SQLCipher laptop); SOAK=1
(`make soak`) runs many more.
"""
from __future__ import annotations

import os
import uuid

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from common.schema import Household
from desktop.services import bundles
from desktop.storage import outbox
from desktop.storage.changes import sync_state
from sync_server.services import bundles as server_bundles
from tests.integration.sync_harness import Device, ServerHarness

SOAK = bool(os.environ.get("SOAK"))
SECRET = "test-secret-" + "x" * 32
WORDS = ["甲", "乙", "丙", "丁"]

step = st.one_of(
    st.tuples(st.just("laptop_create")),
    st.tuples(st.just("laptop_edit"), st.integers(0, 20), st.sampled_from(WORDS)),
    st.tuples(st.just("office_edit"), st.integers(0, 20), st.sampled_from(WORDS)),
    st.tuples(st.just("export")),
    st.tuples(st.just("relay"), st.integers(0, 20)),
    st.tuples(st.just("import"), st.integers(0, 20)),
    st.tuples(st.just("import"), st.just(-1)),  # the newest answer
)


def test_any_handling_of_bundle_files_converges_after_one_clean_round_trip(db_url, tmp_path):
    server = ServerHarness(db_url)  # one database for all examples; each gets a new laptop

    @settings(max_examples=300 if SOAK else 12, deadline=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(steps=st.lists(step, min_size=4, max_size=25))
    def example(steps: list[tuple]) -> None:
        laptop = Device(server, "worker1a", tmp_path / f"laptop-{uuid.uuid4().hex}.db")
        try:
            _run(server, laptop, steps)
        finally:
            laptop.close()

    try:
        example()
    finally:
        server.close()


def _run(server: ServerHarness, laptop: Device, steps: list[tuple]) -> None:
    with Session(laptop.engine) as s, s.begin():
        device_id = sync_state(s).device_id
    with server.session() as s:
        bundles.store_key(laptop.engine, server_bundles.issue_key(
            s, server.user("worker1a"), device_id, secret=SECRET), now=laptop.now())
    grid = server.grid("g1a")
    mine: list[str] = []
    office: list[str] = [server.write(Household, None, {"household_no": "办-0", "grid_id": grid})]
    requests: list[bytes] = []
    answers: list[bytes] = []
    last_laptop: dict[str, str] = {}
    revs: dict[str, int] = {}
    for st_ in steps:
        server.clock.advance(seconds=1)
        kind = st_[0]
        if kind == "laptop_create":
            mine.append(laptop.write(Household, None, {"household_no": f"本-{len(mine)}",
                                                       "grid_id": grid}))
        elif kind == "laptop_edit" and mine:
            hid = mine[st_[1] % len(mine)]
            laptop.write(Household, hid, {"address": st_[2]})
            last_laptop[hid] = st_[2]
        elif kind == "office_edit":
            server.write(Household, office[st_[1] % len(office)], {"address": st_[2]})
        elif kind == "export":
            requests.append(bundles.export_request(laptop.engine, now=laptop.now()).data)
        elif kind == "relay" and requests:
            answers.append(_relay(server, requests[st_[1] % len(requests)]))
        elif kind == "import" and answers:
            bundles.import_answer(laptop.engine, answers[st_[1] % len(answers)],
                                  now=laptop.now())
            now_revs = _revs(laptop)
            # An old or repeated file never takes a record back to an older state.
            assert all(now_revs.get(k, 0) >= v for k, v in revs.items()), (revs, now_revs)
            revs = now_revs
    server.clock.advance(seconds=1)
    request = bundles.export_request(laptop.engine, now=laptop.now()).data
    result = bundles.import_answer(laptop.engine, _relay(server, request), now=laptop.now())
    assert not result.stale and result.refused == 0
    with Session(laptop.engine) as s:
        assert outbox.pending_count(s) == 0
    assert laptop.view() == server.scope_view("worker1a")
    for hid in mine:  # every offline create reached the server
        assert hid in server.scope_view("worker1a")
    for hid, value in last_laptop.items():  # the laptop's edits are there (no office edit on them)
        assert server.scope_view("worker1a")[hid]["address"] == value


def _revs(laptop: Device) -> dict[str, int]:
    with Session(laptop.engine) as s:
        return {h.id: h.rev or 0 for h in s.scalars(select(Household))}


def _relay(server: ServerHarness, data: bytes) -> bytes:
    with server.session() as s:
        relayer = s.get(type(server.user("office1")), server.user("office1").id)
        answer = server_bundles.relay(s, relayer, data, secret=SECRET, now=server.clock())
        s.commit()
    return answer
