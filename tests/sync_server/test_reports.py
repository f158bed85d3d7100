"""The report manager across roles: the county designs (every wrong part named, hypothesis over
the design form), computed columns against direct queries (by place and by group, with
report-wide filters), shares given to grids, a grid fills, the township returns, the grid
corrects, the township approves and sends up the sum, the county approves and consolidates;
the figures frozen at submission do not follow later register changes; scope; work items;
the styled xlsx (headers, merges, totals, formats, frozen header)."""
from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from sqlalchemy import func, select

from common.errors import DomainError, ValidationErrors
from common.schema import LedgerField, LedgerRow, LedgerType, OrgNode, Person, PersonTag
from sync_server.db.tables import ReportDef, ReportSubmission
from sync_server.services import reports as svc
from sync_server.services.changes import apply_change
from sync_server.services.scope import Scope
from tests.factories import make_id_number, make_person

COLUMNS = [{"label": "总人数", "kind": "people", "group": "人口"},
           {"label": "女性", "kind": "people", "filter_field": "sex", "filter_value": "female",
            "group": "人口"},
           {"label": "低保", "kind": "people", "filter_field": "tag", "filter_value": "dibao"},
           {"label": "果园面积", "kind": "ledger_sum", "ledger": "orchard", "field": "area",
            "group": "果园"},
           {"label": "果园户数", "kind": "ledger_count", "ledger": "orchard", "group": "果园"},
           {"label": "走访户数", "kind": "free", "group": "填报"}]
HEADER = ["总人数", "女性", "低保", "果园面积", "果园户数", "走访户数"]
CJK = re.compile(r"[\u4e00-\u9fff]")


def _data(server) -> None:
    """t1: 3 people (2 women, 1 低保) in g1a and g1b, orchards 2.5 + 4 mu; t2: 1 man, 10 mu."""
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


def _define(s, server, rows="township", columns=COLUMNS, **kw) -> ReportDef:
    return svc.define_report(s, _scope(s, server, "admin"), server.tree.users["admin"],
                             title="月度基本情况", rows=rows, columns=columns,
                             now=server.clock(), **kw)


def test_a_bad_design_names_every_wrong_part(server):
    _data(server)
    with server.session() as s:
        with pytest.raises(ValidationErrors) as err:
            svc.define_report(s, _scope(s, server, "admin"), server.tree.users["admin"],
                              title="", rows="house", now=server.clock(), frequency="daily",
                              filters=[{"field": "sex", "value": "x"}], columns=[
                                  {"label": "", "kind": "people"},
                                  {"label": "x", "kind": "people", "filter_field": "sex",
                                   "filter_value": "other"},
                                  {"label": "地类", "kind": "ledger_sum", "ledger": "orchard",
                                   "field": "kind"},
                                  {"label": "y", "kind": "formula"},
                                  {"label": "z", "kind": "ledger_count", "ledger": "nothing"},
                                  {"label": "w", "kind": "free", "format": "percent"}])
        fields = {e.field for e in err.value.errors}
        assert fields == {"title", "rows", "frequency", "filters.1", "columns.1", "columns.2",
                          "columns.3", "columns.4", "columns.5", "columns.6"}
        assert all(CJK.search(e.message()) for e in err.value.errors)
        assert any("不是数字字段" in e.message() for e in err.value.errors)
        with pytest.raises(DomainError):
            svc.define_report(s, _scope(s, server, "worker1a"), server.tree.users["worker1a"],
                              title="t", rows="grid", columns=COLUMNS[:1], now=server.clock())
        assert s.scalar(select(func.count()).select_from(ReportDef)) == 0


SLOT = st.fixed_dictionaries({
    "label": st.one_of(st.just(""), st.just("人数"), st.text(max_size=40)),
    "group": st.one_of(st.just(""), st.text(max_size=40)),
    "kind": st.sampled_from(["", "people", "ledger_sum", "ledger_count", "field", "free", "x"]),
    "filter": st.sampled_from(["", "sex:female", "tag:dibao", "sex:", "nope:1", ":"]),
    "ledger": st.sampled_from(["", "orchard.area", "orchard.kind", "orchard.", "x.y", "@code",
                               "@name"]),
    "format": st.sampled_from(["", "int", "decimal", "pct"])})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(title=st.text(max_size=120), rows=st.sampled_from([*svc.ROW_CHOICES, "", "house"]),
       frequency=st.sampled_from(["month", "quarter", "", "week"]),
       filters=st.lists(st.sampled_from(["", "sex:male", "resident_type:zz", "tag:dibao"]),
                        max_size=3),
       slots=st.lists(SLOT, max_size=8))
