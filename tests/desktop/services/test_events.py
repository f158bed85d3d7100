"""Events: creating a 随手拍 event, role-bound actions with a timeline, due and overdue lists."""
from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image
from sqlalchemy import select

from common.errors import DomainError
from common.schema import Event, EventAction
from desktop.services import events
from desktop.services.work_context import Worker
from desktop.storage.blobs import BlobStore
from tests.desktop.work_fixtures import (COLLEAGUE_ID, GRID, NOW, OFFICE_ID,  # noqa: F401
                                         TOWNSHIP, engine, seeded, session)

OFFICE = Worker(OFFICE_ID, "township_office", TOWNSHIP)


def new_event(session, worker, **kw):
    return events.create_event(session, worker, {
        "title": "路灯不亮", "category": "infrastructure", "location": "幸福路口", **kw}, now=NOW)


def test_a_snapshot_event_with_a_photo_is_pending_and_due_by_its_priority(seeded, session,
                                                                          tmp_path):
    pic = tmp_path / "灯.png"
    Image.new("RGB", (320, 240), (10, 10, 10)).save(pic)
    eid = events.create_event(session, seeded.worker, {
        "title": "路灯不亮", "category": "infrastructure", "priority": "urgent",
        "house_id": seeded.houses["h12"]}, now=NOW, photo_files=[pic],
        store=BlobStore(tmp_path / "b", b"k" * 32))
    e = session.get(Event, eid)
    assert (e.status, e.source, e.grid_id) == ("pending", "snapshot", GRID)
    assert e.due_at == NOW + dt.timedelta(days=2) and len(e.photos) == 1


def test_an_event_needs_a_title_a_category_and_a_place(seeded, session):
    with pytest.raises(DomainError) as err:
        events.create_event(session, seeded.worker, {"title": ""}, now=NOW)
    assert {e.field for e in err.value.errors} == {"title", "category", "location"}


def test_handle_transfer_and_close_build_a_timeline_in_order(seeded, session):
    eid = new_event(session, seeded.worker)
    events.act(session, seeded.worker, eid, "handle", now=NOW, note="已到现场")
    events.act(session, seeded.worker, eid, "transfer", now=NOW + dt.timedelta(hours=1),
               target_id=COLLEAGUE_ID, note="属电工片区")
    colleague = Worker(COLLEAGUE_ID, "grid_worker", GRID)
    events.act(session, colleague, eid, "close", now=NOW + dt.timedelta(hours=3),
               note="已更换灯泡", satisfaction="satisfied")
    e = session.get(Event, eid)
    assert (e.status, e.assignee_id, e.satisfaction) == ("closed", COLLEAGUE_ID, "satisfied")
    steps = events.timeline(session, eid)
    assert [s["label"] for s in steps] == ["上报", "处理", "转办", "办结"]
    assert steps[2]["target"] == "王建国" and steps[1]["actor"] == "阿依古丽"


def test_a_grid_worker_may_not_supervise_or_postpone_but_the_office_may(seeded, session):
    eid = new_event(session, seeded.worker)
    for action in ("supervise", "postpone", "assign"):
        with pytest.raises(DomainError) as err:
            events.act(session, seeded.worker, eid, action, now=NOW, postpone_days=3,
                       target_id=COLLEAGUE_ID)
        assert err.value.code == "event_action_not_allowed"
    events.act(session, OFFICE, eid, "supervise", now=NOW)
    events.act(session, OFFICE, eid, "postpone", now=NOW, postpone_days=3)
    e = session.get(Event, eid)
    assert e.supervised and e.due_at == NOW + dt.timedelta(days=8)
    assert "supervise" not in events.allowed_actions(OFFICE, e)


def test_a_closed_event_takes_no_more_actions(seeded, session):
    eid = new_event(session, seeded.worker)
    events.act(session, seeded.worker, eid, "close", now=NOW)
    assert events.allowed_actions(seeded.worker, session.get(Event, eid)) == []
    with pytest.raises(DomainError) as err:
        events.act(session, OFFICE, eid, "comment", now=NOW)
    assert err.value.code == "event_closed"


def test_assigning_needs_someone_to_assign_to(seeded, session):
    eid = new_event(session, seeded.worker)
    with pytest.raises(DomainError) as err:
        events.act(session, OFFICE, eid, "assign", now=NOW)
    assert err.value.code == "event_target_required"


def test_escalating_returns_the_event_to_the_office_queue_more_urgent(seeded, session):
    eid = new_event(session, seeded.worker)
    events.act(session, seeded.worker, eid, "handle", now=NOW)
    events.act(session, seeded.worker, eid, "escalate", now=NOW, note="需乡镇协调")
    e = session.get(Event, eid)
    assert (e.status, e.assignee_id, e.priority) == ("pending", None, "urgent")


def test_due_today_and_overdue_lists(seeded, session):
    late = NOW - dt.timedelta(days=6)
    events.create_event(session, seeded.worker, {"title": "垃圾清运", "category": "environment",
                                                 "location": "村委会"}, now=late)
    today = events.create_event(session, seeded.worker, {
        "title": "漏水", "category": "livelihood", "location": "幸福路14号"},
        now=NOW - dt.timedelta(hours=20))
    events.act(session, OFFICE, today, "postpone", now=NOW, postpone_days=1)
    events.create_event(session, seeded.worker, {
        "title": "线路老化", "category": "safety", "location": "幸福路1号",
        "priority": "critical"}, now=NOW - dt.timedelta(hours=10))
    assert [r.title for r in events.list_events(session, seeded.worker, "overdue",
                                                now=NOW)] == ["垃圾清运"]
    assert [r.title for r in events.list_events(session, seeded.worker, "due_today",
                                                now=NOW)] == ["线路老化"]


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.tuples(st.sampled_from(["grid_worker", "township_office"]),
                                st.sampled_from(list(events.ROLE_ACTIONS["county_admin"]))),
                      max_size=8))
def test_any_sequence_of_actions_keeps_timeline_and_rules_consistent(seeded, steps):
    from sqlalchemy.orm import Session
    with Session(seeded.engine) as s:
        eid = new_event(s, seeded.worker)
        done = 0
        for role, action in steps:
            w = Worker(OFFICE_ID if role != "grid_worker" else seeded.worker.user_id, role,
                       GRID)
            before = s.get(Event, eid).status
            try:
                events.act(s, w, eid, action, now=NOW, target_id=COLLEAGUE_ID,
                           postpone_days=1)
                done += 1
                assert before != "closed" and action in events.ROLE_ACTIONS[role]
            except DomainError:
                assert before == "closed" or action not in events.allowed_actions(
                    w, s.get(Event, eid))
        assert len(s.scalars(select(EventAction).where(EventAction.event_id == eid)).all()) \
            == done
        s.rollback()
