"""resident_uploads (resumable 随手拍 photo uploads); volunteers among resident accounts and the
volunteer who claimed a wish

Revision ID: 0027_h5more
Revises: 0029_mapmore
Create Date: 2026-12-04 18:30:00
"""
from __future__ import annotations

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0027_h5more"
down_revision: Union[str, Sequence[str], None] = "0029_mapmore"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "resident_uploads",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("resident_id", sa.String(36), nullable=False, index=True),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False, index=True),
        sa.Column("event_id", sa.String(36)))
    with op.batch_alter_table("residents") as t:
        t.add_column(sa.Column("volunteer_name", sa.String(20)))
        t.add_column(sa.Column("volunteer_node_id", sa.String(36)))
        t.add_column(sa.Column("volunteer_path", sa.String(400)))
        t.add_column(sa.Column("volunteer_since", sa.DateTime))
    with op.batch_alter_table("wishes") as t:
        t.add_column(sa.Column("volunteer_id", sa.String(36)))


def downgrade() -> None:
    with op.batch_alter_table("wishes") as t:
        t.drop_column("volunteer_id")
    with op.batch_alter_table("residents") as t:
        for name in ("volunteer_since", "volunteer_path", "volunteer_node_id", "volunteer_name"):
            t.drop_column(name)
    op.drop_table("resident_uploads")
