"""Scoped use cases on the main records (org nodes, people, households, houses, buildings,
organisations): list, read, create, update, tombstone-delete, reveal an ID number.

No FastAPI here. Every write goes through `changes.apply_change` and then the operation log, in
the caller's transaction (never commits). Out-of-scope rules, the same for every entity:
- reading, updating or deleting an id outside the scope answers `not_found`, exactly as for an id
  that does not exist (ids cannot be probed);
- creating in, or moving to, a grid outside the scope answers `out_of_scope` on `grid_id`, exactly
  as for a grid that does not exist.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from common.errors import DomainError, ValidationError, ValidationErrors
from common.rules import id_duplicate, new_person_values, same_id_number, tag_changes
from common.schema import (ENTITIES, LEVELS, Base, DictEntry, OrgNode, Person, PersonTag,
                           User, label_of, new_id)
from common.validation import validate_person

from ..db.tables import Counter
from .authorize import authorize_and_validate
from .changes import apply_change, move_tags_with
from .oplog import log_operation
from .scope import Scope


@dataclass(frozen=True)
class RecordFilters:
    """A list query: exact-match `filters`, a name fragment `q`, a subtree `under` (org node id),
    a person tag, the order (`sort`: a column, `descending`) and the page."""

    filters: dict[str, Any] = field(default_factory=dict)
    q: str | None = None
    under: str | None = None
    tag: str | None = None
    born_from: int | None = None  # birth years, inclusive (people)
    born_to: int | None = None
    sort: str | None = None
    descending: bool = False
    limit: int = 50
    offset: int = 0


NARROWING = ("under", "tag", "born_from", "born_to")
"""List query keys beyond the declared filters: a subtree (org node id), a person tag, birth
years (the situation map's figures link to the records behind them with these)."""


def _year(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and 1800 <= int(value) <= 2200 else None


def filters_from(values: dict[str, str], q: str | None, *, sort: str | None = None,
                 descending: bool = False, limit: int = 50, offset: int = 0) -> RecordFilters:
    """A list's query-string state (declared filters and the narrowing keys) as a query."""
    exact = {k: v for k, v in values.items() if k not in NARROWING}
    return RecordFilters(filters=exact, q=q or None, sort=sort, under=values.get("under"),
                         tag=values.get("tag"), born_from=_year(values.get("born_from")),
                         born_to=_year(values.get("born_to")), descending=descending,
                         limit=limit, offset=offset)


# Columns searched by the fragment `q`, and the listing order, per entity.
SEARCH_COLUMNS: dict[str, tuple[str, ...]] = {
    "org_nodes": ("name", "code"), "people": ("name",),
    "households": ("household_no", "address"), "houses": ("door_plate", "address"),
    "buildings": ("name", "address"), "organisations": ("name", "address"),
    "users": ("username", "display_name"), "work_requests": ("subject_name",),
    "person_moves": ("person_name",),
}
ORDER_COLUMNS: dict[str, tuple[str, ...]] = {
    "org_nodes": ("path",), "people": ("name",), "households": ("household_no",),
    "houses": ("door_plate",), "buildings": ("name",), "organisations": ("name",),
    "work_requests": ("filed_at",), "person_moves": ("moved_on",),
}


def _like(fragment: str) -> str:
    return "%" + fragment.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def record_conditions(session: Session, entity: type[Base], query: RecordFilters
                      ) -> list[Any] | None:
    """The WHERE conditions of a list query beyond the scope (None: nothing can match)."""
    table = entity.__tablename__
    conds: list[Any] = [entity.deleted.is_(False)]
    for key, value in query.filters.items():
        if value is not None:
            conds.append(getattr(entity, key) == value)
    if query.q:
        pattern = _like(query.q.strip())
        conds.append(or_(*(getattr(entity, c).like(pattern, escape="\\")
                           for c in SEARCH_COLUMNS.get(table, ("name",)))))
    if query.under:
        node = session.get(OrgNode, query.under)
        if node is None or not node.path:
            return None
        if entity is OrgNode:
            conds.append(OrgNode.path.startswith(node.path, autoescape=True))
        else:
            conds.append(entity.grid_id.in_(
                select(OrgNode.id).where(OrgNode.path.startswith(node.path, autoescape=True))))
    if query.tag and entity is Person:
        conds.append(Person.id.in_(select(PersonTag.person_id).where(
            PersonTag.tag_code == query.tag, PersonTag.deleted.is_(False))))
    if entity is Person and query.born_from is not None:
        conds.append(Person.birth_date >= dt.date(query.born_from, 1, 1))
    if entity is Person and query.born_to is not None:
        conds.append(Person.birth_date <= dt.date(query.born_to, 12, 31))
    return conds


def list_records(session: Session, scope: Scope, entity: type[Base],
                 query: RecordFilters) -> tuple[list[Base], int]:
    """One page of live records in scope matching `query`, and the total count.

    The count reads the (grid_id, deleted) index. The page is read one of two ways: by grid
    (then sorted) when the matches are few, or along the sort column's index, checking scope
    and filters row by row, when they are many enough that the first pages are found after a
    few thousand rows (a county-wide list: ~1 ms instead of sorting 130,000 rows)."""
    table = entity.__tablename__
    conds = record_conditions(session, entity, query)
    if conds is None:
        return [], 0
    total = session.scalar(select(func.count()).select_from(entity)
                           .where(scope.condition(entity), *conds)) or 0
    order_columns = [entity.__table__.columns[c] for c in ORDER_COLUMNS.get(table, ())]
    order = [c.asc() for c in order_columns] + [entity.id]
    if query.sort and query.sort in entity.__table__.columns:
        column = entity.__table__.columns[query.sort]
        order_columns.insert(0, column)
        order = [column.desc() if query.descending else column.asc()] + order
    in_order = _read_in_index_order(session, entity, order_columns, total, query)
    rows = session.scalars(select(entity)
                           .where(scope.condition(entity, by_grid_index=not in_order), *conds)
                           .order_by(*order).limit(query.limit).offset(query.offset)).all()
    return list(rows), total


ORDERED_SCAN_ROWS = 20_000
"""Read a page along the sort index when that is expected to visit at most this many rows."""


def _read_in_index_order(session: Session, entity: type[Base], order_columns: list[Any],
                         total: int, query: RecordFilters) -> bool:
    if total < 500 or not order_columns:
        return False
    first = order_columns[0]
    if not any(ix.columns.values()[0] is first for ix in entity.__table__.indexes):
        return False
    rows = session.scalar(select(func.count()).select_from(entity)) or 0
    return rows * (query.offset + query.limit) <= ORDERED_SCAN_ROWS * total


def get_record(session: Session, scope: Scope, entity: type[Base], record_id: str) -> Base:
    """A live record in scope, or `not_found` (also when it exists outside the scope)."""
    row = session.get(entity, record_id)
    if row is None or row.deleted or not scope.contains(session, row):
        raise DomainError("not_found", entity=entity.__tablename__)
    return row


def tags_of(session: Session, person_ids: list[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {pid: [] for pid in person_ids}
    if person_ids:
        for pid, code in session.execute(
                select(PersonTag.person_id, PersonTag.tag_code).where(
                    PersonTag.person_id.in_(person_ids), PersonTag.deleted.is_(False))
                .order_by(PersonTag.tag_code)):
            out[pid].append(code)
    return out


def _check_references(session: Session, scope: Scope, entity: type[Base],
                      values: dict[str, Any]) -> None:
    """Every soft reference must name a live record the user may see (else bad_reference,
    the same answer whether the target is missing or out of scope)."""
    errors = []
    for key, value in values.items():
        if key == "grid_id" or value is None:
            continue
        ref = entity.__table__.columns[key].info.get("ref")
        target = ENTITIES.get(ref) if ref else None
        if target is None or target is User:
            continue
        row = session.get(target, value)
        if row is None or row.deleted or not scope.contains(session, row):
            errors.append(ValidationError("bad_reference", key, label=label_of(entity, key)))
    if errors:
        raise ValidationErrors(errors)


def _check_dictionaries(session: Session, entity: type[Base], values: dict[str, Any]) -> None:
    """Dictionary-coded fields must hold an active code of their dictionary (dictionaries are
    data: an admin may add codes). A dictionary with no entries at all is not checked."""
    errors = []
    for key, value in values.items():
        column = entity.__table__.columns.get(key)
        dict_code = column.info.get("dict") if column is not None else None
        if dict_code and value is not None:
            codes = _codes(session, dict_code)
            if codes and value not in codes:
                errors.append(ValidationError("not_in_dict", key, label=label_of(entity, key),
                                              value=value))
    if errors:
        raise ValidationErrors(errors)


def _codes(session: Session, dict_code: str) -> set[str]:
    return set(session.scalars(select(DictEntry.code).where(
        DictEntry.dict_code == dict_code, DictEntry.active.is_(True),
        DictEntry.deleted.is_(False))))


def set_tags(session: Session, user: User, person: Person, codes: list[str], *,
             now: dt.datetime) -> list[str]:
    """Make the person's live tags exactly `codes`: add the missing ones as PersonTag records,
    tombstone the others (tags are records so that two devices' additions both survive)."""
    current = {t.tag_code: t for t in session.scalars(select(PersonTag).where(
        PersonTag.person_id == person.id, PersonTag.deleted.is_(False)))}
    added, removed = tag_changes(set(current), codes, set(_codes(session, "tag")))
    for code in added:
        apply_change(session, PersonTag, None, {"person_id": person.id, "tag_code": code,
                                                "grid_id": person.grid_id},
                     now=now, actor_id=user.id)
    for code in removed:
        apply_change(session, PersonTag, current[code].id, {}, now=now, deleted=True,
                     actor_id=user.id)
    return sorted(set(codes))


def _check_duplicate_id_number(session: Session, scope: Scope, id_number: str,
                               own_id: str | None) -> None:
    # Take the change-number lock first (every write takes it anyway, in next_rev): two people
    # with the same number created at the same moment are then checked one after the other
    # (PostgreSQL READ COMMITTED; SQLite writers are already serialised by BEGIN IMMEDIATE).
    session.execute(select(Counter.value).where(Counter.name == "rev").with_for_update())
    other = session.scalar(select(Person).where(*same_id_number(id_number, own_id),
                                                scope.condition(Person)).limit(1))
    if other is not None:
        # A plain ValidationError (not a list): its own code, id_duplicate, answers 409.
        raise id_duplicate(id_number, other)


def _person_values(session: Session, scope: Scope, values: dict[str, Any],
                   row: Person | None, now: dt.datetime) -> dict[str, Any]:
    """Validate a person's values against the whole record and refuse a duplicate ID number."""
    if row is None:
        merged = new_person_values(values)
    else:
        merged = {k: getattr(row, k) for k in ("id_number", "name", "sex", "birth_date",
                                               "resident_type", "status", "phone")}
        # A changed ID number re-derives sex and birth date unless they are given too.
        if "id_number" in values:
            merged.pop("sex"), merged.pop("birth_date")
        merged.update(values)
    cleaned = validate_person(merged, today=now.date())
    if row is None or "id_number" in values:
        _check_duplicate_id_number(session, scope, cleaned["id_number"],
                                   row.id if row else None)
    out = {k: cleaned[k] for k in values}
    if "id_number" in values:
        out.update(sex=cleaned["sex"], birth_date=cleaned["birth_date"])
    return out


def _check_org_name(values: dict[str, Any]) -> None:
    """A node's name may not be blank (it is how every list and select shows the node)."""
    if "name" in values and not str(values["name"] or "").strip():
        raise ValidationErrors([ValidationError("required", "name",
                                                label=label_of(OrgNode, "name"))])


def _org_node_create(session: Session, scope: Scope, values: dict[str, Any]) -> dict[str, Any]:
    _check_org_name({"name": values.get("name"), **values})
    parent = session.get(OrgNode, values.get("parent_id")) if values.get("parent_id") else None
    if parent is None or parent.deleted or not scope.contains_path(parent.path):
        raise DomainError("out_of_scope", "parent_id", label=label_of(OrgNode, "parent_id"))
    level = values.get("level")
    if parent.level not in LEVELS[:-1] or level != LEVELS[LEVELS.index(parent.level) + 1]:
        raise ValidationErrors([ValidationError("node_level_invalid", "level",
                                                label=parent.name, level=level)])
    node_id = new_id()
    return {"id": node_id, **values, "path": f"{parent.path}{node_id}/",
            "grid_id": node_id if level == "grid" else None}


def create_record(session: Session, scope: Scope, user: User, entity: type[Base],
                  values: dict[str, Any], *, now: dt.datetime,
                  source: dict[str, Any] | None = None) -> Base:
    """`source`: where the values came from when not typed in (a batch import's file, row
    and uploader), kept in the operation log line and shown in the record's history."""
    scope.check_write()
    values = dict(values)
    tags = values.pop("tags", None)
    record_id = None
    _check_dictionaries(session, entity, values)
    if entity is OrgNode:
        values = _org_node_create(session, scope, values)
        record_id = values.pop("id")
    # The checks every write goes through, whatever its path (services/authorize.py): fields
    # as declared, and the grid a live grid node inside the scope.
    values = authorize_and_validate(session, scope, entity, None, values,
                                    user_id=user.id).values
    if entity is not OrgNode:
        _check_references(session, scope, entity, values)
        if entity is Person:
            values = {**values, **_person_values(session, scope, values, None, now)}
    row = apply_change(session, entity, record_id, values, now=now, actor_id=user.id)
    if tags is not None and entity is Person:
        set_tags(session, user, row, tags, now=now)
    if entity is Person and source is None:
        # a batch import's rows were reviewed (入库审核) before they got here: no second review
        from .workflows import on_person_created
        on_person_created(session, user, row, now=now)
    log_operation(session, user=user, action="create", now=now, entity=entity.__tablename__,
                  record_id=row.id, details={"fields": sorted(values), "grid_id": row.grid_id,
                                             **({"source": source} if source else {})})
    return row


ORG_NODE_READONLY = ("parent_id", "level")


def update_record(session: Session, scope: Scope, user: User, entity: type[Base],
                  record_id: str, values: dict[str, Any], *, now: dt.datetime,
                  source: dict[str, Any] | None = None) -> Base:
    scope.check_write()
    row = get_record(session, scope, entity, record_id)
    tags = values.pop("tags", None) if entity is Person else None
    values = {k: v for k, v in values.items() if getattr(row, k) != v}
    details: dict[str, Any] = {"fields": sorted(values), **({"source": source} if source else {})}
    _check_dictionaries(session, entity, values)
    if tags is not None:
        if sorted(set(tags)) != tags_of(session, [row.id])[row.id]:
            set_tags(session, user, row, tags, now=now)
            details["fields"] = sorted([*values, "tags"])
    if entity is OrgNode:
        _check_org_name(values)
        fixed = [k for k in ORG_NODE_READONLY if k in values]
        if fixed:
            raise ValidationErrors([ValidationError("field_readonly", k,
                                                    label=label_of(OrgNode, k)) for k in fixed])
    checked = authorize_and_validate(session, scope, entity, record_id, values,
                                     user_id=user.id)
    values = checked.values
    if entity is not OrgNode:
        if "grid_id" in values:
            details.update(from_grid=row.grid_id, to_grid=values["grid_id"])
        if checked.transfer_to is not None:
            details.update(transfer_to=checked.transfer_to)
        _check_references(session, scope, entity, values)
        if entity is Person and values:
            values = {**values, **_person_values(session, scope, values, row, now)}
    moved_from = row.grid_id if "grid_id" in values else None
    if values:
        row = apply_change(session, entity, record_id, values, now=now, actor_id=user.id)
        if entity is Person and "grid_id" in values:
            move_tags_with(session, row, now=now, actor_id=user.id)
    if entity is Person:
        # a grid change waits for the receiving grid (services/authorize.py)
        from .workflows import on_person_updated
        on_person_updated(session, user, row, moved_from=moved_from,
                          transfer_to=checked.transfer_to, now=now)
    if details["fields"]:
        log_operation(session, user=user, action="update", now=now,
                      entity=entity.__tablename__, record_id=row.id, details=details)
    return row


def delete_record(session: Session, scope: Scope, user: User, entity: type[Base],
                  record_id: str, *, now: dt.datetime) -> Base:
    """Tombstone a record (the row stays with deleted=True so devices learn of the deletion)."""
    scope.check_write()
    row = get_record(session, scope, entity, record_id)
    if entity is OrgNode:
        if row.path == scope.path:
            raise DomainError("forbidden")
        children = session.scalar(select(func.count()).select_from(OrgNode).where(
            OrgNode.parent_id == row.id, OrgNode.deleted.is_(False)))
        if children:
            raise DomainError("node_has_children")
        from .admin import check_node_empty
        check_node_empty(session, row)  # people, households, accounts … (issue 10, finding 8)
    row = apply_change(session, entity, record_id, {}, now=now, deleted=True, actor_id=user.id)
    log_operation(session, user=user, action="delete", now=now, entity=entity.__tablename__,
                  record_id=row.id, details={"grid_id": row.grid_id})
    return row


def export_csv(session: Session, scope: Scope, user: User, entity: type[Base],
               query: RecordFilters, *, now: dt.datetime,
               filters: dict[str, Any]) -> tuple[bytes, int]:
    """The records matching `query` as CSV with Chinese headers (UTF-8 with a BOM, so Excel
    opens it), full values included; the export, its filters and row count are logged."""
    import csv
    import io

    rows, total = list_records(session, scope, entity, query)
    columns = [c for c in entity.__table__.columns if c.key not in ("field_clock", "deleted")]
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow([c.info.get("label", c.key) for c in columns])
    for row in rows:
        writer.writerow([_cell(getattr(row, c.key)) for c in columns])
    log_operation(session, user=user, action="export", now=now, entity=entity.__tablename__,
                  details={"filters": filters, "rows": len(rows), "total": total})
    return out.getvalue().encode("utf-8"), len(rows)


def _cell(value: Any) -> Any:
    """A CSV cell; text that a spreadsheet would run as a formula is quoted with a leading '."""
    if value is None:
        return ""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def reveal_field(session: Session, scope: Scope, user: User, entity: type[Base], record_id: str,
                 field: str, *, now: dt.datetime) -> Any:
    """The clear value of a masked field of a record in scope; the reveal is logged."""
    row = get_record(session, scope, entity, record_id)
    log_operation(session, user=user, action="reveal", now=now, entity=entity.__tablename__,
                  record_id=row.id, details={"field": field})
    return getattr(row, field)


def reveal_id_number(session: Session, scope: Scope, user: User, person_id: str, *,
                     now: dt.datetime) -> str:
    """The full ID number of a person in scope; the reveal is logged."""
    row = get_record(session, scope, Person, person_id)
    log_operation(session, user=user, action="reveal_id_number", now=now, entity="people",
                  record_id=row.id)
    return row.id_number
