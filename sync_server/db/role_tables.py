"""Server-only tables of roles as data (services/permissions.py): a role is a named set of
permission codes (common/permissions.py); a user may be given a defined role on top of the
built-in one their synced record carries."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from .tables import ServerBase


class Role(ServerBase):
    """A named set of permissions. The three built-in roles are seeded (`seeded`); a defined
    role names the built-in role (`base_role`) whose scope level and write rules its users keep;
    it may be read-only and limited to the people carrying some tags (e.g. 民政专干: 低保, 残疾)."""

    __tablename__ = "roles"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    base_role: Mapped[str] = mapped_column(String(32))
    permissions: Mapped[list[str]] = mapped_column(JSON, default=list)
    seeded: Mapped[bool] = mapped_column(Boolean, default=False)
    read_only: Mapped[bool] = mapped_column(Boolean, default=False)
    """Its users read and never write (every write path refuses them; no desktop sync)."""
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    """Tag codes (dictionary `tag`): when any, its users see only the people carrying one of
    them (services/scope.py); such a role is read-only."""
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)


class UserRole(ServerBase):
    """A defined role given to a user: their permissions are the role's instead of their
    built-in role's."""

    __tablename__ = "user_roles"

    user_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    role_code: Mapped[str] = mapped_column(String(32), index=True)
