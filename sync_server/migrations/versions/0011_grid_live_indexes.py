"""(grid_id, deleted) indexes on people, households and houses: a list in a scope counts and
pages the live rows of the scope's grids from the index alone (the web console's lists)

Revision ID: 0011_grid_live_indexes
Revises: 0010_web_sessions
Create Date: 2026-12-04 13:20:00
"""
from __future__ import annotations

from typing import Sequence, Union

from alembic import op

revision: str = "0011_grid_live_indexes"
down_revision: Union[str, Sequence[str], None] = "0010_web_sessions"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

TABLES = ("people", "households", "houses")


def upgrade() -> None:
    for table in TABLES:
        op.create_index(f"ix_{table}_grid_live", table, ["grid_id", "deleted"], unique=False)


def downgrade() -> None:
    for table in TABLES:
        op.drop_index(f"ix_{table}_grid_live", table_name=table)
