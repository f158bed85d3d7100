"""A person's tags belong to the person's scope: a move that arrives by sync push (from a client
that sends only the person's new grid, or a USB bundle relayed through the same exchange) waits
for the receiving grid like a REST move (a transfer, issue 13), and once approved takes the tags
along (issue 11, defect 2)."""
from __future__ import annotations

import uuid

from sqlalchemy import select

from common.schema import Person, PersonTag, User
from common.sync import hlc
from common.sync.messages import Change, PullRequest, PushRequest, SyncRequest
from sync_server.services import workflows
from sync_server.services.scope import Scope
from tests.factories import make_id_number
from tests.integration.sync_harness import ServerHarness


def _push(harness, username, changes, cursor=0):
    return harness.exchange(username, SyncRequest(
        device_id=str(uuid.uuid4()), push=PushRequest(changes=changes),
        pull=PullRequest(cursor=cursor, max_bytes=4_000_000)))


def _move(harness, pid, grid):
    """The person's new grid, typed on a device that had pulled the person as it is now."""
    with harness.session() as s:
        seen = dict(s.get(Person, pid).field_clock)
    return Change(id=str(uuid.uuid4()), entity="people", record_id=pid, values={"grid_id": grid},
                  base=seen, clock=hlc.tick(max(seen.values()), 0, "office-laptop"))


def _pulled_ids(answer, table):
    block = answer.pull.data.get(table)
    if block is None:
        return set()
    i = block.cols.index("id")
    return {row[i] for row in block.rows}


def test_a_person_moved_by_sync_push_takes_their_tags_to_the_new_grid(db_url):
    harness = ServerHarness(db_url)
    try:
        g1a, g1b = harness.grid("g1a"), harness.grid("g1b")
        pid = harness.write(Person, None, {"id_number": make_id_number(), "name": "低保户甲",
                                           "grid_id": g1a})
        tag = harness.write(PersonTag, None, {"person_id": pid, "tag_code": "dibao",
                                              "grid_id": g1a})
        move = _move(harness, pid, g1b)
        (ack,) = _push(harness, "office1", [move]).push.acks
        assert ack.status == "accepted", ack
        with harness.session() as s:
            assert s.get(Person, pid).grid_id == g1a  # until the receiving grid approves
            assert s.get(PersonTag, tag).grid_id == g1a
            worker = s.get(User, harness.tree.users["worker1b"].id)
            request = workflows.open_transfer(s, pid)
            workflows.act(s, worker, Scope.of(s, worker), request.id, "approved", None,
                          now=harness.clock())
            s.commit()
        with harness.session() as s:
            assert s.get(Person, pid).grid_id == g1b
            live = s.scalars(select(PersonTag).where(PersonTag.person_id == pid,
                                                     PersonTag.deleted.is_(False))).all()
            assert [(t.id, t.grid_id) for t in live] == [(tag, g1b)]
        # The new grid's laptop gets the person with the tag; the old grid's no longer holds it.
        answer = _push(harness, "worker1b", [])
        assert pid in _pulled_ids(answer, "people") and tag in _pulled_ids(answer, "person_tags")
        assert tag not in harness.scope_view("worker1a", PersonTag)
        assert tag in harness.scope_view("worker1b", PersonTag)
    finally:
        harness.close()


def test_a_refused_move_by_push_leaves_the_tags_where_they_were(db_url):
    harness = ServerHarness(db_url)
    try:
        g1a, g2 = harness.grid("g1a"), harness.grid("g2")
        pid = harness.write(Person, None, {"id_number": make_id_number(), "name": "低保户乙",
                                           "grid_id": g1a})
        tag = harness.write(PersonTag, None, {"person_id": pid, "tag_code": "dibao",
                                              "grid_id": g1a})
        move = _move(harness, pid, g2)  # another township: outside office1's scope
        (ack,) = _push(harness, "office1", [move]).push.acks
        assert ack.status == "refused"
        assert harness.scope_view("worker1a", PersonTag)[tag]["grid_id"] == g1a
    finally:
        harness.close()
