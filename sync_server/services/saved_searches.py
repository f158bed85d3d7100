"""Saved searches of the people list (web console): a township or county user names the list's
current query (its text, declared filters, subtree, tag, birth years: the same query the list
runs, services/records.filters_from) and reuses it, e.g. as a data collection's population
(services/collections.py), always within the scope of whoever runs it. Never commits."""
from __future__ import annotations

import datetime as dt
import uuid
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import select
from sqlalchemy.orm import Session

from common.errors import DomainError, ValidationError, ValidationErrors
from common.schema import Person, User
from common.schema.fields import filters as filter_fields

from ..db.web_tables import SavedSearch
from .oplog import log_operation
from .records import NARROWING, RecordFilters, filters_from
from .scope import Scope

NAME_MAX = 40
MAX_PER_USER = 50
KEYS = (*filter_fields(Person), *NARROWING)
"""The query keys a saved search keeps: the people list's declared filters and narrowing."""


def _clean(filters: dict[str, Any], q: str | None) -> dict[str, Any]:
    return {"q": (q or "").strip()[:64],
            "filters": {k: str(v)[:64] for k, v in filters.items() if k in KEYS and v}}


def save_search(session: Session, scope: Scope, user: User, name: str,
                filters: dict[str, Any], q: str | None, *, now: dt.datetime) -> SavedSearch:
    """Save the list's query under `name` (the user's own search of that name is replaced)."""
    if scope.empty:
        raise DomainError("forbidden")
    name = (name or "").strip()
    if not name:
        raise ValidationErrors([ValidationError("required", "name", label="检索名称")])
    if len(name) > NAME_MAX:
        raise ValidationErrors([ValidationError("too_long", "name", label="检索名称",
                                                max=NAME_MAX, length=len(name))])
    query = _clean(filters, q)
    row = session.scalar(select(SavedSearch).where(SavedSearch.owner_id == user.id,
                                                   SavedSearch.name == name))
    if row is None:
        if len(searches_of(session, user)) >= MAX_PER_USER:
            raise ValidationErrors([ValidationError("saved_search_limit", "name",
                                                    max=MAX_PER_USER)])
        row = SavedSearch(id=str(uuid.uuid4()), owner_id=user.id, name=name, created_at=now)
        session.add(row)
    row.query, row.scope_node_id = query, scope.node_id
    session.flush()
    log_operation(session, user=user, action="create", now=now, entity="saved_searches",
                  record_id=row.id, details={"name": name, **query})
    return row


def searches_of(session: Session, user: User) -> list[SavedSearch]:
    return list(session.scalars(select(SavedSearch).where(SavedSearch.owner_id == user.id)
                                .order_by(SavedSearch.name)))


def get_search(session: Session, user: User, search_id: str) -> SavedSearch:
    """One of the user's own saved searches (another user's is not found)."""
    row = session.get(SavedSearch, search_id) if search_id else None
    if row is None or row.owner_id != user.id:
        raise DomainError("not_found", entity="saved_searches")
    return row


def delete_search(session: Session, user: User, search_id: str, *, now: dt.datetime) -> None:
    row = get_search(session, user, search_id)
    session.delete(row)
    log_operation(session, user=user, action="delete", now=now, entity="saved_searches",
                  record_id=search_id, details={"name": row.name})


def as_filters(query: dict[str, Any]) -> RecordFilters:
    """A saved query (as stored, or as copied into a collection) as the list's query."""
    return filters_from(dict(query.get("filters") or {}), query.get("q") or None)


def link(row: SavedSearch) -> str:
    """The people list showing this search."""
    values = {**(row.query.get("filters") or {}), "q": row.query.get("q") or ""}
    return "/admin/people?" + urlencode({k: v for k, v in values.items() if v})


__all__ = ["save_search", "searches_of", "get_search", "delete_search", "as_filters", "link",
           "SavedSearch", "KEYS"]
