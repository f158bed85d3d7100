"""The ledger page's service: rows of a type in the worker's scope with their bound records'
keys, filters and paging; adding, editing and deleting a row with the import's rules, queued
for sync."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from common.errors import ValidationErrors
from common.ledger_types import ledger_type_id
from common.schema import LedgerField, LedgerRow
from desktop.assistant.ledgers import ledger, list_ledgers
from desktop.services import ledgers
from desktop.services.ledgers import LedgerQuery
from desktop.storage.changes import record_change
from desktop.storage.tables import OutboxEntry
from tests.desktop.ledger_fixtures import NOW, land, ledger_scope  # noqa: F401


def _rows(s: Session, query: LedgerQuery, **kw) -> list[ledgers.LedgerListRow]:  # noqa: ANN003
    return ledgers.list_rows(s, ledger(s, "land"), query, **kw)


def _save(s: Session, row_id: str | None, values: dict, **kw) -> str:  # noqa: ANN003
    return ledgers.save_row(s, ledger(s, "land"), row_id, values, **kw)


def _queued(s: Session, record_id: str) -> list[OutboxEntry]:
    return list(s.scalars(select(OutboxEntry).where(OutboxEntry.record_id == record_id)))


def test_the_types_come_from_data_and_a_field_an_admin_adds_appears(ledger_scope):
    with Session(ledger_scope.engine) as s:
        before = {d.code: d for d in list_ledgers(s)}
        record_change(s, LedgerField, None, {
            "ledger_type_id": ledger_type_id("land"), "code": "irrigated", "label": "灌溉面积",
            "field_type": "decimal", "unit": "亩", "dict_code": None, "required": False,
            "sort": 99}, now=NOW)
        after = {d.code: d for d in list_ledgers(s)}
    assert list(before)[:2] == ["land", "production_living"] and len(before) == 8
    assert [f.label for f in after["land"].fields][-1] == "灌溉面积"
    assert len(after["land"].fields) == len(before["land"].fields) + 1


def test_rows_show_the_bound_household_and_head_and_stay_in_the_workers_grid(ledger_scope):
    sc = ledger_scope
    with Session(sc.engine) as s:
        rows = _rows(s, LedgerQuery(), grids={sc.grid})
        assert ledgers.count_rows(s, ledger(s, "land"),
                                  LedgerQuery(), grids={sc.grid}) == 2
        everywhere = _rows(s, LedgerQuery())
    assert [(r.key, r.name, r.year) for r in rows] == [("652123000101", "张三", 2025),
                                                       ("652123000102", "买买提·吐尔逊", 2024)]
    assert rows[0].data["transfer_mode"] == "lease"
    assert len(everywhere) == 3


def test_a_person_bound_ledger_lists_the_id_number_masked(ledger_scope):
    with Session(ledger_scope.engine) as s:
        (row,) = ledgers.list_rows(s, ledger(s, "vehicles"), grids={ledger_scope.grid})
        detail = ledgers.get_row(s, ledger(s, "vehicles"), row.id)
    clear = ledger_scope.people["张三"].id_number
    assert row.name == "张三" and row.key == clear[:6] + "********" + clear[-4:]
    assert clear not in repr(row) and detail.key == row.key


def test_the_year_and_text_filters_narrow_the_rows(ledger_scope):
    g = {ledger_scope.grid}
    with Session(ledger_scope.engine) as s:
        def names(**kw):  # noqa: ANN003, ANN202
            return [r.name for r in _rows(s, LedgerQuery(**kw), grids=g)]
        assert names(year=2024) == ["买买提·吐尔逊"]
        assert names(text="买买提") == ["买买提·吐尔逊"]
        assert names(text="000101") == ["张三"]
        assert names(text="出租") == ["张三"]         # a dictionary value by its label
        assert names(text="J0001") == ["张三"]        # a text value
        assert ledgers.years(s, ledger(s, "land"), grids=g) == [2025, 2024]
        counts = ledgers.counts_by_type(s, grids=g)
        assert (counts[ledger(s, "land").id], counts[ledger(s, "vehicles").id]) == (2, 1)
        v = ledgers.list_rows(s, ledger(s, "vehicles"), LedgerQuery(text="新KA"), grids=g)
        assert [r.name for r in v] == ["张三"]


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(page=st.integers(min_value=1, max_value=7), extra=st.integers(min_value=0, max_value=12))
def test_paging_returns_every_row_once_in_order_whatever_the_page_size(ledger_scope, page,
                                                                       extra):
    sc = ledger_scope
    with Session(sc.engine) as s:
        have = ledgers.count_rows(s, ledger(s, "land"),
                                  LedgerQuery(), grids={sc.grid})
        for i in range(extra):  # several rows may share a household: ties on the key
            land(s, sc.households["652123000101"], sc.grid, 2020 + i % 3, arable_area=i)
        expected = have + extra
        got, after = [], None
        while True:
            chunk = _rows(s, LedgerQuery(), grids={sc.grid}, limit=page,
                                      after=after)
            got += chunk
            if len(chunk) < page:
                break
            after = chunk[-1].sort_key()
        s.rollback()
    assert len(got) == len({r.id for r in got}) == expected
    assert [r.key for r in got] == sorted(r.key for r in got)


def test_a_row_missing_a_required_field_is_refused_naming_the_field_and_writes_nothing(
        ledger_scope):
    with Session(ledger_scope.engine) as s:
        before = s.scalar(select(func.count()).select_from(OutboxEntry))
        with pytest.raises(ValidationErrors) as err:
            _save(s, None, {"plots": "2", "transfer_mode": "卖掉了"},
                             key="652123000102", year="2026", now=NOW, grids={ledger_scope.grid})
        s.rollback()
        after = s.scalar(select(func.count()).select_from(OutboxEntry))
    messages = {e.field: e.message() for e in err.value.errors}
    assert messages["arable_area"] == "耕地面积不能为空"
    assert messages["transfer_mode"] == "流转方式“卖掉了”不在可选项中"
    assert before == after


def test_a_household_outside_the_scope_or_a_bad_year_is_refused(ledger_scope):
    with Session(ledger_scope.engine) as s, pytest.raises(ValidationErrors) as err:
        _save(s, None, {"arable_area": "3"}, key="652123000201",
                         year="明年", now=NOW, grids={ledger_scope.grid})
    messages = {e.field: e.message() for e in err.value.errors}
    assert messages[ledgers.KEY_FIELD] == "找不到户号“652123000201”"
    assert messages[ledgers.YEAR_FIELD] == "年度“明年”不是有效的年份"


def test_a_valid_row_is_written_with_codes_and_queued_for_sync(ledger_scope):
    sc = ledger_scope
    with Session(sc.engine) as s:
        rid = _save(s, None, {"arable_area": "6.5", "transfer_mode": "转包",
                                                 "plots": 2}, key="652123000102", year=2026,
                               now=NOW, grids={sc.grid})
        s.commit()
        row = s.get(LedgerRow, rid)
        assert (row.year, row.grid_id, row.household_id) == (2026, sc.grid,
                                                             sc.households["652123000102"])
        assert row.data == {"arable_area": 6.5, "transfer_mode": "subcontract", "plots": 2}
        (entry,) = _queued(s, rid)
        assert entry.entity == "ledger_rows" and entry.values["data"]["arable_area"] == 6.5


def test_editing_a_row_changes_its_values_and_keeps_its_household(ledger_scope):
    sc = ledger_scope
    rid = sc.rows["张三"]
    with Session(sc.engine) as s:
        s.get(LedgerRow, rid).data = {**s.get(LedgerRow, rid).data, "old_field": "kept"}
        _save(s, rid, {"arable_area": 14, "plots": ""}, year=2025, now=NOW)
        s.commit()
        row = s.get(LedgerRow, rid)
        assert row.data == {"arable_area": 14.0, "old_field": "kept"}
        assert row.household_id == sc.households["652123000101"]
        assert len(_queued(s, rid)) == 2


def test_a_deleted_row_leaves_the_list_and_its_deletion_is_queued(ledger_scope):
    sc = ledger_scope
    with Session(sc.engine) as s:
        ledgers.delete_row(s, ledger(s, "land"), sc.rows["张三"], now=NOW)
        s.commit()
        names = [r.name for r in _rows(s, LedgerQuery(), grids={sc.grid})]
        assert names == ["买买提·吐尔逊"]
        assert _queued(s, sc.rows["张三"])[-1].deleted is True
