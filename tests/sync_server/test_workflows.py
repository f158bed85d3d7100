"""The workflow engine on the server (services/workflows.py): claims and moves, population
review, floating-population conversion, and the state machine holding against hostile devices."""
from __future__ import annotations

import datetime as dt
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from common import workflows as wf
from common.schema import (Household, Person, PersonMove, PersonTag, VisitTask, WorkRequest,
                           WorkRequestAction)
from common.sync import hlc
from common.sync.messages import Change
from sync_server.services import workflows as svc
from sync_server.services.changes import apply_change
from sync_server.services.records import create_record
from sync_server.services.scope import Scope
from sync_server.services.sync import push
from tests.conftest import NOW
from tests.factories import make_id_number, make_person

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _push(server, username, entity, record_id, values, *, now=NOW):
    """One change pushed by `username`'s device; returns its ack."""
    with server.session() as s:
        user = s.get(type(server.tree.users[username]), server.tree.users[username].id)
        change = Change(id=str(uuid.uuid4()), entity=entity, record_id=record_id, values=values,
                        clock=hlc.tick(None, int(now.timestamp() * 1000), "dev1"))
        acks, _ = push(s, user, Scope.of(s, user), "device-" + username, [change], cursor=0,
                       now=now)
        s.commit()
        return acks[0]


def _claim(server, username="worker2", grid="g2", number=None):
    rid = str(uuid.uuid4())
    ack = _push(server, username, "work_requests", rid, {
        "kind": "claim", "state": "submitted", "id_number": number or server.ids["number"],
        "to_node_id": server.tree.id(grid), "grid_id": server.tree.id(grid),
        "reason": "已在本网格租房居住"})
    return rid, ack


def _act(server, username, rid, after, note=None):
    with server.session() as s:
        user = s.get(type(server.tree.users[username]), server.tree.users[username].id)
        try:
            svc.act(s, user, Scope.of(s, user), rid, after, note, now=NOW)
        except Exception:
            s.rollback()
            raise
        s.commit()


def test_a_claim_pushed_offline_waits_for_the_persons_current_grid(world):
    rid, ack = _claim(world)
    assert ack.status == "accepted", ack.error
    with world.session() as s:
        req = s.get(WorkRequest, rid)
        assert (req.state, req.kind) == ("submitted", "claim")
        # the filer's grid sees only the masked name until the person is theirs
        assert req.subject_id == world.ids["person"] and req.subject_name == "王**"
        assert req.from_node_id == world.tree.id("g1a")
        assert req.assignee_node_id == world.tree.id("g1a")
        assert req.filed_by == world.tree.users["worker2"].id
        assert req.due_date == NOW.date() + dt.timedelta(days=wf.DUE_DAYS)
        actions = s.scalars(select(WorkRequestAction.action)
                            .where(WorkRequestAction.request_id == rid)).all()
        assert actions == ["file"]


def test_the_claimer_cannot_approve_their_own_claim_by_push_or_by_the_service(world):
    rid, _ = _claim(world)
    ack = _push(world, "worker2", "work_requests", rid, {"state": "approved"})
    assert ack.status == "refused" and ack.error["code"] == "workflow_not_assignee"
    with pytest.raises(Exception) as err:
        _act(world, "worker2", rid, "approved")
    assert getattr(err.value, "code", "") == "workflow_not_assignee"
    with world.session() as s:
        assert s.get(WorkRequest, rid).state == "submitted"
        assert s.get(Person, world.ids["person"]).grid_id == world.tree.id("g1a")


def test_a_grid_outside_the_assignee_level_does_not_even_see_the_claim(world):
    rid, _ = _claim(world)
    ack = _push(world, "worker1b", "work_requests", rid, {"state": "approved"})
    assert ack.status == "refused" and ack.error["code"] in ("out_of_scope", "not_found")


def test_approval_moves_person_household_tags_and_open_tasks_and_keeps_migration_records(world):
    rid, _ = _claim(world)
    ack = _push(world, "worker1a", "work_requests", rid, {"state": "approved",
                                                          "note": "情况属实"})
    assert ack.status == "accepted", ack.error
    g1a, g2 = world.tree.id("g1a"), world.tree.id("g2")
    with world.session() as s:
        assert s.get(WorkRequest, rid).state == "approved"
        assert s.get(WorkRequest, rid).decided_by == world.tree.users["worker1a"].id
        assert s.get(WorkRequest, rid).subject_name == "王小明"
        for key in ("person", "spouse"):
            assert s.get(Person, world.ids[key]).grid_id == g2
        assert s.get(Household, world.ids["household"]).grid_id == g2
        assert s.get(VisitTask, world.ids["task"]).grid_id == g2
        assert {t.grid_id for t in s.scalars(select(PersonTag).where(
            PersonTag.person_id == world.ids["person"]))} == {g2}
        moves = s.scalars(select(PersonMove).where(
            PersonMove.person_id == world.ids["person"])).all()
        assert sorted((m.direction, m.grid_id, m.from_node_id, m.to_node_id) for m in moves) \
            == [("in", g2, g1a, g2), ("out", g1a, g1a, g2)]
        assert [a.action for a in s.scalars(select(WorkRequestAction).where(
            WorkRequestAction.request_id == rid).order_by(WorkRequestAction.rev))] \
            == ["file", "approve"]


