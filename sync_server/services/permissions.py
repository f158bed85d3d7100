"""Roles as data and application permissions: what a user may open and do.

A user's permissions are those of the defined role they were given (`user_roles`), else of
their built-in role (`users.role`, a seeded row of `roles`; the declared set in
common/permissions.py when the row is absent). The JSON API (`api/deps.require_permission`,
`/api/auth/me`'s `permissions`) and the web console (menu and page checks) ask `permissions_of`.
Never commits.
"""
from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from common.errors import DomainError, ValidationError, ValidationErrors
from common.permissions import SEEDED_ROLES, is_known
from common.schema import ROLES, DictEntry, User

from ..db.role_tables import Role, UserRole
from .oplog import log_operation

CODE = re.compile(r"^[a-z][a-z0-9_]{1,31}$")


def role_of(session: Session, user: User) -> Role:
    """The role whose permissions the user has."""
    given = session.get(UserRole, user.id) if user.id else None
    if given is not None:
        role = session.get(Role, given.role_code)
        if role is not None:
            return role
    role = session.get(Role, user.role) if user.role else None
    if role is not None:
        return role
    name, perms = SEEDED_ROLES.get(user.role, (user.role, ()))
    return Role(code=user.role, name=name, base_role=user.role, permissions=list(perms),
                seeded=True)


def permissions_of(session: Session, user: User) -> frozenset[str]:
    return frozenset(role_of(session, user).permissions or ())


def require(session: Session, user: User, permission: str) -> None:
    """Refuse (403 forbidden) a user whose role lacks `permission`."""
    if permission not in permissions_of(session, user):
        raise DomainError("forbidden")


def list_roles(session: Session) -> list[Role]:
    """Every role: the built-in ones first (seeded when the table has no row for them)."""
    rows = {r.code: r for r in session.scalars(select(Role)).all()}
    for code, (name, perms) in SEEDED_ROLES.items():
        rows.setdefault(code, Role(code=code, name=name, base_role=code,
                                   permissions=list(perms), seeded=True))
    return sorted(rows.values(), key=lambda r: (not r.seeded, ROLES.index(r.code)
                                                if r.code in ROLES else 0, r.code))


def user_counts(session: Session) -> dict[str, int]:
    """How many users hold each role (a defined role counts its givens, a built-in one the
    users without a defined role)."""
    given = dict(session.execute(select(UserRole.role_code, func.count())
                                 .group_by(UserRole.role_code)).all())
    plain = dict(session.execute(
        select(User.role, func.count()).where(User.deleted.is_(False),
                                              User.id.not_in(select(UserRole.user_id)))
        .group_by(User.role)).all())
    return {**plain, **given}


def tag_options(session: Session) -> list[tuple[str, str]]:
    """The tags a role may be limited to: the active codes of the `tag` dictionary."""
    return [(e.code, e.label) for e in session.scalars(
        select(DictEntry).where(DictEntry.dict_code == "tag", DictEntry.active.is_(True),
                                DictEntry.deleted.is_(False))
        .order_by(DictEntry.sort, DictEntry.code))]


def save_role(session: Session, actor: User, *, code: str, name: str, base_role: str,
              permissions: list[str], now: dt.datetime, read_only: bool = False,
              tags: list[str] | None = None) -> Role:
    """Define a role or change one (county admin only). A built-in role keeps its code and base;
    its permissions may change, it is never read-only nor limited to tags. A role limited to
    `tags` (its users see only the people carrying one of them) is read-only.
    Raises ValidationErrors with the field of each fault."""
    require(session, actor, "web:roles")
    if actor.role != "county_admin":
        raise DomainError("forbidden")
    code, name = (code or "").strip(), (name or "").strip()
    errors: list[ValidationError] = []
    if not CODE.match(code):
        errors.append(ValidationError("role_code_invalid", "code", label="角色代码"))
    if not name:
        errors.append(ValidationError("required", "name", label="角色名称"))
    elif len(name) > 64:
        errors.append(ValidationError("too_long", "name", label="角色名称", max=64,
                                      length=len(name)))
    if base_role not in ROLES:
        errors.append(ValidationError("not_in_dict", "base_role", label="基础角色",
                                      value=base_role))
    unknown = [p for p in permissions if not is_known(p)]
    if unknown:
        errors.append(ValidationError("not_in_dict", "permissions", label="权限",
                                      value="、".join(unknown)))
    tags = sorted(set(tags or ()))
    known_tags = {c for c, _ in tag_options(session)}
    stray = [t for t in tags if t not in known_tags]
    if stray:
        errors.append(ValidationError("not_in_dict", "tags", label="可查看的人员标签",
                                      value="、".join(stray)))
    if code in ROLES and (read_only or tags):
        errors.append(ValidationError("role_builtin_limits", "tags", label="可查看的人员标签"))
    if errors:
        raise ValidationErrors(errors)
    row = session.get(Role, code)
    if row is None:
        if code in ROLES:
            name0, _ = SEEDED_ROLES[code]
            row = Role(code=code, name=name0, base_role=code, seeded=True)
        else:
            row = Role(code=code, seeded=False)
        session.add(row)
    if row.seeded:
        base_role = code
    row.name, row.base_role, row.updated_at = name, base_role, now
    row.permissions = sorted(set(permissions))
    row.tags, row.read_only = tags, bool(read_only or tags)
    session.flush()
    log_operation(session, user=actor, action="update", now=now, entity="roles",
                  record_id=code, details={"permissions": row.permissions,
                                           "base_role": base_role, "read_only": row.read_only,
                                           "tags": tags})
    return row


def give_role(session: Session, user: User, role_code: str) -> str:
    """Give `user` the role `role_code` (a built-in code drops any defined role); answers the
    built-in role the user's synced record must carry. Raises for an unknown role."""
    if role_code in ROLES:
        given = session.get(UserRole, user.id)
        if given is not None:
            session.delete(given)
        return role_code
    role = session.get(Role, role_code)
    if role is None:
        raise ValidationErrors([ValidationError("not_in_dict", "role", label="角色",
                                                value=role_code)])
    given = session.get(UserRole, user.id)
    if given is None:
        session.add(UserRole(user_id=user.id, role_code=role_code))
    else:
        given.role_code = role_code
    return role.base_role


def base_role_of(session: Session, role_code: str) -> str | None:
    """The built-in role behind `role_code` (itself for a built-in one); None if unknown."""
    if role_code in ROLES:
        return role_code
    role = session.get(Role, role_code)
    return role.base_role if role is not None else None
