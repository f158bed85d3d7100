"""采集任务 and 包户 through their widgets: a worker fills a collection task offline (a wrong
phone refused beside the field, nothing written), the person takes the values and the task is
done; a cadre sees their households, coverage and the visit tasks their assignments make."""
import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from common.schema import (Collection, CollectionTask, HouseholdCadre, Person, Visit,
                           VisitTask)
from desktop.storage.changes import record_change
from desktop.storage.tables import OutboxEntry
from desktop.ui.fieldwork.cadres import CadreHouseholdsPage
from desktop.ui.fieldwork.collections import CollectionTasksPage
from tests.desktop.people_factories import NOW
from tests.desktop.ui.conftest import wait_idle

USER = "user-1"  # the ctx fixture's user


def _collection(engine, grid: str) -> tuple[str, str]:
    with Session(engine) as s, s.begin():
        person = s.execute(select(Person).where(Person.name == "张三")).scalar_one()
        c = record_change(s, Collection, None, {
            "title": "联系电话核实", "fields": ["phone", "address"], "filters": {},
            "frequency": "once", "due_date": dt.date(2026, 12, 31), "scope_node_id": grid,
            "created_by": "office", "active": True, "grid_id": None}, now=NOW)
        t = record_change(s, CollectionTask, None, {
            "collection_id": c.id, "person_id": person.id, "period": "once",
            "assignee_id": USER, "due_date": dt.date(2026, 12, 31), "status": "open",
            "grid_id": person.grid_id}, now=NOW)
        return t.id, person.id


def test_a_collection_task_is_filled_offline_into_the_person(ctx, scope, qtbot):
    engine, org, _ = scope
    task_id, person_id = _collection(engine, org["township"].id)
    page = CollectionTasksPage(ctx)
    qtbot.addWidget(page)
    with qtbot.wait_signal(page.tasks_loaded, timeout=5000):
        page.refresh()
    assert [page.table.item(0, c).text() for c in range(5)] == [
        "联系电话核实", "张三", "一次性", "2026-12-31", "待采集"]
    page.table.selectRow(0)
    wait_idle(qtbot, ctx)
    assert list(page.form.editors) == ["phone", "address"]
    assert page.form.editors["phone"].text() == "13899001122"
    page.form.editors["phone"].setText("12345")
    page.form.editors["address"].setText("团结路 8 号")
    page.save()
    wait_idle(qtbot, ctx)
    assert "不是有效的" in page.form.error_text("phone")
    with Session(engine) as s:
        assert s.get(CollectionTask, task_id).status == "open"
        assert s.get(Person, person_id).address is None
    page.form.editors["phone"].setText("13911112222")
    with qtbot.wait_signal(page.task_filled, timeout=5000):
        page.save()
    wait_idle(qtbot, ctx)
    with Session(engine) as s:
        p = s.get(Person, person_id)
        assert (p.phone, p.address) == ("13911112222", "团结路 8 号")
        t = s.get(CollectionTask, task_id)
        assert (t.status, t.done_by) == ("done", USER)
        queued = {(e.entity, e.record_id) for e in s.scalars(select(OutboxEntry))}
        assert ("people", person_id) in queued and ("collection_tasks", task_id) in queued
    assert page.table.rowCount() == 0  # open tasks only: none left


def test_a_cadre_sees_their_households_and_their_coverage(ctx, scope, qtbot):
    engine, org, pl = scope
    with Session(engine) as s, s.begin():
        record_change(s, HouseholdCadre, None, {
            "household_id": pl["household"].id, "cadre_id": USER, "interval_days": 30,
            "grid_id": org["grid"].id}, now=NOW)
        s.get(type(pl["household"]), pl["household"].id).head_person_id = s.execute(
            select(Person.id).where(Person.name == "张三")).scalar_one()
    page = CadreHouseholdsPage(ctx)
    qtbot.addWidget(page)
    with qtbot.wait_signal(page.households_loaded, timeout=5000):
        page.refresh()
    assert page.cell_texts() == [["652123000001", "张三", "", "30", "从未走访", "否"]]
    assert page.summary.text() == "包户 1 户，周期内已走访 0 户"
    assert "走访任务由系统生成" in page.message.text()
    with Session(engine) as s:  # the tasks come from the server, never made on a device
        assert s.execute(select(VisitTask)).all() == []
    with Session(engine) as s, s.begin():
        person = s.execute(select(Person.id).where(Person.name == "张三")).scalar_one()
        record_change(s, Visit, None, {"kind": "person", "person_id": person,
                                       "visitor_id": USER, "visited_at": NOW,
                                       "grid_id": org["grid"].id}, now=NOW)
    with qtbot.wait_signal(page.households_loaded, timeout=5000):
        page.refresh()
    assert page.summary.text() == "包户 1 户，周期内已走访 1 户"
    assert page.cell_texts()[0][5] == "是"