def test_a_refusal_needs_a_reason_and_moves_nobody(world):
    rid, _ = _claim(world)
    with pytest.raises(Exception) as err:
        _act(world, "office1", rid, "refused", "  ")
    assert err.value.code == "workflow_note_required"
    _act(world, "office1", rid, "refused", "此人仍在本网格居住")
    with world.session() as s:
        assert s.get(WorkRequest, rid).state == "refused"
        assert s.get(Person, world.ids["person"]).grid_id == world.tree.id("g1a")
    with pytest.raises(Exception) as err:
        _act(world, "office1", rid, "approved")
    assert err.value.code == "workflow_transition_forbidden"


def test_a_claim_of_an_unknown_number_or_of_someone_already_here_is_refused(world):
    _, ack = _claim(world, number=make_id_number("19900101"))
    assert ack.status == "refused" and ack.error["code"] == "claim_not_found"
    _, ack = _claim(world, username="worker1a", grid="g1a")
    assert ack.status == "refused" and ack.error["code"] == "claim_already_here"
    _claim(world)
    _, ack = _claim(world)
    assert ack.status == "refused" and ack.error["code"] == "workflow_open_request"


def test_a_device_cannot_file_a_review_or_write_history_or_migration_records(world):
    ack = _push(world, "worker1a", "work_requests", str(uuid.uuid4()), {
        "kind": "floating_conversion", "state": "approved", "grid_id": world.tree.id("g1a")})
    assert ack.status == "refused" and ack.error["code"] == "forbidden"
    for entity in ("work_request_actions", "person_moves"):
        ack = _push(world, "worker1a", entity, str(uuid.uuid4()), {"grid_id":
                                                                    world.tree.id("g1a")})
        assert ack.error["code"] == "read_only_entity"


def test_a_filer_withdraws_and_a_withdrawn_claim_stays_withdrawn(world):
    rid, _ = _claim(world)
    assert _push(world, "worker2", "work_requests", rid, {"state": "withdrawn"}).status \
        == "accepted"
    ack = _push(world, "worker1a", "work_requests", rid, {"state": "approved"})
    assert ack.error["code"] == "workflow_transition_forbidden"
    ack = _push(world, "worker2", "work_requests", rid, {"to_node_id": world.tree.id("g1b")})
    assert ack.error["code"] == "workflow_field_fixed"


def test_a_person_added_by_the_township_waits_in_the_grids_review_queue(world):
    with world.session() as s:
        office = s.get(type(world.tree.users["office1"]), world.tree.users["office1"].id)
        person = create_record(s, Scope.of(s, office), office, Person,
                               make_person(world.tree.id("g1a")), now=NOW)
        s.commit()
        req = s.scalar(select(WorkRequest).where(WorkRequest.subject_id == person.id))
        assert (req.kind, req.assignee_node_id) == ("population_review",
                                                    world.tree.id("g1a"))
        worker = s.get(type(office), world.tree.users["worker1a"].id)
        assert [r.id for r in svc.queue(s, worker)] == [req.id]
        assert svc.queue(s, office) == []  # the filer never reviews their own
        rid = req.id
    _act(world, "worker1a", rid, "returned", "民族填写有误")
    with world.session() as s:
        assert s.get(WorkRequest, rid).state == "returned"


def test_a_worker_registering_their_own_grid_needs_no_review_unless_floating(world):
    _push(world, "worker1a", "people", str(uuid.uuid4()), make_person(world.tree.id("g1a")))
    pid = str(uuid.uuid4())
    ack = _push(world, "worker1a", "people", pid, make_person(world.tree.id("g1a"),
                                                              resident_type="floating"))
    assert ack.status == "accepted", ack.error
    with world.session() as s:
        reqs = s.scalars(select(WorkRequest).where(WorkRequest.kind == "population_review")).all()
        assert [(r.subject_id, r.assignee_node_id) for r in reqs] == [(pid,
                                                                       world.tree.id("t1"))]


