"""Form guides (填写说明) and examples (示例), contract item 41: a county admin writes them per
field in the config centre; they are synced reference data (`FieldGuide`, one record per
entity field), so the console's forms and the desktop client's forms show them under the field.
Writes go through services/changes like every synced record, logged; never commits."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from common.errors import DomainError, ValidationError, ValidationErrors
from common.schema import (Base, Building, Employee, Event, FieldGuide, House, Household,
                           Organisation, Park, Person, label_of)
from common.schema.fields import form_fields, specs
from common.schema.ledgers import guide_id

from .changes import apply_change
from .oplog import log_operation

TABLES: dict[str, type[Base]] = {e.__tablename__: e for e in (
    Person, Household, Park, Building, House, Organisation, Employee, Event)}
"""The tables whose forms (console and client) show guides."""
LIMITS = {"guide": 200, "example": 100}
LABELS = {"guide": "填写说明", "example": "示例"}

Guides = dict[tuple[str, str], tuple[str, str]]
"""(table, field) -> (guide, example), only fields with some text."""


def _table(table: str) -> type[Base]:
    entity = TABLES.get(table)
    if entity is None:
        raise DomainError("not_found", entity="field_guides")
    return entity


def fields_of(table: str) -> list[tuple[str, str]]:
    """The fields of a table's forms a guide may be written for: (key, label), form order."""
    entity = _table(table)
    keys = form_fields(entity) or [s.key for s in specs(entity) if not s.derived]
    return [(k, label_of(entity, k)) for k in keys if k != "grid_id"] + [
        ("grid_id", label_of(entity, "grid_id"))]


def guides(session: Session, table: str | None = None) -> Guides:
    """The live guides with some text (of one table, or all)."""
    conds = [FieldGuide.deleted.is_(False)]
    if table is not None:
        conds.append(FieldGuide.entity == table)
    return {(g.entity, g.field_key): (g.guide or "", g.example or "")
            for g in session.scalars(select(FieldGuide).where(*conds))
            if (g.guide or g.example)}


def save_guides(session: Session, actor: Any, table: str,
                values: dict[str, tuple[str, str]], *, now: dt.datetime) -> list[str]:
    """Set the guide and example of the given fields of `table` (county admins only). Every
    wrong field is refused at once (field "<key>.guide"/"<key>.example"), nothing written;
    unchanged fields are left alone. Answers the fields changed (logged)."""
    if actor.role != "county_admin":
        raise DomainError("forbidden")
    known = dict(fields_of(table))
    errors: list[ValidationError] = []
    clean: dict[str, dict[str, str]] = {}
    for key, pair in values.items():
        if key not in known:
            errors.append(ValidationError("unknown_field", key, label=key))
            continue
        clean[key] = {}
        for part, text in zip(("guide", "example"), pair):
            text = " ".join((text or "").split())
            if len(text) > LIMITS[part]:
                errors.append(ValidationError(
                    "too_long", f"{key}.{part}", label=f"{known[key]}的{LABELS[part]}",
                    max=LIMITS[part], length=len(text)))
            clean[key][part] = text
    if errors:
        raise ValidationErrors(errors)
    current = {g.field_key: g for g in session.scalars(
        select(FieldGuide).where(FieldGuide.entity == table))}
    changed = []
    for key, texts in clean.items():
        row = current.get(key)
        if row is None and not any(texts.values()):
            continue
        if row is not None and all((getattr(row, k) or "") == v for k, v in texts.items()):
            continue
        apply_change(session, FieldGuide, guide_id(table, key),
                     {"entity": table, "field_key": key, **texts}, now=now, actor_id=actor.id)
        changed.append(key)
    if changed:
        log_operation(session, user=actor, action="update", now=now, entity="field_guides",
                      details={"table": table, "fields": changed})
    return changed
