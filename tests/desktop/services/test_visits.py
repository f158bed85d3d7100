"""Visits: rule tasks, manual tasks, recording a visit with photos, and the dashboard."""
from __future__ import annotations

import datetime as dt

import pytest
from PIL import Image
from sqlalchemy import select

from common.attachments import photo_hashes
from common.errors import DomainError
from common.schema import Visit, VisitTask
from desktop.services import doorplates, visits
from desktop.services.work_context import Worker
from desktop.storage.blobs import BlobStore
from desktop.storage.tables import OutboxEntry
from tests.desktop.work_fixtures import (COLLEAGUE_ID, GRID, KEY, NOW, engine,  # noqa: F401
                                         seeded, session)

TODAY = NOW.date()


def titles(rows):
    return sorted(r.title for r in rows)


def test_default_rules_make_a_task_for_each_tagged_person_due_today(seeded, session):
    assert visits.ensure_default_rules(session, seeded.worker, now=NOW) == 2
    assert visits.generate_rule_tasks(session, today=TODAY, now=NOW) == 2
    due = visits.list_tasks(session, seeded.worker, "due", today=TODAY)
    assert titles(due) == ["低保户每月走访：张秀英", "独居老人每周走访：吐尔逊·买买提"]
    assert all(r.due_date == TODAY for r in due)


def test_a_grids_rule_makes_tasks_for_its_own_grid_only_and_a_townships_for_all(seeded,
                                                                                 session):
    from tests.desktop.work_fixtures import OTHER_GRID, TOWNSHIP, make_person
    # a township office's profile holds the rules of every grid of the township
    other = make_person(session, "阿依努尔·沙吾提", 4, grid=OTHER_GRID, tags=("living_alone",))
    visits.save_rule(session, seeded.worker, {"name": "独居老人每周走访", "tag_code": "living_alone",
                                              "interval_days": 7}, now=NOW)
    visits.save_rule(session, Worker(COLLEAGUE_ID, "grid_worker", OTHER_GRID),
                     {"name": "二网格独居老人走访", "tag_code": "living_alone",
                      "interval_days": 7}, now=NOW)
    assert visits.generate_rule_tasks(session, today=TODAY, now=NOW) == 2
    made = {(t.person_id, t.title) for t in session.scalars(select(VisitTask))}
    assert made == {(seeded.people["alone"], "独居老人每周走访：吐尔逊·买买提"),
                    (other, "二网格独居老人走访：阿依努尔·沙吾提")}
    visits.save_rule(session, Worker(COLLEAGUE_ID, "township_office", TOWNSHIP),
                     {"name": "全镇低保户走访", "tag_code": "dibao", "interval_days": 30},
                     now=NOW)
    assert visits.generate_rule_tasks(session, today=TODAY, now=NOW) == 1
    assert visits.dashboard(session, today=TODAY).key_people_total == 3


def test_generating_twice_or_on_another_device_makes_no_duplicate_task(seeded, session):
    visits.ensure_default_rules(session, seeded.worker, now=NOW)
    first = visits.generate_rule_tasks(session, today=TODAY, now=NOW)
    assert visits.generate_rule_tasks(session, today=TODAY, now=NOW) == 0
    ids = {t.id for t in session.scalars(select(VisitTask))}
    rule = visits.list_rules(session)[0]
    assert visits.rule_task_id(rule.id, "p", TODAY) == visits.rule_task_id(rule.id, "p", TODAY)
    assert len(ids) == first


def test_a_visit_closes_the_persons_task_and_the_next_falls_due_a_week_later(seeded,
                                                                            session):
    visits.ensure_default_rules(session, seeded.worker, now=NOW)
    visits.generate_rule_tasks(session, today=TODAY, now=NOW)
    visits.record_visit(session, seeded.worker, {"person_id": seeded.people["alone"],
                                                 "notes": "身体好，炉子安全"}, now=NOW)
    assert titles(visits.list_tasks(session, seeded.worker, "due", today=TODAY)) == [
        "低保户每月走访：张秀英"]
    later = TODAY + dt.timedelta(days=3)
    visits.generate_rule_tasks(session, today=later, now=NOW)
    nxt = [t for t in visits.list_tasks(session, seeded.worker, "due", today=later)
           if "吐尔逊" in t.title]
    assert [t.due_date for t in nxt] == [TODAY + dt.timedelta(days=7)]