def test_floating_residents_are_proposed_for_conversion_after_the_county_period(world):
    with world.session() as s:
        p = apply_change(s, Person, None, make_person(world.tree.id("g1a"),
                                                      resident_type="floating"), now=NOW)
        s.commit()
        assert svc.propose_conversions(s, now=NOW + dt.timedelta(days=150)) == 0
        admin = s.get(type(world.tree.users["admin"]), world.tree.users["admin"].id)
        svc.set_conversion_months(s, admin, "5", now=NOW)
        assert svc.propose_conversions(s, now=NOW + dt.timedelta(days=160)) == 1
        assert svc.propose_conversions(s, now=NOW + dt.timedelta(days=161)) == 0
        s.commit()
        req = s.scalar(select(WorkRequest).where(WorkRequest.kind == "floating_conversion"))
        assert req.assignee_node_id == world.tree.id("g1a") and req.filed_by is None
        rid, pid = req.id, p.id
    _act(world, "worker1a", rid, "approved")
    with world.session() as s:
        assert s.get(Person, pid).resident_type == "permanent"


def test_only_a_county_user_sets_the_period_and_only_to_a_sane_value(world):
    with world.session() as s:
        office = s.get(type(world.tree.users["office1"]), world.tree.users["office1"].id)
        admin = s.get(type(office), world.tree.users["admin"].id)
        with pytest.raises(Exception) as err:
            svc.set_conversion_months(s, admin, "0", now=NOW)
        assert err.value.code == "setting_invalid"
        with pytest.raises(Exception) as err:
            svc.set_conversion_months(s, office, "3", now=NOW)
        assert err.value.code == "forbidden"


ACTORS = ("worker1a", "worker1b", "worker2", "office1", "admin")
STEPS = st.lists(st.tuples(st.sampled_from(ACTORS),
                           st.sampled_from(sorted(wf.STATES) + ["bogus"]),
                           st.sampled_from([None, "原因"]),
                           st.booleans()), min_size=1, max_size=8)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=STEPS)
def test_no_sequence_of_hostile_pushes_reaches_a_state_the_machine_forbids(world, steps):
    """Whatever devices push (forged states, deciding their own claim, deciding outside their
    level, editing fixed fields), the stored history only takes allowed steps, each by an actor
    allowed to take it, and the person moved iff the claim ended approved."""
    g1a, g2 = world.tree.id("g1a"), world.tree.id("g2")
    with world.session() as s:
        for r in s.scalars(select(WorkRequest).where(WorkRequest.state == "submitted")):
            apply_change(s, WorkRequest, r.id, {"state": "withdrawn"}, now=NOW)
        for pid in (world.ids["person"], world.ids["spouse"]):
            apply_change(s, Person, pid, {"grid_id": g1a}, now=NOW)
        apply_change(s, Household, world.ids["household"], {"grid_id": g1a}, now=NOW)
        s.commit()
    rid, ack = _claim(world)
    assert ack.status == "accepted", ack.error
    users = {u: world.tree.users[u].id for u in ACTORS}
    for actor, state, note, forge in steps:
        values = {"state": state, "note": note}
        if forge:
            values["to_node_id"] = world.tree.id("g1b")
        _push(world, actor, "work_requests", rid, values)
    with world.session() as s:
        req = s.get(WorkRequest, rid)
        history = s.scalars(select(WorkRequestAction).where(
            WorkRequestAction.request_id == rid).order_by(WorkRequestAction.rev)).all()
        assert req.to_node_id == g2 and req.filed_by == users["worker2"]
        state = None
        for h in history:
            assert h.from_state == state
            if state is not None:
                who = wf.TRANSITIONS[(state, h.to_state)]
                if who == wf.FILER:
                    assert h.actor_id == users["worker2"]
                else:
                    assert h.actor_id in (users["worker1a"], users["office1"], users["admin"])
                    assert h.to_state in wf.DECISIONS["claim"]
            state = h.to_state
        assert state == req.state
        moved = s.get(Person, world.ids["person"]).grid_id == g2
        assert moved == (req.state == "approved")


def test_a_residents_own_floating_registration_waits_for_the_grid(world):
    """The resident pages (issue 14) register a floating resident and call this service."""
    with world.session() as s:
        p = apply_change(s, Person, None, make_person(world.tree.id("g1b"),
                                                      resident_type="floating"), now=NOW)
        req = svc.file_floating_registration(s, p, now=NOW)
        s.commit()
        assert (req.kind, req.state, req.filed_by, req.assignee_node_id) == (
            "population_review", "submitted", None, world.tree.id("g1b"))
        worker = s.get(type(world.tree.users["worker1b"]), world.tree.users["worker1b"].id)
        assert [r.id for r in svc.queue(s, worker)] == [req.id]


# --- population review applies the record; returned requests are corrected and filed again -----

def _township_adds(world, **values):
    with world.session() as s:
        office = s.get(type(world.tree.users["office1"]), world.tree.users["office1"].id)
        person = create_record(s, Scope.of(s, office), office, Person,
                               make_person(world.tree.id("g1a"), **values), now=NOW)
        s.commit()
        rid = s.scalar(select(WorkRequest.id).where(WorkRequest.subject_id == person.id))
        return person.id, rid


