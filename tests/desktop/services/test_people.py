"""People, households and organisations: saving validates, logs and keeps history."""
import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from common.errors import ValidationErrors
from common.schema import Organisation, Person
from desktop.services import households, organisations, people
from desktop.services.records import record_history
from desktop.services.search import PeopleQuery, count_people
from desktop.storage.local_log import OperationLog
from desktop.storage.tables import OutboxEntry
from tests.desktop.people_factories import (NOW, TODAY, make_database, make_id_number,
                                            make_org, make_person, make_places)

ACTOR = "user-1"


@pytest.fixture
def db(tmp_path):
    engine = make_database(tmp_path / "p.db")
    with Session(engine, expire_on_commit=False) as s:
        org = make_org(s)
        places = make_places(s, org["grid"].id)
        s.commit()
    yield engine, org, places
    engine.dispose()


def test_a_new_person_is_saved_with_tags_and_found_by_pinyin(db):
    engine, org, _ = db
    with Session(engine) as s:
        pid = people.save_person(s, None, {"id_number": make_id_number(), "name": "王小红",
                                           "grid_id": org["grid"].id, "ethnicity": "01",
                                           "resident_type": "registered", "status": "normal"},
                                 ["dibao"], now=NOW, actor_id=ACTOR)
        s.commit()
        assert people.get_person(s, pid).tags == ["dibao"]
        assert count_people(s, PeopleQuery(text="wxh"), today=TODAY) == 1
        assert s.execute(select(func.count()).select_from(OutboxEntry)).scalar() >= 2


def test_a_wrong_check_digit_is_refused_in_chinese_and_nothing_is_saved(db):
    engine, org, _ = db
    good = make_id_number()
    bad = good[:17] + ("1" if good[17] != "1" else "2")
    with Session(engine) as s:
        before = s.execute(select(func.count()).select_from(OutboxEntry)).scalar()
        with pytest.raises(ValidationErrors) as exc:
            people.save_person(s, None, {"id_number": bad, "name": "错号",
                                         "grid_id": org["grid"].id}, [], now=NOW,
                               actor_id=ACTOR)
        s.rollback()
        assert exc.value.errors[0].field == "id_number"
        assert "校验位" in exc.value.message()
        assert s.execute(select(func.count()).select_from(Person)).scalar() == 0
        assert s.execute(select(func.count()).select_from(OutboxEntry)).scalar() == before


def test_the_same_id_number_cannot_be_registered_twice(db):
    engine, org, _ = db
    with Session(engine) as s:
        p = make_person(s, org["grid"].id, name="张三")
        with pytest.raises(ValidationErrors) as exc:
            people.save_person(s, None, {"id_number": p.id_number, "name": "张三三",
                                         "grid_id": org["grid"].id}, [], now=NOW,
                               actor_id=ACTOR)
        assert exc.value.errors[0].code == "id_duplicate"
        assert "张三" in exc.value.message()


def test_marking_deceased_keeps_the_person_and_drops_them_from_living_counts(db):
    engine, org, places = db
    with Session(engine) as s:
        p = make_person(s, org["grid"].id, house_id=places["house"].id)
        people.mark_status(s, p.id, "deceased", now=NOW, actor_id=ACTOR, note="2026-11-20 病故")
        s.commit()
        assert s.get(Person, p.id).status == "deceased"
        assert "病故" in s.get(Person, p.id).notes
        assert count_people(s, PeopleQuery(statuses=("normal",)), today=TODAY) == 0
        assert count_people(s, PeopleQuery(statuses=("deceased",)), today=TODAY) == 1


def test_revealing_an_id_number_returns_it_and_logs_who_and_when(db):
    engine, org, _ = db
    with Session(engine) as s:
        p = make_person(s, org["grid"].id)
        assert people.mask_id_number(p.id_number) != p.id_number
        assert people.reveal(s, p.id, "id_number", now=NOW, actor_id=ACTOR) == p.id_number
        s.commit()
        log = s.execute(select(OperationLog).where(OperationLog.action == "reveal")).scalar_one()
        assert (log.user_id, log.record_id, log.detail["field"]) == (ACTOR, p.id, "id_number")


def test_masks_hide_the_middle_of_id_numbers_and_phones():
    assert people.mask_id_number("65212319800101001X") == "652123********001X"
    assert people.mask_phone("13899001122") == "138****1122"
    assert people.mask_id_number(None) == ""


