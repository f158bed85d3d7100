"""补全 and 核对 write their result into a copy of the user's file, changing only the cells they
must: the result reads exactly as the openpyxl path's would (values, colours, number formats,
comments, the summary sheet), and whatever else the file holds is kept as it was."""
from __future__ import annotations

import datetime as dt
import io
import zipfile

import openpyxl
import pytest
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font

from common.dictionaries import label
from desktop.assistant import jobs
from desktop.assistant.files import save_workbook
from desktop.assistant.records import PeopleIndex, load_people

from .builders import sheet_with_title
from .county import NOW, TODAY

HEADERS = ["序号", "姓名", "身份证号码", "性别", "出生年月", "年龄", "民族", "联系方式", "家庭住址",
           "户号", "备注"]


def _rows(c, *, filled: bool) -> list[list]:
    """Matched rows (some cells typed, some wrong), a stranger, a damaged ID, a name only."""
    people = [p for p in c.people if p["phone"]][:12]
    rows = []
    for i, p in enumerate(people):
        row = [i + 1, p["name"], p["id_number"]] + [None] * 7 + ["自填"]
        if filled or i % 3 == 0:
            row[3] = label("sex", p["sex"])
            row[4] = p["birth_date"] if i % 2 else p["birth_date"].isoformat()
            row[7] = p["phone"] if i % 4 else "13900000000"
        rows.append(row)
    rows.append([13, "外来人员", "650102198001010011", None, None, None, None, None, None, None,
                 None])
    rows.append([14, people[0]["name"], int(people[0]["id_number"][:17] + "0"), None, None,
                 None, None, None, None, None, None])
    rows.append([15, people[1]["name"], None, None, None, None, None, None, None, None, None])
    return rows


def _style(cell) -> None:  # noqa: ANN001
    cell.alignment = Alignment(horizontal="center")


def _cells(path, sheet: str) -> dict:
    ws = openpyxl.load_workbook(path)[sheet]
    out = {}
    for row in ws.iter_rows():
        for cell in row:
            v = cell.value
            out[(cell.row, cell.column)] = (
                v.date() if isinstance(v, dt.datetime) else v,
                cell.fill.fgColor.rgb if cell.fill.fill_type else None,
                cell.font.color.rgb if cell.font.color is not None else None,
                bool(cell.font.bold), cell.number_format if v is not None else None,
                cell.alignment.horizontal, cell.border.left.style,
                cell.comment.text if cell.comment else None)
    return out


@pytest.mark.parametrize("job", ["complete", "check"])
def test_the_direct_edit_reads_exactly_as_the_openpyxl_result(county, service, tmp_path, job):
    _, c = county
    src = sheet_with_title(tmp_path / "in.xlsx", HEADERS, _rows(c, filled=job == "check"),
                           style=_style)
    report = service.run(job, service.inspect(src), tmp_path / "direct.xlsx", today=TODAY,
                         now=NOW)
    assert report.rows == 15 and report.missing == 1 and report.insufficient == 1
    assert report.damaged_ids >= 1
    # the same job through openpyxl, as for a file the direct edit does not handle
    plan = service.inspect(src)
    with service._sessions() as s:
        index = PeopleIndex.build(load_people(s, today=TODAY))
    run = jobs.complete if job == "complete" else jobs.check
    expected = run(plan.workbook, plan.table, index)
    save_workbook(plan.workbook, tmp_path / "openpyxl.xlsx")
    assert report.counts() == expected.counts()
    assert report.filled_cells + report.differing_cells + report.blank_cells > 10
    for sheet in ("花名册", "说明", "补全说明" if job == "complete" else "核对结果"):
        assert _cells(tmp_path / "direct.xlsx", sheet) == \
            _cells(tmp_path / "openpyxl.xlsx", sheet), sheet
    wb = openpyxl.load_workbook(tmp_path / "direct.xlsx")
    assert wb.sheetnames == openpyxl.load_workbook(tmp_path / "openpyxl.xlsx").sheetnames
    assert {str(r) for r in wb["花名册"].merged_cells.ranges} >= {"A1:K1", "A2:C2"}


def test_parts_of_the_file_the_job_does_not_touch_are_kept_as_they_were(county, service,
                                                                          tmp_path):
    _, c = county
    src = sheet_with_title(tmp_path / "made.xlsx", HEADERS, _rows(c, filled=False))
    # a part openpyxl would drop (an add-in's custom XML), kept by the direct edit
    buf = io.BytesIO()
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(buf, "w") as zout:
        for info in zin.infolist():
            zout.writestr(info, zin.read(info.filename))
        zout.writestr("customXml/item1.xml", "<data>乡镇报表插件</data>")
    src = tmp_path / "in.xlsx"
    src.write_bytes(buf.getvalue())
    service.run("complete", service.inspect(src), tmp_path / "out.xlsx", today=TODAY, now=NOW)
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(tmp_path / "out.xlsx") as zout:
        assert zout.read("customXml/item1.xml") == zin.read("customXml/item1.xml")
        assert zout.read("xl/worksheets/sheet2.xml") == zin.read("xl/worksheets/sheet2.xml")
        before = zin.read("xl/worksheets/sheet1.xml").decode()
        after = zout.read("xl/worksheets/sheet1.xml").decode()
    # rows without a change are copied as they were (the header, the total, the footer)
    for marker in ('<row r="3"', '<row r="19"', '<row r="21"'):
        start = before.index(marker)
        row = before[start:before.index("</row>", start)]
        assert row in after


def test_a_sheet_that_already_has_comments_keeps_them_and_gets_the_new_ones(county, service,
                                                                           tmp_path):
    _, c = county
    src = sheet_with_title(tmp_path / "in.xlsx", HEADERS, _rows(c, filled=True))
    wb = openpyxl.load_workbook(src)
    wb["花名册"]["K4"].comment = Comment("村里核实过", "王建国")
    wb["花名册"]["B3"].font = Font(bold=True, color="FF00B050")
    wb.save(src)
    report = service.run("check", service.inspect(src), tmp_path / "out.xlsx", today=TODAY,
                         now=NOW)
    ws = openpyxl.load_workbook(tmp_path / "out.xlsx")["花名册"]
    assert ws["K4"].comment.text.startswith("村里核实过")
    assert ws["B3"].font.color.rgb == "FF00B050"
    assert report.differing_cells >= 3
    flagged = [cell for row in ws.iter_rows(min_row=4) for cell in row
               if cell.font.color is not None and cell.font.color.rgb == jobs.DIFF_COLOUR]
    assert len(flagged) == report.differing_cells
    assert all(cell.comment is not None for cell in flagged)
