"""全息检索: every condition narrows the people found, on a real encrypted database."""
import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from common.schema import Base, Person, new_id
from desktop.services.search import PeopleQuery, count_people, search_people
from tests.desktop.people_factories import (NOW, TODAY, make_id_number, make_database, make_org, make_person,
                                            make_places)


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    engine = make_database(tmp_path_factory.mktemp("search") / "p.db")
    with Session(engine, expire_on_commit=False) as s:
        org = make_org(s)
        g1, g2 = org["grid"].id, org["grid2"].id
        places = make_places(s, g1)
        make_person(s, g1, name="张三", birth=dt.date(1950, 3, 1), tags=("elderly_60", "dibao"),
                    house_id=places["house"].id, household_id=places["household"].id,
                    phone="13899001122")
        make_person(s, g1, name="单小明", birth=dt.date(2005, 6, 1), tags=("dibao",))
        make_person(s, g1, name="李四", birth=dt.date(1990, 1, 1), female=True,
                    tags=("elderly_60",), status="moved_out")
        make_person(s, g2, name="阿依古丽·买买提", birth=dt.date(1961, 12, 1), female=True,
                    ethnicity="05", resident_type="floating")
        s.commit()
    yield engine, org, places
    engine.dispose()


def names(engine, q):
    with Session(engine) as s:
        return sorted(r.name for r in search_people(s, q, today=TODAY))


def test_an_empty_query_finds_everyone(db):
    engine, *_ = db
    with Session(engine) as s:
        assert count_people(s, PeopleQuery(), today=TODAY) == 4


def test_age_range_sex_and_ethnicity_narrow_the_result(db):
    engine, *_ = db
    assert names(engine, PeopleQuery(age_min=60)) == ["张三", "阿依古丽·买买提"]
    assert names(engine, PeopleQuery(age_min=18, age_max=22)) == ["单小明"]
    assert names(engine, PeopleQuery(age_min=60, sex="male")) == ["张三"]
    assert names(engine, PeopleQuery(ethnicities=("05",))) == ["阿依古丽·买买提"]


def test_tags_any_of_and_all_of_differ(db):
    engine, *_ = db
    assert names(engine, PeopleQuery(tags_any=("elderly_60", "dibao"))) == ["单小明", "张三",
                                                                              "李四"]
    assert names(engine, PeopleQuery(tags_all=("elderly_60", "dibao"))) == ["张三"]


def test_free_text_matches_pinyin_initials_and_every_reading_of_a_surname(db):
    engine, *_ = db
    assert names(engine, PeopleQuery(text="zs")) == ["张三"]
    assert names(engine, PeopleQuery(text="zhangsan")) == ["张三"]
    assert names(engine, PeopleQuery(text="shanx")) == ["单小明"]  # surname reading
    assert names(engine, PeopleQuery(text="danx")) == ["单小明"]   # common reading
    assert names(engine, PeopleQuery(text="古丽")) == ["阿依古丽·买买提"]


def test_free_text_matches_id_and_phone_fragments(db):
    engine, *_ = db
    assert names(engine, PeopleQuery(text="9900112")) == ["张三"]
    assert names(engine, PeopleQuery(text="195003")) == ["张三"]


def test_status_resident_type_grid_and_org_node(db):
    engine, org, _ = db
    assert names(engine, PeopleQuery(statuses=("moved_out",))) == ["李四"]
    assert names(engine, PeopleQuery(resident_types=("floating",))) == ["阿依古丽·买买提"]
    assert len(names(engine, PeopleQuery(grid_ids=(org["grid"].id,)))) == 3
    assert len(names(engine, PeopleQuery(org_node_id=org["village"].id))) == 4
    assert names(engine, PeopleQuery(org_node_id=org["grid2"].id)) == ["阿依古丽·买买提"]


def test_building_house_and_household_conditions(db):
    engine, _, places = db
    for q in (PeopleQuery(building_id=places["building"].id),
              PeopleQuery(house_id=places["house"].id),
              PeopleQuery(household_id=places["household"].id),
              PeopleQuery(household_no="652123000001")):
        assert names(engine, q) == ["张三"]


def test_free_text_works_on_a_plain_database_without_the_pinyin_index(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path}/server.db")
    Base.metadata.create_all(engine)
    with Session(engine) as s:
        s.add(Person(id=new_id(), id_number=make_id_number(), name="张三", sex="male",
                     birth_date=dt.date(1980, 1, 1), resident_type="registered",
                     status="normal", created_at=NOW, updated_at=NOW, rev=1, field_clock={},
                     deleted=False))
        s.commit()
        assert count_people(s, PeopleQuery(text="张"), today=TODAY) == 1
        assert count_people(s, PeopleQuery(text="zs"), today=TODAY) == 0


