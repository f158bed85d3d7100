"""The 工作日志 page: today's entry with Ctrl+S, a back-filled day marked, editing instead of a
second entry, and the statistics per person."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QDate, Qt
from sqlalchemy import select
from sqlalchemy.orm import Session

from common.schema import WorkLog
from desktop.ui.worklog.page import WorkLogPage, period_range
from tests.desktop.work_fixtures import NOW, ctx, engine, seeded  # noqa: F401

pytestmark = pytest.mark.qt


def test_writing_today_then_backfilling_yesterday_marks_only_yesterday(ctx, seeded, qtbot):
    page = WorkLogPage(ctx)
    qtbot.addWidget(page)
    page.show()
    page.refresh()
    qtbot.wait_until(page.isActiveWindow, timeout=5000)
    page.content.setPlainText("走访独居老人 3 户，更新低保台账")
    with qtbot.wait_signal(page.log_saved, timeout=10000):
        qtbot.keyClick(page.content, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert page.message.text() == "日志已保存"
    with qtbot.wait_signal(page.logs_loaded, timeout=5000):
        page.day.setDate(QDate(2026, 11, 23))
    qtbot.wait_until(lambda: page.content.toPlainText() == "", timeout=5000)
    assert "补填" in page.backfill_hint.text()
    page.content.setPlainText("参加镇上例会")
    with qtbot.wait_signal(page.logs_loaded, timeout=10000):
        page.save()
    assert page.message.text() == "日志已保存（补填）"
    assert [(r.log_date.day, r.backfilled) for r in page.mine.rows()] == [(24, False),
                                                                         (23, True)]


def test_saving_again_for_the_same_day_edits_the_entry(ctx, seeded, qtbot):
    page = WorkLogPage(ctx)
    qtbot.addWidget(page)
    page.content.setPlainText("上午走访")
    with qtbot.wait_signal(page.log_saved, timeout=10000):
        page.save()
    page.content.setPlainText("上午走访，下午调解纠纷")
    with qtbot.wait_signal(page.log_saved, timeout=10000):
        page.save()
    with Session(seeded.engine) as s:
        assert [w.content for w in s.scalars(select(WorkLog))] == ["上午走访，下午调解纠纷"]


def test_an_empty_entry_is_refused_with_a_reason(ctx, seeded, qtbot):
    page = WorkLogPage(ctx)
    qtbot.addWidget(page)
    page.save()
    qtbot.wait_until(lambda: page.message.text() != "", timeout=5000)
    assert "工作内容不能为空" in page.message.text()


def test_the_statistics_tab_counts_filled_and_missed_days_per_person(ctx, seeded, qtbot):
    page = WorkLogPage(ctx)
    qtbot.addWidget(page)
    page.content.setPlainText("日志")
    with qtbot.wait_signal(page.log_saved, timeout=10000):
        page.save()
    with qtbot.wait_signal(page.stats_loaded, timeout=10000) as got:
        page.tabs.setCurrentIndex(1)
    me = next(r for r in got.args[0] if r.name == "阿依古丽")
    assert (me.days_filled, me.days_missed, me.total, me.backfilled) == (1, 23, 1, 0)
    assert period_range("last_month", NOW.date())[1].day == 31
