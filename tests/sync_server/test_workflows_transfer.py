"""Moves between grids made by an edit (issue 13, items 2 and 3): whatever the write path (REST,
web service, a township device's push), changing an existing person's grid files a transfer
(人员转移) the receiving grid decides, and only its approval moves the person, their household,
tags and open tasks, with 迁出/迁入 records."""
from __future__ import annotations

import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from common import workflows as wf
from common.errors import DomainError
from common.schema import (Household, Person, PersonMove, PersonTag, User, VisitTask,
                           WorkRequest, WorkRequestAction)
from common.sync import hlc
from common.sync.messages import Change
from sync_server.services import workflows as svc
from sync_server.services.changes import apply_change
from sync_server.services.records import create_record, update_record
from sync_server.services.scope import Scope
from sync_server.services.sync import push
from tests.conftest import NOW
from tests.factories import make_person

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _user(s, server, username) -> User:
    return s.get(User, server.tree.users[username].id)


def _update(server, username, values, person=None):
    with server.session() as s:
        user = _user(s, server, username)
        row = update_record(s, Scope.of(s, user), user, Person, person or server.ids["person"],
                            dict(values), now=NOW)
        s.commit()
        return row.grid_id


def _push(server, username, values, person=None):
    """A change typed on `username`'s device, which had pulled the person as they are now."""
    with server.session() as s:
        user = _user(s, server, username)
        seen = dict(s.get(Person, person or server.ids["person"]).field_clock)
        change = Change(id=str(uuid.uuid4()), entity="people",
                        record_id=person or server.ids["person"], values=values, base=seen,
                        clock=hlc.tick(max(seen.values()), 0, "dev-" + username))
        acks, settled = push(s, user, Scope.of(s, user), "device-" + username, [change],
                             cursor=0, now=NOW)
        s.commit()
        return acks[0], settled


def _act(server, username, rid, after, note=None):
    with server.session() as s:
        user = _user(s, server, username)
        svc.act(s, user, Scope.of(s, user), rid, after, note, now=NOW)
        s.commit()


def _transfers(server, person=None):
    with server.session() as s:
        return s.scalars(select(WorkRequest).where(
            WorkRequest.kind == wf.TRANSFER,
            WorkRequest.subject_id == (person or server.ids["person"]))).all()


def _grid(server, record, entity=Person):
    with server.session() as s:
        return s.get(entity, record).grid_id


def test_a_township_edit_of_the_grid_files_a_transfer_and_keeps_the_rest_of_the_edit(world):
    g1a, g1b = world.tree.id("g1a"), world.tree.id("g1b")
    kept = _update(world, "office1", {"grid_id": g1b, "phone": "13900001111"})
    assert kept == g1a
    with world.session() as s:
        assert s.get(Person, world.ids["person"]).phone == "13900001111"
    (req,) = _transfers(world)
    assert (req.state, req.from_node_id, req.to_node_id, req.assignee_node_id, req.reason,
            req.subject_name) == ("submitted", g1a, g1b, g1b, "网格变更", "王小明")
    with world.session() as s:
        assert [r.id for r in svc.queue(s, _user(s, world, "worker1b"))] == [req.id]
        assert svc.queue(s, _user(s, world, "worker1a")) == []
        assert svc.queue(s, _user(s, world, "office1")) == []  # the filer never decides
        assert [r.id for r in svc.filed_by(s, _user(s, world, "office1"))] == [req.id]
    # saving the form again with the grid it asked for files nothing more
    _update(world, "office1", {"grid_id": g1b})
    assert len(_transfers(world)) == 1


def test_approval_by_the_receiving_grid_moves_household_tags_tasks_with_records(world):
    g1a, g1b = world.tree.id("g1a"), world.tree.id("g1b")
    _update(world, "office1", {"grid_id": g1b})
    (req,) = _transfers(world)
    with pytest.raises(DomainError) as own:
        _act(world, "office1", req.id, "approved")
    assert "申请人不能审核" in own.value.message()
    _act(world, "worker1b", req.id, "approved", "同意")
    for record, entity in ((world.ids["person"], Person), (world.ids["spouse"], Person),
                           (world.ids["household"], Household),
                           (world.ids["task"], VisitTask)):
        assert _grid(world, record, entity) == g1b, entity.__tablename__
    with world.session() as s:
        tag = s.scalar(select(PersonTag).where(PersonTag.person_id == world.ids["person"]))
        assert tag.grid_id == g1b
        moves = {(m.person_id, m.direction, m.grid_id, m.reason) for m in s.scalars(
            select(PersonMove).where(PersonMove.request_id == req.id))}
    assert moves == {(p, d, g, "网格变更") for p in (world.ids["person"], world.ids["spouse"])
                     for d, g in (("out", g1a), ("in", g1b))}


