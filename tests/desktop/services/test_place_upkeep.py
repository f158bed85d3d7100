"""Places upkeep offline: adding and editing parks, buildings, units, floors and houses (a
rural house under its grid), the place rules, finding places and counting them by type and use."""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from common.errors import DomainError, ValidationErrors
from common.rules import place_problems
from common.schema import Building, Floor, House
from desktop.services import place_upkeep as up
from desktop.services.doorplates import labels_for
from desktop.storage.settings import add_plate_key, new_plate_key
from desktop.storage.tables import OutboxEntry
from tests.desktop.people_factories import NOW, make_database, make_org, make_places


@pytest.fixture
def db(tmp_path):
    engine = make_database(tmp_path / "p.db")
    with Session(engine, expire_on_commit=False) as s:
        org = make_org(s)
        pl = make_places(s, org["grid"].id)
        add_plate_key(s, *new_plate_key(), now=NOW)  # the county key, as sync delivers it
        s.commit()
    yield engine, org, pl
    engine.dispose()


def _save(engine, kind, place_id, values, scope=None):
    with Session(engine) as s, s.begin():
        return up.save_place(s, kind, place_id, values, now=NOW, actor_id="u1",
                             scope_node_id=scope)


def _fields(err: ValidationErrors) -> dict[str, str]:
    out: dict[str, str] = {}
    for e in err.errors:
        out[e.field] = "；".join(x for x in (out.get(e.field), e.message()) if x)
    return out


def test_a_worker_builds_a_building_down_to_a_house_and_each_write_is_queued_to_sync(db):
    engine, org, pl = db
    grid = org["grid"].id
    with Session(engine) as s:
        values = up.parent_values(s, "building", "park", pl["park"].id, grid)
    bid = _save(engine, "building", None, {**values, "name": "2号楼",
                                           "building_type": "residential", "use": "living",
                                           "floors_above": "6"}, grid)
    with Session(engine) as s:
        unit = up.parent_values(s, "unit", "building", bid, grid)
    uid = _save(engine, "unit", None, {**unit, "name": "1单元"}, grid)
    with Session(engine) as s:
        floor = up.parent_values(s, "floor", "unit", uid, grid)
    fid = _save(engine, "floor", None, {**floor, "number": "3"}, grid)
    with Session(engine) as s:
        house = up.parent_values(s, "house", "floor", fid, grid)
    hid = _save(engine, "house", None, {**house, "door_plate": "2号楼1单元301",
                                        "house_type": "apartment", "use": "rented"}, grid)
    with Session(engine) as s:
        row = s.get(House, hid)
        assert (row.building_id, row.unit_id, row.floor_id, row.grid_id) == (bid, uid, fid, grid)
        assert s.get(Building, bid).floors_above == 6
        queued = {e.record_id for e in s.scalars(select(OutboxEntry))}
        assert {bid, uid, fid, hid} <= queued
        # the new house's door plate can be printed at once, offline
        label = labels_for(s, [hid], now=NOW)[0]
        assert label.door_plate == "2号楼1单元301" and label.payload


def test_a_rural_self_built_house_hangs_directly_under_its_grid(db):
    engine, org, _ = db
    grid = org["grid"].id
    with Session(engine) as s:
        values = up.parent_values(s, "house", "org", grid, grid)
    assert values == {"grid_id": grid}
    hid = _save(engine, "house", None, {**values, "door_plate": "英阿瓦提村5组3号",
                                        "house_type": "rural_self_built"}, grid)
    with Session(engine) as s:
        row = s.get(House, hid)
        assert row.building_id is None and row.grid_id == grid


def test_a_place_cannot_hang_under_a_village_or_outside_the_scope(db):
    engine, org, _ = db
    with Session(engine) as s:
        with pytest.raises(DomainError) as village:
            up.parent_values(s, "house", "org", org["village"].id, org["grid"].id)
        assert village.value.message() == "请先选中一个本辖区的网格，再在它下面新增"
        with pytest.raises(DomainError):  # the other grid is not this worker's
            up.parent_values(s, "house", "org", org["grid2"].id, org["grid"].id)
    with pytest.raises(ValidationErrors) as err:
        _save(engine, "park", None, {"name": "外网格小区", "kind": "compound",
                                     "grid_id": org["grid2"].id}, org["grid"].id)
    assert "grid_id" in _fields(err.value)


def test_bad_input_names_each_field_and_writes_nothing(db):
    engine, org, pl = db
    grid = org["grid"].id
    with Session(engine) as s:
        before = len(s.scalars(select(OutboxEntry)).all())
    with pytest.raises(ValidationErrors) as err:
        _save(engine, "building", pl["building"].id,
              {"floors_above": "0", "use": "花园", "name": "1号楼"}, grid)
    fields = _fields(err.value)
    assert fields["floors_above"] == "地上层数“0”应在 1 到 200 之间"
    assert "use" in fields
    with pytest.raises(ValidationErrors) as err:
        _save(engine, "house", None, {"grid_id": grid, "floor_id": "no-such-floor",
                                      "door_plate": "x", "house_type": "apartment"}, grid)
    assert _fields(err.value)["floor_id"] == (
        "填了所属楼层就要先选所属建筑（农村自建房不填建筑、单元和楼层）；所属楼层找不到或已删除，请重新选择")
    with Session(engine) as s:
        assert len(s.scalars(select(OutboxEntry)).all()) == before
        assert s.get(Building, pl["building"].id).use == "living"


def test_an_edit_queues_only_the_changed_field(db):
    engine, org, pl = db
    _save(engine, "building", pl["building"].id, {"name": "1号楼", "use": "business"},
          org["grid"].id)
    with Session(engine) as s:
        last = s.scalars(select(OutboxEntry).order_by(OutboxEntry.seq.desc())).first()
        assert last.record_id == pl["building"].id and last.values == {"use": "business"}


def test_search_finds_parks_buildings_and_houses_by_name_plate_or_address(db):
    engine, org, pl = db
    with Session(engine) as s:
        assert [(h.kind, h.title) for h in up.search_places(s, "1号楼")] == [
            ("building", "1号楼"), ("house", "1号楼1单元101")]
        hits = up.search_places(s, "3组")
        assert [(h.kind, h.title, h.detail) for h in hits] == [
            ("house", "英阿瓦提村3组12号", "农村自建房")]
        assert {h.kind for h in up.search_places(s, "")} == {"park", "building", "house"}
        assert up.search_places(s, "没有这个") == []


def test_statistics_count_by_type_and_use(db):
    engine, org, _ = db
    grid = org["grid"].id
    _save(engine, "house", None, {"grid_id": grid, "door_plate": "6组1号",
                                  "house_type": "rural_self_built", "use": "rented"}, grid)
    with Session(engine) as s:
        stats = dict(up.place_stats(s))
    assert stats["房屋类型"] == [("农村自建房", 2), ("楼房", 1)]
    assert stats["房屋用途"] == [("未填", 2), ("出租", 1)]
    assert stats["建筑用途"] == [("居住", 1)]
    assert stats["园区/小区类型"] == [("小区", 1)]


@settings(max_examples=60, deadline=None)
@given(number=st.integers(-1000, 1000), has_unit=st.booleans(), has_building=st.booleans())
def test_place_rules_hold_for_every_floor_and_house(number, has_unit, has_building):
    floor = place_problems(Floor, {"number": number, "building_id": "b"})
    assert (floor == []) == (number != 0 and -10 <= number <= 200)
    house = place_problems(House, {"unit_id": "u" if has_unit else None,
                                   "building_id": "b" if has_building else None})
    assert (house == []) == (has_building or not has_unit)
