"""首页: the counts, and today's work — visit tasks due or overdue and events about to fall due
or overdue, most overdue first — each opening its page on the record."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from common.schema import Event
from desktop.services import events, home, visits
from desktop.ui.events.page import EventsPage
from desktop.ui.home.page import HomePage
from desktop.ui.visits.page import VisitsPage
from tests.desktop.work_fixtures import NOW, ctx, engine, seeded  # noqa: F401

pytestmark = pytest.mark.qt
TODAY = NOW.date()


def _work(seeded) -> dict[str, str]:
    """Two rule tasks due today, one manual task overdue by three days, an event overdue by two
    days, one due tomorrow and one due next week."""
    with Session(seeded.engine) as s, s.begin():
        visits.ensure_default_rules(s, seeded.worker, now=NOW)
        visits.generate_rule_tasks(s, today=TODAY, now=NOW)
        late = visits.create_task(s, seeded.worker, {
            "title": "入户核实：李明", "kind": "person", "person_id": seeded.people["young"],
            "due_date": TODAY - dt.timedelta(days=3)}, now=NOW)
        ids = {"late_task": late}
        for name, due in (("late", NOW - dt.timedelta(days=2)),
                          ("tomorrow", NOW + dt.timedelta(days=1)),
                          ("next_week", NOW + dt.timedelta(days=7))):
            eid = events.create_event(s, seeded.worker, {
                "title": f"事件{name}", "category": "environment",
                "location": "幸福路"}, now=NOW)
            s.get(Event, eid).due_at = due
            ids[name] = eid
    return ids


def test_todays_work_lists_the_most_overdue_first_and_leaves_out_what_is_not_due(seeded):
    ids = _work(seeded)
    with Session(seeded.engine) as s:
        tasks, evs = home.today_work(s, today=TODAY)
    assert [t.id for t in tasks][0] == ids["late_task"] and tasks[0].days_late == 3
    assert sorted(t.title for t in tasks[1:]) == ["低保户每月走访：张秀英",
                                                  "独居老人每周走访：吐尔逊·买买提"]
    assert [(e.id, e.days_late) for e in evs] == [(ids["late"], 2), (ids["tomorrow"], 0)]


def test_the_home_page_shows_todays_work_and_opens_the_record(ctx, seeded, qtbot):
    ids = _work(seeded)
    page = HomePage(ctx)
    qtbot.addWidget(page)
    page.refresh()
    qtbot.wait_until(lambda: page.task_list.count() == 3, timeout=10000)
    assert page.task_list.item(0).text() == "入户核实：李明　逾期 3 天"
    assert page.event_list.item(0).text() == "事件late　逾期 2 天"
    assert page.event_list.count() == 2
    page.event_list.itemActivated.emit(page.event_list.item(0))
    assert ctx.navigated[-1] == ("events", {"event_id": ids["late"]})
    # the events page, asked for that event, shows it selected
    events_page = EventsPage(ctx)
    qtbot.addWidget(events_page)
    with qtbot.wait_signal(events_page.detail_loaded, timeout=10000,
                           check_params_cb=lambda d: d["id"] == ids["late"]):
        events_page.open_record(event_id=ids["late"])
    page.task_list.itemActivated.emit(page.task_list.item(0))
    assert ctx.navigated[-1] == ("visits", {"task_id": ids["late_task"]})
    visits_page = VisitsPage(ctx)
    qtbot.addWidget(visits_page)
    visits_page.open_record(task_id=ids["late_task"])
    qtbot.wait_until(lambda: visits_page.selected_task() is not None and
                     visits_page.selected_task().id == ids["late_task"], timeout=10000)
