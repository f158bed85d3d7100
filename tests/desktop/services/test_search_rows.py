"""The SQL path of 全息检索 reads the trigger-kept search rows; for any people, any later writes
to them (renames, status changes, deletions, names not indexed yet) and any free-text fragment it
finds exactly the people, in exactly the order, that the plain predicate over people finds."""
import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import and_, delete, func, select
from sqlalchemy.orm import Session

from common.schema import Person, PersonTag
from desktop.services.search import (PeopleQuery, conditions, count_people, search_people,
                                     search_person_ids)
from desktop.storage.search_index import (PersonSearchKey, PersonSearchName, person_search_rows,
                                          refresh_index)
from tests.desktop.people_factories import TODAY, make_database, make_org, make_person

ALPHABET = "张章单曾古丽阿依买提李王·aAzsXx019"
names = st.text(ALPHABET, min_size=1, max_size=6).filter(lambda s: s.strip())
phones = st.one_of(st.none(), st.integers(0, 40).map(lambda n: f"1390019{n:04d}"))
people = st.lists(st.tuples(names, st.booleans(), st.integers(1930, 2020),
                            st.sampled_from(["normal", "deceased", "moved_out"]), phones),
                  min_size=1, max_size=12)
edits = st.lists(st.tuples(st.integers(0, 11), st.sampled_from(["rename", "status", "delete",
                                                                 "birth", "phone"]),
                           names), max_size=6)


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    engine = make_database(tmp_path_factory.mktemp("rows") / "p.db")
    with Session(engine, expire_on_commit=False) as s:
        org = make_org(s)
        s.commit()
    yield engine, org
    engine.dispose()


def old_ids(s: Session, q: PeopleQuery) -> list[str]:
    """The predicate over people (as before the search rows), in list order."""
    key = func.coalesce(PersonSearchName.sort_key, "")
    return list(s.execute(
        select(Person.id).outerjoin(PersonSearchName, PersonSearchName.person_id == Person.id)
        .where(and_(*conditions(q, today=TODAY, pinyin=True))).order_by(key, Person.id))
        .scalars())


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(crowd=people, changes=edits, reindex=st.booleans(), data=st.data())
def test_the_search_rows_find_what_the_predicate_over_people_finds(db, crowd, changes, reindex,
                                                                    data):
    engine, org = db
    with Session(engine) as s:
        for table in (PersonTag, PersonSearchKey, PersonSearchName, Person):
            s.execute(delete(table))
        made = []
        for name, female, year, status, phone in crowd:
            made.append(make_person(s, org["grid"].id, name=name, female=female,
                                    birth=dt.date(year, 3, 1), status=status, phone=phone))
        for i, kind, name in changes:  # written straight to people, as a pull does
            if i >= len(made):
                continue
            p = made[i]
            if kind == "rename":
                p.name = name
            elif kind == "status":
                p.status = "deceased" if p.status == "normal" else "normal"
            elif kind == "delete":
                p.deleted = True
            elif kind == "birth":
                p.birth_date = dt.date(p.birth_date.year - 7, 1, 1)
            else:
                p.phone = None if p.phone else "13900001111"
        s.flush()
        if reindex:
            refresh_index(s)
        texts = [p.name for p in made] + [p.id_number for p in made] + \
            [p.phone for p in made if p.phone]
        source = data.draw(st.sampled_from(texts))
        start = data.draw(st.integers(0, len(source) - 1))
        text = data.draw(st.one_of(st.just(source[start:start + data.draw(st.integers(1, 6))]),
                                   st.sampled_from(["zs", "zhang", "shan", "gl", "x", "19"])))
        q = PeopleQuery(text=text, sex=data.draw(st.sampled_from([None, "male", "female"])),
                        statuses=data.draw(st.sampled_from([(), ("normal",)])),
                        age_min=data.draw(st.one_of(st.none(), st.integers(0, 90))))
        expected = old_ids(s, q)
        live = s.execute(select(func.count()).select_from(Person)
                         .where(Person.deleted.is_(False))).scalar_one()
        assert s.execute(select(func.count()).select_from(person_search_rows)).scalar_one() \
            == live
        assert search_person_ids(s, q, today=TODAY) == expected
        assert count_people(s, q, today=TODAY) == len(expected)
        seen, after = [], None
        while True:  # the list's keyset paging, two rows a page
            rows = search_people(s, q, today=TODAY, limit=2, after=after)
            seen += [r.id for r in rows]
            if len(rows) < 2:
                break
            after = (rows[-1].name, rows[-1].id)
        assert seen == expected
        s.rollback()
