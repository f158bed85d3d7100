"""The in-memory people index answers every query exactly as the SQL search does."""
import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from desktop.services import people as people_service
from desktop.services.people_index import (PeopleIndex, fresh_index, holder_for, rebuild_index,
                                           refresh_pinyin)
from desktop.services.search import PeopleQuery, count_people, search_people
from tests.desktop.people_factories import (NOW, TODAY, make_database, make_org, make_person,
                                            make_places)

NAMES = ["张三", "张小红", "单小明", "李四", "王五", "阿依古丽·买买提", "买买提·艾力", "曾国强",
         "赵敏", "古丽娜"]
TAGS = ["elderly_60", "dibao", "living_alone", "veteran"]


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    engine = make_database(tmp_path_factory.mktemp("ix") / "p.db")
    with Session(engine, expire_on_commit=False) as s:
        org = make_org(s)
        places = make_places(s, org["grid"].id)
        for i in range(60):
            grid = org["grid"].id if i % 3 else org["grid2"].id
            make_person(s, grid, name=NAMES[i % len(NAMES)] + ("" if i < 10 else str(i)),
                        birth=dt.date(1930 + i, 1 + i % 12, 1 + i % 27), female=bool(i % 2),
                        tags=tuple(TAGS[j] for j in range(4) if (i >> j) & 1),
                        ethnicity="05" if i % 4 == 0 else "01",
                        status=["normal", "normal", "deceased", "moved_out"][i % 4],
                        resident_type=["registered", "floating"][i % 2],
                        phone=f"1389900{i:04d}" if i % 5 else None,
                        household_id=places["household"].id if i % 7 == 0 else None,
                        house_id=places["house"].id if i % 6 == 0 else None)
        s.commit()
    yield engine, org, places
    engine.dispose()


queries = st.builds(
    PeopleQuery,
    text=st.sampled_from(["", "张", "zs", "zhang", "shan", "古丽", "1389900", "1970", "x", "mm",
                          "买买提", "丽·买", "古丽娜", "娜"]),
    age_min=st.one_of(st.none(), st.integers(0, 100)),
    age_max=st.one_of(st.none(), st.integers(0, 100)),
    sex=st.sampled_from([None, "male", "female"]),
    ethnicities=st.sampled_from([(), ("05",), ("01", "05")]),
    tags_any=st.sampled_from([(), ("dibao",), ("elderly_60", "veteran")]),
    tags_all=st.sampled_from([(), ("dibao",), ("elderly_60", "living_alone")]),
    resident_types=st.sampled_from([(), ("floating",)]),
    statuses=st.sampled_from([(), ("normal",), ("deceased", "moved_out")]),
    household_no=st.sampled_from(["", "652123000001", "nope"]),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(q=queries, org_pick=st.sampled_from([None, "grid", "village", "grid2"]),
       place=st.sampled_from([None, "house", "building"]))
def test_the_index_and_sql_find_the_same_people_in_the_same_order(db, q, org_pick, place):
    engine, org, places = db
    if org_pick:
        q = PeopleQuery(**{**q.__dict__, "org_node_id": org[org_pick].id})
    if place:
        q = PeopleQuery(**{**q.__dict__, f"{place}_id": places[place].id})
    with Session(engine) as s:
        sql_rows = [r.id for r in search_people(s, q, today=TODAY, limit=1000)]
        sql_count = count_people(s, q, today=TODAY)
        ix = PeopleIndex.build(s)
        assert ix.count(q, today=TODAY, session=s) == sql_count == len(sql_rows)
        assert ix.page_ids(q, today=TODAY, session=s, limit=1000) == sql_rows
        if len(sql_rows) > 3:
            after_row = search_people(s, q, today=TODAY, limit=3)[-1]
            assert ix.page_ids(q, today=TODAY, session=s, limit=1000,
                               after=(after_row.name, after_row.id)) == sql_rows[3:]


def test_a_local_edit_makes_the_index_stale_until_it_is_rebuilt(tmp_path):
    engine = make_database(tmp_path / "p.db")
    with Session(engine, expire_on_commit=False) as s:
        org = make_org(s)
        make_person(s, org["grid"].id, name="张三")
        s.commit()
        assert fresh_index(s) is None
        assert rebuild_index(s)
        assert fresh_index(s) is not None
        assert count_people(s, PeopleQuery(text="zs"), today=TODAY) == 1
        people_service.save_person(s, None, {"name": "赵四", "id_number": make_id(),
                                             "grid_id": org["grid"].id},
                                   [], now=NOW, actor_id="u")
        s.commit()
        assert fresh_index(s) is None  # stale: searches fall back to SQL
        assert count_people(s, PeopleQuery(text="zs"), today=TODAY) == 2
        assert rebuild_index(s)
        assert count_people(s, PeopleQuery(text="zs"), today=TODAY) == 2
    holder_for(engine).index = None
    engine.dispose()


def make_id():
    from tests.desktop.people_factories import make_id_number
    return make_id_number(dt.date(1981, 2, 3))


edits = st.lists(st.tuples(
    st.integers(0, 39),
    st.sampled_from(["phone", "status", "tags", "house", "household", "id_number", "grid"]),
    st.integers(0, 3)), min_size=1, max_size=6)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=edits)