def test_any_design_form_input_is_stored_whole_or_refused_in_chinese(
        server_with_data, title, rows, frequency, filters, slots):
    server = server_with_data
    with server.session() as s:
        try:
            row = svc.define_report(s, _scope(s, server, "admin"), server.tree.users["admin"],
                                    title=title, rows=rows, frequency=frequency,
                                    filters=svc.filters_from_form(filters),
                                    columns=svc.columns_from_form(slots), now=server.clock())
        except ValidationErrors as err:
            assert err.errors and all(e.field and CJK.search(e.message()) for e in err.errors)
            assert s.scalar(select(func.count()).select_from(ReportDef)) == 0
        else:
            assert row.title == title.strip() and 1 <= len(row.columns) <= 8
            header, _ = svc.table(s, _scope(s, server, "admin"), row)
            assert header[1:] == [c["label"] for c in row.columns]
        s.rollback()


@pytest.fixture
def server_with_data(server):
    _data(server)
    return server


def test_computed_columns_match_direct_queries_by_place_and_by_group(server):
    _data(server)
    with server.session() as s:
        report = _define(s, server)
        header, rows = svc.table(s, _scope(s, server, "admin"), report)
        assert header == ["乡镇", *HEADER]
        by_name = {r[0]: r[1:] for r in rows}
        assert by_name["托克逊镇"] == [3, 2, 1, 6.5, 2, None]
        assert by_name["夏乡"] == [1, 0, 0, 10, 1, None]
        assert sum(r[1] for r in rows) == s.scalar(select(func.count()).select_from(Person))
        grids = _define(s, server, rows="grid")
        _, rows = svc.table(s, _scope(s, server, "office1"), grids)  # a township: its grids
        assert sorted((r[0], r[1]) for r in rows) == [("团结社区第一网格", 2), ("团结社区第二网格", 1)]
        by_sex = _define(s, server, rows="group:sex")
        _, rows = svc.table(s, _scope(s, server, "admin"), by_sex)
        by_name = {r[0]: r[1:] for r in rows}
        assert by_name["女"][:5] == [2, 2, 1, 6.5, 2] and by_name["男"][:5] == [2, 0, 0, 10, 1]
        by_tag = _define(s, server, rows="group:tag", columns=COLUMNS[:1])
        _, rows = svc.table(s, _scope(s, server, "office1"), by_tag)
        assert dict((r[0], r[1]) for r in rows)["低保"] == 1
        s.get(OrgNode, server.tree.id("t1")).code = "650422100"  # test setup: a place's code
        coded = _define(s, server, columns=[{"label": "区划代码", "kind": "field",
                                             "field": "code"}, COLUMNS[0]])
        _, rows = svc.table(s, _scope(s, server, "admin"), coded)
        assert ["托克逊镇", "650422100", 3] in rows
        assert svc.totals(coded, rows) == ["合计", None, 4]
        with pytest.raises(ValidationErrors, match="columns.1"):  # group rows have no place
            _define(s, server, rows="group:sex", columns=coded.columns)
        women_only = _define(s, server, columns=COLUMNS[:1],
                             filters=[{"field": "sex", "value": "female"}])
        _, rows = svc.table(s, _scope(s, server, "admin"), women_only)
        assert {r[0]: r[1] for r in rows} == {"托克逊镇": 2, "夏乡": 0}


