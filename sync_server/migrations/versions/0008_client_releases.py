"""client_releases: desktop client builds published in the web console (contract item 107)

Revision ID: 0008_client_releases
Revises: 0007_people_religion
Create Date: 2026-12-04 12:40:00
"""
from __future__ import annotations

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0008_client_releases"
down_revision: Union[str, Sequence[str], None] = "0007_people_religion"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        "client_releases",
        sa.Column("version", sa.String(length=16), nullable=False),
        sa.Column("min_version", sa.String(length=16), nullable=False),
        sa.Column("notes", sa.String(length=4000), nullable=False),
        sa.Column("filename", sa.String(length=128), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=False),
        sa.Column("published_by", sa.String(length=36), nullable=True),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_client_releases")),
    )
    op.create_index(op.f("ix_client_releases_published_at"), "client_releases",
                    ["published_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_client_releases_published_at"), table_name="client_releases")
    op.drop_table("client_releases")
