"""Reading users' workbooks (given as bytes) and finding the table in a sheet as sheets really are.

Handles title rows above the header, merged cells, two-row headers (a group header over its
columns), blank, total and footer rows, and refuses .xls, encrypted and corrupt files with a
code. A CSV (UTF-8 or GBK) is read into a fresh workbook with every cell kept as text. Pure: the
caller reads the file (the desktop assistant from disk, the server from an upload); any thread.
"""
from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from common.errors import DomainError

from .mapping import Column, map_headers
from .values import text_of

if TYPE_CHECKING:  # openpyxl is imported where a workbook is opened: values need none of it
    from openpyxl.workbook import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

HEADER_SCAN_ROWS = 30
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_MARK = "EncryptionInfo".encode("utf-16-le")
_TOTAL = re.compile(r"^(合\s*计|总\s*计|小\s*计|共\s*计|总数)")
_EXAMPLE = re.compile(r"^[（(【\[]?\s*(示例|样例|范例|填写示例|填表示例|例如|例)\s*[）)】\]]?\s*[:：.、\s]*")
"""A row a template shows how to fill in (示例：张三 …): not data; fill writes over it."""
_EXAMPLE_TAIL = re.compile(r"[（(【\[]\s*(示例|样例|范例)\s*[）)】\]]\s*$")
_FOOTER = re.compile(r"(填表人|制表人|审核人|负责人|填报单位|填表日期|制表日期|联系人|注[:：]|说明[:：])")


@dataclass
class Table:
    """Where the data table of one sheet is: header rows, first data row, mapped columns."""

    sheet: str
    header_first: int
    header_last: int
    columns: list[Column]
    data_rows: list[int] = field(default_factory=list)   # data rows that hold something
    footer_row: int | None = None                        # first total/footer row after the data
    skipped: dict[str, int] = field(default_factory=dict)  # "blank"/"total"/"footer" counts
    example_rows: list[int] = field(default_factory=list)  # 示例 rows of a template
    cache: dict[str, object] = field(default_factory=dict, repr=False, compare=False)

    @property
    def data_start(self) -> int:
        return self.header_last + 1

    def mapped(self) -> list[Column]:
        return [c for c in self.columns if c.field]


def sniff_bytes(data: bytes, name: str) -> str:
    """Refuse, with a code, content no reader here can open (.xls, encrypted, empty, not a
    zip); returns "csv" or "xlsx"."""
    head = data[:8]
    if head.startswith(_OLE_MAGIC):
        if _ENCRYPTED_MARK in data:
            raise DomainError("sheet_encrypted", value=name)
        raise DomainError("sheet_xls", value=name)
    if not head:
        raise DomainError("sheet_empty", value=name)
    is_csv = name.lower().endswith((".csv", ".txt"))
    if not is_csv and not head.startswith(b"PK"):
        raise DomainError("sheet_corrupt", value=name)
    return "csv" if is_csv else "xlsx"


def load_workbook_bytes(data: bytes, name: str, *, read_only: bool = False) -> Workbook:
    """The workbook held in `data` (an .xlsx or a .csv named `name`); DomainError when it
    cannot be read."""
    if sniff_bytes(data, name) == "csv":
        return read_csv(data, name)
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException
    try:
        # from the bytes, not the name: openpyxl refuses by extension (InvalidFileException)
        # an .xlsx renamed .xls or saved without one
        return openpyxl.load_workbook(io.BytesIO(data), read_only=read_only)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError,
            InvalidFileException) as e:
        raise DomainError("sheet_corrupt", value=name, detail=type(e).__name__) from None


