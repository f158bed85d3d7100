"""Who is doing the work on this device: the signed-in user as the work services need them."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from common.schema import OrgNode


@dataclass(frozen=True)
class Worker:
    """The acting user: id (for visitor/actor fields), role (what actions are allowed) and the
    org node of their scope (a grid for a grid worker, a township for office staff)."""

    user_id: str
    role: str = "grid_worker"
    scope_node_id: str | None = None


def grids_in_scope(session: Session, scope_node_id: str | None) -> set[str]:
    """Ids of the grids at or below the scope node that this device holds (all held grids when
    the scope is unknown). The device holds only its scope, so this is the scope's grid list."""
    q = select(OrgNode.id).where(OrgNode.level == "grid", OrgNode.deleted.is_(False))
    if scope_node_id:
        q = q.where(or_(OrgNode.id == scope_node_id,
                        OrgNode.path.like(f"%/{scope_node_id}/%")))
    return set(session.scalars(q))


def default_grid(session: Session, worker: Worker) -> str | None:
    """The grid new free-standing records (events with no house) go into."""
    if worker.scope_node_id is None:
        return None
    node = session.get(OrgNode, worker.scope_node_id)
    return worker.scope_node_id if node is None or node.level == "grid" else node.id