def test_county_grids_township_loop_with_frozen_figures_scope_and_work_items(server):
    _data(server)
    t, now = server.tree, server.clock()
    users = server.tree.users
    with server.session() as s:
        sc = {u: _scope(s, server, u) for u in ("admin", "office1", "worker1a", "worker1b",
                                                 "worker2")}
        report = _define(s, server, rows="grid", frequency="month")
        with pytest.raises(DomainError, match="report_period_kind"):
            svc.assign(s, sc["admin"], users["admin"], report, node_ids=[t.id("g1a")],
                       period="2026-Q4", now=now)  # a monthly report takes a month
        with pytest.raises(DomainError, match="report_no_assignees"):
            svc.assign(s, sc["admin"], users["admin"], report, node_ids=[t.id("v1")],
                       period="2026-11", now=now)  # a village is no assignee
        made = svc.assign(s, sc["admin"], users["admin"], report,
                          node_ids=[t.id("g1a"), t.id("g1b"), t.id("t2")], period="2026-11",
                          now=now)
        assert made == 4  # t1 (the sum of its grids), g1a, g1b, t2
        shares = {x.node_id: x for x in svc.submissions(s, sc["admin"], report)}
        town, g1a, g1b = shares[t.id("t1")], shares[t.id("g1a")], shares[t.id("g1b")]
        assert g1a.parent_id == town.id and g1b.parent_id == town.id
        assert svc.waiting(s, users["worker1a"]) == (1, 0)
        # scope: a grid sees its own share only, a township its own and its grids'
        assert [x.node_id for x in svc.submissions(s, sc["worker1a"], report)] == [t.id("g1a")]
        assert {x.node_id for x in svc.submissions(s, sc["office1"], report)} == {
            t.id("t1"), t.id("g1a"), t.id("g1b")}
        with pytest.raises(DomainError, match="not_found"):
            svc.get_submission(s, sc["worker1a"], g1b.id)
        with pytest.raises(DomainError, match="not_found"):
            svc.get_submission(s, sc["office1"], shares[t.id("t2")].id)

        # the grids fill; bad cells named in Chinese
        a, b = t.id("g1a"), t.id("g1b")
        with pytest.raises(ValidationErrors) as err:
            svc.fill(s, sc["worker1a"], users["worker1a"], g1a, {a: {"c6": "十二"}},
                     submit=True, now=now)
        assert "应填写数字" in err.value.errors[0].message()
        with pytest.raises(ValidationErrors) as err:
            svc.fill(s, sc["worker1a"], users["worker1a"], g1a, {a: {"c6": "1.5"}},
                     submit=True, now=now)
        assert "应填写整数" in err.value.errors[0].message()
        with pytest.raises(ValidationErrors) as err:
            svc.fill(s, sc["worker1a"], users["worker1a"], g1a, {}, submit=True, now=now)
        assert "不能为空" in err.value.errors[0].message()
        with pytest.raises(DomainError, match="forbidden"):
            svc.fill(s, sc["worker1b"], users["worker1b"], g1a, {a: {"c6": "1"}},
                     submit=True, now=now)
        svc.fill(s, sc["worker1a"], users["worker1a"], g1a, {a: {"c6": "12"}}, submit=True,
                 now=now)
        svc.fill(s, sc["worker1b"], users["worker1b"], g1b, {b: {"c6": "50"}}, submit=True,
                 now=now)
        assert g1a.frozen == {a: {"c1": 2, "c2": 1, "c3": 0, "c4": 2.5, "c5": 1}}
        assert svc.waiting(s, users["office1"]) == (1, 2)

        # the register changes after submission: the submitted share keeps what was seen
        apply_change(s, Person, None, make_person(a, id_number=make_id_number(
            "19900101", sex="female")), now=now)
        s.flush()
        assert svc.figures(s, report, g1a)[a]["c1"] == 2
        assert svc.compute(s, report, g1a.node_path)[a]["c1"] == 3

        # the township cannot send up before its grids are approved, and says which are not
        with pytest.raises(DomainError, match="report_grids_missing") as missing:
            svc.fill(s, sc["office1"], users["office1"], town, {}, submit=True, now=now)
        assert "团结社区第一网格（已上报）" in missing.value.message()
        assert "团结社区第二网格（已上报）" in missing.value.message()
        with pytest.raises(DomainError, match="forbidden"):  # a grid does not review
            svc.review(s, sc["worker1a"], users["worker1a"], g1b, approve=True, note="",
                       now=now)
        with pytest.raises(DomainError, match="required"):
            svc.review(s, sc["office1"], users["office1"], g1b, approve=False, note="",
                       now=now)
        svc.review(s, sc["office1"], users["office1"], g1b, approve=False,
                   note="走访户数超过户数，请核实", now=now)
        assert g1b.status == "returned" and svc.waiting(s, users["worker1b"]) == (1, 0)
        svc.fill(s, sc["worker1b"], users["worker1b"], g1b, {b: {"c6": "5"}}, submit=True,
                 now=now)
        svc.review(s, sc["office1"], users["office1"], g1a, approve=True, note="", now=now)
        svc.review(s, sc["office1"], users["office1"], g1b, approve=True, note="", now=now)
        with pytest.raises(DomainError, match="forbidden"):  # its own share goes to the county
            svc.review(s, sc["office1"], users["office1"], town, approve=True, note="", now=now)
        svc.fill(s, sc["office1"], users["office1"], town, {}, submit=True, now=now)
        assert town.status == "submitted"
        assert svc.waiting(s, users["admin"]) == (0, 1)
        # the county returns; the township reopens nothing but may send the same sum again
        svc.review(s, sc["admin"], users["admin"], town, approve=False, note="请补充说明",
                   now=now)
        svc.fill(s, sc["office1"], users["office1"], town, {}, submit=True, now=now)
        svc.review(s, sc["admin"], users["admin"], town, approve=True, note="", now=now)
        with pytest.raises(DomainError, match="report_not_fillable"):
            svc.fill(s, sc["worker1a"], users["worker1a"], g1a, {a: {"c6": "1"}},
                     submit=True, now=now)

        # the county's consolidated table: t1's grids as frozen and typed, g2 counted now
        header, rows = svc.table(s, sc["admin"], report, period="2026-11")
        assert header == ["网格", *HEADER]
        by_name = {r[0]: r[1:] for r in rows}
        assert by_name["团结社区第一网格"] == [2, 1, 0, 2.5, 1, 12]  # not 3: frozen
        assert by_name["团结社区第二网格"] == [1, 1, 1, 4, 1, 5]
        assert by_name["南湖村第一网格"] == [1, 0, 0, 10, 1, None]
        progress = {p["name"]: p for p in svc.progress(s, sc["admin"], report, "2026-11")}
        assert progress["托克逊镇"]["sub"].status == "approved"
        assert progress["托克逊镇"]["grids"] == {"approved": 2}
        assert progress["夏乡"]["sub"].status == "assigned"
        _, township_rows = svc.table(s, sc["office1"], report, period="2026-11")
        assert "南湖村第一网格" not in {r[0] for r in township_rows}