def test_local_edits_patch_the_index_to_exactly_what_a_rebuild_gives(tmp_path_factory, changes):
    engine = make_database(tmp_path_factory.mktemp("patch") / "p.db")
    with Session(engine, expire_on_commit=False) as s:
        org = make_org(s)
        places = make_places(s, org["grid"].id)
        ids = [make_person(s, org["grid"].id if i % 2 else org["grid2"].id,
                           name=NAMES[i % len(NAMES)] + str(i),
                           birth=dt.date(1940 + i, 1 + i % 12, 1 + i % 27),
                           tags=(TAGS[i % 4],), phone=f"1389900{i:04d}").id
               for i in range(40)]
        s.commit()
        assert rebuild_index(s) == "rebuilt"
        for k, what, v in changes:
            pid = ids[k]
            values, tags = {}, None
            if what == "phone":
                values["phone"] = f"1370000{v:04d}" if v else None
            elif what == "status":
                values["status"] = ["normal", "deceased", "moved_out", "normal"][v]
            elif what == "tags":
                tags = TAGS[:v]
            elif what == "house":
                values["house_id"] = places["house"].id if v % 2 else places["rural"].id
            elif what == "household":
                values["household_id"] = places["household"].id if v % 2 else None
            elif what == "grid":
                values["grid_id"] = org["grid"].id if v % 2 else org["grid2"].id
            else:
                from tests.desktop.people_factories import make_id_number
                values["id_number"] = make_id_number(dt.date(1930 + 10 * v, 5, 5), female=v % 2)
            people_service.save_person(s, pid, values, tags, now=NOW, actor_id="u")
            s.commit()
        assert rebuild_index(s) in ("patched", "")  # "" when no edit changed anything
        patched_ix = fresh_index(s)
        assert patched_ix is not None
        fresh = PeopleIndex.build(s)
        for q in (PeopleQuery(), PeopleQuery(statuses=("normal",)), PeopleQuery(text="1370000"),
                  PeopleQuery(text="1389900"), PeopleQuery(tags_any=("dibao", "veteran")),
                  PeopleQuery(tags_all=("elderly_60", "dibao")), PeopleQuery(age_min=80),
                  PeopleQuery(age_max=40, sex="female"), PeopleQuery(house_id=places["house"].id),
                  PeopleQuery(household_no="652123000001"), PeopleQuery(grid_ids=(org["grid"].id,)),
                  PeopleQuery(building_id=places["building"].id), PeopleQuery(text="1930")):
            expected = [r.id for r in _sql_rows(s, q)]
            assert patched_ix.page_ids(q, today=TODAY, session=s, limit=1000) == expected, q
            assert fresh.page_ids(q, today=TODAY, session=s, limit=1000) == expected, q
    holder_for(engine).index = None
    engine.dispose()


def _sql_rows(session, q):
    from desktop.services.people_index import holder_for as h
    holder = h(session)
    saved, holder.index = holder.index, None  # force the SQL path
    try:
        return search_people(session, q, today=TODAY, limit=1000)
    finally:
        holder.index = saved


def test_lists_are_in_pinyin_order_with_the_index_and_without_it_and_page_the_same(tmp_path):
    from common.sorting import name_key
    engine = make_database(tmp_path / "p.db")
    names = ["张三", "阿依古丽", "曾国强", "单小明", "李秀英", "王强", "白雪", "张三2", "张三10"]
    with Session(engine, expire_on_commit=False) as s:
        org = make_org(s)
        for n in names:
            make_person(s, org["grid"].id, name=n, birth=dt.date(1980, 1, 1))
        s.commit()
    expected = ["阿依古丽", "白雪", "李秀英", "单小明", "王强", "曾国强", "张三", "张三2", "张三10"]
    with Session(engine) as s:
        holder_for(s).index = None
        assert fresh_index(s) is None
        by_sql = [r.name for r in search_people(s, PeopleQuery(), today=TODAY)]
        paged_sql, after = [], None
        while rows := search_people(s, PeopleQuery(), today=TODAY, limit=2, after=after):
            paged_sql += [r.name for r in rows]
            after = (rows[-1].name, rows[-1].id)
        rebuild_index(s)
        assert fresh_index(s) is not None
        by_index = [r.name for r in search_people(s, PeopleQuery(), today=TODAY)]
        paged_ix, after = [], None
        while rows := search_people(s, PeopleQuery(), today=TODAY, limit=2, after=after):
            paged_ix += [r.name for r in rows]
            after = (rows[-1].name, rows[-1].id)
    assert by_sql == by_index == paged_sql == paged_ix == expected
    assert expected == sorted(names, key=name_key)
    engine.dispose()