def test_an_unvisited_task_shows_as_overdue_after_its_date(seeded, session):
    visits.create_task(session, seeded.worker, {
        "title": "回访李明", "person_id": seeded.people["young"],
        "due_date": TODAY - dt.timedelta(days=2)}, now=NOW)
    assert titles(visits.list_tasks(session, seeded.worker, "overdue", today=TODAY)) == [
        "回访李明"]
    assert visits.list_tasks(session, seeded.worker, "due", today=TODAY) == []


def test_a_manual_task_needs_a_title_and_a_date(seeded, session):
    with pytest.raises(DomainError) as err:
        visits.create_task(session, seeded.worker, {"title": " "}, now=NOW)
    assert {e.field for e in err.value.errors} == {"title", "due_date"}


def test_a_visit_without_anyone_to_visit_is_refused(seeded, session):
    with pytest.raises(DomainError) as err:
        visits.record_visit(session, seeded.worker, {"notes": "x"}, now=NOW)
    assert err.value.code == "visit_target_required"


def test_recording_a_visit_with_photos_stores_them_encrypted_and_queues_the_change(
        seeded, session, tmp_path):
    store = BlobStore(tmp_path / "blobs", b"b" * 32)
    pic = tmp_path / "炉子.jpg"
    Image.new("RGB", (640, 480), (200, 90, 40)).save(pic)
    vid = visits.record_visit(session, seeded.worker, {
        "person_id": seeded.people["dibao"], "notes": "家中取暖正常", "follow_up": True},
        now=NOW, photo_files=[pic, pic], store=store)
    v = session.get(Visit, vid)
    assert v.grid_id == GRID and v.follow_up and v.visitor_id == seeded.worker.user_id
    [sha] = photo_hashes(v.photos)
    assert store.get(sha) == pic.read_bytes() and store.thumbnail(sha)
    assert pic.read_bytes() not in (tmp_path / "blobs" / sha[:2] / f"{sha}.blob").read_bytes()
    assert session.scalars(select(OutboxEntry).where(OutboxEntry.record_id == vid)).first()


def test_completing_a_qr_checkin_keeps_its_checkin_time_and_house(seeded, session):
    from common import doorplate
    payload = doorplate.encode(seeded.houses["h12"], GRID, "幸福路12号", key=KEY, key_id="k1")
    started = doorplates.check_in(session, seeded.worker, [payload], now=NOW)
    later = NOW + dt.timedelta(minutes=20)
    visits.record_visit(session, seeded.worker, {"person_id": seeded.people["alone"],
                                                 "notes": "已入户"}, now=later,
                        visit_id=started.visit_id)
    v = session.get(Visit, started.visit_id)
    assert (v.checkin_at, v.house_id, v.notes, v.checkin_method) == (NOW, seeded.houses["h12"],
                                                                     "已入户", "qr")


def test_the_dashboard_counts_coverage_tasks_and_ranks_visitors(seeded, session):
    visits.ensure_default_rules(session, seeded.worker, now=NOW)
    visits.generate_rule_tasks(session, today=TODAY, now=NOW)
    colleague = Worker(COLLEAGUE_ID, "grid_worker", GRID)
    visits.record_visit(session, seeded.worker, {"person_id": seeded.people["alone"]}, now=NOW)
    visits.record_visit(session, seeded.worker, {"house_id": seeded.houses["shop"],
                                                 "kind": "shop"}, now=NOW)
    visits.record_visit(session, colleague, {"person_id": seeded.people["young"]}, now=NOW)
    d = visits.dashboard(session, today=TODAY)
    assert (d.houses_total, d.houses_visited) == (4, 3)  # h12, shop, h14 (李明 lives there)
    assert (d.key_people_total, d.key_people_on_time) == (2, 1)
    assert (d.tasks_done, d.tasks_open, d.tasks_overdue) == (1, 1, 0)
    assert d.ranking == [("阿依古丽", 2, 0), ("王建国", 1, 0)]
    assert d.by_grid == [("第一网格", 3, 1)]  # one visit was to a house, two to people
    assert d.key_coverage == 0.5


def test_the_dashboard_period_follows_the_workers_local_days(seeded, session):
    """A visit at 23:30 UTC on the 23rd is 07:30 on the 24th in Toksun: it counts for a
    one-day period ending on the 24th only when the offset is given."""
    late = dt.datetime(2026, 11, 23, 23, 30)
    visits.record_visit(session, seeded.worker, {"house_id": seeded.houses["h14"]}, now=late)
    utc = visits.dashboard(session, today=TODAY, days=1)
    local = visits.dashboard(session, today=TODAY, days=1, utc_offset=dt.timedelta(hours=8))
    assert (utc.houses_visited, local.houses_visited) == (0, 1)
