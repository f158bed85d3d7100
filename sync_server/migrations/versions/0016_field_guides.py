"""field_guides: a form guide and an example per entity field (config centre), synced

Revision ID: 0016_field_guides
Revises: 0021_residents
Create Date: 2026-12-04 15:40:00
"""
from __future__ import annotations

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0016_field_guides"
down_revision: Union[str, Sequence[str], None] = "0021_residents"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "field_guides",
        sa.Column("entity", sa.String(length=32), nullable=False),
        sa.Column("field_key", sa.String(length=64), nullable=False),
        sa.Column("guide", sa.String(length=200), nullable=False),
        sa.Column("example", sa.String(length=100), nullable=False),
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("grid_id", sa.String(length=36), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("rev", sa.BigInteger(), nullable=False),
        sa.Column("field_clock", sa.JSON(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_field_guides")),
    )
    with op.batch_alter_table("field_guides", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_field_guides_grid_id"), ["grid_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_field_guides_rev"), ["rev"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("field_guides", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_field_guides_rev"))
        batch_op.drop_index(batch_op.f("ix_field_guides_grid_id"))
    op.drop_table("field_guides")
