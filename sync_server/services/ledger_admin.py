"""Ledger types as data (配置中心/台账): read by everyone signed in, shaped by county admins."""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from common import ledger_types as defaults
from common.errors import DomainError, ValidationError, ValidationErrors
from common.ledger_types import LedgerDef
from common.schema import DictEntry, LedgerField, LedgerType, User
from common.schema.ledgers import BINDINGS, FIELD_TYPES

from .changes import apply_change
from .oplog import log_operation
from .plate_keys import PLATE_KEY_DICT

CODE_RE = re.compile(r"[a-z][a-z0-9_]{1,31}")
LABEL_MAX, UNIT_MAX, DICT_CODE_MAX, SORT_MAX = 64, 16, 32, 1_000_000
# The fixed columns of a ledger sheet: a field labelled like one of them would make the sheet's
# header ambiguous.
RESERVED_LABELS = defaults.SHEET_COLUMNS
TYPE_CHANGEABLE = ("name", "sort", "per_year")
TYPE_FIXED = {"code": "台账代码", "binding": "绑定对象"}
FIELD_CHANGEABLE = ("label", "unit", "required", "sort", "dict_code")
FIELD_FIXED = {"code": "字段代码", "field_type": "字段类型", "ledger_type_id": "台账类型"}


# ---- reading ---------------------------------------------------------------------------------

def list_types(session: Session) -> list[LedgerDef]:
    """Every live ledger type with its live fields, in their order (the defaults are stored when
    the database is migrated: `seed_ledger_types`, called by sync_server/db/migrate.py)."""
    types = session.scalars(select(LedgerType).where(LedgerType.deleted.is_(False))
                            .order_by(LedgerType.sort, LedgerType.code)).all()
    fields = session.scalars(select(LedgerField).where(LedgerField.deleted.is_(False))
                             .order_by(LedgerField.sort, LedgerField.code)).all()
    by_type: dict[str, list[LedgerField]] = {t.id: [] for t in types}
    for f in fields:
        if f.ledger_type_id in by_type:
            by_type[f.ledger_type_id].append(f)
    return [defaults.from_records(t, by_type[t.id]) for t in types]


def seed_ledger_types(session: Session, *, now: dt.datetime) -> int:
    """Store every default ledger type and field that is missing (by its stable id, tombstones
    included, so a type or field an admin retired stays retired). Called at migrate, like the
    dictionaries' seed. Idempotent; never commits. Returns how many records were added."""
    types, fields = defaults.seed_rows()
    have = set(session.scalars(select(LedgerType.id))) | set(session.scalars(
        select(LedgerField.id)))
    added = 0
    for entity, rows in ((LedgerType, types), (LedgerField, fields)):
        for row in rows:
            if row["id"] not in have:
                values = {k: v for k, v in row.items() if k != "id"}
                apply_change(session, entity, row["id"], values, now=now)
                added += 1
    return added


# ---- writing ---------------------------------------------------------------------------------

def create_type(session: Session, actor: User, *, code: str, name: str, binding: str,
                per_year: bool = True, sort: int | None = None,
                fields: list[dict[str, Any]] | None = None, now: dt.datetime) -> LedgerDef:
    """A new ledger type, with its first fields if given: all written or none."""
    _require_admin(actor)
    errors: list[ValidationError] = []
    code = _code(code, "code", "台账代码", errors)
    name = _text(name, "name", "台账名称", LABEL_MAX, errors, required=True)
    _choice(session, binding, "binding", "绑定对象", "ledger_binding", BINDINGS, errors)
    _sort(sort, "sort", "排序", errors)
    specs = [_field_spec(session, f, errors, f"fields.{i}.", f"第 {i + 1} 个字段的")
             for i, f in enumerate(fields or [])]
    if errors:
        raise ValidationErrors(errors)
    _unique_type(session, code, name)
    _unique_fields(specs, [], numbered=True)
    if sort is None:
        sort = (session.scalar(select(func.max(LedgerType.sort))) or 0) + 1
    row = apply_change(session, LedgerType, defaults.ledger_type_id(code), {
        "code": code, "name": name, "binding": binding, "per_year": bool(per_year),
        "sort": sort, "grid_id": None}, now=now, actor_id=actor.id)
    log_operation(session, user=actor, action="create", now=now, entity="ledger_types",
                  record_id=row.id, details={"code": code, "name": name})
    written = [_write_field(session, actor, row, spec, i if spec["sort"] is None
                            else spec["sort"], now) for i, spec in enumerate(specs)]
    return defaults.from_records(row, written)