def test_group_rows_add_up_across_grids(server):
    _data(server)
    t, now = server.tree, server.clock()
    users = server.tree.users
    with server.session() as s:
        report = _define(s, server, rows="group:sex", frequency="quarter",
                         columns=[COLUMNS[0], COLUMNS[5]])
        svc.assign(s, _scope(s, server, "admin"), users["admin"], report,
                   node_ids=[t.id("g1a"), t.id("g1b")], period="2026-q4", now=now)
        for worker, grid in (("worker1a", "g1a"), ("worker1b", "g1b")):
            sub = next(x for x in svc.submissions(s, _scope(s, server, worker), report)
                       if x.node_id == t.id(grid))
            svc.fill(s, _scope(s, server, worker), users[worker], sub,
                     {"male": {"c2": "1"}, "female": {"c2": "2"}}, submit=True, now=now)
            svc.review(s, _scope(s, server, "office1"), users["office1"], sub, approve=True,
                       note="", now=now)
        _, rows = svc.table(s, _scope(s, server, "office1"), report, period="2026-Q4")
        by_name = {r[0]: r[1:] for r in rows}
        assert by_name["女"] == [2, 4] and by_name["男"] == [1, 2]


def test_the_xlsx_has_the_designed_layout(server):
    _data(server)
    now = server.clock()
    with server.session() as s:
        report = _define(s, server)
        out = io.BytesIO()
        assert svc.write_xlsx(s, _scope(s, server, "admin"), server.tree.users["admin"],
                              report, out, period="2026-11", now=now) == 2
    sheet = load_workbook(io.BytesIO(out.getvalue())).active
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert values[0][0] == "月度基本情况（2026-11）"
    assert values[1] == ["乡镇", "人口", None, "低保", "果园", None, "填报"]
    assert values[2] == [None, "总人数", "女性", None, "果园面积", "果园户数", "走访户数"]
    assert ["托克逊镇", 3, 2, 1, 6.5, 2, None] in values
    assert ["夏乡", 1, 0, 0, 10, 1, None] in values
    assert values[-1] == ["合计", 4, 2, 1, 16.5, 3, None]
    merged = {str(r) for r in sheet.merged_cells.ranges}
    assert merged == {"A1:G1", "A2:A3", "B2:C2", "D2:D3", "E2:F2"}  # 填报 over one column
    assert sheet.freeze_panes == "B4"
    assert sheet["E4"].number_format == "#,##0.00" and sheet["B4"].number_format == "#,##0"
    assert sheet["A6"].font.b and sheet["B2"].font.b
    assert sheet.column_dimensions["A"].width >= 10


