"""The org tree as the console shows it: every live node of a scope with the counts of what its
subtree holds (people, households, houses, active accounts). Creating, renaming and retiring a
node go through services/records (the JSON /api/org-nodes routes' functions)."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from common.schema import House, Household, OrgNode, Person, User

from .scope import Scope

COUNTED = (("people", Person), ("households", Household), ("houses", House))


@dataclass
class TreeNode:
    node: OrgNode
    depth: int
    counts: Counter[str] = field(default_factory=Counter)


def tree(session: Session, scope: Scope) -> list[TreeNode]:
    """The scope's live nodes in tree order, each with its subtree's counts."""
    if scope.empty:
        return []
    nodes = session.scalars(select(OrgNode).where(
        OrgNode.path.startswith(scope.path, autoescape=True), OrgNode.deleted.is_(False))
        .order_by(OrgNode.path)).all()
    top = scope.path.count("/")
    out = [TreeNode(n, n.path.count("/") - top) for n in nodes]
    by_id = {t.node.id: t for t in out}
    ids = list(by_id)
    for name, entity in COUNTED:
        for grid_id, n in session.execute(
                select(entity.grid_id, func.count()).where(
                    entity.grid_id.in_(ids), entity.deleted.is_(False))
                .group_by(entity.grid_id)).all():
            _add(by_id, by_id[grid_id].node.path, name, n)
    for node_id, n in session.execute(
            select(User.scope_node_id, func.count()).where(
                User.scope_node_id.in_(ids), User.deleted.is_(False), User.active.is_(True))
            .group_by(User.scope_node_id)).all():
        _add(by_id, by_id[node_id].node.path, "users", n)
    return out


def _add(by_id: dict[str, TreeNode], path: str, name: str, n: int) -> None:
    for node_id in path.strip("/").split("/"):
        if node_id in by_id:
            by_id[node_id].counts[name] += n
