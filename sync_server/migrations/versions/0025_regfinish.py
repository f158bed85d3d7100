"""saved searches of the people list (a collection's population may be one)

Revision ID: 0025_regfinish
Revises: 0028_reports
Create Date: 2026-12-04 18:40:00
"""
from __future__ import annotations

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0025_regfinish"
down_revision: Union[str, Sequence[str], None] = "0028_reports"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "saved_searches",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("owner_id", sa.String(36), nullable=False),
        sa.Column("scope_node_id", sa.String(36), nullable=True),
        sa.Column("name", sa.String(40), nullable=False),
        sa.Column("query", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("owner_id", "name", name="uq_saved_searches_owner_name"),
    )
    op.create_index("ix_saved_searches_owner_id", "saved_searches", ["owner_id"])


def downgrade() -> None:
    op.drop_index("ix_saved_searches_owner_id", table_name="saved_searches")
    op.drop_table("saved_searches")
