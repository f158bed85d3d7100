"""Transfers (人员转移) in the client: the person dialog says, before saving, that changing a
registered person's grid files a request the receiving grid approves; a transfer assigned to my
grid is among my work items and is decided offline on the 申请与审核 page."""
from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy.orm import Session

from common.schema import Person, WorkRequest
from desktop.storage.changes import record_change
from desktop.ui.people.person_dialog import PersonDialog
from desktop.ui.workflows.page import WorkflowsPage
from tests.desktop.work_fixtures import (GRID, NOW, OFFICE_ID, OTHER_GRID, TOWNSHIP,  # noqa: F401
                                         ctx, engine, make_id_number, seeded)

pytestmark = pytest.mark.qt


def _dialog(ctx, qtbot, person_id) -> PersonDialog:
    dialog = PersonDialog(ctx, person_id)
    qtbot.addWidget(dialog)
    qtbot.wait_until(lambda: dialog.grid.count() == 2 and bool(dialog._stored), timeout=10000)
    return dialog


def test_the_dialog_says_a_grid_change_waits_for_the_receiving_grid(ctx, seeded, qtbot):
    ctx.user = replace(ctx.user, id=OFFICE_ID, role="township_office", scope_node_id=TOWNSHIP)
    dialog = _dialog(ctx, qtbot, seeded.people["young"])
    assert not dialog.move_note.isVisibleTo(dialog)
    dialog.grid.setCurrentIndex(dialog.grid.findData(OTHER_GRID))
    assert dialog.move_note.isVisibleTo(dialog)
    assert "人员转移申请" in dialog.move_note.text()
    assert "须由「第二网格」审核通过" in dialog.move_note.text()
    dialog.grid.setCurrentIndex(dialog.grid.findData(GRID))
    assert not dialog.move_note.isVisibleTo(dialog)
    # a new person has no grid to leave: nothing to say
    fresh = PersonDialog(ctx, None)
    qtbot.addWidget(fresh)
    qtbot.wait_until(lambda: fresh.grid.count() == 2, timeout=10000)
    fresh.grid.setCurrentIndex(fresh.grid.findData(OTHER_GRID))
    assert not fresh.move_note.isVisibleTo(fresh)


def test_a_held_persons_note_says_the_new_grid_reviews_the_registration(ctx, seeded, qtbot):
    ctx.user = replace(ctx.user, id=OFFICE_ID, role="township_office", scope_node_id=TOWNSHIP)
    with Session(seeded.engine) as s, s.begin():
        record_change(s, Person, seeded.people["young"], {"status": "pending"}, now=NOW)
    dialog = _dialog(ctx, qtbot, seeded.people["young"])
    dialog.grid.setCurrentIndex(dialog.grid.findData(OTHER_GRID))
    assert "由「第二网格」审核其登记" in dialog.move_note.text()


def _transfer_to_my_grid(seeded) -> str:
    """A transfer the server filed for a township edit, assigned to my grid (as a sync brings
    it)."""
    with Session(seeded.engine) as s, s.begin():
        return record_change(s, WorkRequest, None, {
            "kind": "transfer", "state": "submitted", "subject_name": "马国强",
            "subject_id": "p-elsewhere", "id_number": make_id_number(41),
            "from_node_id": OTHER_GRID, "to_node_id": GRID, "grid_id": GRID,
            "assignee_node_id": GRID, "filed_by": OFFICE_ID, "filed_at": NOW,
            "due_date": NOW.date(), "reason": "网格变更", "payload": {}}, now=NOW).id


def test_a_transfer_to_my_grid_is_a_work_item_and_approved_offline(ctx, seeded, qtbot):
    from desktop.ui.home.page import HomePage
    rid = _transfer_to_my_grid(seeded)
    home = HomePage(ctx)
    qtbot.addWidget(home)
    home.refresh()
    qtbot.wait_until(lambda: home.figures is not None, timeout=10000)
    assert home.work_cards["to_review"].text().startswith("1\n")
    page = WorkflowsPage(ctx)
    qtbot.addWidget(page)
    page.show()
    with qtbot.wait_signal(page.requests_loaded, timeout=10000):
        page.refresh()
    (row,) = page.waiting.rows()
    assert (row.kind, row.name, row.from_grid, row.to_grid, row.reason) == (
        "人员转移", "马国强", "第二网格", "第一网格", "网格变更")
    page.waiting_view.selectRow(0)
    page.decide_buttons["approved"].click()
    qtbot.wait_until(lambda: page.waiting.rows() == [], timeout=10000)
    with Session(seeded.engine) as s:
        assert s.get(WorkRequest, rid).state == "approved"
