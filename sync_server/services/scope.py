"""A user's scope (their org node and everything below it) as SQL conditions and checks.

Use `Scope.of(session, user)` once per request or sync, then:
- `scope.condition(Entity)` -> a SQL condition "record in scope" for any synced entity, to put in
  a `select(...).where(...)`;
- `scope.contains_grid(grid_id)` -> whether a record belonging to that grid may be read or
  written (check both the stored grid and, on a move, the new one);
- `scope.contains(record)` -> the same for a loaded record.

Rules: a record belongs to the org node in its `grid_id`; it is in scope when that node's `path`
starts with the user's node's path. Org nodes are in scope by their own `path`. Reference data
(dictionaries, ledger types and fields) has `grid_id` NULL and is visible to everyone. Users
(colleagues) are in scope by their `scope_node_id`. An entity declaring `__also_scoped_by__` (a
workflow request) is also in the scope holding the node that column names. A user whose node is missing or deleted has an
empty scope.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, false, or_, select
from sqlalchemy.orm import Session

from common.schema import (Base, Collection, DictEntry, FieldGuide, LedgerField, LedgerType,
                           OrgNode, User)

REFERENCE_ENTITIES: frozenset[type[Base]] = frozenset({DictEntry, LedgerType, LedgerField,
                                                        Collection, FieldGuide})
"""Entities whose rows with grid_id NULL are shared by everyone (dictionaries, ledger types and
fields, form guides; a collection's definition: its tasks carry the scope)."""


@dataclass(frozen=True)
class Scope:
    """What one user may see: the path prefix of their org node (None: nothing at all)."""

    node_id: str | None
    path: str | None

    @classmethod
    def of(cls, session: Session, user: User) -> "Scope":
        node = session.get(OrgNode, user.scope_node_id) if user.scope_node_id else None
        if node is None or node.deleted or not node.path:
            return cls(None, None)
        return cls(node.id, node.path)

    @property
    def empty(self) -> bool:
        return self.path is None

    def _nodes_below(self) -> Any:
        return select(OrgNode.id).where(OrgNode.path.startswith(self.path, autoescape=True))

    def condition(self, entity: type[Base], *, by_grid_index: bool = True) -> ColumnElement[bool]:
        """SQL: "this row of `entity` is in scope". `by_grid_index=False` words it so that the
        database does not look rows up by grid but checks each row it reads: for a page of a
        large result read in the order of another index (services/records.list_records)."""
        if self.empty:
            return false()
        if entity is OrgNode:
            return OrgNode.path.startswith(self.path, autoescape=True)
        if entity is User:
            return User.scope_node_id.in_(self._nodes_below())
        grid = entity.__table__.c.grid_id
        inside = (grid if by_grid_index else grid.op("||")(""))\
            .in_(self._nodes_below())
        if entity in REFERENCE_ENTITIES:
            return or_(grid.is_(None), inside)
        also = getattr(entity, "__also_scoped_by__", None)
        if also:
            # A request is also seen by the level that decides it (common/schema/workflows.py).
            return or_(inside, entity.__table__.c[also].in_(self._nodes_below()))
        return inside

    def contains_grid(self, session: Session, grid_id: str | None) -> bool:
        """Whether a record of a grid-scoped entity in `grid_id` is in scope."""
        if self.empty or grid_id is None:
            return False
        node = session.get(OrgNode, grid_id)
        return node is not None and bool(node.path) and node.path.startswith(self.path)

    def contains_path(self, path: str | None) -> bool:
        return not self.empty and bool(path) and path.startswith(self.path)

    def contains(self, session: Session, record: Base) -> bool:
        """Whether an already loaded record is in scope."""
        if isinstance(record, OrgNode):
            return self.contains_path(record.path)
        if isinstance(record, User):
            return self.contains_grid(session, record.scope_node_id)
        grid_id = getattr(record, "grid_id", None)
        if grid_id is None and type(record) in REFERENCE_ENTITIES:
            return not self.empty
        also = getattr(type(record), "__also_scoped_by__", None)
        if also and self.contains_grid(session, getattr(record, also, None)):
            return True
        return self.contains_grid(session, grid_id)


def scope_condition(session: Session, user: User, entity: type[Base]) -> ColumnElement[bool]:
    """Shortcut: the "in scope" SQL condition for `user` on `entity`."""
    return Scope.of(session, user).condition(entity)


__all__ = ["Scope", "scope_condition", "REFERENCE_ENTITIES"]