def test_a_reviewed_person_enters_the_register_only_when_the_grid_approves(world):
    pid, rid = _township_adds(world, name="赵新生")
    with world.session() as s:
        assert s.get(Person, pid).status == "pending"  # held: not in the register yet
    # nobody skips the review by editing the status, on any path
    ack = _push(world, "worker1a", "people", pid, {"status": "normal"})
    assert ack.status == "refused" and ack.error["code"] == "person_pending_review"
    ack = _push(world, "worker1a", "people", str(uuid.uuid4()),
                make_person(world.tree.id("g1a"), status="pending"))
    assert ack.error["code"] == "person_pending_review"
    _act(world, "worker1a", rid, "approved")
    with world.session() as s:
        assert s.get(Person, pid).status == "normal"
        assert s.get(WorkRequest, rid).state == "approved"


def test_a_returned_registration_leaves_the_register_and_is_corrected_and_filed_again(world):
    pid, rid = _township_adds(world, name="钱错字", ethnicity="01")
    _act(world, "worker1a", rid, "returned", "姓名有误，请核对户口簿")
    with world.session() as s:
        req = s.get(WorkRequest, rid)
        assert (req.state, req.note) == ("returned", "姓名有误，请核对户口簿")  # the sender reads it
        assert s.get(Person, pid).status == "pending"
        office = s.get(type(world.tree.users["office1"]), world.tree.users["office1"].id)
        # the sender corrects the record through the one door, then files the request again
        from sync_server.services.records import update_record
        update_record(s, Scope.of(s, office), office, Person, pid, {"name": "钱正字"}, now=NOW)
        svc.act(s, office, Scope.of(s, office), rid, "submitted", None, now=NOW,
                reason="姓名已按户口簿更正")
        s.commit()
        assert s.get(WorkRequest, rid).reason == "姓名已按户口簿更正"
    _act(world, "worker1a", rid, "approved")
    with world.session() as s:
        person = s.get(Person, pid)
        assert (person.name, person.status) == ("钱正字", "normal")
        assert [a.action for a in s.scalars(select(WorkRequestAction).where(
            WorkRequestAction.request_id == rid).order_by(WorkRequestAction.rev))] \
            == ["file", "return", "resubmit", "approve"]


def test_a_withdrawn_registration_leaves_the_register_as_it_was(world):
    pid, rid = _township_adds(world)
    _act(world, "worker1a", rid, "returned", "此人不在本网格居住")
    _act(world, "office1", rid, "withdrawn")
    with world.session() as s:
        assert s.get(Person, pid).deleted


def test_a_returned_claim_is_corrected_offline_and_resubmitted_by_push(world):
    rid, _ = _claim(world)
    _act(world, "worker1a", rid, "returned", "请写明居住地址")
    # a correction of anything but the reason is still refused
    ack = _push(world, "worker2", "work_requests", rid, {
        "state": "submitted", "to_node_id": world.tree.id("g1b")})
    assert ack.error["code"] == "workflow_field_fixed"
    ack = _push(world, "worker2", "work_requests", rid, {
        "state": "submitted", "reason": "已在本网格幸福小区3栋租房居住"})
    assert ack.status == "accepted", ack.error
    with world.session() as s:
        req = s.get(WorkRequest, rid)
        assert (req.state, req.reason) == ("submitted", "已在本网格幸福小区3栋租房居住")
        steps = s.scalars(select(WorkRequestAction).where(
            WorkRequestAction.request_id == rid).order_by(WorkRequestAction.rev)).all()
        assert [(a.action, a.note) for a in steps][-1] == ("resubmit",
                                                           "已在本网格幸福小区3栋租房居住")
        worker = s.get(type(world.tree.users["worker1a"]), world.tree.users["worker1a"].id)
        assert rid in [r.id for r in svc.queue(s, worker)]
    # only a reason may change when filing again, never on another step
    ack = _push(world, "worker2", "work_requests", rid, {"state": "withdrawn",
                                                         "reason": "改了"})
    assert ack.error["code"] == "workflow_field_fixed"


def test_a_grid_emptied_by_moves_is_retired_with_its_request_history(world):
    from common.schema import OrgNode, User
    from sync_server.services.admin import check_node_empty
    rid, _ = _claim(world)
    _act(world, "worker1a", rid, "approved")
    g1a = world.tree.id("g1a")
    with world.session() as s:
        for u in s.scalars(select(User).where((User.scope_node_id == g1a)
                                              | (User.grid_id == g1a))):
            u.active = False
        check_node_empty(s, s.get(OrgNode, g1a))  # requests and moves do not block it
        assert s.scalar(select(PersonMove.id).where(PersonMove.grid_id == g1a)) is not None
