"""表头填表: a sheet with only headers plus a 全息检索 population → one row per person."""
from __future__ import annotations

import openpyxl
import pytest

from common.errors import DomainError
from common.validation import age_on
from desktop.assistant.population import Conditions

from .builders import sheet_with_title
from .county import NOW, TODAY

HEADERS = ["序号", "姓名", "性别", "年龄", "公民身份号码", "户主姓名", "门牌号", "所属网格", "人员类别",
           "签字"]


def test_men_over_65_fill_one_row_each_with_every_recognised_column(county, service, tmp_path):
    _, c = county
    src = sheet_with_title(tmp_path / "in.xlsx", HEADERS, [])
    report = service.run("fill", service.inspect(src), tmp_path / "out.xlsx", today=TODAY,
                         now=NOW, conditions=Conditions(sex="男", age="65-"))
    expected = {p["id_number"]: p for p in c.people
                if p["sex"] == "male" and age_on(p["birth_date"], TODAY) >= 65}
    assert report.rows == len(expected) > 3
    ws = openpyxl.load_workbook(tmp_path / "out.xlsx")["花名册"]
    heads = {h["id"]: next(p for p in c.people if p["id"] == h["head_person_id"])
             for h in c.hh}
    plates = {h["id"]: h["door_plate"] for h in c.houses}
    seen = set()
    for n, r in enumerate(range(4, 4 + len(expected))):
        row = [cell.value for cell in ws[r]]
        assert row[0] == n + 1
        p = expected[row[4]]
        seen.add(row[4])
        assert ws.cell(r, 5).data_type == "s"  # ID numbers come out as text
        assert row[1:4] == [p["name"], "男", age_on(p["birth_date"], TODAY)]
        assert row[5] == heads[p["household_id"]]["name"]
        assert row[6] == plates[p["house_id"]]
        assert row[7].endswith("网格")
        assert "60岁以上老人" in row[8]
        assert row[9] is None  # the signature column is left for the people
    assert seen == set(expected)
    # the footer (合计, 填表人) moved below the list instead of being overwritten
    footer = [r for r in range(1, ws.max_row + 1) if str(ws.cell(r, 1).value).startswith("填表人")]
    assert footer and footer[0] > 3 + len(expected)
    assert any(str(rng).startswith(f"A{footer[0]}:") for rng in ws.merged_cells.ranges)


def test_fill_by_tag_and_place_takes_exactly_that_group(county, service, tmp_path):
    _, c = county
    village = "南湖社区"
    grids = {o["id"] for o in c.org if o["path"].count("/") and o["level"] == "grid"
             and village in o["name"]}
    dibao = {t["person_id"] for t in c.tags if t["tag_code"] == "dibao"}
    expected = {p["id_number"] for p in c.people if p["id"] in dibao and p["grid_id"] in grids}
    src = sheet_with_title(tmp_path / "in.xlsx", ["姓名", "身份证号"], [], footer=False)
    service.run("fill", service.inspect(src), tmp_path / "out.xlsx", today=TODAY, now=NOW,
                conditions=Conditions(tags=["低保"], place=village))
    ws = openpyxl.load_workbook(tmp_path / "out.xlsx")["花名册"]
    got = {ws.cell(r, 2).value for r in range(4, ws.max_row + 1) if ws.cell(r, 2).value}
    assert got == expected


def test_an_unknown_condition_is_refused_with_a_code(county, service, tmp_path):
    src = sheet_with_title(tmp_path / "in.xlsx", ["姓名", "身份证号"], [], footer=False)
    with pytest.raises(DomainError) as e:
        service.run("fill", service.inspect(src), tmp_path / "out.xlsx", today=TODAY, now=NOW,
                    conditions=Conditions(tags=["不存在的标签"]))
    assert e.value.code == "not_in_dict"


@pytest.mark.parametrize("text,expected", [("65-", (65, None)), ("18-22", (18, 22)),
                                           ("-14", (None, 14)), ("60岁以上", (60, None)),
                                           ("18～22岁", (18, 22)), ("", (None, None))])
def test_age_ranges_are_read_as_people_type_them(text, expected):
    from desktop.assistant.population import parse_age
    assert parse_age(text) == expected


@pytest.mark.parametrize("example", [
    ["示例", "张三", "男", 70, "652123195601010011", "李四", "托克逊镇1号", "一网格", "户籍人口",
     "（签字）"],
    [1, "张三（示例）", "男", 70, "652123195601010011", None, None, None, None, None],
    ["例：", "张三", None, None, None, None, None, None, None, None],
])
def test_a_templates_example_row_is_written_over_and_never_left_behind(county, service,
                                                                         tmp_path, example):
    _, c = county
    src = sheet_with_title(tmp_path / "in.xlsx", HEADERS, [example], footer=False)
    plan = service.inspect(src)
    assert plan.table.data_rows == [] and plan.table.example_rows == [4]
    report = service.run("fill", plan, tmp_path / "out.xlsx", today=TODAY, now=NOW,
                         conditions=Conditions(sex="女", age="80-"))
    expected = {p["id_number"] for p in c.people
                if p["sex"] == "female" and age_on(p["birth_date"], TODAY) >= 80}
    ws = openpyxl.load_workbook(tmp_path / "out.xlsx")["花名册"]
    rows = [[cell.value for cell in ws[r]] for r in range(4, ws.max_row + 1)
            if any(cell.value is not None for cell in ws[r])]
    assert report.rows == len(rows) == len(expected) > 0
    assert {row[4] for row in rows} == expected
    assert [row[0] for row in rows] == list(range(1, len(rows) + 1))
    assert not any("示例" in str(v) or v == "例：" or v == "张三" for row in rows for v in row)


