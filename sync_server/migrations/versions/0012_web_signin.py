"""sms_login_codes and qr_logins: SMS-code and QR-scan sign-in of the web console

Revision ID: 0012_web_signin
Revises: 0011_grid_live_indexes
Create Date: 2026-12-04 13:30:00
"""
from __future__ import annotations

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0012_web_signin"
down_revision: Union[str, Sequence[str], None] = "0011_grid_live_indexes"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "sms_login_codes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=True),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("used", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sms_login_codes")),
    )
    op.create_index(op.f("ix_sms_login_codes_phone"), "sms_login_codes", ["phone"])
    op.create_index(op.f("ix_sms_login_codes_address"), "sms_login_codes", ["address"])
    op.create_table(
        "qr_logins",
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("waiter_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("approved_by", sa.String(length=36), nullable=True),
        sa.PrimaryKeyConstraint("code_hash", name=op.f("pk_qr_logins")),
        sa.UniqueConstraint("waiter_hash", name=op.f("uq_qr_logins_waiter_hash")),
    )


def downgrade() -> None:
    op.drop_table("qr_logins")
    op.drop_index(op.f("ix_sms_login_codes_address"), table_name="sms_login_codes")
    op.drop_index(op.f("ix_sms_login_codes_phone"), table_name="sms_login_codes")
    op.drop_table("sms_login_codes")