def change_type(session: Session, actor: User, type_id: str, values: dict[str, Any], *,
                now: dt.datetime) -> LedgerDef:
    """Rename, reorder or switch per-year. The code and the binding never change."""
    _require_admin(actor)
    row = _live(session, LedgerType, type_id)
    _refuse_fixed(row, values, TYPE_FIXED)
    errors: list[ValidationError] = []
    unknown = [k for k in values if k not in TYPE_CHANGEABLE and k not in TYPE_FIXED]
    errors += [ValidationError("unknown_field", k) for k in unknown]
    out: dict[str, Any] = {}
    if "name" in values:
        out["name"] = _text(values["name"], "name", "台账名称", LABEL_MAX, errors,
                            required=True)
    if "sort" in values:
        out["sort"] = _sort(values["sort"], "sort", "排序", errors, required=True)
    if "per_year" in values:
        out["per_year"] = _bool(values["per_year"], "per_year", "按年度", errors)
    if errors:
        raise ValidationErrors(errors)
    if "name" in out and out["name"] != row.name:
        _unique_type(session, None, out["name"])
    out = {k: v for k, v in out.items() if getattr(row, k) != v}
    if out:
        row = apply_change(session, LedgerType, row.id, out, now=now, actor_id=actor.id)
        log_operation(session, user=actor, action="update", now=now, entity="ledger_types",
                      record_id=row.id, details={"fields": sorted(out)})
    return defaults.from_records(row, _live_fields(session, row.id))


def add_field(session: Session, actor: User, type_id: str, spec: dict[str, Any], *,
              now: dt.datetime) -> LedgerField:
    """A new field of a live ledger type; its code is unique within the type, for good."""
    _require_admin(actor)
    ledger = _live(session, LedgerType, type_id)
    errors: list[ValidationError] = []
    clean = _field_spec(session, spec, errors, "", "")
    if errors:
        raise ValidationErrors(errors)
    existing = session.scalars(select(LedgerField).where(
        LedgerField.ledger_type_id == ledger.id)).all()
    _unique_fields([clean], existing)
    sort = clean["sort"]
    if sort is None:
        sort = max((f.sort for f in existing if not f.deleted), default=-1) + 1
    return _write_field(session, actor, ledger, clean, sort, now)


def change_field(session: Session, actor: User, field_id: str, values: dict[str, Any], *,
                 now: dt.datetime) -> LedgerField:
    """Relabel, change the unit, the required flag, the order or the dictionary of a field.
    Its code, type and ledger never change: rows store values by field code."""
    _require_admin(actor)
    row = _live(session, LedgerField, field_id)
    _refuse_fixed(row, values, FIELD_FIXED)
    errors: list[ValidationError] = []
    errors += [ValidationError("unknown_field", k) for k in values
               if k not in FIELD_CHANGEABLE and k not in FIELD_FIXED]
    out: dict[str, Any] = {}
    if "label" in values:
        out["label"] = _label(values["label"], "label", "字段名称", errors)
    if "unit" in values:
        out["unit"] = _text(values["unit"], "unit", "单位", UNIT_MAX, errors) or None
    if "required" in values:
        out["required"] = _bool(values["required"], "required", "必填", errors)
    if "sort" in values:
        out["sort"] = _sort(values["sort"], "sort", "排序", errors, required=True)
    if "dict_code" in values:
        out["dict_code"] = _dict_code(session, row.field_type, values["dict_code"], "dict_code",
                                      "字典", errors)
    if errors:
        raise ValidationErrors(errors)
    if "label" in out and out["label"] != row.label:
        others = session.scalars(select(LedgerField).where(
            LedgerField.ledger_type_id == row.ledger_type_id, LedgerField.id != row.id)).all()
        _unique_fields([{"code": None, "label": out["label"]}], others)
    out = {k: v for k, v in out.items() if getattr(row, k) != v}
    if out:
        row = apply_change(session, LedgerField, row.id, out, now=now, actor_id=actor.id)
        log_operation(session, user=actor, action="update", now=now, entity="ledger_fields",
                      record_id=row.id, details={"fields": sorted(out)})
    return row


def retire_type(session: Session, actor: User, type_id: str, *, now: dt.datetime) -> None:
    """Tombstone a ledger type: devices stop offering it; its rows and fields are kept."""
    _retire(session, actor, LedgerType, type_id, now)


def retire_field(session: Session, actor: User, field_id: str, *, now: dt.datetime) -> None:
    """Tombstone a field: it leaves the sheets; the values rows hold under its code are kept."""
    _retire(session, actor, LedgerField, field_id, now)


