"""User accounts: the synced `users` record plus the server-only credential (Argon2id hash)."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from common.errors import ValidationError, ValidationErrors
from common.schema import ROLES, OrgNode, User

from ..db.tables import Credential
from .changes import apply_change
from .passwords import hash_password

# The org level each role's scope node must have.
ROLE_LEVELS = {"county_admin": ("county",), "township_office": ("township", "village"),
               "grid_worker": ("grid",)}


def create_user(session: Session, *, username: str, password: str | None = None,
                display_name: str, role: str, scope_node_id: str, now: dt.datetime,
                phone: str | None = None, password_hash: str | None = None) -> User:
    """Create a user and their credential in the caller's transaction (never commits).

    Pass `password` (hashed here with Argon2id, ~0.1 s) or a ready `password_hash` from
    `services.passwords.hash_password` (bulk creation of accounts sharing a demo password hashes
    once). The user record is written through the one write path (`apply_change`), so it gets a
    rev and syncs; its `grid_id` is its scope node. Raises ValidationErrors for an unknown role,
    a missing scope node, a role/level mismatch or a taken username.
    """
    username = (username or "").strip()
    errors: list[ValidationError] = []
    if not username:
        errors.append(ValidationError("required", "username", label="账号"))
    elif session.scalar(select(func.count()).select_from(User)
                        .where(User.username == username)):
        errors.append(ValidationError("username_taken", "username", label="账号",
                                      value=username))
    if role not in ROLES:
        errors.append(ValidationError("not_in_dict", "role", label="角色", value=role))
    node = session.get(OrgNode, scope_node_id) if scope_node_id else None
    if node is None or node.deleted:
        errors.append(ValidationError("bad_reference", "scope_node_id", label="管辖范围"))
    elif role in ROLE_LEVELS and node.level not in ROLE_LEVELS[role]:
        errors.append(ValidationError("role_level_mismatch", "scope_node_id", label="管辖范围",
                                      role=role, level=node.level))
    if password_hash is None and not password:
        errors.append(ValidationError("required", "password", label="密码"))
    if errors:
        raise ValidationErrors(errors)
    user = apply_change(session, User, None, {
        "username": username, "display_name": display_name, "role": role,
        "scope_node_id": scope_node_id, "phone": phone, "active": True,
        "grid_id": scope_node_id,
    }, now=now)
    session.add(Credential(user_id=user.id, password_hash=password_hash or hash_password(password),
                           updated_at=now))
    session.flush()
    return user


def set_password(session: Session, user_id: str, password: str, *, now: dt.datetime) -> None:
    cred = session.get(Credential, user_id)
    if cred is None:
        session.add(Credential(user_id=user_id, password_hash=hash_password(password),
                               updated_at=now))
    else:
        cred.password_hash = hash_password(password)
        cred.updated_at = now
        # A new password ends the access tokens issued under the old one (services/auth.py).
        cred.token_generation = (cred.token_generation or 0) + 1
    session.flush()


def get_by_username(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username))
