"""the report manager finished: reports with group rows, filters, a frequency and places given
them every period; shares for
grids under their township's share, with the computed figures frozen at submission; the grid
worker role learns web:reports (grids fill their share)

Revision ID: 0028_reports
Revises: 0027_h5more
Create Date: 2026-12-04 18:30:00
"""
from __future__ import annotations

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

from sync_server.migrations.seeded_roles import grant, revoke

revision: str = "0028_reports"
down_revision: Union[str, Sequence[str], None] = "0027_h5more"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# What each built-in role gains (frozen here: a migration does not follow code).
GAINS = {"grid_worker": ["web:reports"]}


def upgrade() -> None:
    with op.batch_alter_table("report_defs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("row_group", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("filters", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("frequency", sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column("standing", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("standing_by", sa.String(length=36), nullable=True))
    with op.batch_alter_table("report_submissions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("level", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("parent_id", sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column("frozen", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("submitted_at", sa.DateTime(), nullable=True))
        batch_op.create_index(batch_op.f("ix_report_submissions_parent_id"), ["parent_id"],
                              unique=False)
    grant(GAINS)


def downgrade() -> None:
    revoke(GAINS)
    with op.batch_alter_table("report_submissions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_submissions_parent_id"))
        batch_op.drop_column("submitted_at")
        batch_op.drop_column("frozen")
        batch_op.drop_column("parent_id")
        batch_op.drop_column("level")
    with op.batch_alter_table("report_defs", schema=None) as batch_op:
        batch_op.drop_column("standing_by")
        batch_op.drop_column("standing")
        batch_op.drop_column("frequency")
        batch_op.drop_column("filters")
        batch_op.drop_column("row_group")
