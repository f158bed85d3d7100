"""The console's list machinery, one for every entity: `ListSpec.of(entity)` reads the columns,
facets, free-text fields and masking from the schema's declaration (common/schema/fields.py);
`ListQuery.parse` reads paging, sort and filters from the query string; `load` asks
services/records.list_records (the JSON records route's query and scope condition) for a page."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from sqlalchemy.orm import Session

from common.masking import mask
from common.schema import Base
from common.schema.fields import FieldSpec, facet_fields, list_columns, sensitive_fields, spec
from common.schema.fields import filters as filter_fields

from ..services.dictionary_admin import list_entries
from ..services.records import NARROWING, RecordFilters, filters_from, list_records
from ..services.scope import Scope

PAGE_SIZES = (20, 50, 100)


@dataclass(frozen=True)
class ListSpec:
    """What a list of `entity` shows: columns (in declared order), facets and masking."""

    entity: type[Base]
    columns: tuple[FieldSpec, ...]
    facets: tuple[FieldSpec, ...]
    masked: dict[str, str]

    @property
    def sortable(self) -> set[str]:
        """Columns a list sorts by: not masked ones, since the order of rows sorted by an ID
        number or phone would tell what the masked digits are."""
        return {c.key for c in self.columns if c.key not in self.masked}

    @classmethod
    def of(cls, entity: type[Base]) -> "ListSpec":
        return cls(entity, tuple(spec(entity, k) for k in list_columns(entity)),
                   tuple(f for f in facet_fields(entity) if f.dict_code),
                   dict(sensitive_fields(entity)))

    def without(self, hidden: frozenset[str]) -> "ListSpec":
        """This list for a role that does not see `hidden` (config centre)."""
        if not hidden:
            return self
        return ListSpec(self.entity, tuple(c for c in self.columns if c.key not in hidden),
                        tuple(f for f in self.facets if f.key not in hidden),
                        {k: v for k, v in self.masked.items() if k not in hidden})


@dataclass(frozen=True)
class ListQuery:
    """A list's state as the query string carries it: q, one value per facet, sort, page."""

    q: str = ""
    filters: dict[str, str] = field(default_factory=dict)
    sort: str | None = None
    descending: bool = False
    page: int = 1
    size: int = 20

    @classmethod
    def parse(cls, spec_: ListSpec, params: Any) -> "ListQuery":
        keys = spec_.sortable
        sort = params.get("sort") or None
        page, size = page_and_size(params)
        wanted = [f.key for f in spec_.facets] + filter_fields(spec_.entity) + list(NARROWING)
        return cls(q=(params.get("q") or "").strip()[:64],
                   filters={k: str(params[k])[:64] for k in wanted if params.get(k)},
                   sort=sort if sort in keys else None, descending=params.get("dir") == "desc",
                   page=page, size=size)

    def filters_of(self, *, limit: int | None = None, offset: int | None = None
                   ) -> RecordFilters:
        return filters_from(self.filters, self.q, sort=self.sort, descending=self.descending,
                            limit=self.size if limit is None else limit,
                            offset=(self.page - 1) * self.size if offset is None else offset)

    def link(self, **changes: Any) -> str:
        """This list's query string with `changes` (e.g. another page or sort)."""
        state = {"q": self.q, **self.filters, "sort": self.sort or "",
                 "dir": "desc" if self.descending else "", "page": self.page,
                 "size": self.size}
        state.update(changes)
        return "?" + urlencode({k: v for k, v in state.items() if v not in ("", None)})


def page_and_size(params: Any) -> tuple[int, int]:
    """The pager's page (1 and up) and page size (one of PAGE_SIZES, else 20) from a query
    string; a value that is no number reads as the default."""
    try:
        page = max(1, int(params.get("page") or 1))
    except ValueError:
        page = 1
    try:
        size = int(params.get("size") or 20)
    except ValueError:
        size = 20
    return page, size if size in PAGE_SIZES else 20


@dataclass(frozen=True)
class ListPage:
    rows: list[dict[str, Any]]
    total: int
    query: ListQuery

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.query.size))


def choices(session: Session, spec_: ListSpec) -> dict[str, list[tuple[str, str]]]:
    """Each facet's dictionary entries (code, label) for its select, and for cell labels."""
    return {f.key: [(e.code, e.label) for e in list_entries(session, f.dict_code)]
            for f in spec_.facets if f.dict_code} | {
        c.key: [(e.code, e.label) for e in list_entries(session, c.dict_code)]
        for c in spec_.columns if c.dict_code}


def cells(spec_: ListSpec, record: Base, labels: dict[str, dict[str, str]]) -> dict[str, Any]:
    """A record's shown cells: masked as declared, dictionary codes as their labels."""
    out: dict[str, Any] = {"id": record.id}
    for c in spec_.columns:
        value = getattr(record, c.key)
        if c.key in labels and value is not None:
            value = labels[c.key].get(value, value)
        out[c.key] = mask(spec_.masked.get(c.key), value)
    return out


def load(session: Session, scope: Scope, spec_: ListSpec, query: ListQuery,
         labels: dict[str, dict[str, str]]) -> ListPage:
    rows, total = list_records(session, scope, spec_.entity, query.filters_of())
    return ListPage([cells(spec_, r, labels) for r in rows], total, query)
