"""the county and township roles learn web:dashboards (统计看板)

Revision ID: 0024_dashboards
Revises: 0023_briefings
Create Date: 2026-12-04 16:50:00
"""
from __future__ import annotations

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0024_dashboards"
down_revision: Union[str, Sequence[str], None] = "0023_briefings"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# What each built-in role gains (frozen here: a migration does not follow code).
GAINS = {"county_admin": ["web:dashboards"], "township_office": ["web:dashboards"]}


def upgrade() -> None:
    roles = sa.table("roles", sa.column("code", sa.String), sa.column("permissions", sa.JSON),
                     sa.column("seeded", sa.Boolean))
    bind = op.get_bind()
    for code, perms in bind.execute(sa.select(roles.c.code, roles.c.permissions)
                                    .where(roles.c.seeded.is_(True))).all():
        gains = [p for p in GAINS.get(code, []) if p not in (perms or [])]
        if gains:
            bind.execute(roles.update().where(roles.c.code == code)
                         .values(permissions=[*(perms or []), *gains]))


def downgrade() -> None:
    roles = sa.table("roles", sa.column("code", sa.String), sa.column("permissions", sa.JSON),
                     sa.column("seeded", sa.Boolean))
    bind = op.get_bind()
    for code, perms in bind.execute(sa.select(roles.c.code, roles.c.permissions)
                                    .where(roles.c.seeded.is_(True))).all():
        if perms and "web:dashboards" in perms:
            bind.execute(roles.update().where(roles.c.code == code)
                         .values(permissions=[p for p in perms if p != "web:dashboards"]))
