"""补全: a partly filled sheet gets its empty recognised cells from the database, coloured."""
from __future__ import annotations

import datetime as dt

import openpyxl

from common.dictionaries import label
from desktop.assistant.jobs import FILLED

from .builders import sheet_with_title
from .county import NOW, TODAY

HEADERS = ["序号", "姓名", "身份证号码", "性别", "出生年月", "年龄", "民族", "联系方式", "家庭住址",
           "户号", "备注"]


def _expected(p: dict, header: str):
    return {"性别": label("sex", p["sex"]), "民族": label("ethnicity", p["ethnicity"]),
            "联系方式": p["phone"], "家庭住址": p["address"], "出生年月": p["birth_date"],
            "年龄": TODAY.year - p["birth_date"].year - (
                (TODAY.month, TODAY.day) < (p["birth_date"].month, p["birth_date"].day))}[header]


def test_names_and_id_numbers_are_completed_with_every_recognised_cell_coloured(
        county, service, tmp_path):
    _, c = county
    people = c.people[:25]
    rows = [[i + 1, p["name"], p["id_number"]] + [None] * 7 + ["自填备注"]
            for i, p in enumerate(people)]
    src = sheet_with_title(tmp_path / "in.xlsx", HEADERS, rows)
    plan = service.inspect(src)
    assert plan.table.header_last == 3 and len(plan.table.data_rows) == 25
    out = tmp_path / "out.xlsx"
    report = service.run("complete", plan, out, today=TODAY, now=NOW)
    assert report.matched == 25 and report.missing == 0

    ws = openpyxl.load_workbook(out)["花名册"]
    hh = {p["id"]: h for h in c.hh for p in people if p["household_id"] == h["id"]}
    for r, p in enumerate(people, start=4):
        for col, header in enumerate(HEADERS, start=1):
            cell = ws.cell(r, col)
            if header in ("性别", "民族", "家庭住址", "出生年月", "年龄"):
                value = cell.value.date() if isinstance(cell.value, dt.datetime) else cell.value
                assert value == _expected(p, header), (r, header)
                assert cell.fill.fgColor.rgb == FILLED.fgColor.rgb
            elif header == "联系方式":
                assert cell.value == p["phone"]
                if p["phone"]:
                    assert cell.fill.fgColor.rgb == FILLED.fgColor.rgb
            elif header == "户号":
                assert cell.value == hh[p["id"]]["household_no"]
                assert cell.data_type == "s"
            elif header in ("姓名", "身份证号码"):
                assert cell.fill.fgColor.rgb != FILLED.fgColor.rgb  # the user's own cells
        assert ws.cell(r, 11).value == "自填备注"


def test_the_users_layout_title_merges_borders_and_other_sheets_survive(county, service,
                                                                         tmp_path):
    _, c = county
    rows = [[1, c.people[0]["name"], c.people[0]["id_number"]] + [None] * 8]
    src = sheet_with_title(tmp_path / "in.xlsx", HEADERS, rows)
    service.run("complete", service.inspect(src), tmp_path / "out.xlsx", today=TODAY, now=NOW)
    wb = openpyxl.load_workbook(tmp_path / "out.xlsx")
    assert wb.sheetnames[:2] == ["花名册", "说明"] and "补全说明" in wb.sheetnames
    ws = wb["花名册"]
    assert "A1:K1" in {str(r) for r in ws.merged_cells.ranges}
    assert ws["A1"].font.bold and ws["A1"].font.size == 16
    assert ws["D4"].border.left.style == "thin"
    assert wb["说明"]["A1"].font.color.rgb == "FF0000FF"
    assert ws["A5"].value == "合计"


def test_a_filled_cell_that_disagrees_is_kept_and_marked_never_overwritten(county, service,
                                                                          tmp_path):
    _, c = county
    p = c.people[3]
    wrong_phone = "13900000000"
    rows = [[1, p["name"], p["id_number"], None, None, None, None, wrong_phone, None, None, None]]
    src = sheet_with_title(tmp_path / "in.xlsx", HEADERS, rows)
    report = service.run("complete", service.inspect(src), tmp_path / "out.xlsx", today=TODAY,
                         now=NOW)
    ws = openpyxl.load_workbook(tmp_path / "out.xlsx")["花名册"]
    cell = ws.cell(4, 8)
    assert cell.value == wrong_phone
    assert cell.font.color.rgb == "FFC00000"
    assert p["phone"] in cell.comment.text
    assert report.differing_cells == 1