pulls = st.lists(st.tuples(
    st.integers(0, 29),
    st.sampled_from(["phone", "status", "tag_added", "tag_removed", "house", "grid", "name",
                     "birth", "departed"]),
    st.integers(0, 3)), min_size=1, max_size=5)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=pulls)
def test_pulled_changes_bring_the_index_to_exactly_what_a_rebuild_gives(tmp_path_factory,
                                                                      changes):
    """Changes that arrive from the server (another laptop's edits) patch the index as local
    edits do; what a patch cannot express (a rename, a person leaving the scope) rebuilds it.
    Either way searches answer from the index again, exactly as SQL does."""
    from sqlalchemy import select, text

    from common.schema import Person, PersonTag, new_id
    from common.sync.codec import to_wire
    from common.sync.messages import EntityRows, PullResponse
    from desktop.storage import replica

    engine = make_database(tmp_path_factory.mktemp("pulled") / "p.db")
    with Session(engine, expire_on_commit=False) as s:
        org = make_org(s)
        places = make_places(s, org["grid"].id)
        ids = [make_person(s, org["grid"].id, name=NAMES[i % len(NAMES)] + str(i),
                           birth=dt.date(1940 + i, 1 + i % 12, 1 + i % 27),
                           tags=(TAGS[i % 4],), phone=f"1389900{i:04d}").id
               for i in range(30)]
        s.execute(text("UPDATE people SET rev = 10"))  # as acknowledged by the server
        s.execute(text("UPDATE person_tags SET rev = 10"))
        s.execute(text("DELETE FROM outbox"))  # sent and settled
        s.commit()
        assert rebuild_index(s) == "rebuilt"
        rev = 10
        expect_patch = True
        for k, what, v in changes:
            rev += 1
            pid = ids[k]
            if what == "departed":
                replica.apply_pull(s, PullResponse(cursor=rev, exits=[("people", pid)]), now=NOW)
                s.commit()
                expect_patch = False
                continue
            row = s.get(Person, pid)
            if row is None:
                continue
            wire = {c.key: to_wire(getattr(row, c.key)) for c in Person.__table__.columns}
            entity, record = "people", wire
            if what == "phone":
                wire["phone"] = f"1370000{v:04d}" if v else None
            elif what == "status":
                wire["status"] = ["normal", "deceased", "moved_out", "normal"][v]
            elif what == "house":
                wire["house_id"] = places["house"].id if v % 2 else places["rural"].id
            elif what == "grid":
                wire["grid_id"] = org["grid"].id if v % 2 else org["grid2"].id
            elif what == "name":
                wire["name"] = "更名" + str(v)
                expect_patch = False
            elif what == "birth":
                wire["birth_date"] = dt.date(1930 + 10 * v, 5, 5).isoformat()
            elif what == "tag_added":
                entity, record = "person_tags", {
                    "id": new_id(), "person_id": pid, "tag_code": TAGS[v], "grid_id": row.grid_id,
                    "created_at": NOW.isoformat(), "updated_at": NOW.isoformat(),
                    "deleted": False, "field_clock": {}}
            else:
                tag = s.scalars(select(PersonTag).where(PersonTag.person_id == pid)).first()
                if tag is None:
                    continue
                record = {c.key: to_wire(getattr(tag, c.key))
                          for c in PersonTag.__table__.columns}
                entity, record["deleted"] = "person_tags", True
            record["rev"] = rev
            cols = list(record)
            replica.apply_pull(s, PullResponse(cursor=rev, data={entity: EntityRows(
                cols=cols, rows=[[record[c] for c in cols]])}), now=NOW)
            s.commit()
        assert fresh_index(s) is None  # stale until brought up to date
        how = rebuild_index(s)
        assert how == "patched" if expect_patch else how == "rebuilt"
        if how == "rebuilt":  # as the main window does after a rebuild: pulled names' pinyin
            refresh_pinyin(s)
            s.commit()
        patched_ix = fresh_index(s)
        assert patched_ix is not None
        for q in (PeopleQuery(), PeopleQuery(statuses=("normal",)), PeopleQuery(text="1370000"),
                  PeopleQuery(text="1389900"), PeopleQuery(tags_any=("dibao", "veteran")),
                  PeopleQuery(tags_all=("elderly_60", "dibao")), PeopleQuery(age_min=80),
                  PeopleQuery(house_id=places["house"].id), PeopleQuery(text="更名"),
                  PeopleQuery(grid_ids=(org["grid"].id,)), PeopleQuery(text="1930")):
            expected = [r.id for r in _sql_rows(s, q)]
            assert patched_ix.page_ids(q, today=TODAY, session=s, limit=1000) == expected, q
            assert count_people(s, q, today=TODAY) == len(expected), q
    holder_for(engine).index = None
    engine.dispose()
