"""Opening the user's workbook files for the assistant. Finding the table in a sheet (title
rows, merged cells, two-row headers, totals and footers) is common/sheets/tables.py, shared
with the server's batch import; this module reads the file and shows column samples masked
as the client's lists do."""
from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from common.errors import DomainError
from common.sheets.tables import (Table, ValueBook, ValueSheet, find_table, find_tables,
                                  load_workbook_bytes, pick_table, read_values, row_values,
                                  sniff_bytes)
from common.sheets.values import text_of

if TYPE_CHECKING:
    from openpyxl.workbook import Workbook


def sniff(path: str | Path) -> Path:
    """Refuse, with a code, a file no reader here can open (missing, .xls, encrypted, not a
    zip); returns the path of a file that looks like .xlsx or .csv."""
    p = Path(path)
    try:
        with p.open("rb") as fh:
            head = fh.read(8)
    except (FileNotFoundError, IsADirectoryError):
        raise DomainError("sheet_missing", value=str(p)) from None
    # the whole file is read only when it may be an encrypted OLE container
    sniff_bytes(p.read_bytes() if head.startswith(b"\xd0\xcf") else head, p.name)
    return p


def open_workbook(path: str | Path) -> Workbook:
    """The workbook at `path` for editing; DomainError on a file it cannot read."""
    p = sniff(path)
    try:
        data = p.read_bytes()
    except OSError as e:
        raise DomainError("sheet_corrupt", value=p.name, detail=type(e).__name__) from None
    return load_workbook_bytes(data, p.name)


def read_book(path: str | Path) -> tuple[bytes, Workbook | ValueBook]:
    """The file's bytes and its sheets for finding tables: an .xlsx as values only (read with
    python-calamine, several times faster than openpyxl, no styles), a CSV as a workbook."""
    p = sniff(path)
    try:
        data = p.read_bytes()
    except OSError as e:
        raise DomainError("sheet_corrupt", value=p.name, detail=type(e).__name__) from None
    if sniff_bytes(data, p.name) == "csv":
        return data, load_workbook_bytes(data, p.name)
    return data, read_values(data, p.name)


def _value(ws, r: int, c: int):  # noqa: ANN001, ANN202
    if isinstance(ws, ValueSheet):
        return ws.value(r, c)
    return getattr(ws._cells.get((r, c)), "value", None)  # ws.cell() would create cells


def column_samples(wb: Workbook | ValueBook, table: Table,
                   n: int = 2) -> dict[int, list[str]]:
    """The first `n` values of each column's data (example rows included when there is no
    data), shown beside the mapping so a person can see what a column holds."""
    from desktop.services.people import mask_id_number, mask_phone
    ws = wb[table.sheet]
    rows = (table.data_rows or table.example_rows)[:20]
    out: dict[int, list[str]] = {}
    for c in table.columns:
        seen: list[str] = []
        for r in rows:
            text = text_of(_value(ws, r, c.index))
            # personal numbers on screen are masked, as in every list of the client
            if re.fullmatch(r"\d{17}[\dXx]", text):
                text = mask_id_number(text)
            elif re.fullmatch(r"1\d{10}", text):
                text = mask_phone(text)
            if text and text not in seen:
                seen.append(text if len(text) <= 24 else text[:23] + "…")
            if len(seen) == n:
                break
        out[c.index] = seen
    return out


__all__ = ["Table", "ValueBook", "column_samples", "find_table", "find_tables",
           "open_workbook", "pick_table", "read_book", "row_values", "sniff"]
