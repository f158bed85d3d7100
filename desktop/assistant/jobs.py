"""The three jobs on a user's workbook: fill (表头填表), complete (补全) and check (核对).

Each works on the workbook in memory (opened by sheets.open_workbook), changes only the cells it
must, adds a legend or summary sheet, and returns a JobReport; the caller saves to a new file.
"""
from __future__ import annotations

from copy import copy
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from common.dictionaries import Dictionaries

from common.sheets.catalogue import BY_KEY
from common.sheets.mapping import Column
from .matching import Match, match_row
from .records import PeopleIndex
from .sheets import Table, row_values
from common.sheets.values import (display, display_text, is_blank, normalise_name, parse_cell, parse_id,
                     same, text_of)

if TYPE_CHECKING:  # openpyxl is imported only by the jobs that edit a workbook with it
    from openpyxl.styles import PatternFill
    from openpyxl.workbook import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

FILL_COLOURS = {"FILLED": "FFC6EFCE",     # light green
                "NOT_FOUND": "FFFFC7CE",  # light red
                "UNSURE": "FFFFEB9C"}     # light yellow
DIFF_COLOUR = "FFC00000"                  # dark red font
AUTHOR = "一张表助手"


def solid_fill(rgb: str) -> PatternFill:
    from openpyxl.styles import PatternFill
    return PatternFill("solid", start_color=rgb, end_color=rgb)


def __getattr__(name: str) -> PatternFill:
    """FILLED, NOT_FOUND, UNSURE as openpyxl fills, made when asked for (the direct edit of
    an .xlsx and its callers never import openpyxl)."""
    if name in FILL_COLOURS:
        return solid_fill(FILL_COLOURS[name])
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

Progress = Callable[[int, int], None]


@dataclass
class Problem:
    row: int
    code: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class JobReport:
    """What a job did, as counts (the summary sheet and the command line print them)."""

    job: str
    sheet: str
    columns: list[Column]
    rows: int = 0
    matched: int = 0
    missing: int = 0
    ambiguous: int = 0
    insufficient: int = 0
    damaged_ids: int = 0
    filled_cells: int = 0
    differing_cells: int = 0
    differing_rows: int = 0
    blank_cells: int = 0
    problems: list[Problem] = field(default_factory=list)
    conditions: list[tuple[str, str]] = field(default_factory=list)  # a fill's, as read

    def counts(self) -> list[tuple[str, int]]:
        """(Chinese label, count) pairs in the order the summary shows them."""
        rows = [("数据行", self.rows)]
        if self.job == "fill":
            return rows + [("填入单元格", self.filled_cells)]
        rows += [("匹配成功", self.matched), ("未找到", self.missing),
                 ("匹配到多人（未填）", self.ambiguous), ("信息不足（未填）", self.insufficient),
                 ("身份证号损坏", self.damaged_ids)]
        if self.job == "complete":
            rows.append(("补全单元格", self.filled_cells))
        rows += [("与数据库不一致的单元格", self.differing_cells),
                 ("与数据库不一致的行", self.differing_rows)]
        if self.job == "check":
            rows.append(("表中为空而数据库有值的单元格", self.blank_cells))
        return rows


def _row_cells(ws: Worksheet, table: Table) -> dict[int, dict[str, Any]]:
    """Raw values of every data row's mapped cells, keyed by row then field (first column).
    Kept on the table for the mapping it was read with (read once for keys, once to match)."""
    mapped = table.mapped()
    key = tuple((c.index, c.field) for c in mapped)
    cached = table.cache.get("row_cells")
    if cached and cached[0] == key:
        return cached[1]
    lo = min(c.index for c in mapped)
    hi = max(c.index for c in mapped)
    wanted = set(table.data_rows)
    out: dict[int, dict[str, Any]] = {}
    if not wanted:
        return out
    for r, values in row_values(ws, table.data_start, max(wanted), lo, hi):
        if r not in wanted:
            continue
        cells: dict[str, Any] = {}
        for c in mapped:
            cells.setdefault(c.field, values[c.index - lo])
        out[r] = cells
    table.cache["row_cells"] = (key, out)
    return out


