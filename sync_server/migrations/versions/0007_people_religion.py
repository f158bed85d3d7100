"""people.religion (宗教信仰): a dictionary field, masked in lists (its entries are seeded with
the other default dictionaries when the database is migrated)

Revision ID: 0007_people_religion
Revises: 0006_accounts
Create Date: 2026-12-04 04:40:00
"""
from __future__ import annotations

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0007_people_religion"
down_revision: Union[str, Sequence[str], None] = "0006_accounts"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("people") as batch:
        batch.add_column(sa.Column("religion", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("people") as batch:
        batch.drop_column("religion")