def _retire(session: Session, actor: User, entity: type, record_id: str,
            now: dt.datetime) -> None:
    _require_admin(actor)
    row = _live(session, entity, record_id)
    apply_change(session, entity, row.id, {}, deleted=True, now=now, actor_id=actor.id)
    log_operation(session, user=actor, action="delete", now=now, entity=entity.__tablename__,
                  record_id=row.id, details={"code": row.code})


def _write_field(session: Session, actor: User, ledger: LedgerType, spec: dict[str, Any],
                 sort: int, now: dt.datetime) -> LedgerField:
    row = apply_change(session, LedgerField, defaults.ledger_field_id(ledger.code, spec["code"]), {
        "ledger_type_id": ledger.id, "code": spec["code"], "label": spec["label"],
        "field_type": spec["field_type"], "unit": spec["unit"], "dict_code": spec["dict_code"],
        "required": spec["required"], "sort": sort, "grid_id": None}, now=now,
        actor_id=actor.id)
    log_operation(session, user=actor, action="create", now=now, entity="ledger_fields",
                  record_id=row.id, details={"ledger": ledger.code, "code": spec["code"]})
    return row


# ---- checks ----------------------------------------------------------------------------------

def _require_admin(actor: User) -> None:
    # The routes let only county admins through; the check here keeps every other caller honest.
    if actor.role != "county_admin":
        raise DomainError("forbidden")


def _live(session: Session, entity: type, record_id: str) -> Any:
    row = session.get(entity, record_id) if isinstance(record_id, str) else None
    if row is None or row.deleted:
        raise DomainError("not_found", entity=entity.__tablename__)
    return row


def _live_fields(session: Session, type_id: str) -> list[LedgerField]:
    return list(session.scalars(select(LedgerField).where(
        LedgerField.ledger_type_id == type_id, LedgerField.deleted.is_(False))
        .order_by(LedgerField.sort, LedgerField.code)))


def _refuse_fixed(row: Any, values: dict[str, Any], fixed: dict[str, str]) -> None:
    """Sending a fixed attribute with its current value is fine; changing it is refused."""
    changed = [ValidationError("ledger_code_fixed", k, label=label)
               for k, label in fixed.items() if k in values and values[k] != getattr(row, k)]
    if changed:
        raise ValidationErrors(changed)


def _field_spec(session: Session, spec: Any, errors: list[ValidationError], at: str,
                where: str) -> dict[str, Any]:
    """A field's values, checked; problems go to `errors` with the field's path and label."""
    if not isinstance(spec, dict):
        errors.append(ValidationError("field_type", at.rstrip(".") or "fields",
                                      label=f"{where}字段" if where else "字段",
                                      reason="应为对象"))
        return {}
    unknown = [k for k in spec if k not in ("code", "label", "field_type", "unit", "dict_code",
                                            "required", "sort")]
    errors += [ValidationError("unknown_field", at + k) for k in unknown]
    field_type = spec.get("field_type")
    kind_ok = _choice(session, field_type, at + "field_type", f"{where}字段类型",
                      "ledger_field_type", FIELD_TYPES, errors)
    return {
        "code": _code(spec.get("code"), at + "code", f"{where}字段代码", errors),
        "label": _label(spec.get("label"), at + "label", f"{where}字段名称", errors),
        "field_type": field_type,
        "unit": _text(spec.get("unit"), at + "unit", f"{where}单位", UNIT_MAX, errors) or None,
        "dict_code": _dict_code(session, field_type if kind_ok else None, spec.get("dict_code"),
                                at + "dict_code", f"{where}字典", errors),
        "required": _bool(spec.get("required", False), at + "required", f"{where}必填",
                          errors),
        "sort": _sort(spec.get("sort"), at + "sort", f"{where}排序", errors),
    }


def _code(value: Any, name: str, label: str, errors: list[ValidationError]) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        errors.append(ValidationError("required", name, label=label))
        return ""
    if not isinstance(value, str) or not CODE_RE.fullmatch(value):
        errors.append(ValidationError("ledger_code_invalid", name, label=label,
                                      value=_shown(value)))
        return ""
    return value


def _text(value: Any, name: str, label: str, limit: int, errors: list[ValidationError], *,
          required: bool = False) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors.append(ValidationError("field_type", name, label=label, reason="应为文字"))
        return ""
    value = value.strip()
    if required and not value:
        errors.append(ValidationError("required", name, label=label))
    elif len(value) > limit:
        errors.append(ValidationError("too_long", name, label=label, max=limit,
                                      length=len(value)))
    elif any(unicodedata.category(c) in ("Cc", "Cs", "Co", "Cn") for c in value):
        # control characters break sheets, and PostgreSQL refuses NUL outright
        errors.append(ValidationError("ledger_text_invalid", name, label=label))
    return value


