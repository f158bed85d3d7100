"""The declarative base and the columns every synced record carries.

Every synced entity is declared once here and feeds the server (SQLite/PostgreSQL), the client
(SQLCipher), the forms, the 一张表 assistant's header matching and the field-level merge. A
column's `info` carries its Chinese label (`label`), its dictionary (`dict`), how it is masked as
personal data (`sensitive`: a masking kind of common/masking.py), what it refers to (`ref`, a
table name), and where it appears (form, search, list/export column, assistant): see fields.py,
which reads this metadata back as `FieldSpec`s for every place that shows or queries a field.

References between synced records are *soft* (no database foreign keys): a device holds only its
scope, so a person may point at a household the device does not hold, and sync batches may arrive
in any order. Services check references; the database does not.
"""
from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, DateTime, MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_id() -> str:
    """A record id made where the record is created (client or server)."""
    return str(uuid.uuid4())


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}

    # Chinese name of the entity, set on each subclass.
    __label__: str = ""


def field(*args: Any, label: str, dict_code: str | None = None, sensitive: str | None = None,
          ref: str | None = None, form: int | None = None, search: str | None = None,
          facet: str | None = None, column: int | None = None, assistant: str | None = None,
          filter: bool = False, derived: bool = False, synonyms: tuple[str, ...] = (),
          default_value: Any = None, **kw: Any) -> Any:
    """A mapped column with its Chinese label and what it is for, in `info`.

    `sensitive`: the masking kind ("id_number", "phone", "hidden"); `form`: its position in the
    entity's edit form; `search`: "facet" (a condition chosen from the dictionary; `facet` names the
    search query's attribute) or "text" (free text matches it); `column`: its position among the
    list and export columns; `filter`: lists can be narrowed to one exact value of it (a REST
    query parameter; search facets are filters too); `assistant`: the kind the 一张表 assistant reads and writes it as
    (`derived`: computed from other fields when missing); `synonyms`: other headers meaning it;
    `default_value`: the value a new record gets when none is given.
    """
    info: dict[str, Any] = {"label": label}
    optional = {"dict": dict_code, "sensitive": sensitive, "ref": ref, "search": search,
                "facet": facet, "column": column, "assistant": assistant,
                "default": default_value, "form": form}
    info.update({k: v for k, v in optional.items() if v is not None})
    if derived:
        info["derived"] = True
    if filter:
        info["filter"] = True
    if synonyms:
        info["synonyms"] = tuple(synonyms)
    return mapped_column(*args, info=info, **kw)


class Synced:
    """Columns every synced record carries from day one.

    - `id`: a UUID made where the record was created;
    - `grid_id`: the grid (org node) the record belongs to: its scope. NULL for reference data
      visible to every user (dictionaries, ledger types);
    - `created_at` / `updated_at`: wall-clock stamps for people to read, never for merging;
    - `rev`: the server's change sequence number of the record's last accepted change (0 on a
      client until the server has acknowledged it); the pull cursor is built on it;
    - `field_clock`: per-field hybrid logical clock stamps, the basis of the field-level merge;
    - `deleted`: a tombstone instead of a hard delete.
    """

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id,
                                    info={"label": "编号"})
    grid_id: Mapped[str | None] = mapped_column(String(36), index=True,
                                                info={"label": "所属网格", "ref": "org_nodes"})
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, info={"label": "创建时间"})
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, info={"label": "更新时间"})
    rev: Mapped[int] = mapped_column(BigInteger, default=0, index=True,
                                     info={"label": "版本"})
    field_clock: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict,
                                                        info={"label": "字段时钟"})
    deleted: Mapped[bool] = mapped_column(Boolean, default=False, info={"label": "已删除"})


SYNC_COLUMNS = frozenset({"id", "created_at", "updated_at", "rev", "field_clock", "deleted"})
"""Columns managed by the sync machinery, not edited as user fields. (`grid_id` is a user field:
changing it moves the record to another grid.)"""
