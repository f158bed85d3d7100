"""Ledgers (台账) to and from .xlsx: export one ledger type, import it back with validation.

Ledger types are data (LedgerType/LedgerField records, defaults in common/ledger_types.py): the
sheet's columns come from the type's fields, so a field an admin adds appears without code.
Import reports every bad row with its row number and the reason, and keeps the good rows:
each written through the client's one write path (row + outbox entry), so rows sync like any
record. Export runs on a reader; import on the writer thread.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from python_calamine import CalamineError, CalamineWorkbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from common import ledger_types as defaults
from common.errors import DomainError, ValidationError
from common.ledger_types import KEYS, RECORD, YEAR, LedgerDef
from common.schema import House, Household, LedgerField, LedgerRow, LedgerType, Person
from desktop.services.records import load_dictionaries

from .files import check_output, save_workbook
from common.sheets.values import parse_date, text_of

def list_ledgers(session: Session) -> list[LedgerDef]:
    """Every ledger type the database defines (the defaults when it has never held one; not
    when an admin retired them all). Dictionary fields carry the options the database holds,
    so an option an admin added reads and imports like the built-in ones."""
    types = session.scalars(select(LedgerType).order_by(LedgerType.sort)).all()
    dictionaries = load_dictionaries(session)
    if not types:
        found = [defaults.default_def(t) for t in defaults.LEDGER_TYPES]
    else:
        found = [_from_record(session, t) for t in types if not t.deleted]
    return [replace(d, fields=[replace(f, options=tuple(dictionaries.get(f.dict_code, ())))
                               if f.field_type == "dict" and f.dict_code else f
                               for f in d.fields]) for d in found]


def ledger(session: Session, code_or_name: str) -> LedgerDef:
    for d in list_ledgers(session):
        if code_or_name in (d.code, d.name, d.name.removesuffix("台账")):
            return d
    raise DomainError("ledger_unknown_type", value=code_or_name)


def _from_record(session: Session, t: LedgerType) -> LedgerDef:
    rows = session.scalars(select(LedgerField).where(LedgerField.ledger_type_id == t.id,
                                                     LedgerField.deleted.is_(False))
                           .order_by(LedgerField.sort)).all()
    return defaults.from_records(t, list(rows))


def _cell(f: defaults.FieldDef, value: Any) -> Any:
    if value is None:
        return None
    if f.field_type == "dict":
        return f.label_of(value)
    if f.field_type == "bool":
        return "是" if value else "否"
    if f.field_type == "date":
        return parse_date(value)[0] if parse_date(value) else value
    return value


def _binding_keys(session: Session, d: LedgerDef, ids: set[str]) -> dict[str, tuple]:
    if d.binding == "household":
        head = select(Person.name).where(Person.id == Household.head_person_id) \
            .scalar_subquery()
        q = select(Household.id, Household.household_no, head)
    elif d.binding == "person":
        q = select(Person.id, Person.id_number, Person.name)
    else:
        q = select(House.id, House.door_plate, House.address)
    out = {}
    chunk = list(ids)
    for i in range(0, len(chunk), 900):
        for rid, a, b in session.execute(q.where(q.selected_columns[0].in_(chunk[i:i + 900]))):
            out[rid] = (a, b)
    return out


def export_ledger(session: Session, code: str, path: str | Path, *,
                  year: int | None = None, grids: set[str] | None = None,
                  overwrite: bool = True) -> int:
    """Write one ledger type's rows (of `grids`, when given) to a new .xlsx; returns the number
    of rows. `overwrite=False` refuses an existing file (the command line, unless asked); the
    page's save dialog has already asked."""
    d = ledger(session, code)
    check_output(path, overwrite=overwrite)
    bind_col = getattr(LedgerRow, f"{d.binding}_id")
    q = select(LedgerRow.id, bind_col, LedgerRow.year, LedgerRow.data).where(
        LedgerRow.ledger_type_id == d.id, LedgerRow.deleted.is_(False))
    if year is not None:
        q = q.where(LedgerRow.year == year)
    if grids is not None:  # the client's page exports the worker's scope, as it lists it
        q = q.where(LedgerRow.grid_id.in_(grids))
    rows = session.execute(q).all()
    keys = _binding_keys(session, d, {bound for _, bound, _, _ in rows if bound})
    out = []
    for rid, bound, row_year, data in rows:
        line = list(keys.get(bound, (None, None))) + ([row_year] if d.per_year else [])
        line += [_cell(f, (data or {}).get(f.code)) for f in d.fields] + [rid]
        out.append(line)
    out.sort(key=lambda line: tuple(str(v or "") for v in line[:3]))
    # a write-only (streaming) sheet: rows go out as they are appended, with no cell objects
    # kept and no ws.max_row asked per row (that walked every cell: a quadratic export took a
    # minute for 20,000 rows)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(d.name[:31])
    headers = d.headers()
    for i, h in enumerate(headers, start=1):
        ws.column_dimensions[get_column_letter(i)].width = max(10, len(h) * 2 + 2)
    ws.freeze_panes = "A2"
    ws.append([_styled(ws, h, font=BOLD) for h in headers])
    for line in out:
        line[0] = _styled(ws, line[0], number_format="@")  # 户号 / ID numbers stay text
        ws.append(line)
    save_workbook(wb, path)
    return len(out)


BOLD = Font(bold=True)


def _styled(ws: Any, value: Any, **style: Any) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value)
    for k, v in style.items():
        setattr(cell, k, v)
    return cell