def test_rows_matched_by_name_and_house_number_and_ambiguous_names_are_listed_not_guessed(
        county, service, tmp_path):
    _, c = county
    plates = {h["id"]: h["door_plate"] for h in c.houses}
    target = c.people[10]
    # two people sharing a name: a name alone must not pick one of them
    names = {}
    for p in c.people:
        names.setdefault(p["name"], []).append(p)
    dup = next(v for v in names.values() if len(v) > 1)
    headers = ["姓名", "门牌号", "身份证号", "电话"]
    rows = [[target["name"], plates[target["house_id"]], None, None],
            [dup[0]["name"], None, None, None],
            ["不存在的人", "某村1组1号", None, None]]
    src = sheet_with_title(tmp_path / "in.xlsx", headers, rows, footer=False)
    report = service.run("complete", service.inspect(src), tmp_path / "out.xlsx", today=TODAY,
                         now=NOW)
    ws = openpyxl.load_workbook(tmp_path / "out.xlsx")["花名册"]
    assert ws.cell(4, 3).value == target["id_number"]
    assert ws.cell(4, 3).data_type == "s"
    assert ws.cell(5, 3).value is None  # never guessed
    assert "同名" in ws.cell(5, 1).comment.text
    assert "没有名为" in ws.cell(6, 1).comment.text
    assert (report.matched, report.insufficient, report.missing) == (1, 1, 1)
    legend = openpyxl.load_workbook(tmp_path / "out.xlsx")["补全说明"]
    listed = [row[0] for row in legend.iter_rows(values_only=True) if isinstance(row[0], int)]
    assert 5 in listed and 6 in listed


def test_an_id_number_typed_as_a_number_is_reported_and_never_matched_on_its_own(
        county, service, tmp_path):
    _, c = county
    p = c.people[5]
    damaged = float(p["id_number"][:-1] + "0")  # Excel keeps 15 significant digits
    rows = [[1, p["name"], damaged] + [None] * 8,
            [2, "王某某", float(c.people[6]["id_number"][:17] + "0")] + [None] * 8]
    src = sheet_with_title(tmp_path / "in.xlsx", HEADERS, rows, footer=False)
    report = service.run("complete", service.inspect(src), tmp_path / "out.xlsx", today=TODAY,
                         now=NOW)
    ws = openpyxl.load_workbook(tmp_path / "out.xlsx")["花名册"]
    assert "数字" in ws.cell(4, 3).comment.text
    assert "数字" in ws.cell(5, 3).comment.text
    assert report.damaged_ids == 2
    # row 1 has only name + a damaged number whose surviving digits confirm one person
    assert ws.cell(4, 7).value == label("ethnicity", p["ethnicity"])
    # row 2's name fits nobody: nothing filled from c.people[6]
    assert ws.cell(5, 7).value is None
    assert report.matched == 1


def test_a_household_address_merged_over_its_members_rows_is_left_intact(county, service,
                                                                          tmp_path):
    _, c = county
    hh = next(h for h in c.hh if sum(p["household_id"] == h["id"] for p in c.people) >= 2)
    members = [p for p in c.people if p["household_id"] == hh["id"]][:2]
    rows = [[1, members[0]["name"], members[0]["id_number"]] + [None] * 8,
            [2, members[1]["name"], members[1]["id_number"]] + [None] * 8]
    src = sheet_with_title(tmp_path / "in.xlsx", HEADERS, rows, footer=False)
    wb = openpyxl.load_workbook(src)
    wb["花名册"].merge_cells("I4:I5")
    wb.save(src)
    report = service.run("complete", service.inspect(src), tmp_path / "out.xlsx", today=TODAY,
                         now=NOW)
    ws = openpyxl.load_workbook(tmp_path / "out.xlsx")["花名册"]
    assert report.matched == 2
    assert ws["I4"].value == members[0]["address"]
    assert "I4:I5" in {str(r) for r in ws.merged_cells.ranges}
    assert ws["G5"].value == label("ethnicity", members[1]["ethnicity"])
