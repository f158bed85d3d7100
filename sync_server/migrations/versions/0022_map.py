"""map: org node boundaries, building and house points, per-node figures

Revision ID: 0022_map
Revises: 0018_workflows
Create Date: 2026-12-04 15:30:00
"""
from __future__ import annotations

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0022_map"
down_revision: Union[str, Sequence[str], None] = "0018_workflows"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


NEW_PERMISSIONS = {"county_admin": ("web:map", "web:map_edit"),
                   "township_office": ("web:map", "web:map_edit"), "grid_worker": ("web:map",)}
"""What the seeded roles learn (common/permissions.SEEDED_ROLES as of this revision)."""
ROLES = sa.table("roles", sa.column("code", sa.String), sa.column("permissions", sa.JSON),
                 sa.column("seeded", sa.Boolean))


def _seeded_permissions(change) -> None:
    conn = op.get_bind()
    for code, perms in NEW_PERMISSIONS.items():
        row = conn.execute(sa.select(ROLES.c.permissions).where(
            ROLES.c.code == code, ROLES.c.seeded.is_(True))).first()
        if row is not None:
            conn.execute(ROLES.update().where(ROLES.c.code == code)
                         .values(permissions=change(list(row[0] or []), perms)))


def upgrade() -> None:
    _seeded_permissions(lambda have, new: have + [p for p in new if p not in have])
    with op.batch_alter_table("org_nodes") as batch:
        batch.add_column(sa.Column("boundary", sa.Text(), nullable=True))
    for table in ("buildings", "houses"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("lat", sa.Float(), nullable=True))
            batch.add_column(sa.Column("lon", sa.Float(), nullable=True))
    op.create_table(
        "node_stats",
        sa.Column("node_id", sa.String(length=36), nullable=False),
        sa.Column("metric", sa.String(length=24), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("rev", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("node_id", "metric", "key", name=op.f("pk_node_stats")),
    )


def downgrade() -> None:
    _seeded_permissions(lambda have, new: [p for p in have if p not in new])
    op.drop_table("node_stats")
    for table in ("houses", "buildings"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("lon")
            batch.drop_column("lat")
    with op.batch_alter_table("org_nodes") as batch:
        batch.drop_column("boundary")