@pytest.mark.parametrize("decision", ["returned", "refused"])
def test_a_return_or_refusal_leaves_the_person_where_they_were_with_the_reason(world,
                                                                             decision):
    g1a, g1b = world.tree.id("g1a"), world.tree.id("g1b")
    _update(world, "office1", {"grid_id": g1b})
    (req,) = _transfers(world)
    with pytest.raises(DomainError) as bare:
        _act(world, "worker1b", req.id, decision)
    assert "请填写" in bare.value.message()
    _act(world, "worker1b", req.id, decision, "该户仍在原址居住")
    assert _grid(world, world.ids["person"]) == g1a
    assert _grid(world, world.ids["household"], Household) == g1a
    with world.session() as s:
        (mine,) = svc.filed_by(s, _user(s, world, "office1"))
        assert (mine.state, mine.note) == (decision, "该户仍在原址居住")
        assert s.scalar(select(PersonMove.id)) is None


def test_an_open_transfer_follows_a_new_target_instead_of_a_second_request(world):
    g1b, g2 = world.tree.id("g1b"), world.tree.id("g2")
    _update(world, "office1", {"grid_id": g1b})
    _update(world, "admin", {"grid_id": g2})
    (req,) = _transfers(world)
    assert (req.to_node_id, req.assignee_node_id, req.grid_id) == (g2, g2, g2)
    with world.session() as s:
        history = s.scalars(select(WorkRequestAction).where(
            WorkRequestAction.request_id == req.id).order_by(WorkRequestAction.rev)).all()
        assert [(h.action, h.grid_id) for h in history] == [("file", g2), ("retarget", g2)]
        assert "南湖村第一网格" in history[-1].note
        assert svc.queue(s, _user(s, world, "worker1b")) == []
        assert [r.id for r in svc.queue(s, _user(s, world, "worker2"))] == [req.id]


def test_a_township_devices_push_keeps_the_edit_and_gets_the_old_grid_back(world):
    g1a, g1b = world.tree.id("g1a"), world.tree.id("g1b")
    ack, settled = _push(world, "office1", {"grid_id": g1b, "name": "王晓明"})
    assert ack.status == "accepted" and not ack.settled and not settled
    with world.session() as s:
        person = s.get(Person, world.ids["person"])
        assert (person.grid_id, person.name) == (g1a, "王晓明")
    (req,) = _transfers(world)
    assert (req.to_node_id, req.filed_by) == (g1b, world.tree.users["office1"].id)
    # the grid worker's device cannot move anyone out of their grid at all
    refused, _ = _push(world, "worker1a", {"grid_id": g1b})
    assert refused.status == "refused" and "不在您的管辖范围内" in refused.error["message"]


def test_a_held_persons_review_follows_them_to_the_grid_they_are_moved_to(world):
    g1a, g1b = world.tree.id("g1a"), world.tree.id("g1b")
    with world.session() as s:
        office = _user(s, world, "office1")
        held = create_record(s, Scope.of(s, office), office, Person, make_person(g1a), now=NOW)
        s.commit()
        pid = held.id
    assert _update(world, "office1", {"grid_id": g1b}, person=pid) == g1b
    assert _transfers(world, pid) == []
    with world.session() as s:
        review = s.scalar(select(WorkRequest).where(WorkRequest.subject_id == pid))
        assert (review.kind, review.assignee_node_id, review.grid_id) == (
            "population_review", g1b, g1b)
        assert s.get(Person, pid).status == "pending"
        assert svc.queue(s, _user(s, world, "worker1a")) == []
        rid = review.id
    _act(world, "worker1b", rid, "approved")
    with world.session() as s:
        assert (s.get(Person, pid).status, s.get(Person, pid).grid_id) == ("normal", g1b)


def test_the_rest_api_files_the_transfer_and_answers_with_the_grid_unchanged(world):
    g1a, g2 = world.tree.id("g1a"), world.tree.id("g2")
    answer = world.as_("admin").patch(f"/api/people/{world.ids['person']}",
                                      json={"grid_id": g2})
    assert answer.status_code == 200 and answer.json()["grid_id"] == g1a
    (req,) = _transfers(world)
    assert req.assignee_node_id == g2
    queue = world.as_("worker2").get("/api/workflows/queue").json()
    assert [(r["id"], r["kind"]) for r in queue] == [(req.id, "transfer")]
    done = world.as_("worker2").post(f"/api/workflows/{req.id}/steps",
                                     json={"state": "approved"})
    assert done.status_code == 200
    assert _grid(world, world.ids["person"]) == g2
    # a move out of the writer's scope is still refused outright
    out = world.as_("office1").patch(f"/api/people/{world.ids['spouse']}",
                                     json={"grid_id": world.tree.id("g1b")})
    assert out.status_code == 404  # the spouse moved with the household: not office1's now