class Restyler:
    """Applies one style change to many cells at the cost of one: openpyxl hashes the whole
    style object on every assignment (seconds over 10,000 rows), so cells that share a style
    share the result, looked up by their style array."""

    def __init__(self) -> None:
        self._memo: dict[tuple, Any] = {}

    def apply(self, cell, change: str, fn: Callable[[Any], None]) -> None:  # noqa: ANN001
        style = cell._style
        key = (change, tuple(style) if style is not None else None)
        done = self._memo.get(key)
        if done is None:
            fn(cell)
            self._memo[key] = copy(cell._style)
        else:
            cell._style = copy(done)


def _set_fill(rgb: str) -> Callable[[Any], None]:
    def fn(cell) -> None:  # noqa: ANN001
        cell.fill = solid_fill(rgb)
    return fn


def _red_font(cell) -> None:  # noqa: ANN001
    font = copy(cell.font)
    font.color = DIFF_COLOUR
    cell.font = font


def _text_format(cell) -> None:  # noqa: ANN001
    cell.number_format = "@"


def _date_format(cell) -> None:  # noqa: ANN001
    if cell.number_format == "General":
        cell.number_format = "yyyy-mm-dd"


CHANGES: dict[str, tuple[Callable[[Any], None], tuple[str, str]]] = {
    "filled": (_set_fill(FILL_COLOURS["FILLED"]), ("fill", FILL_COLOURS["FILLED"])),
    "unsure": (_set_fill(FILL_COLOURS["UNSURE"]), ("fill", FILL_COLOURS["UNSURE"])),
    "not_found": (_set_fill(FILL_COLOURS["NOT_FOUND"]), ("fill", FILL_COLOURS["NOT_FOUND"])),
    "diff": (_red_font, ("font", DIFF_COLOUR)),
    "text": (_text_format, ("numfmt", "text")),
    "date": (_date_format, ("numfmt", "date")),
}
"""A style change by name: how it is made on an openpyxl cell, and as an xlsx_patch change."""


def sheet_keys(wb: Workbook, table: Table) -> tuple[set[str], set[str]]:
    """The ID numbers a sheet's rows carry, and the names of rows without a usable one: the
    only people the rows can match, so the only ones read from the database."""
    ids: set[str] = set()
    names: set[str] = set()
    fields = {c.field for c in table.mapped()}
    if "id_number" not in fields and "name" not in fields:
        return ids, names
    for cells in _row_cells(wb[table.sheet], table).values():
        raw = cells.get("id_number")
        number = None if is_blank(raw) else parse_id(raw)
        if number:
            ids.add(number)
            continue  # matched by its ID number or not at all: its name need not be read
        name = cells.get("name")
        if not is_blank(name):
            names.update({text_of(name), normalise_name(name)})
    return ids, names


def _comment(text: str):  # noqa: ANN202 - an openpyxl Comment
    from openpyxl.comments import Comment
    c = Comment(text, AUTHOR)
    c.width, c.height = 220, 60
    return c


def write_value(cell, key: str, db: Any, styles: Restyler,  # noqa: ANN001
                vocab: Dictionaries | None = None) -> None:
    """A database value into a cell the way people expect to read it."""
    value = display(key, db, vocab)
    kind = BY_KEY[key].kind
    if kind == "id" or key == "phone":
        styles.apply(cell, "text", _text_format)  # so Excel never shows 6.52123E+17
        cell.value = str(value)
    elif kind == "date":
        cell.value = value
        styles.apply(cell, "date", _date_format)
    else:
        cell.value = value


class BookCells:
    """The cells of an openpyxl sheet, as the comparison reads and changes them."""

    def __init__(self, ws: Worksheet) -> None:
        from openpyxl.cell.cell import MergedCell
        self.ws = ws
        self.store = ws._cells  # openpyxl's {(row, col): Cell}: a lookup, not a new Cell
        self.styles = Restyler()
        self._merged = MergedCell

    def _cell(self, r: int, c: int):  # noqa: ANN202
        return self.store.get((r, c)) or self.ws.cell(r, c)

    def skip(self, r: int, c: int) -> bool:
        """Part of a merged block (not its top left cell, which holds the value)."""
        return isinstance(self._cell(r, c), self._merged)

    def value(self, r: int, c: int) -> Any:
        return self._cell(r, c).value

    def write(self, r: int, c: int, key: str, db: Any, vocab: Dictionaries | None) -> None:
        write_value(self._cell(r, c), key, db, self.styles, vocab)

    def style(self, r: int, c: int, change: str) -> None:
        self.styles.apply(self._cell(r, c), change, CHANGES[change][0])

    def comment(self, r: int, c: int, text: str, *, unless_present: bool = False) -> None:
        cell = self._cell(r, c)
        if not (unless_present and cell.comment is not None):
            cell.comment = _comment(text)


