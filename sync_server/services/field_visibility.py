"""Which fields of each table each role sees (config centre): stored as data (`HiddenField`
rows: a role does not see that field), applied by the console's lists, forms and exports and by
the JSON API's record answers. The first column of a table names its records and always shows.
The desktop client hides the same fields: the server tells it (/api/auth/me and every sign-in
or token answer, `hidden_fields`) and it keeps the last set in its profile for offline use."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from common.dictionaries import DEFAULTS
from common.errors import DomainError, ValidationError, ValidationErrors
from common.schema import ENTITIES, Building, House, Household, Organisation, Person, User
from common.schema.fields import list_columns, spec

from ..db.tables import HiddenField
from .oplog import log_operation

TABLES = {e.__tablename__: e for e in (Person, Household, House, Building, Organisation)}
"""The tables whose field visibility is configurable (those with console and API lists)."""
ROLES = dict(DEFAULTS["role"])


def hidden_fields(session: Session, role: str, entity: str) -> frozenset[str]:
    """The fields of `entity` the role does not see."""
    return frozenset(session.scalars(select(HiddenField.field).where(
        HiddenField.role == role, HiddenField.entity == entity)))


def hidden_for(session: Session, role: str) -> dict[str, list[str]]:
    """Every table's hidden fields for `role` (tables with none left out): what /api/auth/me
    and the sign-in answer tell the desktop client, which hides the same fields."""
    out: dict[str, list[str]] = {}
    for entity, key in session.execute(select(HiddenField.entity, HiddenField.field).where(
            HiddenField.role == role).order_by(HiddenField.entity, HiddenField.field)):
        out.setdefault(entity, []).append(key)
    return out


def visibility(session: Session, entity: str) -> dict[str, frozenset[str]]:
    """Per role, its hidden fields of `entity`."""
    _table(entity)
    return {role: hidden_fields(session, role, entity) for role in ROLES}


def fields_of(entity: str) -> list[tuple[str, str]]:
    """The configurable fields of a table (its list columns): (key, label)."""
    model = _table(entity)
    return [(k, spec(model, k).label) for k in list_columns(model)]


def set_hidden(session: Session, actor: User, entity: str, hidden: dict[str, set[str]], *,
               now: dt.datetime) -> None:
    """Replace the hidden fields of `entity` for each role in `hidden` (county admins only;
    logged). The table's first column cannot be hidden; unknown roles or fields are refused."""
    if actor.role != "county_admin":
        raise DomainError("forbidden")
    fields = dict(fields_of(entity))
    first = next(iter(fields))
    errors: list[ValidationError] = []
    for role, keys in hidden.items():
        if role not in ROLES:
            errors.append(ValidationError("visibility_unknown", role, value=role))
            continue
        for key in sorted(keys):
            if key not in fields:
                errors.append(ValidationError("visibility_unknown", f"{role}.{key}", value=key))
            elif key == first:
                errors.append(ValidationError("visibility_locked", f"{role}.{key}",
                                              label=fields[key]))
    if errors:
        raise ValidationErrors(errors)
    changed: dict[str, list[str]] = {}
    for role, keys in hidden.items():
        before = hidden_fields(session, role, entity)
        if before == frozenset(keys):
            continue
        session.execute(delete(HiddenField).where(HiddenField.role == role,
                                                  HiddenField.entity == entity))
        session.add_all(HiddenField(role=role, entity=entity, field=k) for k in sorted(keys))
        changed[role] = sorted(keys)
    if changed:
        log_operation(session, user=actor, action="update", now=now, entity="hidden_fields",
                      details={"table": entity, "hidden": changed})


def _table(entity: str):  # noqa: ANN202 - a mapped class
    if entity not in TABLES or entity not in ENTITIES:
        raise DomainError("not_found", entity="tables")
    return TABLES[entity]
