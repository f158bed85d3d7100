"""Work log: one entry a day, back-fill marked, and the per-person statistics."""
from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from common.errors import DomainError
from common.schema import WorkLog
from desktop.services import work_logs
from desktop.services.work_context import Worker
from tests.desktop.work_fixtures import (COLLEAGUE_ID, GRID, NOW, engine,  # noqa: F401
                                         seeded, session)

TODAY = NOW.date()


def test_todays_entry_is_not_backfilled_and_yesterdays_is(seeded, session):
    a = work_logs.write_log(session, seeded.worker, TODAY, "走访 5 户", now=NOW)
    b = work_logs.write_log(session, seeded.worker, TODAY - dt.timedelta(days=1), "整理台账",
                            now=NOW)
    assert not session.get(WorkLog, a).backfilled and session.get(WorkLog, b).backfilled
    assert session.get(WorkLog, a).grid_id == GRID


def test_a_second_entry_for_the_same_day_is_refused_but_editing_works(seeded, session):
    work_logs.write_log(session, seeded.worker, TODAY, "上午走访", now=NOW)
    with pytest.raises(DomainError) as err:
        work_logs.write_log(session, seeded.worker, TODAY, "下午开会", now=NOW)
    assert err.value.code == "worklog_exists" and "2026-11-24" in err.value.message()
    rid = work_logs.write_log(session, seeded.worker, TODAY, "上午走访，下午开会", now=NOW,
                              replace=True)
    assert session.get(WorkLog, rid).content == "上午走访，下午开会"


def test_an_entry_for_a_future_day_or_with_no_content_is_refused(seeded, session):
    with pytest.raises(DomainError) as err:
        work_logs.write_log(session, seeded.worker, TODAY + dt.timedelta(days=1), "x", now=NOW)
    assert err.value.code == "worklog_future"
    with pytest.raises(DomainError) as err:
        work_logs.write_log(session, seeded.worker, TODAY, "  ", now=NOW)
    assert err.value.code == "required"


def test_the_same_day_written_on_two_devices_is_one_record():
    assert work_logs.log_id("u", TODAY) == work_logs.log_id("u", TODAY)
    assert work_logs.log_id("u", TODAY) != work_logs.log_id("v", TODAY)


def test_statistics_count_filled_missed_total_and_backfilled_per_person(seeded, session):
    start = TODAY - dt.timedelta(days=6)
    for back in (0, 1, 3):
        work_logs.write_log(session, seeded.worker, TODAY - dt.timedelta(days=back), "日志",
                            now=NOW)
    colleague = Worker(COLLEAGUE_ID, "grid_worker", GRID)
    work_logs.write_log(session, colleague, TODAY, "日志", now=NOW)
    stats = {s.name: s for s in work_logs.statistics(session, start, TODAY + dt.timedelta(3),
                                                     today=TODAY)}
    me = stats["阿依古丽"]
    assert (me.days_filled, me.days_missed, me.total, me.backfilled) == (3, 4, 3, 2)
    assert (stats["王建国"].days_filled, stats["王建国"].days_missed) == (1, 6)
    assert stats["李主任"].days_missed == 7


@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(backs=st.lists(st.integers(min_value=0, max_value=29), max_size=40))
def test_filled_plus_missed_is_always_the_days_so_far(seeded, backs):
    with Session(seeded.engine) as s:
        for back in backs:
            try:
                work_logs.write_log(s, seeded.worker, TODAY - dt.timedelta(days=back), "日志",
                                    now=NOW)
            except DomainError as err:
                assert err.code == "worklog_exists"
        start = TODAY - dt.timedelta(days=29)
        me = next(x for x in work_logs.statistics(s, start, TODAY, today=TODAY)
                  if x.user_id == seeded.worker.user_id)
        assert me.days_filled + me.days_missed == 30
        assert me.days_filled == len(set(backs)) == me.total
        assert me.backfilled == len(set(backs) - {0})
        s.rollback()