class EditCells:
    """The cells of a sheet read as values only (common.sheets.tables.ValueSheet); changes are
    recorded as CellEdits for xlsx_patch instead of being made on cell objects."""

    def __init__(self, ws: Any) -> None:
        from .xlsx_patch import CellEdit
        self.ws = ws
        self.edits: dict[tuple[int, int], CellEdit] = {}
        self._new = CellEdit
        self._covered: set[tuple[int, int]] | None = None
        self._changes: dict[tuple, tuple] = {}

    def _edit(self, r: int, c: int):  # noqa: ANN202
        e = self.edits.get((r, c))
        if e is None:
            e = self.edits[(r, c)] = self._new()
        return e

    def skip(self, r: int, c: int) -> bool:
        if self._covered is None:
            self._covered = {(rr, cc) for m in self.ws.merged_cells.ranges
                             for rr in range(m.min_row, m.max_row + 1)
                             for cc in range(m.min_col, m.max_col + 1)
                             if (rr, cc) != (m.min_row, m.min_col)}
        return (r, c) in self._covered

    def value(self, r: int, c: int) -> Any:
        e = self.edits.get((r, c))
        return e.value if e is not None and e.has_value else self.ws.value(r, c)

    def write(self, r: int, c: int, key: str, db: Any, vocab: Dictionaries | None) -> None:
        value = display(key, db, vocab)
        kind = BY_KEY[key].kind
        e = self._edit(r, c)
        if kind == "id" or key == "phone":
            self.style(r, c, "text")  # so Excel never shows 6.52123E+17
            value = str(value)
        elif kind == "date":
            self.style(r, c, "date")
        e.value, e.has_value = value, True

    def style(self, r: int, c: int, change: str) -> None:
        e = self._edit(r, c)
        changes = e.changes + (CHANGES[change][1],)
        # one tuple per combination, shared by the cells that have it (memory: 300,000 cells)
        e.changes = self._changes.setdefault(changes, changes)

    def comment(self, r: int, c: int, text: str, *, unless_present: bool = False) -> None:
        e = self._edit(r, c)
        if not (unless_present and e.comment is not None):
            e.comment = text


def compare_and_fill(cells: BookCells | EditCells, table: Table, job: str,
                      index: PeopleIndex, report: JobReport,
                      progress: Progress | None) -> None:
    rows = _row_cells(cells.ws, table)
    mapped = [c for c in table.mapped() if c.field != "seq"]
    total = len(rows)
    for n, (r, values) in enumerate(rows.items(), start=1):
        if progress and n % 500 == 0:
            progress(n, total)
        report.rows += 1
        m = match_row(values, index)
        if m.id_problem:
            report.damaged_ids += 1
            _flag_id(cells, table, r, m)
        if m.status != "matched":
            _flag_row(cells, table, r, m, report)
            continue
        report.matched += 1
        differs = False
        for col in mapped:
            c = col.index
            if cells.skip(r, c):
                continue  # part of a merged block (a household's shared address): its top
                # left cell holds the value and is compared on its own row
            db = m.person.get(col.field)
            value = cells.value(r, c)
            if is_blank(value):
                if job == "complete" and db is not None and db != frozenset():
                    cells.write(r, c, col.field, db, index.vocab)
                    cells.style(r, c, "filled")
                    report.filled_cells += 1
                elif job == "check" and db is not None and db != frozenset():
                    report.blank_cells += 1
                    cells.style(r, c, "unsure")
                    cells.comment(r, c, f"表中为空，数据库：{display_text(col.field, db, index.vocab)}")
                continue
            if col.field == "id_number" and m.id_problem:
                continue  # already flagged as damaged
            if not same(col.field, parse_cell(col.field, value, index.vocab), db,
                        index.vocab):
                differs = True
                report.differing_cells += 1
                cells.style(r, c, "diff")
                cells.comment(r, c, f"数据库：{display_text(col.field, db, index.vocab)}")
        if differs:
            report.differing_rows += 1
    if progress:
        progress(total, total)


def _flag_id(cells: BookCells | EditCells, table: Table, r: int, m: Match) -> None:
    col = next(c for c in table.mapped() if c.field == "id_number")
    if cells.skip(r, col.index):
        return
    cells.style(r, col.index, "not_found")
    text = _message(m.id_problem, {})
    if m.person is not None:
        text += f"；按姓名等信息匹配到：{m.person['id_number']}"
    cells.comment(r, col.index, text)


