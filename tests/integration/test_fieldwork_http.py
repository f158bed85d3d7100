"""Collection tasks and 包户 across roles over real HTTP (uvicorn on 127.0.0.1, a real signed-in
client profile): the township defines a collection on the web, the grid worker's next sync
brings the task, the worker fills it offline, syncs, and the township's page shows it done with
the person's record changed on the server; the township assigns a cadre to a household, the
cadre's device makes the visit task, the visit recorded offline completes it and, synced, counts
as coverage on the web page."""
from __future__ import annotations

import datetime as dt
import os
import re

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from common.schema import CollectionTask, Household, Person, PersonTag, VisitTask
from desktop.net.sync import HttpSyncTransport
from desktop.services.cadres import my_households
from desktop.services.collections import fill_task, my_tasks
from desktop.services.session import sign_in
from desktop.services.sync import SyncService
from desktop.services.visits import record_visit
from desktop.services.work_context import Worker
from tests.conftest import NOW
from tests.factories import PASSWORD, make_id_number, make_person
from tests.web.conftest import CAPTCHA, csrf_of
from tests.web.conftest import sign_in as web_sign_in

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture
def office(live):
    live.settings.captcha_fixed_answer = CAPTCHA
    with httpx.Client(base_url=live.url, timeout=30) as client:
        assert web_sign_in(client, "office1").status_code == 303
        yield client


def _worker(live, tmp_path, monkeypatch):
    monkeypatch.setenv("YZB_HOME", str(tmp_path / "worker"))
    profile = sign_in(live.url, "worker1a", PASSWORD, now=NOW).profile
    return profile, SyncService(profile, HttpSyncTransport(live.url), clock=lambda: NOW)


def _seed(live) -> dict[str, str]:
    h = live.harness
    person = h.write(Person, None, make_person(h.grid("g1a"), name="甲",
                                               id_number=make_id_number("19500301")))
    h.write(PersonTag, None, {"person_id": person, "tag_code": "elderly_60",
                              "grid_id": h.grid("g1a")})
    household = h.write(Household, None, {"household_no": "H-9", "head_person_id": person,
                                          "grid_id": h.grid("g1a")})
    h.write(Person, person, {"household_id": household})
    return {"person": person, "household": household}


def test_a_collection_defined_on_the_web_is_filled_offline_and_counted(
        live, office, tmp_path, monkeypatch):
    ids = _seed(live)
    profile, sync = _worker(live, tmp_path, monkeypatch)
    sync.sync_now()
    page = office.get("/admin/fieldwork/collections")
    r = office.post("/admin/fieldwork/collections", data={
        "csrf_token": csrf_of(page.text), "title": "老人住址核实", "fields": ["address"],
        "tag": "elderly_60", "frequency": "once",
        "due_date": (NOW.date() + dt.timedelta(days=10)).isoformat()}, follow_redirects=False)
    assert r.status_code == 303, r.text
    done_page = r.headers["location"]
    sync.sync_now()
    user_id = profile.info.get("user_id")
    with Session(profile.engine) as s:
        tasks = my_tasks(s, user_id)
    assert [(t.title, t.person_name, t.fields) for t in tasks] == [
        ("老人住址核实", "甲", ("address",))]
    with Session(profile.engine) as s, s.begin():  # offline: nothing leaves the device yet
        fill_task(s, tasks[0].id, {"address": "团结路 9 号"}, now=NOW, actor_id=user_id)
    shown = office.get(done_page).text
    assert re.search(r"<td>worker1a</td><td>1</td><td>0</td>", shown)
    assert sync.sync_now().pending == 0
    shown = office.get(done_page).text
    assert re.search(r"<td>worker1a</td><td>1</td><td>1</td><td>100%</td>", shown)
    with live.harness.session() as s:
        assert s.get(Person, ids["person"]).address == "团结路 9 号"
        assert s.get(CollectionTask, tasks[0].id).status == "done"
    profile.close()


def test_a_cadre_assigned_on_the_web_gets_a_visit_task_and_the_visit_counts(
        live, office, tmp_path, monkeypatch):
    ids = _seed(live)
    profile, sync = _worker(live, tmp_path, monkeypatch)
    user_id = profile.info.get("user_id")
    page = office.get("/admin/fieldwork/cadres")
    r = office.post("/admin/fieldwork/cadres", data={
        "csrf_token": csrf_of(page.text), "household_id": ids["household"],
        "cadre_id": user_id, "interval_days": "30"}, follow_redirects=False)
    assert r.status_code == 303, r.text
    # the assignment made the period's visit task on the server; the sync brings it
    assert "待走访任务 1 项" in office.get("/admin/fieldwork/cadres").text
    sync.sync_now()
    today = NOW.date()
    with Session(profile.engine) as s, s.begin():
        task = s.execute(select(VisitTask)).scalar_one()
        assert task.person_id == ids["person"] and task.assignee_id == user_id
        task_id = task.id
        record_visit(s, Worker(user_id, "grid_worker", live.harness.grid("g1a")),
                     {"kind": "person", "person_id": ids["person"], "notes": "入户了解情况"},
                     now=NOW)
    with Session(profile.engine) as s:
        assert s.get(VisitTask, task_id).status == "done"
        assert [h.covered for h in my_households(s, user_id, today=today)] == [True]
    assert "周期内已走访 0 户" in office.get("/admin/fieldwork/cadres").text
    sync.sync_now()
    assert "周期内已走访 1 户（100%）" in office.get("/admin/fieldwork/cadres").text
    profile.close()
