"""The report manager's first slice: a definition checked column by column, computed columns
(people by filter or tag, a ledger field's sum) against direct queries, rows by township or
grid, assignment to townships, a township filling and submitting its free column, the county
returning and approving, and the consolidated xlsx in the designed layout."""
from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from common.errors import DomainError, ValidationErrors
from common.schema import LedgerField, LedgerRow, LedgerType, OrgNode, Person, PersonTag
from sync_server.services import reports as svc
from sync_server.services.changes import apply_change
from sync_server.services.scope import Scope
from tests.factories import make_id_number, make_person

COLUMNS = [{"label": "总人数", "kind": "people"},
           {"label": "女性", "kind": "people", "filter_field": "sex", "filter_value": "female"},
           {"label": "低保", "kind": "people", "filter_field": "tag", "filter_value": "dibao"},
           {"label": "耕地亩数", "kind": "ledger_sum", "ledger": "orchard", "field": "area"},
           {"label": "走访户数", "kind": "free"}]


def _data(server) -> None:
    """t1: 3 people (2 women, 1 低保) in g1a and g1b, land 2.5 + 4 mu; t2: 1 man, land 10."""
    t, now = server.tree, server.clock()
    with server.session() as s:
        people = []
        for grid, sex, birth in (("g1a", "female", "19800101"), ("g1a", "male", "19810101"),
                                 ("g1b", "female", "19820101"), ("g2", "male", "19830101")):
            people.append(apply_change(s, Person, None, make_person(
                t.id(grid), id_number=make_id_number(birth, sex=sex)), now=now))
        apply_change(s, PersonTag, None, {"person_id": people[2].id, "tag_code": "dibao",
                                          "grid_id": t.id("g1b")}, now=now)
        land = apply_change(s, LedgerType, None, {"code": "orchard", "name": "果园", "binding":
                                                  "person", "per_year": False}, now=now)
        apply_change(s, LedgerField, None, {"ledger_type_id": land.id, "code": "area",
                                            "label": "面积", "field_type": "decimal"}, now=now)
        apply_change(s, LedgerField, None, {"ledger_type_id": land.id, "code": "kind",
                                            "label": "地类", "field_type": "text"}, now=now)
        for person, area in ((people[0], "2.5"), (people[2], "4"), (people[3], "10")):
            apply_change(s, LedgerRow, None, {"ledger_type_id": land.id, "person_id": person.id,
                                              "data": {"area": area}, "grid_id": person.grid_id},
                         now=now)
        s.commit()


def _scope(s, server, user: str) -> Scope:
    return Scope.of(s, server.tree.users[user])


def _define(s, server, row_level="township", columns=COLUMNS):
    return svc.define_report(s, _scope(s, server, "admin"), server.tree.users["admin"],
                             title="月度基本情况", row_level=row_level, columns=columns,
                             now=server.clock())


def test_a_bad_definition_names_every_wrong_column(server):
    _data(server)
    with server.session() as s:
        with pytest.raises(ValidationErrors) as err:
            svc.define_report(s, _scope(s, server, "admin"), server.tree.users["admin"],
                              title="", row_level="house", now=server.clock(), columns=[
                                  {"label": "", "kind": "people"},
                                  {"label": "x", "kind": "people", "filter_field": "sex",
                                   "filter_value": "other"},
                                  {"label": "地类", "kind": "ledger_sum", "ledger": "orchard",
                                   "field": "kind"},
                                  {"label": "y", "kind": "formula"}])
        fields = {e.field for e in err.value.errors}
        assert fields == {"title", "row_level", "columns.1", "columns.2", "columns.3",
                          "columns.4"}
        assert any("不是数字字段" in e.message() for e in err.value.errors)
        with pytest.raises(DomainError):
            svc.define_report(s, _scope(s, server, "worker1a"), server.tree.users["worker1a"],
                              title="t", row_level="grid", columns=COLUMNS[:1],
                              now=server.clock())


def test_computed_columns_match_direct_queries_by_township_and_by_grid(server):
    _data(server)
    with server.session() as s:
        report = _define(s, server)
        header, rows = svc.table(s, _scope(s, server, "admin"), report)
        assert header == ["乡镇", "总人数", "女性", "低保", "耕地亩数", "走访户数"]
        by_name = {r[0]: r[1:] for r in rows}
        assert by_name["托克逊镇"] == [3, 2, 1, 6.5, None]
        assert by_name["夏乡"] == [1, 0, 0, 10, None]
        assert sum(r[1] for r in rows) == s.scalar(select(func.count()).select_from(Person))
        grids = _define(s, server, row_level="grid")
        _, rows = svc.table(s, _scope(s, server, "office1"), grids)  # a township: its grids
        assert sorted((r[0], r[1]) for r in rows) == [("团结社区第一网格", 2), ("团结社区第二网格", 1)]


def test_assign_fill_return_approve_and_the_consolidated_xlsx(server):
    _data(server)
    t, now = server.tree, server.clock()
    admin, office = server.tree.users["admin"], server.tree.users["office1"]
    with server.session() as s:
        report = _define(s, server)
        with pytest.raises(DomainError, match="report_period_invalid"):
            svc.assign(s, _scope(s, server, "admin"), admin, report,
                       township_ids=[t.id("t1")], period="2026-13", now=now)
        assert svc.assign(s, _scope(s, server, "admin"), admin, report,
                          township_ids=[t.id("t1"), t.id("t2")], period="2026-11",
                          now=now) == 2
        office_scope = _scope(s, server, "office1")
        mine = svc.submissions(s, office_scope, report)
        assert [m.node_id for m in mine] == [t.id("t1")]  # a township sees only its own share
        sub = mine[0]
        with pytest.raises(ValidationErrors) as err:
            svc.fill(s, office_scope, office, sub, {t.id("t1"): {"c5": "十二"}}, submit=True,
                     now=now)
        assert "应填写数字" in err.value.errors[0].message()
        svc.fill(s, office_scope, office, sub, {t.id("t1"): {"c5": "12"}}, submit=True, now=now)
        assert sub.status == "submitted"
        admin_scope = _scope(s, server, "admin")
        with pytest.raises(DomainError, match="required"):
            svc.review(s, admin_scope, admin, sub, approve=False, note="", now=now)
        svc.review(s, admin_scope, admin, sub, approve=False, note="数字偏小，请核实", now=now)
        assert sub.status == "returned"
        svc.fill(s, office_scope, office, sub, {t.id("t1"): {"c5": "15"}}, submit=True, now=now)
        svc.review(s, admin_scope, admin, sub, approve=True, note="", now=now)
        with pytest.raises(DomainError):  # approved: no more changes
            svc.fill(s, office_scope, office, sub, {t.id("t1"): {"c5": "1"}}, submit=True,
                     now=now)
        out = io.BytesIO()
        assert svc.write_xlsx(s, admin_scope, admin, report, out, period="2026-11", now=now) == 2
    sheet = load_workbook(io.BytesIO(out.getvalue())).active
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert values[0][0] == "月度基本情况（2026-11）"
    assert values[1] == ["乡镇", "总人数", "女性", "低保", "耕地亩数", "走访户数"]
    assert ["托克逊镇", 3, 2, 1, 6.5, 15] in values and ["夏乡", 1, 0, 0, 10, None] in values
