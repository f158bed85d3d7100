"""hidden_fields: which fields of each table a role does not see (config centre)

Revision ID: 0014_hidden_fields
Revises: 0013_op_log_device_lines
Create Date: 2026-12-04 13:20:00
"""
from __future__ import annotations

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0014_hidden_fields"
down_revision: Union[str, Sequence[str], None] = "0013_op_log_device_lines"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "hidden_fields",
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("entity", sa.String(length=32), nullable=False),
        sa.Column("field", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("role", "entity", "field", name=op.f("pk_hidden_fields")),
    )


def downgrade() -> None:
    op.drop_table("hidden_fields")
