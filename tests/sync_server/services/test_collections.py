"""Collection tasks on the server: a monthly collection makes a new task per person each month
and never twice in a month; a once collection makes nothing after its deadline; a grid with no
worker gets unassigned tasks the township can see; a grid worker cannot define one."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from common.errors import DomainError
from common.schema import CollectionTask, Person, User
from sync_server.services import collections as svc
from sync_server.services.changes import apply_change
from sync_server.services.scope import Scope
from tests.conftest import NOW
from tests.factories import make_id_number, make_person


def _setup(server) -> tuple:
    t = server.tree
    with server.session() as s:
        for name, grid in (("甲", "g1a"), ("乙", "g1b"), ("丙", "g2")):
            apply_change(s, Person, None, make_person(t.id(grid), name=name,
                                                      id_number=make_id_number()), now=NOW)
        s.commit()


def _define(s, server, frequency: str, due: dt.date, user: str = "office1"):
    u = s.get(User, server.tree.users[user].id)
    return svc.create_collection(s, Scope.of(s, u), u, {
        "title": "核实", "fields": ["phone"], "frequency": frequency,
        "due_date": due.isoformat()}, now=NOW)


def test_a_monthly_collection_makes_one_task_per_person_per_month(server):
    _setup(server)
    with server.session() as s:
        row, made = _define(s, server, "monthly", NOW.date() + dt.timedelta(days=120))
        assert made == 2  # 甲 and 乙 in township 1; 丙 is in township 2
        assert svc.make_tasks(s, row, day=NOW.date(), now=NOW) == 0
        next_month = (NOW.date().replace(day=1) + dt.timedelta(days=32)).replace(day=5)
        assert svc.make_tasks(s, row, day=next_month, now=NOW) == 2
        periods = sorted({t.period for t in s.scalars(select(CollectionTask))})
        assert periods == [f"{NOW.date():%Y-%m}", f"{next_month:%Y-%m}"]
        due = {t.period: t.due_date for t in s.scalars(select(CollectionTask))}
        assert due[f"{next_month:%Y-%m}"].month == next_month.month  # due at that month's end
        s.commit()


def test_a_once_collection_makes_nothing_after_its_deadline(server):
    _setup(server)
    with server.session() as s:
        row, made = _define(s, server, "once", NOW.date() + dt.timedelta(days=3))
        assert made == 2
        later = NOW.date() + dt.timedelta(days=10)
        apply_change(s, Person, None, make_person(server.tree.id("g1a"), name="丁",
                                                  id_number=make_id_number()), now=NOW)
        assert svc.make_tasks(s, row, day=later, now=NOW) == 0
        assert svc.make_tasks(s, row, day=NOW.date(), now=NOW) == 1  # 丁, before the deadline


def test_only_township_and_county_users_define_collections(server):
    with server.session() as s:
        with pytest.raises(DomainError) as err:
            _define(s, server, "once", NOW.date(), user="worker1a")
        assert err.value.code == "forbidden"


def test_completion_counts_by_grid_and_worker_within_the_scope(server):
    _setup(server)
    with server.session() as s:
        row, _ = _define(s, server, "once", NOW.date() + dt.timedelta(days=3), user="admin")
        office = s.get(User, server.tree.users["office1"].id)
        _, period, shares = svc.completion(s, Scope.of(s, office), row.id, day=NOW.date(),
                                           now=NOW)
        assert period == "once"
        assert [(c.grid, c.worker, c.total, c.done) for c in shares] == [
            ("团结社区第一网格", "worker1a", 1, 0), ("团结社区第二网格", "worker1b", 1, 0)]


def test_the_housekeeping_round_makes_a_new_months_tasks(server):
    _setup(server)
    with server.session() as s:
        row, _ = _define(s, server, "monthly", NOW.date() + dt.timedelta(days=120))
        s.commit()
        next_month = (NOW.date().replace(day=1) + dt.timedelta(days=32)).replace(day=2)
        later = dt.datetime.combine(next_month, dt.time(1))
        assert svc.monthly_running(s, now=later)
        assert svc.make_due_tasks(s, now=later) == 2
        assert svc.make_due_tasks(s, now=later) == 0


def test_the_people_are_chosen_by_any_declared_list_filter(server):
    t = server.tree
    with server.session() as s:
        for name, ethnicity in (("甲", "05"), ("乙", "01")):
            apply_change(s, Person, None, make_person(t.id("g1a"), name=name, ethnicity=ethnicity,
                                                      id_number=make_id_number()), now=NOW)
        u = s.get(User, t.users["office1"].id)
        row, made = svc.create_collection(s, Scope.of(s, u), u, {
            "title": "维吾尔族人口核实", "fields": ["phone"], "frequency": "once",
            "ethnicity": "05", "due_date": NOW.date().isoformat()}, now=NOW)
        assert made == 1 and row.filters == {"ethnicity": "05"}
        with pytest.raises(DomainError) as err:
            svc.create_collection(s, Scope.of(s, u), u, {
                "title": "x", "fields": ["phone"], "frequency": "once", "sex": "neither",
                "due_date": NOW.date().isoformat()}, now=NOW)
        assert err.value.errors[0].field == "sex"


def test_a_grids_people_are_shared_out_evenly_among_its_workers(server):
    from sync_server.services.users import create_user
    from tests.factories import password_hash
    t = server.tree
    with server.session() as s:
        create_user(s, username="worker1a2", display_name="worker1a2", role="grid_worker",
                    scope_node_id=t.id("g1a"), now=NOW, password_hash=password_hash())
        for n in range(5):
            apply_change(s, Person, None, make_person(t.id("g1a"), name=f"人{n}",
                                                      id_number=make_id_number()), now=NOW)
        _define(s, server, "once", NOW.date())
        per_worker = {}
        for task in s.scalars(select(CollectionTask)):
            per_worker[task.assignee_id] = per_worker.get(task.assignee_id, 0) + 1
        assert sorted(per_worker.values()) == [2, 3] and None not in per_worker
