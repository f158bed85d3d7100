"""Issue 13's "Done when" for claims, end to end: a grid worker files a claim on a real encrypted
profile while offline, syncs to a real server on 127.0.0.1, the township approves it on the web
console, the worker's next sync brings the person, their household and open visit task, and
the old grid's laptop no longer holds any of them (while it still sees the decided request)."""
from __future__ import annotations

import re

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from common.errors import DomainError
from common.schema import Household, Person, PersonMove, VisitTask, WorkRequest
from desktop.net.sync import HttpSyncTransport
from desktop.services import workflows
from desktop.services.session import sign_in
from desktop.services.sync import SyncService
from desktop.services.work_context import Worker
from desktop.storage.outbox import pending_count
from tests.conftest import NOW
from tests.factories import PASSWORD, make_id_number, make_person
from tests.web.conftest import CAPTCHA, csrf_of
from tests.web.conftest import sign_in as web_sign_in


@pytest.fixture
def live(live, tmp_path, monkeypatch):
    monkeypatch.setenv("YZB_HOME", str(tmp_path / "home"))
    live.settings.captcha_fixed_answer = CAPTCHA
    return live


def laptop(live, username):
    """A worker's laptop after its first sign-in and sync."""
    profile = sign_in(live.url, username, PASSWORD, now=NOW).profile
    service = SyncService(profile, HttpSyncTransport(live.url, attempts=1), clock=lambda: NOW)
    service.sync_now()
    return profile, service


def holds(profile, entity, record_id) -> bool:
    with Session(profile.engine) as s:
        row = s.get(entity, record_id)
        return row is not None and not row.deleted


def test_an_offline_claim_approved_on_the_web_moves_the_person_between_laptops(live):
    h = live.harness
    g1a, g2 = h.grid("g1a"), h.grid("g2")
    number = make_id_number("19700101")
    hh = h.write(Household, None, {"household_no": "H-迁", "grid_id": g1a})
    pid = h.write(Person, None, make_person(g1a, id_number=number, name="王小明",
                                            household_id=hh))
    spouse = h.write(Person, None, make_person(g1a, name="李小红", household_id=hh))
    task = h.write(VisitTask, None, {"title": "走访王小明", "kind": "routine", "person_id": pid,
                                     "grid_id": g1a, "due_date": NOW.date(), "status": "open"})
    old, old_sync = laptop(live, "worker1a")
    new, new_sync = laptop(live, "worker2")
    assert holds(old, Person, pid) and not holds(new, Person, pid)
    # Online, the county-wide lookup tells only the grid and a masked name.
    assert new_sync.lookup_person(number) == {"found": True, "grid_name": "团结社区第一网格",
                                              "masked_name": "王**"}
    with pytest.raises(DomainError) as partial:
        new_sync.lookup_person(number[:12])
    assert "应为 18 位" in partial.value.message()

    # Offline: the claim is written with its outbox entry; a sync attempt cannot reach a server.
    worker2 = Worker(live.tree.users["worker2"].id, "grid_worker", g2)
    with Session(new.engine) as s, s.begin():
        rid = workflows.file_claim(s, worker2, number, "已在本网格租房居住", now=NOW).id
    offline = SyncService(new, HttpSyncTransport("http://127.0.0.1:9", attempts=1),
                          clock=lambda: NOW)
    with pytest.raises(DomainError):
        offline.sync_now()
    with Session(new.engine) as s:
        assert pending_count(s) == 1

    progress = new_sync.sync_now()
    assert progress.refused == 0 and progress.accepted == 1
    with h.session() as s:
        stored = s.get(WorkRequest, rid)
        assert (stored.state, stored.assignee_node_id, stored.subject_id) == ("submitted", g1a,
                                                                              pid)
    with Session(new.engine) as s:  # the claimer's laptop learns no more than the lookup
        assert s.get(WorkRequest, rid).subject_name == "王**"
    # The old grid's laptop receives the request it must decide.
    old_sync.sync_now()
    with Session(old.engine) as s:
        worker1a = Worker(live.tree.users["worker1a"].id, "grid_worker", g1a)
        assert [r.id for r in workflows.waiting_for_me(s, worker1a)] == [rid]

    # The township approves it in the web console.
    with httpx.Client(base_url=live.url, follow_redirects=True, timeout=30) as browser:
        web_sign_in(browser, "office1")
        queue = browser.get("/admin/workflows")
        assert f'data-request="{rid}"' in queue.text
        answer = browser.post(f"/admin/workflows/{rid}/step", data={
            "csrf_token": csrf_of(queue.text), "state": "approved", "note": "情况属实"})
        assert answer.status_code == 200 and "没有待审核的申请" in answer.text

    new_sync.sync_now()
    for record, entity in ((pid, Person), (spouse, Person), (hh, Household), (task, VisitTask)):
        assert holds(new, entity, record), entity.__tablename__
    with Session(new.engine) as s:
        assert s.get(WorkRequest, rid).state == "approved"
        assert s.get(Person, pid).grid_id == g2
        assert s.scalars(select(PersonMove.direction).where(
            PersonMove.person_id == pid)).all() == ["in"]

    old_sync.sync_now()
    for record, entity in ((pid, Person), (spouse, Person), (hh, Household), (task, VisitTask)):
        assert not holds(old, entity, record), entity.__tablename__
    with Session(old.engine) as s:
        assert s.get(WorkRequest, rid).state == "approved"
        assert s.scalars(select(PersonMove.direction).where(
            PersonMove.person_id == pid)).all() == ["out"]
        assert workflows.waiting_for_me(s, worker1a) == []