def test_fill_keeps_the_rows_someone_already_typed_and_adds_the_people_below(county, service,
                                                                             tmp_path):
    _, c = county
    typed = [[1, "阿依古丽·买买提", "女", 81, "652123194401010022", None, None, None, None,
              "已签"],
             [2, "王秀兰", "女", 79, "652123194601010033", None, None, None, None, None]]
    src = sheet_with_title(tmp_path / "in.xlsx", HEADERS, typed)
    report = service.run("fill", service.inspect(src), tmp_path / "out.xlsx", today=TODAY,
                         now=NOW, conditions=Conditions(sex="女", age="85-"))
    ws = openpyxl.load_workbook(tmp_path / "out.xlsx")["花名册"]
    assert [ws.cell(4, i).value for i in (1, 2, 5, 10)] == [1, "阿依古丽·买买提",
                                                             "652123194401010022", "已签"]
    assert [ws.cell(5, i).value for i in (1, 2, 5)] == [2, "王秀兰", "652123194601010033"]
    expected = {p["id_number"] for p in c.people
                if p["sex"] == "female" and age_on(p["birth_date"], TODAY) >= 85}
    added = {ws.cell(r, 5).value: ws.cell(r, 1).value for r in range(6, 6 + report.rows)}
    assert set(added) == expected and report.rows == len(expected) > 0
    assert sorted(added.values()) == list(range(3, 3 + len(expected)))
    # the 合计 row moved below the added people instead of being overwritten
    assert str(ws.cell(6 + report.rows, 1).value).startswith("合计")


@pytest.mark.parametrize("text", ["例如：", "示例", "（示例）", "【样例】", "张三（示例）", "例"])
def test_example_markers_are_recognised(text):
    from common.sheets.tables import _is_example
    assert _is_example(text)


@pytest.mark.parametrize("text", ["张三", "例汗·吐尔逊", "1", "托克逊镇", "示范户"])
def test_names_and_places_are_not_taken_for_example_markers(text):
    from common.sheets.tables import _is_example
    assert not _is_example(text)


def _mark_deceased(url: str, person_id: str) -> None:
    from sqlalchemy import create_engine, update
    from common.schema import Person
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(update(Person).where(Person.id == person_id).values(status="deceased"))
    engine.dispose()


def test_fill_takes_the_people_search_shows_leaving_out_the_deceased_and_says_its_conditions(
        county, service, tmp_path):
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session
    from desktop.services.search import PeopleQuery, search_person_ids
    url, c = county
    old = [p for p in c.people if age_on(p["birth_date"], TODAY) >= 65]
    dead = old[0]
    _mark_deceased(url, dead["id"])
    engine = create_engine(url)
    with Session(engine) as s:  # what 全息检索 shows for 65岁以上 with its default status
        shown = set(search_person_ids(s, PeopleQuery(age_min=65, statuses=("normal",)),
                                      today=TODAY))
    engine.dispose()
    src = sheet_with_title(tmp_path / "in.xlsx", ["姓名", "身份证号"], [], footer=False)
    report = service.run("fill", service.inspect(src), tmp_path / "out.xlsx", today=TODAY,
                         now=NOW, conditions=Conditions(age="65-"))
    ws = openpyxl.load_workbook(tmp_path / "out.xlsx")["花名册"]
    got = {ws.cell(r, 2).value for r in range(4, ws.max_row + 1) if ws.cell(r, 2).value}
    assert dead["id_number"] not in got
    assert report.rows == len(got) == len(shown) == len(old) - 1
    assert report.conditions == [("年龄", "65岁及以上"), ("人员状态", "正常")]
    note = openpyxl.load_workbook(tmp_path / "out.xlsx")["填表说明"]
    pairs = {row[0]: row[1] for row in note.iter_rows(values_only=True) if row[0]}
    assert pairs["年龄"] == "65岁及以上" and pairs["人员状态"] == "正常"
    # asked for explicitly, every status is taken, and the result says so
    report = service.run("fill", service.inspect(src), tmp_path / "all.xlsx", today=TODAY,
                         now=NOW, conditions=Conditions(age="65-", statuses=["不限"]))
    assert report.rows == len(old)
    assert ("人员状态", "不限（含死亡、迁出）") in report.conditions