@dataclass
class ImportReport:
    ledger: str
    created: int = 0
    updated: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)  # (row number, reason)


def import_ledger(session: Session, code: str, path: str | Path, *,
                  now: dt.datetime, progress: Any = None) -> ImportReport:
    """Validate every row of the sheet; write the good ones (create or update by binding and
    year) through record_change; list the bad ones. The caller commits. `progress(done, total)`,
    when given, is called every 100 rows (the client's progress bar)."""
    from desktop.storage.changes import record_change
    from .sheets import open_workbook, sniff
    d = ledger(session, code)
    p = sniff(path)
    if p.suffix.lower() in (".csv", ".txt"):
        values = [list(r) for r in open_workbook(p).active.iter_rows(values_only=True)]
    else:
        try:  # read only: calamine is several times faster than openpyxl here
            # from the bytes, not the name: an .xlsx renamed .xls or without an extension
            # is still an .xlsx
            with p.open("rb") as fh:
                values = CalamineWorkbook.from_filelike(fh).get_sheet_by_index(0).to_python()
        except CalamineError:
            raise DomainError("sheet_corrupt", value=p.name) from None
    header_at, cols = _find_columns(d, values)
    report = ImportReport(d.name)
    resolve = _resolver(session, d)
    existing = {r.id: r for r in session.scalars(
        select(LedgerRow).where(LedgerRow.ledger_type_id == d.id,
                                LedgerRow.deleted.is_(False)))}
    seen: dict[str, int] = {}
    total = len(values) - header_at - 1
    for n, row in enumerate(values[header_at + 1:], start=header_at + 2):
        if progress is not None and (n - header_at - 2) % 100 == 0:
            progress(n - header_at - 2, total)
        cells = {k: (row[i] if i < len(row) else None) for k, i in cols.items()}
        if all(text_of(v) == "" for k, v in cells.items() if k != "_id"):
            continue
        errors, data, target, year = _validate(d, cells, resolve)
        record_id = text_of(cells.get("_id")) or None
        if record_id and record_id in seen:
            errors.append(DomainError("ledger_duplicate", other=seen[record_id]).message())
        if errors:
            report.errors.append((n, "；".join(errors)))
            continue
        grid_id, target_id = target
        old = existing.get(record_id) if record_id else None
        if record_id:
            seen[record_id] = n
        values_out: dict[str, Any] = {"data": data}
        if old is None:
            values_out.update({"ledger_type_id": d.id, f"{d.binding}_id": target_id,
                               "year": year, "grid_id": grid_id})
            report.created += 1
        else:
            values_out.update({"data": {**(old.data or {}), **data}, "year": year,
                               f"{d.binding}_id": target_id})
            report.updated += 1
        record_change(session, LedgerRow, old.id if old else None, values_out, now=now)
    return report


def _find_columns(d: LedgerDef, values: list[list[Any]]) -> tuple[int, dict[str, int]]:
    key = KEYS[d.binding][0]
    by_label = {f.header(): f.code for f in d.fields} | {f.label: f.code for f in d.fields}
    for r, row in enumerate(values[:10]):
        texts = [text_of(v) for v in row]
        if key in texts:
            cols = {"_key": texts.index(key)}
            if YEAR in texts:
                cols["_year"] = texts.index(YEAR)
            if RECORD in texts:
                cols["_id"] = texts.index(RECORD)
            for i, t in enumerate(texts):
                if t in by_label:
                    cols[by_label[t]] = i
            missing = [f.label for f in d.fields if f.required and f.code not in cols]
            if missing or (d.per_year and "_year" not in cols):
                raise DomainError("ledger_bad_header", value=d.name)
            return r, cols
    raise DomainError("ledger_bad_header", value=d.name)


def _resolver(session: Session, d: LedgerDef):  # noqa: ANN202 - key text -> (grid, id) | None
    if d.binding == "household":
        q = select(Household.household_no, Household.grid_id, Household.id) \
            .where(Household.deleted.is_(False))
    elif d.binding == "person":
        q = select(Person.id_number, Person.grid_id, Person.id).where(Person.deleted.is_(False))
    else:
        q = select(House.door_plate, House.grid_id, House.id).where(House.deleted.is_(False))
    table = {k: (g, i) for k, g, i in session.execute(q)}
    return lambda key: table.get(key)


def _validate(d: LedgerDef, cells: dict[str, Any], resolve) -> tuple:  # noqa: ANN001
    errors: list[str] = []
    key = text_of(cells["_key"]).upper() if d.binding == "person" else text_of(cells["_key"])
    target = resolve(key)
    if target is None:
        errors.append(DomainError("ledger_binding_not_found", label=KEYS[d.binding][0],
                                  value=key or "（空）").message())
    year = None
    if d.per_year:
        try:
            year = int(float(text_of(cells["_year"])))
            if not 1950 <= year <= 2100:
                raise ValueError
        except ValueError:
            errors.append(DomainError("ledger_year_invalid", value=text_of(cells["_year"]))
                          .message())
    data: dict[str, Any] = {}
    for f in d.fields:
        raw = cells.get(f.code)
        if raw is None or text_of(raw) == "":
            if f.required:
                errors.append(ValidationError("required", f.code, label=f.label).message())
            continue
        try:
            data[f.code] = f.parse(raw)
        except ValidationError as e:
            errors.append(e.message())
    return errors, data, target, year


__all__ = ["LedgerDef", "ImportReport", "list_ledgers", "ledger", "export_ledger",
           "import_ledger"]
