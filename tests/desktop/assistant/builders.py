"""Builders of realistic sheets as departments send them: title rows, merged and two-row headers,
header variants, ID numbers typed as numbers, mixed date formats, footers, other sheets."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Callable

from openpyxl import Workbook
from openpyxl.styles import Border, Font, Side

THIN = Side(style="thin")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)


def date_forms(birth: dt.date) -> list[Any]:
    """The same birth date as people type it."""
    serial = (birth - dt.date(1899, 12, 30)).days
    return [birth, birth.isoformat(), f"{birth.year}/{birth.month}/{birth.day}",
            birth.strftime("%Y%m%d"), serial, f"{birth.year}.{birth.month:02d}",
            f"{birth.year}年{birth.month}月{birth.day}日"]


def sheet_with_title(path: Path, headers: list[str], rows: list[list[Any]], *,
                     title: str = "托克逊县2026年高龄老人补贴花名册", footer: bool = True,
                     extra_sheet: bool = True, style: Callable | None = None) -> Path:
    """A title row merged across the table, a blank-ish subtitle, the header, the rows, a total
    and a footer row, plus an unrelated second sheet."""
    wb = Workbook()
    ws = wb.active
    ws.title = "花名册"
    width = len(headers)
    ws.cell(1, 1, title).font = Font(bold=True, size=16)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    ws.cell(2, 1, "填报单位：托克逊镇英阿瓦提村")
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=3)
    for c, h in enumerate(headers, start=1):
        cell = ws.cell(3, c, h)
        cell.font = Font(bold=True)
        cell.border = BOX
    for r, row in enumerate(rows, start=4):
        for c, v in enumerate(row, start=1):
            cell = ws.cell(r, c, v)
            cell.border = BOX
            if style:
                style(cell)
    end = 4 + len(rows)
    if footer:
        ws.cell(end, 1, "合计")
        ws.cell(end, 2, f"{len(rows)}人")
        ws.cell(end + 2, 1, "填表人：阿依古丽          审核人：王建国")
        ws.merge_cells(start_row=end + 2, start_column=1, end_row=end + 2, end_column=width)
    if extra_sheet:
        other = wb.create_sheet("说明")
        other["A1"] = "本表由各村于11月30日前报送乡镇民政办"
        other["A1"].font = Font(italic=True, color="FF0000FF")
    wb.save(path)
    return path


def two_row_header_sheet(path: Path, rows: list[list[Any]]) -> Path:
    """序号 and 姓名 merged over two header rows; 身份信息 over 身份证号码/性别/出生年月;
    联系信息 over 手机号码/居住地址; then an extra column the assistant must leave alone."""
    wb = Workbook()
    ws = wb.active
    ws.title = "核对表"
    ws["A1"] = "2026年人口信息核对表（请于本周内核实反馈）"
    ws.merge_cells("A1:H1")
    ws["A2"], ws["B2"], ws["C2"], ws["F2"], ws["H2"] = "序号", "姓名", "身份信息", "联系信息", "备注"
    ws.merge_cells("A2:A3")
    ws.merge_cells("B2:B3")
    ws.merge_cells("C2:E2")
    ws.merge_cells("F2:G2")
    ws.merge_cells("H2:H3")
    for c, h in zip("CDEFG", ["公民身份号码", "性别", "出生年月", "手机号码", "居住地址"]):
        ws[f"{c}3"] = h
    for r, row in enumerate(rows, start=4):
        for c, v in enumerate(row, start=1):
            ws.cell(r, c, v)
    wb.save(path)
    return path