def test_a_township_fills_its_own_rows_and_the_county_approves(server):
    _data(server)
    t, now, users = server.tree, server.clock(), server.tree.users
    with server.session() as s:
        report = _define(s, server, rows="village", frequency="quarter",
                         columns=[COLUMNS[0], {"label": "补助金额", "kind": "free",
                                               "format": "decimal"}])
        with pytest.raises(DomainError, match="report_no_assignees"):  # grids cannot fill
            svc.assign(s, _scope(s, server, "admin"), users["admin"], report,  # village rows
                       node_ids=[t.id("g1a")], period="2026-Q4", now=now)
        svc.assign(s, _scope(s, server, "admin"), users["admin"], report,
                   node_ids=[t.id("t1")], period="2026-Q4", now=now)
        office = _scope(s, server, "office1")
        (share,) = svc.submissions(s, office, report)
        assert share.parent_id is None and svc.rows_of(s, report, share.node_path) == [
            (t.id("v1"), "团结社区")]
        svc.fill(s, office, users["office1"], share, {t.id("v1"): {"c2": "1,200.456"}},
                 submit=False, now=now)
        assert share.status == "assigned" and share.values == {t.id("v1"): {"c2": 1200.46}}
        svc.fill(s, office, users["office1"], share, {t.id("v1"): {"c2": "1200.5"}},
                 submit=True, now=now)
        svc.review(s, _scope(s, server, "admin"), users["admin"], share, approve=True, note="",
                   now=now)
        _, rows = svc.table(s, _scope(s, server, "admin"), report, period="2026-Q4")
        assert {r[0]: r[1:] for r in rows} == {"团结社区": [3, 1200.5], "南湖村": [1, None]}


def test_a_standing_report_is_given_out_each_new_period_by_housekeeping(server):
    _data(server)
    t, now, users = server.tree, server.clock(), server.tree.users
    with server.session() as s:
        report = _define(s, server, rows="grid", frequency="month", columns=COLUMNS[:1])
        assert svc.period_of("month", now.date()) == "2026-11"
        assert svc.period_of("quarter", now.date()) == "2026-Q4"
        svc.assign(s, _scope(s, server, "admin"), users["admin"], report,
                   node_ids=[t.id("g1a"), t.id("t2")], period="2026-11", now=now,
                   standing=True)
        assert not svc.due(s, now=now) and svc.make_due(s, now=now) == 0
        later = now + dt.timedelta(days=10)  # 2026-12-04: a new month
        assert svc.due(s, now=later)
        assert svc.make_due(s, now=later) == 3  # t1 (over g1a), g1a, t2
        assert {(x.node_id, x.status) for x in svc.submissions(
            s, _scope(s, server, "admin"), report, "2026-12")} == {
            (t.id("t1"), "assigned"), (t.id("g1a"), "assigned"), (t.id("t2"), "assigned")}
        assert svc.make_due(s, now=later) == 0  # once per period
        svc.stop_standing(s, _scope(s, server, "admin"), users["admin"], report, now=later)
        assert not svc.due(s, now=later + dt.timedelta(days=40))
