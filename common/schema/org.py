"""The org tree (county → township → village/community → grid) and the users who work in it."""
from __future__ import annotations

from sqlalchemy import Boolean, Integer, String, Text
from sqlalchemy.orm import Mapped

from .base import Base, Synced, field

LEVELS = ("county", "township", "village", "grid")
"""Org levels from the top; a user's scope is one node and everything below it."""


class OrgNode(Synced, Base):
    """A node of the org tree. `path` is the materialised path of ids ("/county/township/.../"),
    so "everything below a node" is a prefix match. A grid's own `grid_id` is its id."""

    __tablename__ = "org_nodes"
    __label__ = "组织"

    parent_id: Mapped[str | None] = field(String(36), label="上级", ref="org_nodes", index=True,
                                                filter=True)
    level: Mapped[str] = field(String(16), label="层级", dict_code="org_level",
                                      filter=True)
    name: Mapped[str] = field(String(64), label="名称")
    code: Mapped[str | None] = field(String(32), label="区划代码")
    path: Mapped[str] = field(String(400), label="路径", index=True)
    kind: Mapped[str | None] = field(String(16), label="类型")  # 村 / 社区 for villages
    sort: Mapped[int] = field(Integer, label="排序", default=0)
    # A GeoJSON Polygon geometry as text (WGS 84 lon/lat), the same on SQLite and PostgreSQL;
    # set for townships, villages/communities and grids (sync_server/services/geo.py checks it).
    boundary: Mapped[str | None] = field(Text, label="边界")


ROLES = ("county_admin", "township_office", "grid_worker")


class User(Synced, Base):
    """A person who signs in. Credentials live on the server only (its private tables);
    this record is what devices may know about colleagues (names for logs, rankings)."""

    __tablename__ = "users"
    __label__ = "用户"

    username: Mapped[str] = field(String(64), label="账号", unique=True, column=1,
                                   search="text")
    display_name: Mapped[str] = field(String(64), label="姓名", column=2,
                                       search="text")
    role: Mapped[str] = field(String(32), label="角色", dict_code="role", column=3,
                                search="facet", facet="role")
    scope_node_id: Mapped[str] = field(String(36), label="管辖范围", ref="org_nodes")
    phone: Mapped[str | None] = field(String(20), label="联系电话", sensitive="phone",
                                          column=4)
    active: Mapped[bool] = field(Boolean, label="启用", default=True, column=5)
