"""Admin use cases: accounts within the admin's scope and the operation log (操作明细)."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from common.dictionaries import label as dict_label
from common.errors import DomainError, ValidationError, ValidationErrors
from common.schema import ENTITIES, OrgNode, User

from ..db.snapshot_tables import DeviceHolding
from ..db.sync_tables import SyncDevice
from ..db.tables import OpLog
from . import permissions
from .auth import revoke_user
from .oplog import log_operation
from .passwords import check_strength
from .scope import Scope
from .users import ROLE_LEVELS, create_user, set_password


def list_users(session: Session, scope: Scope, *, limit: int, offset: int,
               q: str | None = None) -> tuple[list[User], int]:
    conds = [scope.condition(User), User.deleted.is_(False)]
    if q:
        conds.append(User.username.contains(q, autoescape=True)
                     | User.display_name.contains(q, autoescape=True))
    total = session.scalar(select(func.count()).select_from(User).where(*conds)) or 0
    rows = session.scalars(select(User).where(*conds).order_by(User.username)
                           .limit(limit).offset(offset)).all()
    return list(rows), total


def add_user(session: Session, scope: Scope, actor: User, *, now: dt.datetime,
             **values: Any) -> User:
    """Create an account inside the actor's scope; a township office creates grid workers only."""
    if not scope.contains_grid(session, values.get("scope_node_id")):
        raise DomainError("out_of_scope", "scope_node_id", label="管辖范围")
    role = values.get("role")
    base = permissions.base_role_of(session, role) if isinstance(role, str) else None
    values["role"] = base or role
    if actor.role != "county_admin" and values["role"] != "grid_worker":
        raise DomainError("forbidden")
    if values.get("password") is not None:
        check_strength(values["password"], user_inputs=[values.get("username", ""),
                                                        values.get("display_name", "")])
    user = create_user(session, now=now, **values)
    if base is not None and role != base:
        permissions.give_role(session, user, role)
    log_operation(session, user=actor, action="create", now=now, entity="users",
                  record_id=user.id, details={"role": user.role, "scope": user.scope_node_id})
    return user


def change_user(session: Session, scope: Scope, actor: User, user_id: str, *,
                now: dt.datetime, active: bool | None = None,
                password: str | None = None, display_name: str | None = None,
                role: str | None = None, scope_node_id: str | None = None) -> User:
    """Enable/disable an account (disabling signs it out everywhere), reset its password,
    rename it, or change its role (a built-in or a defined one) and scope. A new role or scope
    signs the user out everywhere (browsers too) and makes each of their devices compare its
    copy at its next caught-up exchange, so the copy is rebuilt for the new scope (drift.py)."""
    from .changes import apply_change
    user = session.get(User, user_id)
    if user is None or user.deleted or not scope.contains(session, user):
        raise DomainError("not_found", entity="users")
    if user.id == actor.id and (active is False or role is not None
                                or scope_node_id is not None):
        raise DomainError("forbidden")
    before_role = permissions.role_of(session, user).code
    moved = _role_and_scope(session, scope, actor, user, role, scope_node_id)
    if password and user.id == actor.id:  # one's own: with the current password (auth.py)
        raise DomainError("own_password_needs_current", "password", label="密码")
    if password:
        check_strength(password, user_inputs=[user.username, user.display_name])
    values = {k: v for k, v in (("active", active), ("display_name", display_name))
              if v is not None and getattr(user, k) != v}
    values.update(moved)
    if values:
        apply_change(session, User, user.id, values, now=now, actor_id=actor.id)
    if active is False or moved or (role is not None and role != before_role):
        revoke_user(session, user.id, now=now)
    if "scope_node_id" in moved:
        rebuild_devices_of(session, user.id)
    if password:
        set_password(session, user.id, password, now=now)
        revoke_user(session, user.id, now=now)
    if values or password:
        log_operation(session, user=actor, action="update", now=now, entity="users",
                      record_id=user.id,
                      details={"fields": sorted(values) + (["password"] if password else [])})
    return user


def _role_and_scope(session: Session, scope: Scope, actor: User, user: User, role: str | None,
                    scope_node_id: str | None) -> dict[str, Any]:
    """Checks a new role and scope and gives the role; answers the synced fields that change
    (role, scope_node_id and grid_id). Raises ValidationErrors with the field at fault."""
    if role is None and scope_node_id is None:
        return {}
    base = user.role if role is None else permissions.base_role_of(session, role)
    if base is None:
        raise ValidationErrors([ValidationError("not_in_dict", "role", label="角色",
                                                value=role)])
    if actor.role != "county_admin" and base != "grid_worker":
        raise DomainError("forbidden")
    target = scope_node_id or user.scope_node_id
    node = session.get(OrgNode, target)
    if node is None or node.deleted or not scope.contains_path(node.path):
        raise DomainError("out_of_scope", "scope_node_id", label="管辖范围")
    if node.level not in ROLE_LEVELS.get(base, (node.level,)):
        raise ValidationErrors([ValidationError("role_level_mismatch", "scope_node_id",
                                                label="管辖范围", role=base, level=node.level)])
    if role is not None:
        permissions.give_role(session, user, role)
    out: dict[str, Any] = {}
    if base != user.role:
        out["role"] = base
    if target != user.scope_node_id:
        out.update(scope_node_id=target, grid_id=target)
    return out


