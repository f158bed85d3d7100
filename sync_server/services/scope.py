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
workflow request) is also in the scope holding the node that column names. A user whose node is
missing or deleted has an empty scope.

A role may also limit what its users read and write (services/permissions.py, a role's
`read_only` and `tags`): with tags, only the people carrying one of them are in scope (and the
records that name a person by `person_id`: tags, visits, events, ... only when that person is);
a read-only scope refuses every write (`check_write`, called by services/authorize.py and the
record services) and every desktop sync (`check_desktop`: such a role works in the browser).
This is the one place these rules live: every read that asks `condition`/`contains` obeys them.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, false, or_, select
from sqlalchemy.orm import Session

from common.errors import DomainError
from common.schema import (Base, Collection, DictEntry, FieldGuide, LedgerField, LedgerType,
                           OrgNode, Person, PersonTag, User)

REFERENCE_ENTITIES: frozenset[type[Base]] = frozenset({DictEntry, LedgerType, LedgerField,
                                                        Collection, FieldGuide})
"""Entities whose rows with grid_id NULL are shared by everyone (dictionaries, ledger types and
fields, form guides; a collection's definition: its tasks carry the scope)."""


@dataclass(frozen=True)
class Scope:
    """What one user may see: the path prefix of their org node (None: nothing at all), and
    what their role adds: the tags a person must carry to be seen (empty: any person) and
    whether they may write at all."""

    node_id: str | None
    path: str | None
    tags: frozenset[str] = frozenset()
    read_only: bool = False
    role_name: str = ""

    @classmethod
    def of(cls, session: Session, user: User) -> "Scope":
        from .permissions import role_of  # roles are data: the role's limits come with it

        role = role_of(session, user)
        tags = frozenset(role.tags or ())
        limits = {"tags": tags, "read_only": bool(role.read_only) or bool(tags),
                  "role_name": role.name or ""}
        node = session.get(OrgNode, user.scope_node_id) if user.scope_node_id else None
        if node is None or node.deleted or not node.path:
            return cls(None, None, **limits)
        return cls(node.id, node.path, **limits)

    @property
    def empty(self) -> bool:
        return self.path is None

    def check_write(self) -> None:
        """Refuse (403 role_read_only) any write by a read-only role."""
        if self.read_only:
            raise DomainError("role_read_only", role=self.role_name)

    def check_desktop(self) -> None:
        """Refuse (403 role_web_only) a desktop sign-in or sync for a read-only role: its users
        read in the web console, where every read follows the tags."""
        if self.read_only:
            raise DomainError("role_web_only", role=self.role_name)

    def _tagged(self, person_id: Any, row_by_row: bool) -> ColumnElement[bool]:
        tags = sorted(self.tags)
        if not row_by_row:
            # The tagged people first (person_tags.tag_code), then a look-up of each: for a
            # count, half the time of checking every person in scope (100,000 people: 0.8 s
            # against 1.6 s on SQLite).
            return person_id.in_(select(PersonTag.person_id).where(
                PersonTag.tag_code.in_(tags), PersonTag.deleted.is_(False)))
        # Checked for each row read (person_tags.person_id): a page read along the name index
        # stops after its rows (0.3 ms for 13,000 people in scope, against 90 ms with IN).
        tag = PersonTag.__table__.alias("role_tag")
        return exists().where(tag.c.person_id == person_id, tag.c.tag_code.in_(tags),
                              tag.c.deleted.is_(False))

    def person_condition(self, entity: type[Base], *,
                         row_by_row: bool = False) -> ColumnElement[bool] | None:
        """SQL: the role's limit on which people (and records naming one) it reads; None when
        it has none. Part of `condition` (`row_by_row` as its `by_grid_index=False`); alone
        for a count already bounded by grid."""
        if not self.tags:
            return None
        if entity is Person:
            return self._tagged(Person.id, row_by_row)
        column = entity.__table__.c.get("person_id")
        if column is None or column.info.get("ref") != "people":
            return None
        return or_(column.is_(None), self._tagged(column, row_by_row))

    def _person_visible(self, session: Session, record: Base) -> bool:
        if not self.tags:
            return True
        if isinstance(record, Person):
            person_id = record.id
        else:
            column = type(record).__table__.c.get("person_id")
            if column is None or column.info.get("ref") != "people":
                return True
            person_id = getattr(record, "person_id", None)
            if person_id is None:
                return True
        return session.scalar(select(PersonTag.id).where(
            PersonTag.person_id == person_id, PersonTag.tag_code.in_(sorted(self.tags)),
            PersonTag.deleted.is_(False)).limit(1)) is not None

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
            inside = or_(inside, entity.__table__.c[also].in_(self._nodes_below()))
        person = self.person_condition(entity, row_by_row=not by_grid_index)
        return inside if person is None else and_(inside, person)

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
            return self._person_visible(session, record)
        return self.contains_grid(session, grid_id) and self._person_visible(session, record)


def scope_condition(session: Session, user: User, entity: type[Base]) -> ColumnElement[bool]:
    """Shortcut: the "in scope" SQL condition for `user` on `entity`."""
    return Scope.of(session, user).condition(entity)


__all__ = ["Scope", "scope_condition", "REFERENCE_ENTITIES"]
