"""The sheets the assistant adds to a result: a legend (complete), a summary (check), a note
(fill) — each with the counts of the job and the rows that need a person's attention."""
from __future__ import annotations

from openpyxl.styles import Font, PatternFill
from openpyxl.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from common.errors import DomainError

from .jobs import DIFF_COLOUR, FILLED, NOT_FOUND, UNSURE, JobReport

BOLD = Font(bold=True)


def _new_sheet(wb: Workbook, title: str) -> Worksheet:
    name, n = title, 2
    while name in wb.sheetnames:
        name, n = f"{title}{n}", n + 1
    ws = wb.create_sheet(name)
    ws.column_dimensions["A"].width = 28
    ws.column_dimensions["B"].width = 16
    ws.column_dimensions["C"].width = 60
    return ws


def _counts(ws: Worksheet, report: JobReport) -> None:
    ws.append(["工作表", report.sheet])
    for label, n in report.counts():
        ws.append([label, n])


def _mapping(ws: Worksheet, report: JobReport) -> None:
    ws.append([])
    ws.append(["表头", "对应字段", "识别方式"])
    for c in ws[ws.max_row]:
        c.font = BOLD
    from common.sheets.mapping import describe
    for row in describe(report.columns):
        ws.append(list(row))


def _problems(ws: Worksheet, report: JobReport) -> None:
    if not report.problems:
        return
    ws.append([])
    ws.append(["需要人工处理的行（行号）", "原因"])
    for c in ws[ws.max_row]:
        c.font = BOLD
    for p in report.problems:
        ws.append([p.row, DomainError(p.code, **p.params).message()])


def _legend_rows(ws: Worksheet, rows: list[tuple[object, str]]) -> None:
    ws.append(["图例", "", "含义"])
    ws["A" + str(ws.max_row)].font = BOLD
    for style, meaning in rows:
        ws.append(["", "示例", meaning])
        cell = ws.cell(ws.max_row, 2)
        if isinstance(style, PatternFill):
            cell.fill = style
        else:
            cell.font = Font(color=style)
    ws.append([])


def add_legend(wb: Workbook, report: JobReport) -> None:
    ws = _new_sheet(wb, "补全说明")
    _legend_rows(ws, [(FILLED, "由数据库补全的单元格"),
                      (DIFF_COLOUR, "已填写但与数据库不一致（批注中为数据库的值，未改动）"),
                      (NOT_FOUND, "未找到对应人员，或身份证号有误"),
                      (UNSURE, "匹配到多人或信息不足，未补全，请人工确认")])
    _counts(ws, report)
    _mapping(ws, report)
    _problems(ws, report)


def add_summary(wb: Workbook, report: JobReport) -> None:
    ws = _new_sheet(wb, "核对结果")
    _legend_rows(ws, [(DIFF_COLOUR, "与数据库不一致（批注中为数据库的值）"),
                      (UNSURE, "表中为空而数据库有值，或匹配到多人/信息不足"),
                      (NOT_FOUND, "未找到对应人员，或身份证号有误")])
    _counts(ws, report)
    _mapping(ws, report)
    _problems(ws, report)


def add_fill_note(wb: Workbook, report: JobReport) -> None:
    ws = _new_sheet(wb, "填表说明")
    _counts(ws, report)
    if report.conditions:
        ws.append([])
        ws.append(["人群条件（全息检索）", ""])
        ws.cell(ws.max_row, 1).font = BOLD
        for label, value in report.conditions:
            ws.append([label, value])
    _mapping(ws, report)
    unmapped = [c.header for c in report.columns if not c.field]
    if unmapped:
        ws.append([])
        ws.append(["未填写的列（未识别）", "、".join(unmapped)])
