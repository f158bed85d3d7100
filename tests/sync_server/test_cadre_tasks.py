"""包户 visit tasks made by the server (services/cadres.make_visit_tasks): one per assignment and
period, never a duplicate however often the round runs, none while an earlier one is open or
when the cadre already visited in the period; the period rule itself (common/cadres.py) for
all inputs."""
from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from common import cadres as rules
from common.schema import Household, Person, User, Visit, VisitTask
from sync_server.services import cadres
from sync_server.services.changes import apply_change
from sync_server.services.scope import Scope
from tests.conftest import NOW
from tests.factories import make_person

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture
def assigned(server):
    """worker1a assigned (by the township) to a household of g1a, every 7 days."""
    g1a = server.tree.id("g1a")
    with server.session() as s:
        hh = apply_change(s, Household, None, {"household_no": "H-包", "grid_id": g1a}, now=NOW)
        head = apply_change(s, Person, None, make_person(g1a, name="包大爷",
                                                         household_id=hh.id), now=NOW)
        apply_change(s, Household, hh.id, {"head_person_id": head.id}, now=NOW)
        office = s.get(User, server.tree.users["office1"].id)
        row = cadres.assign(s, Scope.of(s, office), office, {
            "household_id": hh.id, "cadre_id": server.tree.users["worker1a"].id,
            "interval_days": "7"}, now=NOW)
        s.commit()
        server.ids = {"assignment": row.id, "head": head.id, "grid": g1a}
    return server


def _tasks(server) -> list[VisitTask]:
    with server.session() as s:
        return list(s.scalars(select(VisitTask).where(VisitTask.deleted.is_(False))
                              .order_by(VisitTask.due_date)))


def _round(server, now: dt.datetime) -> int:
    with server.session() as s:
        made = cadres.make_visit_tasks(s, now=now)
        s.commit()
        return made


def test_the_assignment_makes_one_task_per_period_and_rounds_add_no_duplicate(assigned):
    (task,) = _tasks(assigned)
    assert (task.title, task.assignee_id, task.person_id, task.status, task.due_date) == (
        "包户走访：包大爷户", assigned.tree.users["worker1a"].id, assigned.ids["head"], "open",
        NOW.date() + dt.timedelta(days=6))
    assert task.id == rules.task_id(assigned.ids["assignment"], NOW.date())
    for days in (0, 3, 6):  # later rounds in the same period
        assert _round(assigned, NOW + dt.timedelta(days=days)) == 0
    # the next period starts while the first task is still open: it stays the one task
    assert _round(assigned, NOW + dt.timedelta(days=8)) == 0
    with assigned.session() as s:
        apply_change(s, VisitTask, task.id, {"status": "done"}, now=NOW)
        s.commit()
    assert _round(assigned, NOW + dt.timedelta(days=8)) == 1
    assert _round(assigned, NOW + dt.timedelta(days=9)) == 0
    tasks = _tasks(assigned)
    assert [t.due_date for t in tasks] == [NOW.date() + dt.timedelta(days=d) for d in (6, 13)]


def test_no_task_when_the_cadre_already_visited_in_the_period(assigned):
    with assigned.session() as s:
        (task,) = s.scalars(select(VisitTask)).all()
        apply_change(s, VisitTask, task.id, {"status": "done"}, now=NOW)
        apply_change(s, Visit, None, {"kind": "person", "person_id": assigned.ids["head"],
                                      "visitor_id": assigned.tree.users["worker1a"].id,
                                      "visited_at": NOW + dt.timedelta(days=7, hours=2),
                                      "grid_id": assigned.ids["grid"]}, now=NOW)
        s.commit()
    assert _round(assigned, NOW + dt.timedelta(days=10)) == 0
    assert _round(assigned, NOW + dt.timedelta(days=14)) == 1  # the period after


@given(start=st.dates(dt.date(2020, 1, 1), dt.date(2030, 1, 1)),
       interval=st.integers(1, 365), offset=st.integers(-30, 3000))
def test_every_day_falls_in_exactly_one_period_of_the_interval(start, interval, offset):
    day = start + dt.timedelta(days=offset)
    begin, last = rules.period(start, interval, day)
    assert (last - begin).days == interval - 1 and begin >= start
    assert begin <= day <= last or day < start
    assert (begin - start).days % interval == 0
    # every day of that period names the same task
    assert rules.period(start, interval, last) == (begin, last)
    assert all((b - start).days % interval == 0 and b < begin
               for b in rules.earlier_starts(start, interval, begin))
