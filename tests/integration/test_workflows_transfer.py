"""Issue 13's moves made by an edit, end to end over HTTP with a real server and real encrypted
laptops: the township changes a person's grid on the web console, the person stays in their grid
while the receiving grid's worker approves offline on their laptop, and after the syncs the
person, their household and open task are in the new grid with 迁出/迁入 records while the old
grid's laptop no longer holds them. A township laptop's edit of the grid files the same request
instead of moving anyone, and keeps the rest of the edit."""
from __future__ import annotations

import re
from html import unescape

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from common.errors import DomainError
from common.schema import Household, Person, PersonMove, PersonTag, VisitTask, WorkRequest
from desktop.net.sync import HttpSyncTransport
from desktop.services import workflows
from desktop.services.people import save_person
from desktop.services.sync import SyncService
from desktop.services.work_context import Worker
from tests.conftest import NOW
from tests.factories import make_person
from tests.integration.test_workflows_offline import holds, laptop
from tests.web.conftest import CAPTCHA
from tests.web.conftest import sign_in as web_sign_in


@pytest.fixture
def live(live, tmp_path, monkeypatch):
    monkeypatch.setenv("YZB_HOME", str(tmp_path / "home"))
    live.settings.captcha_fixed_answer = CAPTCHA
    return live


def record_form(html: str) -> dict[str, str]:
    """What the browser sends from the record form: its inputs and each select's choice."""
    form = re.search(r'<form method="post"[^>]*class="record".*?</form>', html, re.S).group(0)
    out = {m.group(1): unescape(m.group(2)) for m in re.finditer(
        r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', form)}
    for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', form, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected>', body)
        out[name] = chosen.group(1) if chosen else ""
    return out


def _family(h, grid):
    hh = h.write(Household, None, {"household_no": "H-转", "grid_id": grid})
    pid = h.write(Person, None, make_person(grid, name="王小明", household_id=hh))
    spouse = h.write(Person, None, make_person(grid, name="李小红", household_id=hh))
    task = h.write(VisitTask, None, {"title": "走访王小明", "kind": "routine", "person_id": pid,
                                     "grid_id": grid, "due_date": NOW.date(), "status": "open"})
    return pid, spouse, hh, task


def test_a_township_move_on_the_web_waits_for_the_receiving_grids_offline_approval(live):
    h = live.harness
    g1a, g1b = h.grid("g1a"), h.grid("g1b")
    pid, spouse, hh, task = _family(h, g1a)
    old, old_sync = laptop(live, "worker1a")
    new, new_sync = laptop(live, "worker1b")
    assert holds(old, Person, pid) and not holds(new, Person, pid)

    with httpx.Client(base_url=live.url, follow_redirects=True, timeout=30) as browser:
        web_sign_in(browser, "office1")
        form = record_form(browser.get(f"/admin/registry/people/{pid}").text)
        saved = browser.post(f"/admin/registry/people/{pid}",
                             data={**form, "grid_id": g1b, "phone": "13900001111"})
        assert saved.status_code == 200
        assert "已提交人员转移申请：转入「团结社区第二网格」须由该网格审核通过后生效" in saved.text
        assert record_form(saved.text)["grid_id"] == g1a  # the form shows where they are
        mine = browser.get("/admin/workflows/mine").text
        assert "人员转移" in mine and "团结社区第二网格" in mine
    with h.session() as s:
        person = s.get(Person, pid)
        assert (person.grid_id, person.phone) == (g1a, "13900001111")
        (rid,) = s.scalars(select(WorkRequest.id).where(WorkRequest.kind == "transfer"))

    # A's laptop still holds the person; B's laptop receives the request it must decide.
    old_sync.sync_now()
    assert holds(old, Person, pid)
    new_sync.sync_now()
    worker1b = Worker(live.tree.users["worker1b"].id, "grid_worker", g1b)
    with Session(new.engine) as s:
        (waiting,) = workflows.waiting_for_me(s, worker1b)
        assert (waiting.id, waiting.kind, waiting.name, waiting.from_grid) == (
            rid, "人员转移", "王小明", "团结社区第一网格")
        assert workflows.work_items(s, worker1b, today=NOW.date()).to_review == 1

    # B's worker approves offline; the approval goes with the next sync.
    with Session(new.engine) as s, s.begin():
        workflows.take_step(s, worker1b, rid, "approved", "已核实在本网格居住", now=NOW)
    offline = SyncService(new, HttpSyncTransport("http://127.0.0.1:9", attempts=1),
                          clock=lambda: NOW)
    with pytest.raises(DomainError):
        offline.sync_now()
    progress = new_sync.sync_now()
    assert progress.refused == 0 and progress.accepted == 1
    new_sync.sync_now()
    for record, entity in ((pid, Person), (spouse, Person), (hh, Household), (task, VisitTask)):
        assert holds(new, entity, record), entity.__tablename__
    with Session(new.engine) as s:
        assert s.get(WorkRequest, rid).state == "approved"
        assert s.get(Person, pid).grid_id == g1b
        assert sorted(s.scalars(select(PersonMove.direction).where(
            PersonMove.person_id == pid))) == ["in"]
    old_sync.sync_now()
    for record, entity in ((pid, Person), (spouse, Person), (hh, Household), (task, VisitTask)):
        assert not holds(old, entity, record), entity.__tablename__
    with Session(old.engine) as s:
        assert [m.reason for m in s.scalars(select(PersonMove).where(
            PersonMove.person_id == pid))] == ["网格变更"]


def test_a_township_laptops_grid_edit_files_a_request_and_keeps_the_rest(live):
    h = live.harness
    g1a, g1b = h.grid("g1a"), h.grid("g1b")
    pid, *_ = _family(h, g1a)
    tag = h.write(PersonTag, None, {"person_id": pid, "tag_code": "dibao", "grid_id": g1a})
    office, office_sync = laptop(live, "office1")
    office_id = live.tree.users["office1"].id
    with Session(office.engine) as s, s.begin():
        save_person(s, pid, {"grid_id": g1b, "name": "王晓明"}, ["dibao"], now=NOW,
                    actor_id=office_id)
    progress = office_sync.sync_now()
    assert progress.refused == 0  # nothing the user typed is refused or lost
    with h.session() as s:
        person = s.get(Person, pid)
        assert (person.grid_id, person.name) == (g1a, "王晓明")
        assert s.get(PersonTag, tag).grid_id == g1a  # the tag stays with its person
        (req,) = s.scalars(select(WorkRequest).where(WorkRequest.kind == "transfer"))
        assert (req.to_node_id, req.filed_by) == (g1b, office_id)
    office_sync.sync_now()
    with Session(office.engine) as s:  # the laptop shows the person where they are
        assert (s.get(Person, pid).grid_id, s.get(Person, pid).name) == (g1a, "王晓明")
        assert s.get(PersonTag, tag).grid_id == g1a
        township = Worker(office_id, "township_office", live.tree.id("t1"))
        (mine,) = workflows.my_requests(s, township)
        assert (mine.kind, mine.state, mine.to_grid) == ("人员转移", "待审核", "团结社区第二网格")
