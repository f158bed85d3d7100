"""Configurable ledgers (台账) and dictionaries: defined in data, editable without code."""
from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import JSON, Boolean, Integer, String
from sqlalchemy.orm import Mapped

from .base import Base, Synced, field

FIELD_TYPES = ("text", "int", "decimal", "date", "bool", "dict")
BINDINGS = ("person", "household", "house")


class LedgerType(Synced, Base):
    """A ledger type (land, livestock, vehicles …): a name, what a row is bound to, and whether
    rows are kept per year. Its fields are `LedgerField` records."""

    __tablename__ = "ledger_types"
    __label__ = "台账类型"

    code: Mapped[str] = field(String(32), label="台账代码", unique=True)
    name: Mapped[str] = field(String(64), label="台账名称")
    binding: Mapped[str] = field(String(16), label="绑定对象", dict_code="ledger_binding")
    per_year: Mapped[bool] = field(Boolean, label="按年度", default=True)
    sort: Mapped[int] = field(Integer, label="排序", default=0)


class LedgerField(Synced, Base):
    __tablename__ = "ledger_fields"
    __label__ = "台账字段"

    ledger_type_id: Mapped[str] = field(String(36), label="台账类型", ref="ledger_types",
                                        index=True)
    code: Mapped[str] = field(String(32), label="字段代码")
    label: Mapped[str] = field(String(64), label="字段名称")
    field_type: Mapped[str] = field(String(16), label="字段类型", dict_code="ledger_field_type")
    unit: Mapped[str | None] = field(String(16), label="单位")
    dict_code: Mapped[str | None] = field(String(32), label="字典")
    required: Mapped[bool] = field(Boolean, label="必填", default=False)
    sort: Mapped[int] = field(Integer, label="排序", default=0)


class LedgerRow(Synced, Base):
    """One ledger row: the bound record, the year, and the values keyed by field code."""

    __tablename__ = "ledger_rows"
    __label__ = "台账记录"

    ledger_type_id: Mapped[str] = field(String(36), label="台账类型", ref="ledger_types",
                                        index=True)
    person_id: Mapped[str | None] = field(String(36), label="人员", ref="people", index=True)
    household_id: Mapped[str | None] = field(String(36), label="户", ref="households",
                                             index=True)
    house_id: Mapped[str | None] = field(String(36), label="房屋", ref="houses", index=True)
    year: Mapped[int | None] = field(Integer, label="年度")
    data: Mapped[dict[str, Any]] = field(JSON, label="数据", default=dict)


class DictEntry(Synced, Base):
    """One entry of a dictionary (民族, 标签, 人口类型 …): `code` is stored, `label` shown."""

    __tablename__ = "dict_entries"
    __label__ = "字典项"

    dict_code: Mapped[str] = field(String(32), label="字典", index=True)
    code: Mapped[str] = field(String(32), label="代码")
    label: Mapped[str] = field(String(64), label="名称")
    parent_code: Mapped[str | None] = field(String(32), label="上级代码")
    sort: Mapped[int] = field(Integer, label="排序", default=0)
    active: Mapped[bool] = field(Boolean, label="启用", default=True)


class FieldGuide(Synced, Base):
    """A form guide (填写说明) and an example (示例) of one field of an entity, written by a county
    admin in the config centre; both clients' forms show them under the field. One record per
    (entity, field), its id `guide_id(entity, field)`; blank text shows nothing."""

    __tablename__ = "field_guides"
    __label__ = "填写说明"

    entity: Mapped[str] = field(String(32), label="表")
    field_key: Mapped[str] = field(String(64), label="字段")
    guide: Mapped[str] = field(String(200), label="填写说明", default="")
    example: Mapped[str] = field(String(100), label="示例", default="")


def guide_id(entity: str, field_key: str) -> str:
    """The stable id of the guide of `entity`.`field_key` (the same on every server)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"yizhangbiao:field_guide:{entity}.{field_key}"))