def test_a_claim_for_an_unknown_number_comes_back_refused_with_its_reason(live):
    new, new_sync = laptop(live, "worker2")
    worker2 = Worker(live.tree.users["worker2"].id, "grid_worker", live.harness.grid("g2"))
    with Session(new.engine) as s, s.begin():
        rid = workflows.file_claim(s, worker2, make_id_number("19910101"), None, now=NOW).id
    assert new_sync.sync_now().refused == 1
    with Session(new.engine) as s:
        (row,) = workflows.my_requests(s, worker2)
        assert row.id == rid and re.search("全县没有身份证号为 .* 的在册人员", row.refused)


def test_a_returned_claim_is_resubmitted_offline_and_the_web_shows_it(live):
    h = live.harness
    g1a, g2 = h.grid("g1a"), h.grid("g2")
    number = make_id_number("19700102")
    pid = h.write(Person, None, make_person(g1a, id_number=number, name="王再来"))
    new, new_sync = laptop(live, "worker2")
    worker2 = Worker(live.tree.users["worker2"].id, "grid_worker", g2)
    with Session(new.engine) as s, s.begin():
        rid = workflows.file_claim(s, worker2, number, "已搬来", now=NOW).id
    new_sync.sync_now()
    with httpx.Client(base_url=live.url, follow_redirects=True, timeout=30) as browser:
        web_sign_in(browser, "office1")
        queue = browser.get("/admin/workflows")
        answer = browser.post(f"/admin/workflows/{rid}/step", data={
            "csrf_token": csrf_of(queue.text), "state": "returned", "note": "请写明居住地址"})
        assert answer.status_code == 200
    new_sync.sync_now()
    with Session(new.engine) as s:
        (row,) = workflows.my_requests(s, worker2)
        assert (row.state, row.note) == ("已退回", "请写明居住地址")  # the reason reaches the worker
    # offline: corrected and filed again; it goes with the next sync
    with Session(new.engine) as s, s.begin():
        workflows.take_step(s, worker2, rid, "submitted", None, now=NOW,
                            reason="已搬到本网格幸福小区3栋居住")
    progress = new_sync.sync_now()
    assert progress.refused == 0 and progress.accepted == 1
    with h.session() as s:
        assert s.get(WorkRequest, rid).state == "submitted"
        assert s.get(Person, pid).grid_id == g1a
    with httpx.Client(base_url=live.url, follow_redirects=True, timeout=30) as browser:
        web_sign_in(browser, "office1")
        assert f'data-request="{rid}"' in browser.get("/admin/workflows").text
        detail = browser.get(f"/admin/workflows/{rid}").text
        assert "重新提交" in detail and "已搬到本网格幸福小区3栋居住" in detail \
            and "请写明居住地址" in detail


def test_a_person_the_township_adds_on_the_web_enters_the_register_when_the_grid_approves(live):
    h = live.harness
    g1a = h.grid("g1a")
    old, old_sync = laptop(live, "worker1a")
    values = make_person(g1a, name="赵新生")
    values.pop("status"), values.pop("resident_type")
    with httpx.Client(base_url=live.url, follow_redirects=False, timeout=30) as browser:
        web_sign_in(browser, "office1")
        form = browser.get("/admin/registry/people/new")
        made = browser.post("/admin/registry/people/new", data={
            **values, "resident_type": "registered", "status": "normal",
            "csrf_token": csrf_of(form.text)})
        assert made.status_code == 303
    with h.session() as s:
        pid = s.scalar(select(Person.id).where(Person.name == "赵新生"))
        assert s.get(Person, pid).status == "pending"
    old_sync.sync_now()
    worker1a = Worker(live.tree.users["worker1a"].id, "grid_worker", g1a)
    with Session(old.engine) as s:
        assert s.get(Person, pid).status == "pending"
        (review,) = workflows.waiting_for_me(s, worker1a)
    # the grid worker approves offline; the approval reaches the server at the next sync
    with Session(old.engine) as s, s.begin():
        workflows.take_step(s, worker1a, review.id, "approved", None, now=NOW)
    assert old_sync.sync_now().refused == 0
    with h.session() as s:
        assert s.get(Person, pid).status == "normal"
        assert s.get(WorkRequest, review.id).state == "approved"
    old_sync.sync_now()
    with Session(old.engine) as s:
        assert s.get(Person, pid).status == "normal"