def _label(value: Any, name: str, label: str, errors: list[ValidationError]) -> str:
    text = _text(value, name, label, LABEL_MAX, errors, required=True)
    if text in RESERVED_LABELS:
        errors.append(ValidationError("ledger_label_reserved", name, label=label, value=text))
    return text


def _bool(value: Any, name: str, label: str, errors: list[ValidationError]) -> bool:
    if not isinstance(value, bool):
        errors.append(ValidationError("field_type", name, label=label,
                                      reason="应为“是”或“否”"))
        return False
    return value


def _sort(value: Any, name: str, label: str, errors: list[ValidationError], *,
          required: bool = False) -> int | None:
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= SORT_MAX:
        errors.append(ValidationError("ledger_sort_invalid", name, label=label, max=SORT_MAX))
        return None
    return value


def _choice(session: Session, value: Any, name: str, label: str, dict_code: str,
            known: tuple[str, ...], errors: list[ValidationError]) -> bool:
    """`value` must be an active code of the dictionary and one the software can handle."""
    if value is None or value == "":
        errors.append(ValidationError("required", name, label=label))
        return False
    if not isinstance(value, str) or value not in known or not session.scalar(
            select(func.count()).select_from(DictEntry).where(
                DictEntry.dict_code == dict_code, DictEntry.code == value,
                DictEntry.active.is_(True), DictEntry.deleted.is_(False))):
        errors.append(ValidationError("not_in_dict", name, label=label, value=_shown(value)))
        return False
    return True


def _dict_code(session: Session, field_type: str | None, value: Any, name: str, label: str,
               errors: list[ValidationError]) -> str | None:
    if value is None or value == "":
        if field_type == "dict":
            errors.append(ValidationError("ledger_dict_required", name, label=label))
        return None
    if field_type is not None and field_type != "dict":
        errors.append(ValidationError("ledger_dict_not_allowed", name, label=label))
        return None
    if not isinstance(value, str) or len(value) > DICT_CODE_MAX or not value.isprintable():
        errors.append(ValidationError("ledger_dict_unknown", name, label=label,
                                      value=_shown(value)))
        return None
    # the door-plate signing key is stored as a dictionary but is no list of options
    if value == PLATE_KEY_DICT or not session.scalar(select(func.count()).select_from(
            DictEntry).where(DictEntry.dict_code == value, DictEntry.deleted.is_(False),
                             DictEntry.grid_id.is_(None))):
        errors.append(ValidationError("ledger_dict_unknown", name, label=label, value=value))
        return None
    return value


def _unique_type(session: Session, code: str | None, name: str) -> None:
    """Type codes are unique for good (rows point at the type); names among live types (sheets
    and the CLI find a ledger by its name)."""
    if code is not None:
        old = session.scalar(select(LedgerType).where(LedgerType.code == code))
        if old is not None and not old.deleted:
            raise ValidationError("username_taken", "code", label="台账代码", value=code)
        if old is not None:
            raise ValidationError("ledger_code_retired", "code", label="台账代码", value=code,
                                  name=old.name)
    if session.scalar(select(func.count()).select_from(LedgerType).where(
            LedgerType.name == name, LedgerType.deleted.is_(False))):
        raise ValidationError("username_taken", "name", label="台账名称", value=name)


def _unique_fields(specs: list[dict[str, Any]], existing: list[LedgerField], *,
                   numbered: bool = False) -> None:
    """Field codes are unique within their type for good (rows keep values under a retired
    code); labels among the live fields (they are the sheet's column headers)."""
    codes = {f.code: f for f in existing}
    labels = {f.label for f in existing if not f.deleted}
    for i, spec in enumerate(specs):
        at, where = (f"fields.{i}.", f"第 {i + 1} 个字段的") if numbered else ("", "")
        old = codes.get(spec["code"]) if spec["code"] else None
        if old is not None and not old.deleted:
            raise ValidationError("username_taken", at + "code", label=f"{where}字段代码",
                                  value=spec["code"])
        if old is not None:
            raise ValidationError("ledger_code_retired", at + "code", label=f"{where}字段代码",
                                  value=spec["code"], name=old.label)
        if spec["label"] in labels:
            raise ValidationError("username_taken", at + "label", label=f"{where}字段名称",
                                  value=spec["label"])
        if spec["code"]:
            codes[spec["code"]] = LedgerField(code=spec["code"], label=spec["label"],
                                              deleted=False)
        labels.add(spec["label"])


def _shown(value: Any) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= 40 else text[:40] + "…"


__all__ = ["list_types", "seed_ledger_types", "create_type", "change_type",
           "add_field", "change_field", "retire_type", "retire_field"]
