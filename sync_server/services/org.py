"""The org tree as the console shows it: every live node of a scope with the counts of what its
subtree holds (people, households, houses, active accounts). Creating, renaming and retiring a
node go through services/records (the JSON /api/org-nodes routes' functions); moving a node
(a grid to another village, a village to another township) is `move_node` here, for the org
page, the grid page and POST /api/admin/org-nodes/{id}/move alike."""
from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from common.dictionaries import label as dict_label
from common.errors import ValidationError, ValidationErrors
from common.schema import LEVELS, House, Household, OrgNode, Person, User

from . import records
from .admin import rebuild_devices_of
from .changes import apply_change
from .oplog import log_operation
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


@dataclass(frozen=True)
class Moved:
    node: OrgNode
    nodes: int
    """How many nodes changed path (the node and everything below it)."""
    resynced: int
    """How many accounts' devices rebuild their copy for the changed scope."""


def parents_for(session: Session, scope: Scope, node: OrgNode) -> list[OrgNode]:
    """The live nodes of the scope that `node` may be moved under: one level up, not its own."""
    if node.level not in LEVELS[1:]:
        return []
    level = LEVELS[LEVELS.index(node.level) - 1]
    return [n for n in session.scalars(select(OrgNode).where(
        scope.condition(OrgNode), OrgNode.level == level, OrgNode.deleted.is_(False))
        .order_by(OrgNode.path))]


def move_node(session: Session, scope: Scope, user: User, node_id: str, *, parent_id: str,
              now: dt.datetime, field_name: str = "parent_id",
              label: str = "新的上级") -> Moved:
    """Put a node under another parent of the level above it, both inside the actor's scope.
    The node's and its subtree's paths follow (each a synced change), so the records of its
    grids belong to the new place: a user of the old place no longer sees them, one of the new
    place does. The accounts whose scope gained or lost the subtree (those above the old or
    the new place, not above both) have their devices compare their copy at the next caught-up
    exchange and rebuild it (admin.rebuild_devices_of, services/drift.py). Refused with a
    Chinese message (field `field_name`): the root, a cycle, a parent of the wrong level, a
    name already used under the new parent. Logged as `move`. Never commits."""
    node = records.get_record(session, scope, OrgNode, node_id)
    if node.parent_id is None or node.path == scope.path:
        raise ValidationErrors([ValidationError("node_move_root", field_name)])
    parent = session.get(OrgNode, parent_id) if parent_id else None
    if parent is None or parent.deleted or not scope.contains_path(parent.path):
        raise ValidationErrors([ValidationError("required", field_name, label=label)])
    if parent.path.startswith(node.path):
        raise ValidationErrors([ValidationError("node_move_cycle", field_name,
                                                name=node.name)])
    wanted = LEVELS[LEVELS.index(node.level) - 1]
    if parent.level != wanted:
        raise ValidationErrors([ValidationError(
            "node_move_level", field_name, level=dict_label("org_level", node.level),
            parent_level=dict_label("org_level", wanted), parent=parent.name,
            actual=dict_label("org_level", parent.level))])
    if parent.id == node.parent_id:
        return Moved(node, 0, 0)
    if session.scalar(select(func.count()).select_from(OrgNode).where(
            OrgNode.parent_id == parent.id, OrgNode.name == node.name,
            OrgNode.deleted.is_(False), OrgNode.id != node.id)):
        raise ValidationErrors([ValidationError("node_name_taken", field_name,
                                                parent=parent.name, value=node.name)])
    old_parent = session.get(OrgNode, node.parent_id)
    old_path, new_path = node.path, f"{parent.path}{node.id}/"
    subtree = session.scalars(select(OrgNode).where(
        OrgNode.path.startswith(old_path, autoescape=True))
        .order_by(func.length(OrgNode.path), OrgNode.id)).all()
    for row in subtree:
        values = {"path": new_path + row.path[len(old_path):]}
        if row.id == node.id:
            values["parent_id"] = parent.id
        apply_change(session, OrgNode, row.id, values, now=now, actor_id=user.id)
    changed = _ancestors(old_parent.path if old_parent else "") ^ _ancestors(parent.path)
    accounts = session.scalars(select(User.id).where(
        User.scope_node_id.in_(changed), User.deleted.is_(False))).all() if changed else []
    for account in accounts:
        rebuild_devices_of(session, account)
    log_operation(session, user=user, action="move", now=now, entity="org_nodes",
                  record_id=node.id,
                  details={"from_parent": old_parent.id if old_parent else None,
                           "to_parent": parent.id, "nodes": len(subtree),
                           "resynced_accounts": len(accounts)})
    return Moved(session.get(OrgNode, node.id), len(subtree), len(accounts))


def _ancestors(path: str) -> set[str]:
    """The ids of a path's nodes (the node itself and everything above it)."""
    return {p for p in path.strip("/").split("/") if p}