def test_history_shows_each_changed_field_with_old_and_new_value(db):
    engine, org, _ = db
    with Session(engine) as s:
        p = make_person(s, org["grid"].id, name="张三")
        people.save_person(s, p.id, {"phone": "13899001122", "name": "张三"}, None,
                           now=NOW + dt.timedelta(hours=1), actor_id=ACTOR)
        s.commit()
        hist = record_history(s, Person, p.id)
        phone = [h for h in hist if h.field == "phone"]
        assert phone and phone[0].new == "13899001122" and phone[0].label == "联系电话"
        assert phone[0].at == NOW + dt.timedelta(hours=1)
        # unchanged name was not sent again
        assert len([h for h in hist if h.field == "name"]) == 1


def test_a_household_lists_its_members_head_first_and_a_new_head_replaces_the_old(db):
    engine, org, places = db
    hh = places["household"].id
    with Session(engine) as s:
        a = make_person(s, org["grid"].id, name="父亲", birth=dt.date(1960, 1, 1))
        b = make_person(s, org["grid"].id, name="儿子", birth=dt.date(1990, 1, 1))
        households.set_member(s, hh, a.id, "head", now=NOW, actor_id=ACTOR)
        households.set_member(s, hh, b.id, "son", now=NOW, actor_id=ACTOR)
        s.commit()
        assert [m.name for m in households.household_members(s, hh)] == ["父亲", "儿子"]
        row = households.list_households(s, "父亲")[0]
        assert (row.head_name, row.members) == ("父亲", 2)
        households.set_member(s, hh, b.id, "head", now=NOW, actor_id=ACTOR)
        s.commit()
        assert s.get(Person, a.id).relation_to_head == "other"
        assert households.list_households(s)[0].head_name == "儿子"


def test_an_organisation_with_an_unknown_kind_is_refused(db):
    engine, org, _ = db
    with Session(engine) as s:
        with pytest.raises(ValidationErrors) as exc:
            organisations.save_organisation(s, None, {"name": "某公司", "kind": "bogus",
                                                      "grid_id": org["grid"].id},
                                            now=NOW, actor_id=ACTOR)
        assert exc.value.errors[0].code == "not_in_dict"
        oid = organisations.save_organisation(s, None, {"name": "托克逊某农业合作社",
                                                        "kind": "cooperative",
                                                        "employee_count": "12",
                                                        "grid_id": org["grid"].id},
                                              now=NOW, actor_id=ACTOR)
        s.commit()
        assert s.get(Organisation, oid).employee_count == 12
        assert organisations.list_organisations(s, "合作社")[0]["id"] == oid


def test_a_person_moved_to_another_grid_takes_their_tags_along(db):
    engine, org, _ = db
    with Session(engine) as s:
        pid = people.save_person(s, None, {"id_number": make_id_number(), "name": "迁移者",
                                           "grid_id": org["grid"].id}, ["dibao"], now=NOW,
                                 actor_id=ACTOR)
        people.save_person(s, pid, {"grid_id": org["grid2"].id}, None, now=NOW, actor_id=ACTOR)
        s.commit()
        from common.schema import PersonTag
        tags = s.execute(select(PersonTag.tag_code, PersonTag.grid_id)
                         .where(PersonTag.person_id == pid)).all()
        assert tags == [("dibao", org["grid2"].id)]
        moved = s.execute(select(OutboxEntry).where(OutboxEntry.entity == "person_tags")).scalars()
        assert len(list(moved)) >= 2  # the tag's creation and its move both go to the server


def test_a_person_under_population_review_keeps_待审核_until_the_review_decides(db):
    """The server holds a person another grid pushed (status pending, synced down); the device
    refuses any write that would set or lift that status, as the server does."""
    from common.errors import DomainError
    engine, org, _ = db
    with Session(engine) as s:
        p = make_person(s, org["grid"].id, name="待审")
        p.status = "pending"  # as the sync writes the server's copy
        s.flush()
        for write in (lambda: people.mark_status(s, p.id, "normal", now=NOW, actor_id=ACTOR),
                      lambda: people.save_person(s, p.id, {"status": "deceased"}, now=NOW,
                                                 actor_id=ACTOR),
                      lambda: people.save_person(s, None, {
                          "id_number": make_id_number(), "name": "自封", "status": "pending",
                          "grid_id": org["grid"].id}, now=NOW, actor_id=ACTOR)):
            with pytest.raises(DomainError) as exc:
                write()
            assert "人口审核" in exc.value.message()
        # other corrections of the held record are fine (the sender fixes what was returned)
        people.save_person(s, p.id, {"name": "待审核人", "status": "pending"}, now=NOW,
                           actor_id=ACTOR)
        assert s.get(Person, p.id).name == "待审核人"