GRIDS = ("g1a", "g1b", "g2")
EDITS = st.lists(st.one_of(
    st.tuples(st.just("edit"), st.sampled_from(["office1", "admin"]),
              st.sampled_from(["rest", "push"]), st.sampled_from(GRIDS)),
    st.tuples(st.just("decide"), st.sampled_from(["approved", "refused", "returned"]),
              st.just(""), st.just(""))), min_size=1, max_size=7)
DECIDERS = {"g1a": "worker1a", "g1b": "worker1b", "g2": "worker2"}


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=EDITS)
def test_no_sequence_of_outsiders_edits_moves_a_person_except_an_approved_transfer(world,
                                                                                  steps):
    """Whatever outsiders (township, county; by REST or a device's push) do to a person's grid,
    and whatever the receiving grid decides, the person is where the last approved transfer
    put them, and every move of theirs has its approved request."""
    g1a = world.tree.id("g1a")
    with world.session() as s:
        for r in s.scalars(select(WorkRequest).where(WorkRequest.state == "submitted")):
            apply_change(s, WorkRequest, r.id, {"state": "withdrawn"}, now=NOW)
        for pid in (world.ids["person"], world.ids["spouse"]):
            apply_change(s, Person, pid, {"grid_id": g1a}, now=NOW)
        apply_change(s, Household, world.ids["household"], {"grid_id": g1a}, now=NOW)
        s.commit()
        before = len(s.scalars(select(PersonMove.id).where(
            PersonMove.person_id == world.ids["person"], PersonMove.direction == "in")).all())
    expected, approved = g1a, before
    for kind, a, b, c in steps:
        if kind == "edit":
            target = world.tree.id(c)
            if a == "office1" and world.tree.id("g2") in (target, expected):
                continue  # outside the township: refused before anything (tested above)
            if b == "rest":
                assert _update(world, a, {"grid_id": target}) == expected
            else:
                ack, _ = _push(world, a, {"grid_id": target})
                assert ack.status == "accepted", ack.error
        else:
            with world.session() as s:
                req = svc.open_transfer(s, world.ids["person"])
                assignee = req.assignee_node_id if req else None
                rid, to = (req.id, req.to_node_id) if req else (None, None)
            if rid is None:
                continue
            decider = next(u for u, g in DECIDERS.items() if world.tree.id(u) == assignee)
            _act(world, DECIDERS[decider], rid, a, "意见")
            if a == "approved":
                expected, approved = to, approved + 1
        assert _grid(world, world.ids["person"]) == expected
    with world.session() as s:
        moves_in = s.scalars(select(PersonMove).where(
            PersonMove.person_id == world.ids["person"], PersonMove.direction == "in")).all()
        assert len(moves_in) == approved
        for m in moves_in:
            assert s.get(WorkRequest, m.request_id).state == "approved"


def test_an_import_row_with_another_grid_files_a_transfer_at_the_review(world):
    from sync_server.services import imports
    from tests.import_sheets import government_xlsx, person_row
    g1a, g1b = world.tree.id("g1a"), world.tree.id("g1b")
    with world.session() as s:
        person = s.get(Person, world.ids["person"])
        row = person_row(person.name, person.id_number, grid="团结社区第二网格",
                         phone="13900002222")
    with world.session() as s:
        office = _user(s, world, "office1")
        batch = imports.preview(s, Scope.of(s, office), office, filename="人口.xlsx",
                                data=government_xlsx([row]), default_grid_id=None, now=NOW)
        (preview,) = imports.batch_rows(s, batch, kind=None, limit=10, offset=0)[0]
        assert preview.kind == "update"
        assert preview.changes["grid_id"] == ["团结社区第一网格",
                                              "团结社区第二网格（提交人员转移申请，须该网格审核）"]
        imports.submit(s, Scope.of(s, office), office, batch.id, now=NOW)
        admin = _user(s, world, "admin")
        imports.review(s, Scope.of(s, admin), admin, batch.id, decision="all", now=NOW)
        s.commit()
    with world.session() as s:
        person = s.get(Person, world.ids["person"])
        assert (person.grid_id, person.phone) == (g1a, "13900002222")
    (req,) = _transfers(world)
    assert (req.to_node_id, req.assignee_node_id, req.filed_by) == (
        g1b, g1b, world.tree.users["office1"].id)
