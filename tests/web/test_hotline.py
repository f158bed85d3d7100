"""接诉即办 on the web console over plain HTTP: the lists in scope, the due date from the county's
time limit, supervise / escalate / transfer / postpone with a reason / answer, each step in the
history and on the devices' records; bad input refused by field; another township's event is
unknown."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from common.schema import Event, EventAction
from sync_server.db.tables import OpLog
from tests.web.conftest import csrf_of, sign_in
from tests.web.test_resident import file_report, signed_in


@pytest.fixture
def staff(web):
    def as_(username: str) -> TestClient:
        client = TestClient(web.app)
        assert sign_in(client, username).status_code == 303
        return client
    return as_


def reported(web, **values) -> str:
    answer = file_report(web, signed_in(web), **values)
    return answer.headers["location"].split("/")[-1].split("?")[0]


def act(client: TestClient, event_id: str, **data):
    page = client.get(f"/admin/hotline/{event_id}")
    return client.post(f"/admin/hotline/{event_id}/act",
                       data={"csrf_token": csrf_of(page.text), **data}, follow_redirects=False)


def test_the_county_sets_time_limits_and_a_report_is_due_by_its_category(web, staff):
    admin = staff("admin")
    page = admin.get("/admin/hotline/limits")
    assert "环境卫生（天）" in page.text
    bad = admin.post("/admin/hotline/limits", data={"csrf_token": csrf_of(page.text),
                                                    "environment": "0", "safety": "x"})
    assert bad.status_code == 422 and "“环境卫生”的办理时限应为 1 到 365 之间的整数" in bad.text
    form = {c: "4" for c in re.findall(r'name="(\w+)" value="\d+"', page.text)}
    admin.post("/admin/hotline/limits", data={"csrf_token": csrf_of(page.text), **form,
                                              "environment": "2"})
    assert staff("office1").get("/admin/hotline/limits").status_code == 403
    event_id = reported(web)
    with web.session() as s:
        assert s.get(Event, event_id).due_at == web.clock() + dt.timedelta(days=2)


def test_staff_lists_follow_an_event_through_every_step_in_scope(web, staff):
    event_id = reported(web)
    office = staff("office1")
    assert event_id in office.get("/admin/hotline?list=pending").text
    other = staff("worker2")  # another township
    assert event_id not in other.get("/admin/hotline?list=all").text
    assert other.get(f"/admin/hotline/{event_id}").status_code == 404
    assert office.get("/admin/hotline?list=nonsense").status_code == 404

    no_target = act(office, event_id, action="assign")
    assert no_target.status_code == 422 and "转交对象不能为空" in no_target.text
    worker = web.tree.users["worker1a"].id
    assert act(office, event_id, action="assign", target_id=worker).status_code == 303
    assert act(office, event_id, action="supervise").status_code == 303
    no_reason = act(office, event_id, action="postpone", postpone_days="3")
    assert no_reason.status_code == 422 and "延期原因不能为空" in no_reason.text
    too_long = act(office, event_id, action="postpone", postpone_days="99", note="等配件")
    assert too_long.status_code == 422 and "延期天数应为 1 到 30 之间的整数" in too_long.text
    assert act(office, event_id, action="postpone", postpone_days="3",
               note="等配件").status_code == 303
    worker_client = staff("worker1a")
    assert event_id in worker_client.get("/admin/hotline?list=mine").text
    assert event_id in worker_client.get("/admin/hotline?list=supervised").text
    refused = act(worker_client, event_id, action="supervise")
    assert refused.status_code == 403 and "您的角色不能对该事件执行“督办”" in refused.text
    assert act(worker_client, event_id, action="escalate").status_code == 303
    no_answer = act(office, event_id, action="close")
    assert no_answer.status_code == 422 and "答复内容不能为空" in no_answer.text
    assert act(office, event_id, action="close", note="已清运").status_code == 303
    assert event_id in office.get("/admin/hotline?list=closed").text
    page = office.get(f"/admin/hotline/{event_id}").text
    for step in ("派发", "督办", "延期", "上报", "办结", "等配件", "已清运"):
        assert step in page
    with web.session() as s:
        event = s.get(Event, event_id)
        assert (event.status, event.supervised, event.priority) == ("closed", True, "urgent")
        assert event.due_at == web.clock() + dt.timedelta(days=3 + 3)
        assert [a.action for a in s.scalars(select(EventAction).where(
            EventAction.event_id == event_id).order_by(EventAction.rev))] == [
            "assign", "supervise", "postpone", "escalate", "close"]
        assert s.scalar(select(OpLog).where(OpLog.action == "event_postpone")) is not None


def test_due_today_and_overdue_follow_the_clock(web, staff):
    event_id = reported(web, category="safety")  # 1 day
    office = staff("office1")
    assert event_id not in office.get("/admin/hotline?list=overdue").text
    web.clock.advance(days=2)
    office = staff("office1")
    page = office.get("/admin/hotline?list=overdue").text
    assert event_id in page and "已超期" in page
