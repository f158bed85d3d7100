"""device revocations, and the device each refresh token was issued to

Revision ID: 0003_device_revocations
Revises: 0002_attachments
Create Date: 2026-11-24 04:10:00
"""
from __future__ import annotations

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0003_device_revocations"
down_revision: Union[str, Sequence[str], None] = "0002_attachments"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "device_revocations",
        sa.Column("device_id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=True),
        sa.Column("revoked_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_by", sa.String(length=36), nullable=True),
        sa.Column("reason", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("device_id", name=op.f("pk_device_revocations")),
    )
    with op.batch_alter_table("device_revocations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_device_revocations_user_id"), ["user_id"],
                              unique=False)
    with op.batch_alter_table("refresh_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("device_id", sa.String(length=36), nullable=True))
        batch_op.create_index(batch_op.f("ix_refresh_tokens_device_id"), ["device_id"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("refresh_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_refresh_tokens_device_id"))
        batch_op.drop_column("device_id")
    with op.batch_alter_table("device_revocations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_device_revocations_user_id"))
    op.drop_table("device_revocations")
