"""map: org node boundaries, building and house points, per-node figures

Revision ID: 0022_map
Revises: 0018_workflows
Create Date: 2026-12-04 15:30:00
"""
from __future__ import annotations

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

from sync_server.migrations.seeded_roles import grant, revoke

revision: str = "0022_map"
down_revision: Union[str, Sequence[str], None] = "0018_workflows"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


NEW_PERMISSIONS = {"county_admin": ("web:map", "web:map_edit"),
                   "township_office": ("web:map", "web:map_edit"), "grid_worker": ("web:map",)}
"""What the seeded roles learn (common/permissions.SEEDED_ROLES as of this revision)."""


def upgrade() -> None:
    grant(NEW_PERMISSIONS)
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
    revoke(NEW_PERMISSIONS)
    op.drop_table("node_stats")
    for table in ("houses", "buildings"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("lon")
            batch.drop_column("lat")
    with op.batch_alter_table("org_nodes") as batch:
        batch.drop_column("boundary")
