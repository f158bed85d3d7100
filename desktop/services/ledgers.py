"""Ledger (台账) use cases for the client's 台账 page: the types, a page of one type's rows in
the worker's scope (bound record's keys, year, values), counts and years for the filters, and
adding / editing / deleting a row with the import's validation rules.

Reads run on a reader thread; writes on the one writer thread through storage's
`record_change` (row + outbox entry, so a row syncs like any record). Functions take the
caller's Session and never commit (desktop/tasks.py commits). ID numbers leave this module
masked: the list never holds a clear one.

A ledger type is a `common.ledger_types.LedgerDef` (id, code, binding, per_year, fields); each
field parses its own values (`FieldDef.parse`: the import's rules, declared once in common/).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, false, func, or_, select
from sqlalchemy.orm import Session

from common.errors import DomainError, ValidationError, ValidationErrors
from common.ledger_types import LedgerDef
from common.schema import House, Household, LedgerRow, Person, label_of
from desktop.storage.changes import record_change

from .people import mask_id_number

PAGE = 200
KEY_FIELD = "_key"
YEAR_FIELD = "_year"
"""Pseudo field names of the bound record's key and the year, for errors shown in a form."""


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


@dataclass(frozen=True)
class LedgerQuery:
    """Which rows of one ledger type a list shows: a year (None: every year) and a text that
    a bound record's key, its name or a value (a dictionary value by its label) contains."""

    year: int | None = None
    text: str = ""


@dataclass(frozen=True)
class LedgerListRow:
    """One row as the list shows it: the bound record's two key columns (an ID number masked),
    the year and the stored values (codes for dictionary fields, labels are the view's job)."""

    id: str
    bound_id: str | None
    key: str
    name: str
    year: int | None
    data: dict[str, Any]
    order: str = field(default="", repr=False)  # what the list is ordered by (key or name)

    def sort_key(self) -> tuple[str, str]:
        return (self.order, self.id)


def _bound(d: LedgerDef):  # noqa: ANN202 - (entity, key column, name column, row fk column)
    if d.binding == "household":
        head = select(Person.name).where(Person.id == Household.head_person_id) \
            .correlate(Household).scalar_subquery()
        return Household, Household.household_no, head, LedgerRow.household_id
    if d.binding == "person":
        return Person, Person.id_number, Person.name, LedgerRow.person_id
    return House, House.door_plate, House.address, LedgerRow.house_id


def _filtered(session: Session, d: LedgerDef, query: LedgerQuery, grids: set[str] | None,
              columns: list[Any]):  # noqa: ANN202 - a Select
    entity, key, name, fk = _bound(d)
    q = select(*columns).select_from(LedgerRow).outerjoin(entity, entity.id == fk).where(
        LedgerRow.ledger_type_id == d.id, LedgerRow.deleted.is_(False))
    if grids is not None:
        q = q.where(LedgerRow.grid_id.in_(grids) if grids else false())
    if query.year is not None:
        q = q.where(LedgerRow.year == query.year)
    text = query.text.strip()
    if text:
        like = f"%{text}%"
        # values are stored as codes: a label typed by the user matches the codes it labels
        conds = [key.like(like), name.like(like)]
        for f in d.fields:
            value = func.json_extract(LedgerRow.data, f"$.{f.code}")
            if f.field_type == "text":  # data is stored ASCII-escaped: compare decoded values
                conds.append(value.like(like))
            elif f.field_type == "dict":
                codes = [c for c, lab in f.choices() if text in lab]
                if codes:
                    conds.append(value.in_(codes))
        q = q.where(or_(*conds))
    return q, key, name


def list_rows(session: Session, d: LedgerDef, query: LedgerQuery = LedgerQuery(), *,
              grids: set[str] | None = None, limit: int = PAGE,
              after: tuple[str, str] | None = None) -> list[LedgerListRow]:
    """One page of rows, ordered by the bound record's key (a person's name) then id; `after`
    is the last row's `sort_key()` (keyset paging: tens of thousands of rows open at once)."""
    entity, key, name, fk = _bound(d)
    # people are listed by name: paging never carries a clear ID number
    sort = func.coalesce(name if d.binding == "person" else key, "")
    q, _, _ = _filtered(session, d, query, grids,
                        [LedgerRow.id, fk, key, name, LedgerRow.year, LedgerRow.data,
                         sort.label("s")])
    if after is not None:
        q = q.where(or_(sort > after[0], and_(sort == after[0], LedgerRow.id > after[1])))
    q = q.order_by(sort, LedgerRow.id).limit(limit)
    out = []
    for rid, bound, k, n, year, data, s in session.execute(q):
        shown = mask_id_number(k) if d.binding == "person" else k
        out.append(LedgerListRow(rid, bound, shown or "", n or "", year, dict(data or {}),
                                 s or ""))
    return out


def count_rows(session: Session, d: LedgerDef, query: LedgerQuery = LedgerQuery(), *,
               grids: set[str] | None = None) -> int:
    q, _, _ = _filtered(session, d, query, grids, [func.count(LedgerRow.id)])
    return int(session.scalar(q) or 0)


def counts_by_type(session: Session, *, grids: set[str] | None = None) -> dict[str, int]:
    """Rows per ledger type id (for the type list)."""
    q = select(LedgerRow.ledger_type_id, func.count()).where(
        LedgerRow.deleted.is_(False)).group_by(LedgerRow.ledger_type_id)
    if grids is not None:
        q = q.where(LedgerRow.grid_id.in_(grids) if grids else false())
    return {tid: int(n) for tid, n in session.execute(q)}


