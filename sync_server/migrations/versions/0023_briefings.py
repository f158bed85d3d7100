"""briefings (接诉即办 weekly and monthly briefings), report_defs and report_submissions (the
report manager); the county and township roles learn web:briefings and web:reports

Revision ID: 0023_briefings
Revises: 0022_map
Create Date: 2026-12-04 16:20:00
"""
from __future__ import annotations

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

from sync_server.migrations.seeded_roles import grant

revision: str = "0023_briefings"
down_revision: Union[str, Sequence[str], None] = "0022_map"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# What each built-in role gains (frozen here: a migration does not follow code).
GAINS = {"county_admin": ["web:briefings", "web:reports"],
         "township_office": ["web:briefings", "web:reports"]}


def upgrade() -> None:
    op.create_table(
        "briefings",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("node_id", sa.String(length=36), nullable=False),
        sa.Column("node_path", sa.String(length=400), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("generated_at", sa.DateTime(), nullable=False),
        sa.Column("generated_by", sa.String(length=36), nullable=True),
        sa.Column("pushed_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_briefings")),
        sa.UniqueConstraint("node_id", "kind", "period_start",
                            name=op.f("uq_briefings_node_id")),
    )
    with op.batch_alter_table("briefings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_briefings_node_id"), ["node_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_briefings_node_path"), ["node_path"], unique=False)
    op.create_table(
        "report_defs",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("row_level", sa.String(length=16), nullable=False),
        sa.Column("columns", sa.JSON(), nullable=False),
        sa.Column("node_id", sa.String(length=36), nullable=False),
        sa.Column("node_path", sa.String(length=400), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_defs")),
    )
    with op.batch_alter_table("report_defs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_report_defs_node_path"), ["node_path"], unique=False)
    op.create_table(
        "report_submissions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("report_id", sa.String(length=36), nullable=False),
        sa.Column("node_id", sa.String(length=36), nullable=False),
        sa.Column("node_path", sa.String(length=400), nullable=False),
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("values", sa.JSON(), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=36), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_submissions")),
        sa.UniqueConstraint("report_id", "node_id", "period",
                            name=op.f("uq_report_submissions_report_id")),
    )
    with op.batch_alter_table("report_submissions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_report_submissions_node_path"), ["node_path"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_report_submissions_report_id"), ["report_id"],
                              unique=False)
    grant(GAINS)


def downgrade() -> None:
    op.drop_table("report_submissions")
    op.drop_table("report_defs")
    op.drop_table("briefings")
