"""The demo's year of work: tasks done by visits, rule tasks and work logs that devices would
make with the same ids, events whose timelines fit their status."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import text

from desktop.services.visits import rule_task_id as device_rule_task_id
from desktop.services.work_logs import log_id as device_log_id

from .conftest import NOW


def rows(engine, sql):
    with engine.connect() as conn:
        return conn.execute(text(sql)).mappings().all()


def test_done_tasks_point_at_their_visit_and_every_visit_lies_in_the_past_year(demo):
    engine, _ = demo
    visits = {v["id"]: v for v in rows(engine, "SELECT id, task_id, visited_at, person_id "
                                               "FROM visits")}
    tasks = rows(engine, "SELECT id, status, visit_id, person_id FROM visit_tasks")
    done = [t for t in tasks if t["status"] == "done"]
    assert done and all(visits[t["visit_id"]]["task_id"] == t["id"] for t in done)
    assert all(visits[t["visit_id"]]["person_id"] == t["person_id"] for t in done)
    start = NOW - dt.timedelta(days=366)
    for v in visits.values():
        at = dt.datetime.fromisoformat(str(v["visited_at"]))
        assert start <= at <= NOW


def test_each_person_has_at_most_one_open_task_per_rule_and_some_are_overdue(demo):
    engine, _ = demo
    open_tasks = rows(engine, "SELECT rule_id, person_id, due_date FROM visit_tasks "
                              "WHERE status = 'open' AND rule_id IS NOT NULL")
    keys = [(t["rule_id"], t["person_id"]) for t in open_tasks]
    assert len(keys) == len(set(keys))
    assert any(dt.date.fromisoformat(str(t["due_date"])) < NOW.date() for t in open_tasks)


def test_rule_tasks_and_work_logs_have_the_ids_a_device_would_give_them(demo):
    engine, _ = demo
    tasks = rows(engine, "SELECT id, rule_id, person_id, due_date FROM visit_tasks "
                         "WHERE rule_id IS NOT NULL")
    assert tasks
    for t in tasks[:500]:
        due = dt.date.fromisoformat(str(t["due_date"]))
        assert t["id"] == device_rule_task_id(t["rule_id"], t["person_id"], due)
    logs = rows(engine, "SELECT id, user_id, log_date FROM work_logs")
    for log in logs[:500]:
        assert log["id"] == device_log_id(log["user_id"],
                                          dt.date.fromisoformat(str(log["log_date"])))


def test_living_alone_elderly_are_visited_about_weekly(demo):
    engine, _ = demo
    counts = rows(engine, "SELECT v.person_id, count(*) AS n FROM visits v JOIN person_tags t "
                          "ON t.person_id = v.person_id AND t.tag_code = 'living_alone' "
                          "GROUP BY v.person_id")
    assert counts
    median = sorted(c["n"] for c in counts)[len(counts) // 2]
    assert 40 <= median <= 60


def test_closed_events_have_a_closing_action_and_pending_ones_none(demo):
    engine, _ = demo
    events = rows(engine, "SELECT e.id, e.status, e.closed_at, "
                          "(SELECT count(*) FROM event_actions a WHERE a.event_id = e.id) AS n, "
                          "(SELECT count(*) FROM event_actions a WHERE a.event_id = e.id "
                          " AND a.action = 'close') AS closes FROM events e")
    statuses = {e["status"] for e in events}
    assert "closed" in statuses and statuses - {"closed"}
    for e in events:
        if e["status"] == "closed":
            assert e["closes"] == 1 and e["closed_at"] is not None
        elif e["status"] == "pending":
            assert e["n"] == 0


def test_most_working_days_have_a_log_some_back_filled_some_missed(demo):
    engine, summary = demo
    worker = summary.grids[0][2]
    logs = rows(engine, f"SELECT log_date, backfilled FROM work_logs WHERE user_id = '{worker}'")
    working_days = sum(1 for i in range(366)
                       if (NOW.date() - dt.timedelta(days=i)).weekday() < 5)
    assert 0.8 * working_days <= len(logs) < working_days
    assert any(log["backfilled"] for log in logs)
