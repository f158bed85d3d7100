"""Drill-down counts, home figures, saved searches and the logged xlsx export."""
import datetime as dt

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from desktop.services import home, places
from desktop.services.saved_searches import export_people, save_search, saved_searches
from desktop.services.search import PeopleQuery
from desktop.storage.local_log import OperationLog
from tests.desktop.people_factories import (NOW, TODAY, make_database, make_org, make_person,
                                            make_places)


@pytest.fixture
def db(tmp_path):
    engine = make_database(tmp_path / "p.db")
    with Session(engine, expire_on_commit=False) as s:
        org = make_org(s)
        pl = make_places(s, org["grid"].id)
        g = org["grid"].id
        make_person(s, g, name="甲", house_id=pl["house"].id, tags=("elderly_60",),
                    phone="13899001122")
        make_person(s, g, name="乙", house_id=pl["house"].id)
        make_person(s, g, name="丙", house_id=pl["rural"].id)
        make_person(s, g, name="丁", house_id=pl["rural"].id, status="deceased")
        s.commit()
    yield engine, org, pl
    engine.dispose()


def test_drill_down_counts_living_people_at_every_level(db):
    engine, org, pl = db
    with Session(engine) as s:
        top = places.roots(s, org["county"].id)
        assert [(n.title, n.people) for n in top] == [("托克逊县", 3)]
        village = places.children(s, "org", org["township"].id)
        assert [(n.title, n.people) for n in village] == [("英阿瓦提村", 3)]
        grids = places.children(s, "org", org["village"].id)
        assert {(n.title, n.people) for n in grids} == {("第一网格", 3), ("第二网格", 0)}
        under_grid = places.children(s, "org", org["grid"].id)
        assert {(n.kind, n.title, n.people) for n in under_grid} == {
            ("park", "幸福小区", 2), ("house", "英阿瓦提村3组12号", 1)}
        building = places.children(s, "park", pl["park"].id)
        assert [(n.title, n.people) for n in building] == [("1号楼", 2)]
        houses = places.children(s, "building", pl["building"].id)
        assert [(n.title, n.people) for n in houses] == [("1号楼1单元101", 2)]
        residents = places.children(s, "house", pl["house"].id)
        assert sorted(n.title for n in residents) == ["乙", "甲"]


def test_home_figures_count_the_scope(db):
    engine, *_ = db
    with Session(engine) as s:
        f = home.home_figures(s, today=TODAY)
    assert (f.people, f.households, f.houses, f.tagged_people) == (3, 1, 2, 1)
    assert f.pending_changes > 0


def test_a_saved_search_comes_back_equal(db):
    engine, *_ = db
    q = PeopleQuery(age_min=60, tags_any=("elderly_60", "dibao"), text="张")
    with Session(engine) as s:
        save_search(s, "老人低保", q, now=NOW)
        s.commit()
        assert saved_searches(s) == [("老人低保", q)]


def test_an_export_writes_masked_rows_with_chinese_labels_and_is_logged(db, tmp_path):
    engine, *_ = db
    out = tmp_path / "导出.xlsx"
    with Session(engine) as s:
        n = export_people(s, PeopleQuery(statuses=("normal",)), out, today=TODAY, now=NOW,
                          actor_id="u1")
        s.commit()
        log = s.execute(select(OperationLog).where(OperationLog.action == "export")).scalar_one()
    assert n == 3 and log.detail["rows"] == 3
    rows = list(load_workbook(out).active.iter_rows(values_only=True))
    assert rows[0][:2] == ("姓名", "性别")
    first = [r for r in rows if r[0] == "甲"][0]
    assert first[1] == "男" and "****" in first[4] and first[5] == "138****1122"
    assert first[-1] == "60岁以上老人"


def test_a_new_record_of_a_township_user_goes_to_a_grid_below_their_scope(db):
    engine, org, _ = db
    with Session(engine) as s:
        assert places.default_grid(s, org["grid2"].id) == org["grid2"].id
        assert places.default_grid(s, org["township"].id) in (org["grid"].id, org["grid2"].id)


def test_drill_down_lists_house_numbers_by_value_and_residents_by_pinyin(db):
    from common.schema import House
    from desktop.storage.changes import record_change
    from tests.desktop.people_factories import NOW, make_person
    engine, org, pl = db
    with Session(engine, expire_on_commit=False) as s:
        grid = org["grid"].id
        houses = {}
        for plate in ("1组10号", "1组2号", "文化路29号", "文化路2号"):
            houses[plate] = record_change(s, House, None, {
                "door_plate": plate, "house_type": "rural_self_built", "grid_id": grid},
                now=NOW).id
        for name in ("张伟", "艾力", "曾丽"):
            make_person(s, grid, name=name, house_id=houses["1组2号"])
        s.commit()
    with Session(engine) as s:
        plates = [n.title for n in places.children(s, "org", org["grid"].id) if n.kind == "house"]
        residents = [n.title for n in places.children(s, "house", houses["1组2号"])]
    assert plates == ["1组2号", "1组10号", "文化路2号", "文化路29号", "英阿瓦提村3组12号"]
    assert residents == ["艾力", "曾丽", "张伟"]
