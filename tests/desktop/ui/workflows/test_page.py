"""The 申请与审核 page: claiming by full ID number offline, refusing a bad number with its reason,
deciding a request assigned to my grid (a refusal needs a note), withdrawing my own claim."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from common.schema import WorkRequest
from desktop.storage.changes import record_change
from desktop.storage.tables import OutboxEntry
from desktop.ui.workflows.page import WorkflowsPage
from tests.desktop.work_fixtures import (GRID, NOW, OFFICE_ID, OTHER_GRID, ctx, engine,  # noqa: F401
                                         make_id_number, seeded)

pytestmark = pytest.mark.qt


def _page(ctx, qtbot) -> WorkflowsPage:
    page = WorkflowsPage(ctx)
    qtbot.addWidget(page)
    page.show()
    with qtbot.wait_signal(page.requests_loaded, timeout=10000):
        page.refresh()
    return page


def _review_for_my_grid(seeded) -> str:
    """A population review the server assigned to my grid (as a sync would bring it)."""
    with Session(seeded.engine) as s, s.begin():
        return record_change(s, WorkRequest, None, {
            "kind": "population_review", "state": "submitted", "subject_name": "新来的",
            "id_number": make_id_number(40), "to_node_id": GRID, "grid_id": GRID,
            "assignee_node_id": GRID, "filed_by": OFFICE_ID, "filed_at": NOW,
            "due_date": NOW.date() - dt.timedelta(days=1), "reason": "乡镇新增",
            "payload": {}}, now=NOW).id


def test_a_claim_is_filed_offline_and_waits_in_the_outbox(ctx, seeded, qtbot):
    page = _page(ctx, qtbot)
    page.tabs.setCurrentIndex(1)
    page.id_number.setText(make_id_number(77))
    page.reason.setText("已搬到本网格居住")
    page.claim_button.click()
    qtbot.wait_until(lambda: len(page.mine.rows()) == 1, timeout=10000)
    assert "认领申请已提交" in page.message.text()
    assert [(r.kind, r.state, r.to_grid) for r in page.mine.rows()] == [
        ("人员认领", "待审核", "第一网格")]
    with Session(seeded.engine) as s:
        assert s.scalar(select(OutboxEntry.entity).where(
            OutboxEntry.entity == "work_requests")) == "work_requests"


def test_a_wrong_id_number_is_refused_with_the_reason_and_nothing_is_written(ctx, seeded,
                                                                               qtbot):
    page = _page(ctx, qtbot)
    number = make_id_number(77)
    page.id_number.setText(number[:-1] + ("0" if number[-1] != "0" else "1"))
    page.claim_button.click()
    qtbot.wait_until(lambda: page.message.text() != "", timeout=5000)
    assert "校验位错误" in page.message.text()
    with Session(seeded.engine) as s:
        assert s.scalar(select(WorkRequest.id)) is None


def test_a_review_of_my_grid_is_returned_only_with_a_note(ctx, seeded, qtbot):
    rid = _review_for_my_grid(seeded)
    page = _page(ctx, qtbot)
    assert [r.name for r in page.waiting.rows()] == ["新来的"]
    assert page.tabs.tabText(0).startswith("待我审核（1）")
    page.waiting_view.selectRow(0)
    page.decide_buttons["returned"].click()
    qtbot.wait_until(lambda: page.message.text() != "", timeout=5000)
    assert "请填写审核意见" in page.message.text()
    page.note.setText("民族填写有误")
    with qtbot.wait_signal(page.request_saved, timeout=10000):
        page.decide_buttons["returned"].click()
    assert "已退回" in page.message.text()
    with Session(seeded.engine) as s:
        assert (s.get(WorkRequest, rid).state, s.get(WorkRequest, rid).note) == (
            "returned", "民族填写有误")


def test_my_own_claim_can_be_withdrawn_but_not_decided_by_me(ctx, seeded, qtbot):
    page = _page(ctx, qtbot)
    page.id_number.setText(make_id_number(78))
    page.claim_button.click()
    qtbot.wait_until(lambda: len(page.mine.rows()) == 1, timeout=10000)
    assert page.waiting.rows() == []  # my own claim never waits for my decision
    page.tabs.setCurrentIndex(1)
    page.mine_view.selectRow(0)
    page.withdraw_button.click()
    qtbot.wait_until(lambda: [r.state for r in page.mine.rows()] == ["已撤回"], timeout=10000)
    assert "已撤回" in page.message.text()


def test_the_home_page_counts_my_work_items(ctx, seeded, qtbot):
    from desktop.ui.home.page import HomePage
    _review_for_my_grid(seeded)
    home = HomePage(ctx)
    qtbot.addWidget(home)
    home.refresh()
    qtbot.wait_until(lambda: home.figures is not None, timeout=10000)
    assert home.work_cards["to_review"].text().startswith("1\n")
    assert home.work_cards["overdue"].text().startswith("1\n")
    home.work_cards["to_review"].click()
    assert ctx.navigated[-1][0] == "workflows"


def test_the_lookup_needs_the_network_and_says_so_offline(ctx, seeded, qtbot):
    page = _page(ctx, qtbot)
    page.id_number.setText(make_id_number(79))
    page.lookup_button.click()
    assert page.message.text().startswith("查找需要联网")


def test_a_returned_claim_is_corrected_and_resubmitted_offline(ctx, seeded, qtbot):
    """As a sync brings it: my claim, returned by the person's grid with the reason why."""
    from tests.desktop.work_fixtures import WORKER_ID
    with Session(seeded.engine) as s, s.begin():
        rid = record_change(s, WorkRequest, None, {
            "kind": "claim", "state": "returned", "subject_name": "王**",
            "id_number": make_id_number(41), "from_node_id": OTHER_GRID, "to_node_id": GRID,
            "grid_id": GRID, "assignee_node_id": OTHER_GRID, "filed_by": WORKER_ID,
            "filed_at": NOW, "due_date": NOW.date(), "reason": "已搬来",
            "note": "请写明居住地址", "payload": {}}, now=NOW).id
        s.query(OutboxEntry).delete()
    page = _page(ctx, qtbot)
    page.tabs.setCurrentIndex(1)
    assert [(r.state, r.note) for r in page.mine.rows()] == [("已退回", "请写明居住地址")]
    page.mine_view.selectRow(0)
    page._mine_selected(page.mine_view.currentIndex())
    assert page.new_reason.text() == "已搬来"  # ready to correct
    page.new_reason.setText("已搬到本网格幸福小区3栋居住")
    with qtbot.wait_signal(page.request_saved, timeout=10000):
        page.resubmit_button.click()
    assert "已重新提交" in page.message.text()
    qtbot.wait_until(lambda: [r.state for r in page.mine.rows()] == ["待审核"], timeout=10000)
    with Session(seeded.engine) as s:
        sent = s.scalars(select(OutboxEntry).where(OutboxEntry.record_id == rid)).all()
        assert [(e.values.get("state"), e.values.get("reason")) for e in sent] == [
            ("submitted", "已搬到本网格幸福小区3栋居住")]
