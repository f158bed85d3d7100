"""核对: every recognised cell compared; differences marked in another font colour with the
database value in a comment; rows not found marked; a summary sheet with the counts."""
from __future__ import annotations

import datetime as dt

import openpyxl

from common.dictionaries import label

from .builders import date_forms, two_row_header_sheet
from .county import NOW, TODAY

RED = "FFC00000"


def _faithful_row(i: int, p: dict, birth_form) -> list:
    return [i + 1, p["name"], p["id_number"], label("sex", p["sex"]), birth_form, p["phone"],
            p["address"], "核实人：张"]


def _summary(path) -> dict:
    ws = openpyxl.load_workbook(path)["核对结果"]
    return {row[0]: row[1] for row in ws.iter_rows(values_only=True) if row[0]}


def test_a_faithful_sheet_with_two_row_headers_and_mixed_date_forms_checks_clean(
        county, service, tmp_path):
    _, c = county
    adults = [p for p in c.people if p["phone"]][:21]
    rows = [_faithful_row(i, p, date_forms(p["birth_date"])[i % 7]) for i, p in enumerate(adults)]
    src = two_row_header_sheet(tmp_path / "in.xlsx", rows)
    plan = service.inspect(src)
    assert (plan.table.header_first, plan.table.header_last) == (2, 3)
    fields = {c.header: c.field for c in plan.columns}
    assert fields["身份信息/公民身份号码"] == "id_number"
    assert fields["联系信息/手机号码"] == "phone" and fields["联系信息/居住地址"] == "address"
    assert fields["姓名"] == "name" and fields["备注"] is None
    report = service.run("check", plan, tmp_path / "out.xlsx", today=TODAY, now=NOW)
    assert (report.matched, report.differing_cells, report.missing) == (21, 0, 0)
    ws = openpyxl.load_workbook(tmp_path / "out.xlsx")["核对表"]
    assert not any(cell.comment for row in ws.iter_rows(min_row=4) for cell in row)


def test_every_differing_cell_gets_a_red_font_and_the_database_value(county, service, tmp_path):
    _, c = county
    adults = [p for p in c.people if p["phone"]][:10]
    rows = [_faithful_row(i, p, p["birth_date"].isoformat()) for i, p in enumerate(adults)]
    rows[2][5] = "13111111111"                          # phone changed
    rows[4][3] = "女" if adults[4]["sex"] == "male" else "男"  # sex wrong
    rows[6][4] = (adults[6]["birth_date"] + dt.timedelta(days=40)).isoformat()
    rows[8][1] = "错名字"                                 # name differs, ID still matches
    src = two_row_header_sheet(tmp_path / "in.xlsx", rows)
    report = service.run("check", service.inspect(src), tmp_path / "out.xlsx", today=TODAY,
                         now=NOW)
    ws = openpyxl.load_workbook(tmp_path / "out.xlsx")["核对表"]
    flagged = {(cell.row, cell.column) for row in ws.iter_rows(min_row=4) for cell in row
               if cell.font.color is not None and cell.font.color.rgb == RED}
    assert flagged == {(6, 6), (8, 4), (10, 5), (12, 2)}
    assert adults[2]["phone"] in ws.cell(6, 6).comment.text
    assert label("sex", adults[4]["sex"]) in ws.cell(8, 4).comment.text
    assert adults[6]["birth_date"].isoformat() in ws.cell(10, 5).comment.text
    assert adults[8]["name"] in ws.cell(12, 2).comment.text
    assert ws.cell(6, 6).value == "13111111111"  # the sheet's value is never changed
    assert (report.differing_cells, report.differing_rows) == (4, 4)
    summary = _summary(tmp_path / "out.xlsx")
    assert summary["与数据库不一致的单元格"] == 4 and summary["匹配成功"] == 10


def test_rows_not_in_the_database_are_marked_and_counted(county, service, tmp_path):
    _, c = county
    p = c.people[0]
    from common.validation import id_check_digit
    stranger = "65010219800101001"
    stranger += id_check_digit(stranger)
    rows = [_faithful_row(0, p, p["birth_date"]),
            [2, "外来人员", stranger, "男", "1980-01-01", None, None, None],
            [3, "抄错号码", p["id_number"][:-1] + ("0" if p["id_number"][-1] != "0" else "1"),
             "男", None, None, None, None]]
    src = two_row_header_sheet(tmp_path / "in.xlsx", rows)
    report = service.run("check", service.inspect(src), tmp_path / "out.xlsx", today=TODAY,
                         now=NOW)
    ws = openpyxl.load_workbook(tmp_path / "out.xlsx")["核对表"]
    assert stranger in ws.cell(5, 2).comment.text
    assert ws.cell(5, 2).fill.fgColor.rgb == "FFFFC7CE"
    assert "校验位" in ws.cell(6, 3).comment.text
    assert (report.matched, report.missing) == (1, 2)
    summary = _summary(tmp_path / "out.xlsx")
    assert summary["未找到"] == 2
