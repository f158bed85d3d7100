"""accounts: token generation, sign-in failures for the throttle, captcha challenges

Revision ID: 0006_accounts
Revises: 0005_drift_snapshots
Create Date: 2026-12-04 04:20:00
"""
from __future__ import annotations

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0006_accounts"
down_revision: Union[str, Sequence[str], None] = "0005_drift_snapshots"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("credentials") as batch:
        batch.add_column(sa.Column("token_generation", sa.Integer(), server_default="0",
                                   nullable=False))
    op.create_table(
        "login_failures",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                  autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_failures")),
    )
    for col in ("at", "username", "address"):
        op.create_index(op.f(f"ix_login_failures_{col}"), "login_failures", [col], unique=False)
    op.create_table(
        "captcha_challenges",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("answer_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_captcha_challenges")),
    )
    op.create_index(op.f("ix_captcha_challenges_expires_at"), "captcha_challenges",
                    ["expires_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_captcha_challenges_expires_at"), table_name="captcha_challenges")
    op.drop_table("captcha_challenges")
    for col in ("address", "username", "at"):
        op.drop_index(op.f(f"ix_login_failures_{col}"), table_name="login_failures")
    op.drop_table("login_failures")
    with op.batch_alter_table("credentials") as batch:
        batch.drop_column("token_generation")