def years(session: Session, d: LedgerDef, *, grids: set[str] | None = None) -> list[int]:
    """The years the type's rows are kept for, newest first (for the year filter)."""
    q = select(LedgerRow.year).distinct().where(
        LedgerRow.ledger_type_id == d.id, LedgerRow.deleted.is_(False),
        LedgerRow.year.is_not(None))
    if grids is not None:
        q = q.where(LedgerRow.grid_id.in_(grids) if grids else false())
    return sorted(session.scalars(q), reverse=True)


@dataclass(frozen=True)
class LedgerRowDetail:
    """A row as the edit dialog shows it: the bound record's keys (masked), year, values."""

    id: str
    key: str
    name: str
    year: int | None
    data: dict[str, Any]


def get_row(session: Session, d: LedgerDef, row_id: str) -> LedgerRowDetail:
    r = session.get(LedgerRow, row_id)
    if r is None or r.deleted or r.ledger_type_id != d.id:
        raise DomainError("not_found")
    entity, key, name, fk = _bound(d)
    bound = getattr(r, fk.key)
    k, n = (session.execute(select(key, name).where(entity.id == bound)).first()
            or (None, None)) if bound else (None, None)
    shown = mask_id_number(k) if d.binding == "person" else k
    return LedgerRowDetail(r.id, shown or "", n or "", r.year, dict(r.data or {}))


def validate_row(session: Session, d: LedgerDef, values: dict[str, Any], *,
                 key: str | None, year: Any, grids: set[str] | None
                 ) -> tuple[dict[str, Any], tuple[str, str] | None, int | None]:
    """(values by field code, (grid, bound id) or None when `key` is None, year), or raise
    ValidationErrors naming each refused field: the import's rules (required, numbers within
    bounds, dictionary values, dates, yes/no), so a row refused in a sheet is refused here."""
    errors: list[ValidationError] = []
    target = None
    if key is not None:
        target = _resolve(session, d, key, grids)
        if target is None:
            label = label_of(_bound(d)[0], _bound(d)[1].key)
            shown = _text(key) or "（空）"
            errors.append(ValidationError("ledger_binding_not_found", KEY_FIELD, label=label,
                                          value=shown))
    y = None
    if d.per_year:
        try:
            y = int(float(_text(year)))
            if not 1950 <= y <= 2100:
                raise ValueError
        except ValueError:
            errors.append(ValidationError("ledger_year_invalid", YEAR_FIELD,
                                          value=_text(year) or "（空）"))
    data: dict[str, Any] = {}
    for f in d.fields:
        raw = values.get(f.code)
        if raw is None or _text(raw) == "":
            if f.required:
                errors.append(ValidationError("required", f.code, label=f.label))
            continue
        try:
            data[f.code] = f.parse(raw)
        except ValidationError as e:
            errors.append(e)
    if errors:
        raise ValidationErrors(errors)
    return data, target, y


def _resolve(session: Session, d: LedgerDef, key: str,
             grids: set[str] | None) -> tuple[str, str] | None:
    k = _text(key)
    if not k:
        return None
    entity, column, _, _ = _bound(d)
    if d.binding == "person":
        k = k.upper()
    q = select(entity.grid_id, entity.id).where(column == k, entity.deleted.is_(False))
    if grids is not None:  # a record outside the worker's scope is not found, as on a device
        q = q.where(entity.grid_id.in_(grids) if grids else false())
    found = session.execute(q).first()
    return (found[0], found[1]) if found else None


def save_row(session: Session, d: LedgerDef, row_id: str | None,
             values: dict[str, Any], *, key: str | None = None,
             year: Any = None, now: dt.datetime, grids: set[str] | None = None) -> str:
    """Add a row (bound to the record whose key is `key`) or edit one (its binding kept);
    returns the id. Values are what the user typed or chose (labels or codes for
    dictionaries, True/False or 是/否 for yes/no), checked by each field's `parse`. Never
    commits."""
    old = session.get(LedgerRow, row_id) if row_id else None
    if row_id and (old is None or old.deleted or old.ledger_type_id != d.id):
        raise DomainError("not_found")
    data, target, y = validate_row(session, d, values,
                                   key=key if old is None else None, year=year, grids=grids)
    if old is not None:  # values of fields this type no longer shows are kept, not dropped
        codes = {f.code for f in d.fields}
        data = {k: v for k, v in (old.data or {}).items() if k not in codes} | data
    out: dict[str, Any] = {"data": data}
    if d.per_year:
        out["year"] = y
    if old is None:
        grid_id, bound_id = target  # type: ignore[misc] - validate_row raised when None
        out.update({"ledger_type_id": d.id, f"{d.binding}_id": bound_id, "grid_id": grid_id})
    return record_change(session, LedgerRow, row_id if old else None, out, now=now).id


def delete_row(session: Session, d: LedgerDef, row_id: str, *, now: dt.datetime) -> None:
    """Tombstone a row (synced as a deletion)."""
    old = session.get(LedgerRow, row_id)
    if old is None or old.deleted or old.ledger_type_id != d.id:
        raise DomainError("not_found")
    record_change(session, LedgerRow, row_id, {}, now=now, deleted=True)


__all__ = ["LedgerQuery", "LedgerListRow", "LedgerRowDetail", "PAGE",
           "KEY_FIELD", "YEAR_FIELD", "list_rows", "count_rows", "counts_by_type", "years", "get_row",
           "validate_row", "save_row", "delete_row"]
