"""Government sheets as township offices keep them, generated for the batch-import tests and
benchmark: a merged title row, a two-row header (a group over its columns, 序号 merged down),
data rows, a 合计 line and a 填表人 footer; the same rows as CSV in UTF-8 or GBK."""
from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook

GROUPS = (("基本信息", ("姓名", "身份证号码", "性别", "出生年月")),
          ("居住信息", ("所属网格", "联系电话", "现住址", "民族")))
HEADERS = [h for _, hs in GROUPS for h in hs]


def person_row(name: str, id_number: Any, *, sex: str = "", birth: Any = "", grid: str = "",
               phone: str = "", address: str = "", ethnicity: str = "汉族") -> list[Any]:
    return [name, id_number, sex, birth, grid, phone, address, ethnicity]


def government_xlsx(rows: Sequence[Sequence[Any]], *, title: str = "托克逊镇常住人口信息登记表"
                    ) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "人口信息"
    width = 1 + len(HEADERS)
    ws.cell(1, 1, title)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    ws.cell(2, 1, "序号")
    ws.merge_cells(start_row=2, start_column=1, end_row=3, end_column=1)
    col = 2
    for group, headers in GROUPS:
        ws.cell(2, col, group)
        ws.merge_cells(start_row=2, start_column=col, end_row=2, end_column=col + len(headers) - 1)
        for h in headers:
            ws.cell(3, col, h)
            col += 1
    for i, row in enumerate(rows, start=1):
        ws.append([i, *row])
    ws.append(["合计", f"{len(rows)}人"])
    ws.append(["填表人：张丽", None, None, "填表日期：2026年12月1日"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def government_csv(rows: Sequence[Sequence[Any]], *, encoding: str = "utf-8-sig") -> bytes:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["序号", *HEADERS])
    for i, row in enumerate(rows, start=1):
        w.writerow([i, *["" if v is None else v for v in row]])
    return out.getvalue().encode(encoding)
