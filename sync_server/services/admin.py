"""Admin use cases: accounts within the admin's scope and the operation log (操作明细)."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from common.dictionaries import label as dict_label
from common.errors import DomainError
from common.schema import ENTITIES, OrgNode, User

from ..db.tables import OpLog
from .auth import revoke_user
from .oplog import log_operation
from .passwords import check_strength
from .scope import Scope
from .users import create_user, set_password


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
    if actor.role != "county_admin" and values.get("role") != "grid_worker":
        raise DomainError("forbidden")
    if values.get("password") is not None:
        check_strength(values["password"], user_inputs=[values.get("username", ""),
                                                        values.get("display_name", "")])
    user = create_user(session, now=now, **values)
    log_operation(session, user=actor, action="create", now=now, entity="users",
                  record_id=user.id, details={"role": user.role, "scope": user.scope_node_id})
    return user


def change_user(session: Session, scope: Scope, actor: User, user_id: str, *,
                now: dt.datetime, active: bool | None = None,
                password: str | None = None, display_name: str | None = None) -> User:
    """Enable/disable an account (disabling signs it out everywhere), reset its password or
    rename it."""
    from .changes import apply_change
    user = session.get(User, user_id)
    if user is None or user.deleted or not scope.contains(session, user):
        raise DomainError("not_found", entity="users")
    if user.id == actor.id and active is False:
        raise DomainError("forbidden")
    if password and user.id == actor.id:  # one's own: with the current password (auth.py)
        raise DomainError("own_password_needs_current", "password", label="密码")
    if password:
        check_strength(password, user_inputs=[user.username, user.display_name])
    values = {k: v for k, v in (("active", active), ("display_name", display_name))
              if v is not None and getattr(user, k) != v}
    if values:
        apply_change(session, User, user.id, values, now=now, actor_id=actor.id)
    if active is False:
        revoke_user(session, user.id, now=now)
    if password:
        set_password(session, user.id, password, now=now)
        revoke_user(session, user.id, now=now)
    if values or password:
        log_operation(session, user=actor, action="update", now=now, entity="users",
                      record_id=user.id,
                      details={"fields": sorted(values) + (["password"] if password else [])})
    return user


# How each holding is counted in the refusal ("123 名人口、45 户、2 个账号").
_MEASURES = {"people": "{n} 名人口", "households": "{n} 户", "houses": "{n} 套房屋",
             "users": "{n} 个账号"}


def check_node_empty(session: Session, node: OrgNode) -> None:
    """Refuse (node_not_empty, saying how many of what) to delete an org node that still holds
    synced records or active accounts: deleting it would orphan them, and a worker scoped to it
    would see nothing. Child nodes are checked by the caller (node_has_children)."""
    held: list[str] = []
    first = [n for n in _MEASURES if n != "users"]  # people first, accounts last
    names = first + [n for n in ENTITIES if n not in _MEASURES] + ["users"]
    for name in names:
        entity = ENTITIES[name]
        if entity is OrgNode:
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
