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
