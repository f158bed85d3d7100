"""The 走访 page driven by keyboard over a real encrypted database: a rule task appears, Enter
opens its form, Ctrl+Enter saves the visit and closes the task; a QR check-in is completed."""
from __future__ import annotations

import pytest
from PIL import Image
from PySide6.QtCore import Qt
from sqlalchemy import select
from sqlalchemy.orm import Session

from common import doorplate
from common.schema import Visit, VisitTask
from desktop.services import doorplates, visits
from desktop.ui.visits.page import VisitsPage
from tests.desktop.work_fixtures import GRID, KEY, NOW, ctx, engine, seeded  # noqa: F401

pytestmark = pytest.mark.qt


def add_default_rules(seeded):
    with Session(seeded.engine) as s, s.begin():
        visits.ensure_default_rules(s, seeded.worker, now=NOW)


def test_recording_a_visit_from_a_due_task_with_the_keyboard(ctx, seeded, qtbot, tmp_path):
    add_default_rules(seeded)
    page = VisitsPage(ctx)
    qtbot.addWidget(page)
    page.show()
    with qtbot.wait_signal(page.tasks_loaded, timeout=10000) as got:
        page.refresh()
    assert got.args == [2]
    assert page.task_model.row_at(0).title.startswith("低保户每月走访")
    page.task_view.setFocus()
    qtbot.keyClick(page.task_view, Qt.Key.Key_Return)
    qtbot.wait_until(lambda: page.dialog is not None and page.dialog.isVisible(), timeout=5000)
    dialog = page.dialog
    qtbot.wait_until(lambda: dialog.target.count() == 1, timeout=5000)
    assert dialog.target.currentText() == "张秀英"
    dialog.notes.setPlainText("低保金按时到账，冬季取暖无困难")
    pic = tmp_path / "visit.jpg"
    Image.new("RGB", (400, 300), (30, 120, 60)).save(pic)
    dialog.photos.add_paths([pic])
    qtbot.keyClick(dialog.follow_up, Qt.Key.Key_Space)
    qtbot.wait_until(dialog.isActiveWindow, timeout=5000)  # shortcuts need an active window
    with qtbot.wait_signal(page.visit_saved, timeout=10000) as saved:
        qtbot.keyClick(dialog.notes, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    with Session(seeded.engine) as s:
        v = s.get(Visit, saved.args[0])
        assert v.notes == "低保金按时到账，冬季取暖无困难" and v.follow_up and len(v.photos) == 1
        assert v.person_id == seeded.people["dibao"] and v.visitor_id == seeded.worker.user_id
        task = s.scalars(select(VisitTask).where(VisitTask.visit_id == v.id)).one()
        assert task.status == "done"
    qtbot.wait_until(lambda: page.task_model.rowCount() == 1, timeout=5000)


def test_a_visit_without_anyone_chosen_shows_why_it_was_not_saved(ctx, seeded, qtbot):
    page = VisitsPage(ctx)
    qtbot.addWidget(page)
    page.new_visit()
    dialog = page.dialog
    dialog.save()
    qtbot.wait_until(lambda: dialog.error.text() != "", timeout=5000)
    assert "走访对象" in dialog.error.text()


def test_completing_a_qr_checkin_keeps_its_house_and_time(ctx, seeded, qtbot):
    payload = doorplate.encode(seeded.houses["h12"], GRID, "幸福路12号", key=KEY, key_id="k1")
    with Session(seeded.engine) as s, s.begin():
        started = doorplates.check_in(s, seeded.worker, [payload], now=NOW)
    page = VisitsPage(ctx)
    qtbot.addWidget(page)
    page.open_record(visit_id=started.visit_id, house_id=started.house_id)
    dialog = page.dialog
    qtbot.wait_until(lambda: "扫码签到" in dialog.checkin.text(), timeout=5000)
    qtbot.wait_until(lambda: dialog.target.count() == 2, timeout=5000)
    assert dialog.target.currentText() == "吐尔逊·买买提（住户）"
    dialog.notes.setPlainText("老人独居，已检查煤炉")
    with qtbot.wait_signal(page.visit_saved, timeout=10000):
        dialog.save()
    with Session(seeded.engine) as s:
        v = s.get(Visit, started.visit_id)
        assert (v.checkin_at, v.house_id, v.person_id) == (NOW, seeded.houses["h12"],
                                                           seeded.people["alone"])
        assert len(s.scalars(select(Visit)).all()) == 1


def test_the_dashboard_shows_coverage_and_the_ranking(ctx, seeded, qtbot):
    with Session(seeded.engine) as s, s.begin():
        visits.record_visit(s, seeded.worker, {"person_id": seeded.people["alone"]}, now=NOW)
    page = VisitsPage(ctx)
    qtbot.addWidget(page)
    page._generated = True
    with qtbot.wait_signal(page.dashboard_loaded, timeout=10000):
        page.tabs.setCurrentIndex(2)
    assert "房屋走访覆盖：1 / 4 户（25%）" in page.figures.text()
    assert page.rank_model.row_at(0) == (1, "阿依古丽", 1, 0)


def test_adding_a_rule_in_the_rules_dialog_makes_its_tasks(ctx, seeded, qtbot):
    page = VisitsPage(ctx)
    qtbot.addWidget(page)
    page._generated = True
    dialog = page.open_rules()
    dialog.name.setText("重点人员每周走访")
    dialog.tag.setCurrentIndex(dialog.tag.findData("living_alone"))
    dialog.days.setValue(7)
    with qtbot.wait_signal(page.tasks_loaded, timeout=10000) as got:
        dialog.add_rule()
    assert got.args == [1]
    assert page.task_model.row_at(0).title == "重点人员每周走访：吐尔逊·买买提"
    qtbot.wait_until(lambda: dialog.model.rowCount() == 1, timeout=5000)
    dialog.view.selectRow(0)
    with qtbot.wait_signal(dialog.rules_changed, timeout=10000):
        dialog.toggle_selected()
    qtbot.wait_until(lambda: dialog.model.rowCount() == 1
                     and not dialog.model.row_at(0).active, timeout=5000)
