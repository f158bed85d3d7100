"""roles.read_only, roles.tags: read-only roles limited to the people carrying some tags

Revision ID: 0017_role_tags
Revises: 0016_field_guides
Create Date: 2026-12-04 15:20:00
"""
from __future__ import annotations

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0017_role_tags"
down_revision: Union[str, Sequence[str], None] = "0016_field_guides"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("roles") as batch:
        batch.add_column(sa.Column("read_only", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
        batch.add_column(sa.Column("tags", sa.JSON(), nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("roles") as batch:
        batch.drop_column("tags")
        batch.drop_column("read_only")