def rebuild_devices_of(session: Session, user_id: str) -> None:
    """Each device of the user compares its copy with its (new) scope at its next caught-up
    exchange; the mismatch makes it rebuild (services/drift.py, docs/SYNC.md)."""
    devices = select(SyncDevice.id).where(SyncDevice.user_id == user_id)
    for device_id in session.scalars(devices).all():
        holding = session.get(DeviceHolding, device_id)
        if holding is None:
            session.add(DeviceHolding(device_id=device_id, verified_cursor=0, drifts=0))
        else:
            holding.checked_at = None
    session.flush()


# How each holding is counted in the refusal ("123 名人口、45 户、2 个账号").
_MEASURES = {"people": "{n} 名人口", "households": "{n} 户", "houses": "{n} 套房屋",
             "users": "{n} 个账号"}


_HISTORY = frozenset({"work_requests", "work_request_actions", "person_moves"})
"""Records of what happened (requests, their steps, moves): kept with a retired node, never
in its way (the node is only tombstoned, so they still name it)."""


def check_node_empty(session: Session, node: OrgNode) -> None:
    """Refuse (node_not_empty, saying how many of what) to delete an org node that still holds
    synced records or active accounts: deleting it would orphan them, and a worker scoped to it
    would see nothing. Child nodes are checked by the caller (node_has_children)."""
    held: list[str] = []
    first = [n for n in _MEASURES if n != "users"]  # people first, accounts last
    names = first + [n for n in ENTITIES if n not in _MEASURES] + ["users"]
    for name in names:
        entity = ENTITIES[name]
        if entity is OrgNode or name in _HISTORY:
            continue
        conds = [entity.grid_id == node.id, entity.deleted.is_(False)]
        if entity is User:
            conds = [(User.scope_node_id == node.id) | (User.grid_id == node.id),
                     User.deleted.is_(False), User.active.is_(True)]
        n = session.scalar(select(func.count()).select_from(entity).where(*conds)) or 0
        if n:
            held.append(_MEASURES.get(name, "{n} 条{label}").format(
                n=n, label=entity.__label__ or name))
    if held:
        raise DomainError("node_not_empty", level=dict_label("org_level", node.level) or "组织",
                          what="、".join(held), count=len(held))


def list_operations(session: Session, scope: Scope, *, limit: int, offset: int,
                    action: str | None = None, entity: str | None = None,
                    record_id: str | None = None, username: str | None = None,
                    user_q: str | None = None, since: dt.datetime | None = None,
                    until: dt.datetime | None = None,
                    place_id: str | None = None) -> tuple[list[OpLog], int]:
    """The operation log of the users in scope, newest first. `user_q`: part of a user's
    account or name; `since`/`until`: a time range (until excluded); `place_id`: only users
    of that org node and below (a node outside the scope gives nothing)."""
    users = select(User.id).where(scope.condition(User))
    if user_q:
        users = users.where(User.username.contains(user_q, autoescape=True)
                            | User.display_name.contains(user_q, autoescape=True))
    if place_id:
        node = session.get(OrgNode, place_id)
        path = node.path if node is not None and scope.contains_path(node.path) else None
        if path is None:
            return [], 0
        users = users.where(User.scope_node_id.in_(
            select(OrgNode.id).where(OrgNode.path.startswith(path, autoescape=True))))
    conds = [OpLog.user_id.in_(users)]
    for col, value in ((OpLog.action, action), (OpLog.entity, entity),
                       (OpLog.record_id, record_id), (OpLog.username, username)):
        if value:
            conds.append(col == value)
    if since is not None:
        conds.append(OpLog.at >= since)
    if until is not None:
        conds.append(OpLog.at < until)
    total = session.scalar(select(func.count()).select_from(OpLog).where(*conds)) or 0
    rows = session.scalars(select(OpLog).where(*conds).order_by(OpLog.at.desc(), OpLog.id.desc())
                           .limit(limit).offset(offset)).all()
    return list(rows), total


def places(session: Session, scope: Scope) -> list[OrgNode]:
    """The org nodes in scope, in tree order (for a place filter)."""
    return list(session.scalars(select(OrgNode).where(scope.condition(OrgNode),
                                                      OrgNode.deleted.is_(False))
                                .order_by(OrgNode.path)))