def _flag_row(cells: BookCells | EditCells, table: Table, r: int, m: Match,
              report: JobReport) -> None:
    counter = {"missing": "missing", "bad_id": "missing", "ambiguous": "ambiguous",
               "insufficient": "insufficient"}[m.status]
    setattr(report, counter, getattr(report, counter) + 1)
    report.problems.append(Problem(r, m.code or m.status, m.params))
    change = "unsure" if m.status in ("ambiguous", "insufficient") else "not_found"
    key_cols = [c for c in table.mapped() if c.field in ("name", "id_number")] or table.mapped()
    cols = [c.index for c in key_cols if not cells.skip(r, c.index)]
    for c in cols:
        cells.style(r, c, change)
    if cols:
        cells.comment(r, cols[0], _message(m.code or m.status, m.params), unless_present=True)


def _message(code: str, params: dict[str, Any]) -> str:
    from common.errors import DomainError
    return DomainError(code, **params).message()


def complete(wb: Workbook, table: Table, index: PeopleIndex, *,
             progress: Progress | None = None) -> JobReport:
    """Fill the empty recognised cells of matched rows, colour them, mark disagreements."""
    report = JobReport("complete", table.sheet, table.columns)
    compare_and_fill(BookCells(wb[table.sheet]), table, "complete", index, report, progress)
    from .summary import add_legend
    add_legend(wb, report)
    return report


def check(wb: Workbook, table: Table, index: PeopleIndex, *,
          progress: Progress | None = None) -> JobReport:
    """Compare every recognised cell with the database; mark differences and missing rows."""
    report = JobReport("check", table.sheet, table.columns)
    compare_and_fill(BookCells(wb[table.sheet]), table, "check", index, report, progress)
    from .summary import add_summary
    add_summary(wb, report)
    return report


def fill(wb: Workbook, table: Table, people: list[dict[str, Any]], *,
         progress: Progress | None = None,
         conditions: list[tuple[str, str]] | None = None,
         vocab: Dictionaries | None = None) -> JobReport:
    """One row per person below the header, every recognised column filled. A template's
    示例 rows are written over (or emptied); rows someone already typed are kept, and the
    people go below them."""
    from openpyxl.cell.cell import MergedCell
    ws = wb[table.sheet]
    report = JobReport("fill", table.sheet, table.columns, conditions=list(conditions or []))
    for r in table.example_rows:
        for c in table.columns:
            cell = ws.cell(r, c.index)
            if not isinstance(cell, MergedCell):
                cell.value = None
    start = max(table.data_rows) + 1 if table.data_rows else table.data_start
    _make_room(ws, table, len(people), start)
    style_row = max(table.data_rows) if table.data_rows else table.data_start
    template = {c.index: ws.cell(style_row, c.index) for c in table.columns}
    styles = {i: copy(cell._style) for i, cell in template.items() if cell.has_style}
    mapped = table.mapped()
    restyler = Restyler()
    for n, person in enumerate(people):
        r = start + n
        for i, style in styles.items():
            if r != style_row:
                ws.cell(r, i)._style = copy(style)
        for c in mapped:
            cell = ws.cell(r, c.index)
            if isinstance(cell, MergedCell):
                continue
            if c.field == "seq":
                cell.value = len(table.data_rows) + n + 1
                continue
            db = person.get(c.field)
            if db is not None and db != frozenset():
                write_value(cell, c.field, db, restyler, vocab)
                report.filled_cells += 1
        report.rows += 1
        if progress and (n + 1) % 500 == 0:
            progress(n + 1, len(people))
    from .summary import add_fill_note
    add_fill_note(wb, report)
    return report


def _make_room(ws: Worksheet, table: Table, n: int, start: int) -> None:
    """Move a footer (填表人, 合计 …) down so that n rows from `start` fit above it, merges
    included."""
    if table.footer_row is None:
        return
    space = table.footer_row - start
    extra = n - space
    if extra <= 0:
        return
    at = table.footer_row
    moved = [rng for rng in list(ws.merged_cells.ranges) if rng.min_row >= at]
    for rng in moved:
        ws.merged_cells.remove(rng)
    ws.insert_rows(at, extra)
    for rng in moved:
        rng.shift(0, extra)
        ws.merged_cells.add(rng)
    table.footer_row = at + extra

