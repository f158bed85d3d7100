"""The 接诉即办 page: create a 随手拍 event with a photo, act on it with the buttons the role
allows, and see the timeline; lists for due today and overdue."""
from __future__ import annotations

import datetime as dt

import pytest
from PIL import Image
from PySide6.QtCore import Qt
from sqlalchemy import select
from sqlalchemy.orm import Session

from common.schema import Event
from desktop.services import events
from desktop.ui.events.page import EventsPage
from tests.desktop.work_fixtures import (COLLEAGUE_ID, NOW, ctx, engine,  # noqa: F401
                                         seeded)

pytestmark = pytest.mark.qt


def test_creating_a_snapshot_event_with_a_photo_from_the_keyboard(ctx, seeded, qtbot,
                                                                  tmp_path):
    page = EventsPage(ctx)
    qtbot.addWidget(page)
    page.show()
    dialog = page.new_event()
    qtbot.wait_until(dialog.isActiveWindow, timeout=5000)
    dialog.title.setText("幸福路口垃圾堆积")
    dialog.category.setCurrentIndex(dialog.category.findData("environment"))
    dialog.location.setText("幸福路与团结路交叉口")
    pic = tmp_path / "垃圾.jpg"
    Image.new("RGB", (640, 480), (90, 80, 20)).save(pic)
    dialog.photos.add_paths([pic])
    with qtbot.wait_signal(page.event_created, timeout=10000) as got:
        qtbot.keyClick(dialog.title, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    with Session(seeded.engine) as s:
        e = s.get(Event, got.args[0])
        assert (e.title, e.source, e.status, e.category) == ("幸福路口垃圾堆积", "snapshot",
                                                             "pending", "environment")
        assert len(e.photos) == 1 and e.reported_at == NOW
    qtbot.wait_until(lambda: page.model.rowCount() == 1, timeout=5000)


def test_a_new_event_without_a_title_explains_what_is_missing(ctx, seeded, qtbot):
    page = EventsPage(ctx)
    qtbot.addWidget(page)
    dialog = page.new_event()
    dialog.save()
    qtbot.wait_until(lambda: dialog.field_errors["title"].text() != "", timeout=5000)
    assert "事件标题不能为空" in dialog.field_errors["title"].text()
    assert "发生地点不能为空" in dialog.field_errors["location"].text()


def _events_in(engine) -> list[Event]:
    with Session(engine) as s:
        return list(s.scalars(select(Event)))


def test_enter_in_a_one_line_field_moves_on_and_does_not_submit_the_form(ctx, seeded, qtbot):
    page = EventsPage(ctx)
    qtbot.addWidget(page)
    page.show()
    dialog = page.new_event()
    qtbot.wait_until(dialog.isActiveWindow, timeout=5000)
    dialog.title.setText("路灯不亮")
    dialog.location.setText("幸福路口")
    dialog.title.setFocus()
    qtbot.keyClick(dialog.title, Qt.Key.Key_Return)
    qtbot.wait(300)
    assert dialog.isVisible() and _events_in(seeded.engine) == []
    assert not dialog.title.hasFocus()  # Enter went on to the next field


def test_a_new_event_is_sent_once_however_often_the_button_is_pressed(ctx, seeded, qtbot):
    page = EventsPage(ctx)
    qtbot.addWidget(page)
    page.show()
    dialog = page.new_event()
    qtbot.wait_until(dialog.isActiveWindow, timeout=5000)
    dialog.title.setText("路灯不亮")
    dialog.location.setText("幸福路口")
    with qtbot.wait_signal(page.event_created, timeout=10000):
        dialog.submit.click()
        assert not dialog.submit.isEnabled()  # off while saving
        dialog.submit.click()
        dialog.save()
    qtbot.wait(300)
    assert len(_events_in(seeded.engine)) == 1


@pytest.mark.parametrize("phone", ["1381234", "12345678901", "abc"])
def test_the_reporters_phone_is_checked_like_a_persons_and_the_reason_is_under_it(
        ctx, seeded, qtbot, phone):
    page = EventsPage(ctx)
    qtbot.addWidget(page)
    dialog = page.new_event()
    dialog.title.setText("路灯不亮")
    dialog.location.setText("幸福路口")
    dialog.phone.setText(phone)
    dialog.save()
    qtbot.wait_until(lambda: dialog.field_errors["reporter_phone"].text() != "", timeout=5000)
    assert "不是有效的电话号码" in dialog.field_errors["reporter_phone"].text()
    assert dialog.field_errors["reporter_phone"].isVisibleTo(dialog)
    assert dialog.submit.isEnabled()  # fixed and sent again
    assert _events_in(seeded.engine) == []
    dialog.phone.setText("138 1234 5678")
    with qtbot.wait_signal(page.event_created, timeout=10000) as got:
        dialog.save()
    with Session(seeded.engine) as s:
        assert s.get(Event, got.args[0]).reporter_phone == "13812345678"


def test_handling_then_transferring_an_event_builds_its_timeline(ctx, seeded, qtbot):
    with Session(seeded.engine) as s, s.begin():
        events.create_event(s, seeded.worker, {"title": "路灯不亮", "category": "infrastructure",
                                               "location": "幸福路口"}, now=NOW)
    page = EventsPage(ctx)
    qtbot.addWidget(page)
    page.show()
    with qtbot.wait_signal(page.detail_loaded, timeout=10000) as got:
        page.refresh()
    assert set(got.args[0]["actions"]) == {"handle", "transfer", "escalate", "close", "comment"}
    assert "supervise" not in page.action_buttons  # a grid worker cannot supervise
    dialog = page.start_action("handle")
    dialog.note.setPlainText("已到现场查看")
    with qtbot.wait_signal(page.detail_loaded, timeout=10000):
        dialog.save()
    dialog = page.start_action("transfer")
    assert dialog.target.findData(COLLEAGUE_ID) >= 0
    dialog.target.setCurrentIndex(dialog.target.findData(COLLEAGUE_ID))
    with qtbot.wait_signal(page.detail_loaded, timeout=10000) as got:
        dialog.save()
    lines = [page.timeline.item(i).text() for i in range(page.timeline.count())]
    assert "上报" in lines[0] and "处理" in lines[1] and "已到现场查看" in lines[1]
    assert "转办" in lines[2] and "王建国" in lines[2]
    assert got.args[0]["assignee"] == "王建国"


def test_the_due_today_and_overdue_lists(ctx, seeded, qtbot):
    with Session(seeded.engine) as s, s.begin():
        events.create_event(s, seeded.worker, {"title": "旧事件", "category": "other",
                                               "location": "村委会"},
                            now=NOW - dt.timedelta(days=9))
        events.create_event(s, seeded.worker, {"title": "急事", "category": "safety",
                                               "location": "幸福路1号", "priority": "critical"},
                            now=NOW - dt.timedelta(hours=23))  # due within the hour
    page = EventsPage(ctx)
    qtbot.addWidget(page)
    for which, title in (("overdue", "旧事件"), ("due_today", "急事")):
        with qtbot.wait_signal(page.events_loaded, timeout=10000):
            page.which.setCurrentIndex(page.which.findData(which))
        assert [r.title for r in page.model.rows()] == [title]
