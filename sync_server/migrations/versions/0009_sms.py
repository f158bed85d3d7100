"""sms_templates and sms_messages: SMS templates and send records (contract items 42, 108)

Revision ID: 0009_sms
Revises: 0008_client_releases
Create Date: 2026-12-04 13:00:00
"""
from __future__ import annotations

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0009_sms"
down_revision: Union[str, Sequence[str], None] = "0008_client_releases"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

_MESSAGE_INDEXES = ("at", "batch_id", "phone", "sent_by", "scope_path")


def upgrade() -> None:
    op.create_table(
        "sms_templates",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("body", sa.String(length=500), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=36), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sms_templates")),
        sa.UniqueConstraint("name", name=op.f("uq_sms_templates_name")),
    )
    op.create_table(
        "sms_messages",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                  autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("batch_id", sa.String(length=36), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("template_id", sa.String(length=36), nullable=True),
        sa.Column("person_id", sa.String(length=36), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("body", sa.String(length=600), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("error", sa.String(length=200), nullable=True),
        sa.Column("gateway_id", sa.String(length=64), nullable=True),
        sa.Column("sent_by", sa.String(length=36), nullable=True),
        sa.Column("scope_path", sa.String(length=400), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sms_messages")),
    )
    for col in _MESSAGE_INDEXES:
        op.create_index(op.f(f"ix_sms_messages_{col}"), "sms_messages", [col], unique=False)


def downgrade() -> None:
    for col in _MESSAGE_INDEXES:
        op.drop_index(op.f(f"ix_sms_messages_{col}"), table_name="sms_messages")
    op.drop_table("sms_messages")
    op.drop_table("sms_templates")