def test_keyset_paging_walks_every_row_once(db):
    engine, *_ = db
    seen, after = [], None
    with Session(engine) as s:
        while True:
            rows = search_people(s, PeopleQuery(), today=TODAY, limit=3, after=after)
            if not rows:
                break
            seen += [r.id for r in rows]
            after = (rows[-1].name, rows[-1].id)
    assert len(seen) == len(set(seen)) == 4


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lo=st.integers(0, 100), span=st.integers(0, 100), sex=st.sampled_from([None, "male", "female"]))
def test_the_count_always_equals_the_rows_found_and_respects_the_age_range(db, lo, span, sex):
    engine, *_ = db
    q = PeopleQuery(age_min=lo, age_max=lo + span, sex=sex)
    with Session(engine) as s:
        rows = search_people(s, q, today=TODAY, limit=1000)
        assert count_people(s, q, today=TODAY) == len(rows)
    for r in rows:
        age = TODAY.year - r.birth_date.year - ((TODAY.month, TODAY.day) < (r.birth_date.month, r.birth_date.day))
        assert lo <= age <= lo + span
        assert sex is None or r.sex == sex


@pytest.fixture(scope="module")
def crowd(tmp_path_factory):
    """30 people with names that share pinyin, surnames read two ways and numbers."""
    engine = make_database(tmp_path_factory.mktemp("crowd") / "p.db")
    pool = ["张三", "章三", "张三", "单明", "曾丽", "阿依古丽", "李四", "李4", "李10", "王五",
            "Anna", "anna", "买买提", "古丽", "赵六"]
    with Session(engine, expire_on_commit=False) as s:
        org = make_org(s)
        for i in range(30):
            make_person(s, org["grid"].id, name=pool[i % len(pool)] + ("" if i < 15 else "二"),
                        birth=dt.date(1940 + i, 1, 1), female=bool(i % 2),
                        tags=("dibao",) if i % 3 == 0 else ())
        s.commit()
    yield engine
    engine.dispose()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(page=st.integers(1, 12), unindexed=st.booleans(),
       q=st.sampled_from([PeopleQuery(), PeopleQuery(sex="female"), PeopleQuery(tags_any=("dibao",)),
                          PeopleQuery(text="li"), PeopleQuery(age_min=60)]))
def test_sql_paging_follows_the_list_order_for_any_page(crowd, page, unindexed, q):
    """The SQL path (used while the in-memory index is stale) pages in list order, by pinyin
    then id, and a person a pull brought in before their name was indexed is still listed."""
    from common.sorting import name_key
    from desktop.storage.search_index import PersonSearchName
    with Session(crowd) as s:
        everyone = s.query(Person.id, Person.name).order_by(Person.id).all()
        dropped = everyone[7].id if unindexed else None
        if dropped:
            s.query(PersonSearchName).filter_by(person_id=dropped).delete()
        wanted = {r.id: r.name for r in search_people(s, q, today=TODAY, limit=1000)}
        expected = sorted(wanted, key=lambda i: (name_key(wanted[i]), i))
        if dropped in wanted:  # no key yet: listed first
            expected = [dropped] + [i for i in expected if i != dropped]
        seen, after = [], None
        while True:
            rows = search_people(s, q, today=TODAY, limit=page, after=after)
            seen += [r.id for r in rows]
            if len(rows) < page:
                break
            after = (rows[-1].name, rows[-1].id)
        s.rollback()
    assert seen == expected


def test_the_sql_count_and_first_page_follow_every_change_on_either_connection(tmp_path):
    """The SQL path reads a narrow search's matches once for its count and first page; a
    person saved since (on this connection or another) is counted and listed at once."""
    engine = make_database(tmp_path / "p.db")
    with Session(engine, expire_on_commit=False) as s:
        org = make_org(s)
        for i in range(5):
            make_person(s, org["grid"].id, name=f"古丽{i}", birth=dt.date(1960 + i, 1, 1),
                        female=True)
        s.commit()
    q = PeopleQuery(text="古丽")
    with Session(engine) as reader, Session(engine) as writer:
        assert count_people(reader, q, today=TODAY) == 5
        assert len(search_people(reader, q, today=TODAY)) == 5
        reader.rollback()
        make_person(writer, org["grid"].id, name="古丽新", birth=dt.date(1980, 1, 1), female=True)
        writer.commit()
        assert len(search_people(reader, q, today=TODAY)) == 6
        assert count_people(reader, q, today=TODAY) == 6
        reader.rollback()
        make_person(reader, org["grid"].id, name="古丽再", birth=dt.date(1981, 1, 1), female=True)
        reader.flush()
        assert count_people(reader, q, today=TODAY) == 7
        assert len(search_people(reader, q, today=TODAY)) == 7
    engine.dispose()
