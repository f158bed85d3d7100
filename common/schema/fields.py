"""What each declared field is for, read back from its column's `info` (see base.field).

Every place that shows, queries or masks a field asks here instead of keeping its own list:

| accessor                  | gives                                            | used by            |
|---------------------------|--------------------------------------------------|--------------------|
| `form_fields(entity)`     | the fields an edit form shows, in order          | desktop dialogs    |
| `list_columns(entity)`    | list and export columns, in order                | lists, exports     |
| `filters(entity)`         | fields a list can be narrowed by (exact value)   | REST list filters  |
| `facet_fields(entity)`    | dictionary conditions of 全息检索                  | search, its index  |
| `text_fields(entity)`     | fields free text is matched against              | search             |
| `assistant_fields(entity)`| what the 一张表 assistant reads and writes        | the assistant      |
| `sensitive_fields(entity)`| field -> masking kind (common/masking.py)        | masking, both sides|
| `defaults(entity)`        | a new record's values for fields it leaves out   | common/rules.py    |

Each takes an entity class of common.schema (`ENTITIES` by table name) and answers from the
declaration, so a web page reads the same columns, filters and form as the desktop. An entity
declaring nothing for a place has no such place yet (an empty list). Pure data; any thread.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from .base import SYNC_COLUMNS, Base


@dataclass(frozen=True)
class FieldSpec:
    """One declared field of one entity and the places it appears in."""

    key: str
    label: str
    dict_code: str | None = None
    sensitive: str | None = None      # a masking kind (common/masking.py), None: shown in clear
    ref: str | None = None
    form: int | None = None           # position in the edit form
    search: str | None = None         # "facet" or "text"
    facet: str | None = None          # the search query's attribute for a facet
    column: int | None = None         # position among list and export columns
    assistant: str | None = None      # the assistant's kind: text, id, phone, date, int, dict
    filter: bool = False              # a list can be narrowed to one exact value of it
    derived: bool = False
    synonyms: tuple[str, ...] = ()
    default: Any = None
    nullable: bool = True


@cache
def specs(entity: type[Base]) -> tuple[FieldSpec, ...]:
    """Every user field of `entity` (not the sync machinery's columns), in declaration order."""
    out = []
    for c in entity.__table__.columns:
        if c.key in SYNC_COLUMNS:
            continue
        i = c.info
        out.append(FieldSpec(
            key=c.key, label=i.get("label", c.key), dict_code=i.get("dict"),
            sensitive=i.get("sensitive"), ref=i.get("ref"), form=i.get("form"),
            search=i.get("search"), facet=i.get("facet"), column=i.get("column"),
            assistant=i.get("assistant"), filter=bool(i.get("filter")), derived=bool(i.get("derived")),
            synonyms=tuple(i.get("synonyms", ())), default=i.get("default"),
            nullable=bool(c.nullable)))
    return tuple(out)


def spec(entity: type[Base], key: str) -> FieldSpec:
    for s in specs(entity):
        if s.key == key:
            return s
    raise KeyError(key)


def form_fields(entity: type[Base]) -> list[str]:
    """The fields an edit form shows, in their declared order."""
    return [s.key for s in sorted((s for s in specs(entity) if s.form), key=lambda s: s.form)]


def list_columns(entity: type[Base]) -> list[str]:
    """The fields a list or an export shows as columns, in their declared order."""
    return [s.key for s in sorted((s for s in specs(entity) if s.column),
                                  key=lambda s: s.column)]


def filters(entity: type[Base]) -> list[str]:
    """The fields a list can be narrowed by, one exact value each (search facets included), in
    declaration order: the REST list's query parameters."""
    return [s.key for s in specs(entity) if s.filter or s.search == "facet"]


def facet_fields(entity: type[Base]) -> list[FieldSpec]:
    """Dictionary fields chosen as search conditions (each names its query attribute)."""
    return [s for s in specs(entity) if s.search == "facet"]


def text_fields(entity: type[Base]) -> list[str]:
    """Fields free text is matched against."""
    return [s.key for s in specs(entity) if s.search == "text"]


def assistant_fields(entity: type[Base]) -> list[FieldSpec]:
    """Fields the 一张表 assistant reads from and writes into sheets."""
    return [s for s in specs(entity) if s.assistant]


@cache
def sensitive_fields(entity: type[Base]) -> dict[str, str]:
    """Personal data to mask in lists and exports: field -> masking kind (do not modify)."""
    return {s.key: s.sensitive for s in specs(entity) if s.sensitive}


def defaults(entity: type[Base]) -> dict[str, Any]:
    """The values a new record gets for fields it leaves out."""
    return {s.key: s.default for s in specs(entity) if s.default is not None}

