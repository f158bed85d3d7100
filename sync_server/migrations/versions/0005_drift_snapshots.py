"""drift repair and first-sync snapshots: device holdings, scope snapshots

Revision ID: 0005_drift_snapshots
Revises: 0004_sync
Create Date: 2026-11-24 05:00:00
"""
from __future__ import annotations

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0005_drift_snapshots"
down_revision: Union[str, Sequence[str], None] = "0004_sync"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "sync_device_holdings",
        sa.Column("device_id", sa.String(length=36), nullable=False),
        sa.Column("verified_cursor", sa.BigInteger(), nullable=False),
        sa.Column("checked_at", sa.DateTime(), nullable=True),
        sa.Column("drifts", sa.Integer(), nullable=False),
        sa.Column("last_drift", sa.String(length=200), nullable=True),
        sa.Column("last_drift_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("device_id"),
    )
    op.create_table(
        "sync_snapshots",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("scope_path", sa.String(length=400), nullable=False),
        sa.Column("rev", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("batches", sa.Integer(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("wire_bytes", sa.BigInteger(), nullable=False),
        sa.Column("raw_bytes", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("prepare_seconds", sa.Float(), nullable=False),
        sa.Column("error", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_sync_snapshots_scope_path"), "sync_snapshots", ["scope_path"],
                    unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_sync_snapshots_scope_path"), table_name="sync_snapshots")
    op.drop_table("sync_snapshots")
    op.drop_table("sync_device_holdings")
