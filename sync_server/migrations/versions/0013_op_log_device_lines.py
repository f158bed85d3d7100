"""op_log: lines from the desktop clients' local logs (device and its line number)

Revision ID: 0013_op_log_device_lines
Revises: 0012_web_signin
Create Date: 2026-12-04 13:15:00
"""
from __future__ import annotations

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0013_op_log_device_lines"
down_revision: Union[str, Sequence[str], None] = "0012_web_signin"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("op_log") as batch:
        batch.add_column(sa.Column("device_id", sa.String(length=36), nullable=True))
        batch.add_column(sa.Column("device_seq", sa.BigInteger(), nullable=True))
        batch.create_unique_constraint(op.f("uq_op_log_device_id"),
                                       ["device_id", "device_seq"])


def downgrade() -> None:
    with op.batch_alter_table("op_log") as batch:
        batch.drop_constraint(op.f("uq_op_log_device_id"), type_="unique")
        batch.drop_column("device_seq")
        batch.drop_column("device_id")
