"""补全 and 核对 write their result into a copy of the user's file, changing only the cells they
must: the result reads exactly as the openpyxl path's would (values, colours, number formats,
comments, the summary sheet), and whatever else the file holds is kept as it was."""
from __future__ import annotations

import datetime as dt
import io
import zipfile

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
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


_TEXT = st.text(alphabet="张三阿依古丽·托克逊镇 abcXYZ019&<>\"'-", min_size=1, max_size=12)
_CHANGES = st.lists(st.sampled_from(["filled", "unsure", "not_found", "diff"]), max_size=3)
_EDIT = st.one_of(
    st.tuples(st.just("value"), st.one_of(_TEXT, st.integers(-10**9, 10**12))),
    st.tuples(st.just("date"), st.dates(dt.date(1901, 1, 1), dt.date(2099, 12, 31))),
    st.tuples(st.just("id"), st.from_regex(r"65\d{15}[\dX]", fullmatch=True)),
    st.tuples(st.just("style"), st.none()))
_BASE = st.fixed_dictionaries({
    "value": st.one_of(st.none(), _TEXT, st.integers(0, 10**6)),
    "bold": st.booleans(), "colour": st.sampled_from([None, "FF0000FF", "FF00B050"]),
    "border": st.booleans(), "centre": st.booleans(),
    "fill": st.sampled_from([None, "FFDDEBF7"]),
    "format": st.sampled_from(["General", "General", "yyyy/m/d"])})


@settings(max_examples=25, deadline=None)
@given(base=st.lists(st.lists(_BASE, min_size=4, max_size=4), min_size=2, max_size=5),
       edits=st.dictionaries(st.tuples(st.integers(2, 6), st.integers(1, 6)),
                             st.tuples(_EDIT, _CHANGES, st.one_of(st.none(), _TEXT)),
                             max_size=12))
def test_any_edit_patched_into_the_file_reads_as_openpyxl_would_write_it(tmp_path_factory,
                                                                        base, edits):
    """For any sheet (values, fonts, borders, fills, number formats, a merged title, another
    sheet) and any cell edits the jobs make (text, numbers, dates, ID numbers; fills and red
    fonts in any order; comments), the patched file reads as the openpyxl-saved one."""
    from openpyxl.styles import Border, PatternFill, Side
    from desktop.assistant.xlsx_patch import CellEdit, patch
    tmp = tmp_path_factory.mktemp("patch")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "花名册"
    ws["A1"] = "托克逊县花名册"
    ws.merge_cells("A1:D1")
    for r, row in enumerate(base, start=2):
        for c, b in enumerate(row, start=1):
            cell = ws.cell(r, c, b["value"])
            cell.font = Font(bold=b["bold"], color=b["colour"])
            if b["border"]:
                cell.border = Border(left=Side(style="thin"), bottom=Side(style="thin"))
            if b["centre"]:
                cell.alignment = Alignment(horizontal="center")
            if b["fill"]:
                cell.fill = PatternFill("solid", start_color=b["fill"], end_color=b["fill"])
            cell.number_format = b["format"]
    wb.create_sheet("说明")["A1"] = "其他工作表"
    src = tmp / "in.xlsx"
    wb.save(src)
    last = 1 + len(base)
    edits = {k: v for k, v in edits.items() if k[0] <= last}  # rows the sheet has
    # the openpyxl path: the same calls the jobs make on cells
    book = openpyxl.load_workbook(src)
    cells = jobs.BookCells(book["花名册"])
    direct: dict[tuple[int, int], CellEdit] = {}
    for (r, c), ((kind, value), changes, comment) in edits.items():
        e = direct[(r, c)] = CellEdit()
        names = list(changes)
        if kind != "style":
            cell = cells._cell(r, c)
            if kind == "date":
                cell.value = value
                cells.styles.apply(cell, "date", jobs.CHANGES["date"][0])
                names.insert(0, "date")
            elif kind == "id":
                cells.styles.apply(cell, "text", jobs.CHANGES["text"][0])
                cell.value = value
                names.insert(0, "text")
            else:
                cell.value = value
            e.value, e.has_value = value, True
        for name in changes:
            cells.style(r, c, name)
        e.changes = tuple(jobs.CHANGES[n][1] for n in names)
        if comment is not None:
            cells.comment(r, c, comment)
            e.comment = comment
    save_workbook(book, tmp / "openpyxl.xlsx")
    with open(tmp / "direct.xlsx", "wb") as fh:
        patch(src.read_bytes(), "花名册", direct, author=jobs.AUTHOR).write(fh)
    for sheet in ("花名册", "说明"):
        assert _cells(tmp / "direct.xlsx", sheet) == _cells(tmp / "openpyxl.xlsx", sheet)
    out = openpyxl.load_workbook(tmp / "direct.xlsx")
    assert out.sheetnames == ["花名册", "说明"]
    assert [str(m) for m in out["花名册"].merged_cells.ranges] == ["A1:D1"]


def test_an_edit_that_changes_nothing_leaves_the_sheet_as_it_was(tmp_path):
    # found by the property above: an empty cell element beyond the last column made the sheet
    # one column wider than openpyxl's result
    from desktop.assistant.xlsx_patch import CellEdit, patch
    wb = openpyxl.Workbook()
    wb.active.title = "花名册"
    wb.active.append(["姓名", "电话"])
    wb.active.append(["张三", "13900000000"])
    wb.save(tmp_path / "in.xlsx")
    with open(tmp_path / "out.xlsx", "wb") as fh:
        patch((tmp_path / "in.xlsx").read_bytes(), "花名册", {(2, 5): CellEdit()}).write(fh)
    assert _cells(tmp_path / "out.xlsx", "花名册") == _cells(tmp_path / "in.xlsx", "花名册")