def _decode_csv(raw: bytes, name: str) -> str:
    """A CSV's text: UTF-8 with or without BOM, else GBK/GB18030 (Excel's Chinese default)."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DomainError("sheet_corrupt", value=name)


def _sheet_title(name: str) -> str:
    stem = name.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    return re.sub(r"[\\/*?:\[\]]", "_", stem)[:31] or "Sheet1"


def read_csv(raw: bytes, name: str) -> Workbook:
    """A CSV (UTF-8 with or without BOM, else GBK/GB18030) as a one-sheet workbook."""
    from openpyxl.workbook import Workbook
    text = _decode_csv(raw, name)
    wb = Workbook()
    ws = wb.active
    ws.title = _sheet_title(name)
    for row in csv.reader(io.StringIO(text)):
        # every CSV cell stays text: ID numbers and phones must not turn into numbers
        ws.append([v if v != "" else None for v in row])
    return wb


class _Range:
    __slots__ = ("min_row", "min_col", "max_row", "max_col")

    def __init__(self, min_row: int, min_col: int, max_row: int, max_col: int) -> None:
        self.min_row, self.min_col, self.max_row, self.max_col = min_row, min_col, max_row, max_col


class _Merged:
    def __init__(self, ranges: list[_Range]) -> None:
        self.ranges = ranges


class _Value:
    __slots__ = ("value",)

    def __init__(self, value: object) -> None:
        self.value = value


class ValueSheet:
    """A sheet's values and merged ranges only, read without openpyxl's cell objects and
    styles (several times faster on 10,000 rows): what `find_table` and `row_values` read,
    for a caller that never writes the sheet back (the server's batch import)."""

    def __init__(self, title: str, rows: list[list[object]],
                 merged: list[tuple[int, int, int, int]] = ()) -> None:
        self.title = title
        self.rows = rows
        self.max_row = len(rows)
        self.max_column = max((len(r) for r in rows), default=0)
        self.merged_cells = _Merged([_Range(*m) for m in merged])

    def value(self, row: int, col: int) -> object:
        if 1 <= row <= self.max_row:
            cells = self.rows[row - 1]
            if 1 <= col <= len(cells):
                return cells[col - 1]
        return None

    def cell(self, row: int, col: int) -> _Value:
        return _Value(self.value(row, col))

    def iter_rows(self, min_row: int = 1, max_row: int | None = None, min_col: int = 1,
                  max_col: int | None = None, values_only: bool = True):  # noqa: ANN201
        last = self.max_row if max_row is None else min(max_row, self.max_row)
        width = self.max_column if max_col is None else max_col
        for r in range(min_row, last + 1):
            yield tuple(self.value(r, c) for c in range(min_col, width + 1))


class ValueBook:
    """The sheets of a workbook as `ValueSheet`s (see there), in workbook order."""

    def __init__(self, sheets: list[ValueSheet]) -> None:
        self.worksheets = sheets
        self.sheetnames = [s.title for s in sheets]

    def __getitem__(self, name: str) -> ValueSheet:
        return self.worksheets[self.sheetnames.index(name)]


def read_values(data: bytes, name: str) -> ValueBook:
    """The values of the workbook (.xlsx) or CSV in `data`, for reading only; DomainError when
    it cannot be read."""
    if sniff_bytes(data, name) == "csv":
        text = _decode_csv(data, name)
        rows = [[v if v != "" else None for v in row] for row in csv.reader(io.StringIO(text))]
        return ValueBook([ValueSheet(_sheet_title(name), rows)])
    from python_calamine import CalamineError, CalamineWorkbook
    try:
        wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheets = []
        for sheet_name in wb.sheet_names:
            sheet = wb.get_sheet_by_name(sheet_name)
            top, left = sheet.start or (0, 0)
            rows = [[None] * left + [None if v == "" else v for v in row]
                    for row in sheet.to_python(skip_empty_area=True)]
            rows = [[] for _ in range(top)] + rows
            merged = [(a[0] + 1, a[1] + 1, b[0] + 1, b[1] + 1)
                      for a, b in (sheet.merged_cell_ranges or ())]
            sheets.append(ValueSheet(sheet_name, rows, merged))
    except (CalamineError, ValueError, TypeError, OSError) as e:
        raise DomainError("sheet_corrupt", value=name, detail=type(e).__name__) from None
    return ValueBook(sheets)


def _merged_values(ws: Worksheet, last_row: int) -> tuple[dict, set, set]:
    """Values of merged cells spread over their range (top rows only), plus the cells that
    sit in a horizontal merge and the rows where a vertical merge starts."""
    spread: dict[tuple[int, int], object] = {}
    horizontal: set[tuple[int, int]] = set()
    vertical_starts: set[int] = set()
    for rng in ws.merged_cells.ranges:
        if rng.min_row > last_row:
            continue
        value = ws.cell(rng.min_row, rng.min_col).value
        for r in range(rng.min_row, min(rng.max_row, last_row) + 1):
            for c in range(rng.min_col, rng.max_col + 1):
                spread[(r, c)] = value
                if rng.max_col > rng.min_col:
                    horizontal.add((r, c))
        if rng.max_row > rng.min_row:
            vertical_starts.add(rng.min_row)
    return spread, horizontal, vertical_starts


def find_table(ws: Worksheet, named: dict[str, str] | None = None) -> Table | None:
    """The header and data rows of the sheet's table, or None if no header is recognised.

    A header row names two fields, or one column that identifies people on its own (身份证号码
    over 补贴金额 and 领取人签字), or a header the user mapped by its text (`named`: header
    text -> field, from --map or the page), which rescues a header no synonym knows."""
    from .mapping import normalise_header
    extra = {normalise_header(k): v for k, v in (named or {}).items()
             if not re.fullmatch(r"\d+|[A-Za-z]{1,3}", k.strip())}
    last = min(ws.max_row, HEADER_SCAN_ROWS)
    spread, horizontal, vstarts = _merged_values(ws, last + 1)
    width = ws.max_column
    rows: dict[int, dict[int, str]] = {}
    # never iterate past max_row: on an editable sheet that would create empty rows
    for r, values in enumerate(ws.iter_rows(min_row=1, max_row=last, max_col=width,
                                            values_only=True), start=1):
        rows[r] = {c: text_of(spread.get((r, c), v)) for c, v in enumerate(values, start=1)}
    best_row, best_score = 0, 0.0
    for r in range(1, last + 1):
        score = _header_score(rows[r], horizontal, r, extra)
        if score > best_score + 0.01:
            best_row, best_score = r, score
    if best_score < 2:
        best_row, best_score = _fuzzy_header_row(rows, horizontal, min(last, 10))
    if best_score < 2:
        best_row = _key_row(rows, horizontal, last, extra)
        if best_row is None:
            return None
    first = best_row
    if best_row > 1 and _is_group_row(rows[best_row - 1], rows[best_row], horizontal,
                                      best_row - 1, vstarts):
        first = best_row - 1
    elif best_row + 1 in rows and _is_group_row(rows[best_row], rows[best_row + 1], horizontal,
                                                best_row, vstarts) \
            and _header_score(rows[best_row + 1], horizontal, best_row + 1) >= 1:
        first, best_row = best_row, best_row + 1
    headers = {}
    for c in range(1, width + 1):
        low = rows[best_row].get(c, "")
        up = rows[first].get(c, "") if first < best_row else ""
        if up and low and up != low:
            headers[c] = f"{up}/{low}"
        elif low or up:
            headers[c] = low or up
    table = Table(ws.title, first, best_row, map_headers(headers))
    _scan_data(ws, table)
    return table


def _header_fields(row: dict[int, str], horizontal: set, r: int,
                   extra: dict[str, str] | None = None) -> set[str]:
    """The distinct fields a row's cells name exactly, or by a header the user named (fuzzy
    matching is left to the chosen row: running it over data cells costs seconds)."""
    from .mapping import exact_field, normalise_header
    seen: set[str] = set()
    for c, text in row.items():
        if not text or len(text) > 30 or (r, c) in horizontal and _wide(row, c):
            continue
        key = exact_field(text)[0] or (extra or {}).get(normalise_header(text))
        if key:
            seen.add(key)
    return seen


def _header_score(row: dict[int, str], horizontal: set, r: int,
                  extra: dict[str, str] | None = None) -> float:
    """How much a row looks like the header: how many fields it names."""
    return float(len(_header_fields(row, horizontal, r, extra)))


IDENTIFYING = ("id_number",)
"""A column that identifies a row's person on its own: a header naming it is a header."""


def _key_row(rows: dict[int, dict[int, str]], horizontal: set, last: int,
             extra: dict[str, str]) -> int | None:
    """The first row naming an identifying column or a header the user named, if any."""
    from .mapping import normalise_header
    for r in range(1, last + 1):
        if set(_header_fields(rows[r], horizontal, r)) & set(IDENTIFYING):
            return r
        if extra and any(normalise_header(t) in extra for t in rows[r].values() if t):
            return r
    return None


def _fuzzy_header_row(rows: dict[int, dict[int, str]], horizontal: set,
                      last: int) -> tuple[int, float]:
    """The fallback when no row names two fields exactly: fuzzy matches count half."""
    from .mapping import guess_field
    best_row, best = 0, 0.0
    for r in range(1, last + 1):
        seen: dict[str, float] = {}
        for c, text in rows[r].items():
            if text and len(text) <= 20 and not ((r, c) in horizontal and _wide(rows[r], c)):
                key, how, _ = guess_field(text)
                if key:
                    seen[key] = max(seen.get(key, 0), 1.0 if how == "exact" else 0.5)
        if sum(seen.values()) > best + 0.01:
            best_row, best = r, sum(seen.values())
    return best_row, best


def _wide(row: dict[int, str], c: int) -> bool:
    """A merged cell spread over three or more columns is a title or a group, not a header."""
    text = row[c]
    return row.get(c - 1) == text and row.get(c + 1) == text or \
        row.get(c + 1) == text and row.get(c + 2) == text or \
        row.get(c - 1) == text and row.get(c - 2) == text


def _is_group_row(upper: dict[int, str], lower: dict[int, str], horizontal: set, r: int,
                  vstarts: set) -> bool:
    distinct = {t for t in upper.values() if t}
    if len(distinct) < 2:
        return False  # a title row has one text across the sheet
    spans = any((r, c) in horizontal for c in upper if upper[c])
    holes = any(upper.get(c) and not lower.get(c) for c in upper)
    return r in vstarts or spans or holes


def row_values(ws: Worksheet, min_row: int, max_row: int, min_col: int,
               max_col: int):  # noqa: ANN201 - yields (row, tuple of values)
    """Cell values by row, read straight from the sheet's cell store: iter_rows creates a
    Cell object for every empty position it passes, several times slower on 10,000 rows,
    and (on an editable sheet) grows the sheet."""
    if isinstance(ws, ValueSheet):
        for r in range(min_row, min(max_row, ws.max_row) + 1):
            cells = ws.rows[r - 1]
            yield r, tuple(cells[c - 1] if c <= len(cells) else None
                           for c in range(min_col, max_col + 1))
        return
    store = ws._cells  # openpyxl's {(row, col): Cell}; read only
    cols = range(min_col, max_col + 1)
    for r in range(min_row, max_row + 1):
        yield r, tuple(getattr(store.get((r, c)), "value", None) for c in cols)


def _scan_data(ws: Worksheet, table: Table) -> None:
    cols = [c.index for c in table.columns]
    if not cols:
        return
    lo, hi = min(cols), max(cols)
    table.skipped = {"blank": 0, "total": 0, "footer": 0, "example": 0}
    table.example_rows = []
    notes_seen = False
    for r, values in row_values(ws, table.data_start, ws.max_row, lo, hi):
        texts = [text_of(v) for v in values]
        filled = [t for t in texts if t]
        if not filled:
            table.skipped["blank"] += 1
            continue
        if any(_TOTAL.match(t) for t in filled[:3]):
            table.skipped["total"] += 1
            table.footer_row = table.footer_row or r
            continue
        if not table.data_rows and any(_is_example(t) for t in filled[:2]):
            table.skipped["example"] += 1
            table.example_rows.append(r)
            continue
        if _FOOTER.search(filled[0]) and len(filled) <= 3:
            table.skipped["footer"] += 1
            table.footer_row = table.footer_row or r
            notes_seen = True
            continue
        if not notes_seen:
            # subtotal rows may sit between villages: data goes on after them
            table.data_rows.append(r)
            table.footer_row = None


def _is_example(text: str) -> bool:
    """示例, 示例：张三, （示例）, 例： — but not a name or place that merely starts with 例."""
    if _EXAMPLE_TAIL.search(text):
        return True  # 张三（示例）
    m = _EXAMPLE.match(text)
    if m is None:
        return False
    word = m.group(1)
    return word != "例" or m.end() > 1 and text[m.end() - 1] in ":：)）】]" or text == "例"


def find_tables(wb: Workbook, named: dict[str, str] | None = None) -> list[Table]:
    """The recognised tables of every sheet, in sheet order."""
    out = []
    for ws in wb.worksheets:
        t = find_table(ws, named)
        if t is not None:
            out.append(t)
    return out


def pick_table(wb: Workbook, sheet: str | None = None,
               named: dict[str, str] | None = None) -> Table:
    """The table to work on: the named sheet's, else the first sheet with a recognised header."""
    if sheet is not None:
        if sheet not in wb.sheetnames:
            raise DomainError("sheet_not_found", value=sheet)
        t = find_table(wb[sheet], named)
        if t is None:
            raise DomainError("sheet_no_header", value=sheet)
        return t
    for ws in wb.worksheets:
        t = find_table(ws, named)
        if t is not None:
            return t
    raise DomainError("sheet_no_header", value=wb.sheetnames[0] if wb.sheetnames else "")
