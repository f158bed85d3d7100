"""The sheets the assistant adds to a result: a legend (complete), a summary (check), a note
(fill) — each with the counts of the job and the rows that need a person's attention.

Each is first built as rows of (value, style) cells, then made into an openpyxl sheet (the
workbook path) or an xlsx_patch.NewSheet (the path that edits the user's file directly)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from common.errors import DomainError

from .jobs import DIFF_COLOUR, FILL_COLOURS, JobReport

if TYPE_CHECKING:
    from openpyxl.workbook import Workbook

FILLED = ("fill", FILL_COLOURS["FILLED"])
NOT_FOUND = ("fill", FILL_COLOURS["NOT_FOUND"])
UNSURE = ("fill", FILL_COLOURS["UNSURE"])
DIFF = ("font", DIFF_COLOUR)
"""The legend's marks: a cell style as the rows below give it."""
WIDTHS = {1: 28, 2: 16, 3: 60}

Row = list[tuple[Any, Any]]
"""(value, style): style None, "bold", ("fill", rgb) or ("font", rgb)."""


def _plain(*values: Any) -> Row:
    return [(v, None) for v in values]


def _bold(*values: Any) -> Row:
    return [(v, "bold") for v in values]


def _counts(rows: list[Row], report: JobReport) -> None:
    rows.append(_plain("工作表", report.sheet))
    for label, n in report.counts():
        rows.append(_plain(label, n))


def _mapping(rows: list[Row], report: JobReport) -> None:
    rows.append([])
    rows.append(_bold("表头", "对应字段", "识别方式"))
    from common.sheets.mapping import describe
    for row in describe(report.columns):
        rows.append(_plain(*row))


def _problems(rows: list[Row], report: JobReport) -> None:
    if not report.problems:
        return
    rows.append([])
    rows.append(_bold("需要人工处理的行（行号）", "原因"))
    for p in report.problems:
        rows.append(_plain(p.row, DomainError(p.code, **p.params).message()))


def _legend_rows(rows: list[Row], legend: list[tuple[tuple[str, str], str]]) -> None:
    rows.append([("图例", "bold"), ("", None), ("含义", None)])
    for mark, meaning in legend:
        rows.append([("", None), ("示例", mark), (meaning, None)])
    rows.append([])


def legend_rows(report: JobReport) -> tuple[str, list[Row]]:
    rows: list[Row] = []
    _legend_rows(rows, [(FILLED, "由数据库补全的单元格"),
                        (DIFF, "已填写但与数据库不一致（批注中为数据库的值，未改动）"),
                        (NOT_FOUND, "未找到对应人员，或身份证号有误"),
                        (UNSURE, "匹配到多人或信息不足，未补全，请人工确认")])
    _counts(rows, report)
    _mapping(rows, report)
    _problems(rows, report)
    return "补全说明", rows


def summary_rows(report: JobReport) -> tuple[str, list[Row]]:
    rows: list[Row] = []
    _legend_rows(rows, [(DIFF, "与数据库不一致（批注中为数据库的值）"),
                        (UNSURE, "表中为空而数据库有值，或匹配到多人/信息不足"),
                        (NOT_FOUND, "未找到对应人员，或身份证号有误")])
    _counts(rows, report)
    _mapping(rows, report)
    _problems(rows, report)
    return "核对结果", rows


def fill_note_rows(report: JobReport) -> tuple[str, list[Row]]:
    rows: list[Row] = []
    _counts(rows, report)
    if report.conditions:
        rows.append([])
        rows.append([("人群条件（全息检索）", "bold"), ("", None)])
        for label, value in report.conditions:
            rows.append(_plain(label, value))
    _mapping(rows, report)
    unmapped = [c.header for c in report.columns if not c.field]
    if unmapped:
        rows.append([])
        rows.append(_plain("未填写的列（未识别）", "、".join(unmapped)))
    return "填表说明", rows


def _render(wb: Workbook, title: str, rows: list[Row]) -> None:
    from openpyxl.styles import Font, PatternFill
    name, n = title, 2
    while name in wb.sheetnames:
        name, n = f"{title}{n}", n + 1
    ws = wb.create_sheet(name)
    for col, width in WIDTHS.items():
        ws.column_dimensions[chr(64 + col)].width = width
    for r, row in enumerate(rows, start=1):
        for c, (value, style) in enumerate(row, start=1):
            if value is None and style is None:
                continue
            cell = ws.cell(r, c, value)
            if style == "bold":
                cell.font = Font(bold=True)
            elif isinstance(style, tuple) and style[0] == "fill":
                cell.fill = PatternFill("solid", start_color=style[1], end_color=style[1])
            elif isinstance(style, tuple):
                cell.font = Font(color=style[1])


def new_sheet(title: str, rows: list[Row]):  # noqa: ANN201 - an xlsx_patch.NewSheet
    from .xlsx_patch import NewSheet
    return NewSheet(title, rows, dict(WIDTHS))


def add_legend(wb: Workbook, report: JobReport) -> None:
    _render(wb, *legend_rows(report))


def add_summary(wb: Workbook, report: JobReport) -> None:
    _render(wb, *summary_rows(report))


def add_fill_note(wb: Workbook, report: JobReport) -> None:
    _render(wb, *fill_note_rows(report))
