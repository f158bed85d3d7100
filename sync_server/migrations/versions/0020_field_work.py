"""household_cadres (包户), collections and collection_tasks (数据采集); the built-in roles learn
the field-work permissions (web:fieldwork, app:collections, app:cadres)

Revision ID: 0020_field_work
Revises: 0015_roles
Create Date: 2026-12-04 15:30:00
"""
from __future__ import annotations

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

from sync_server.migrations.seeded_roles import grant

revision: str = "0020_field_work"
down_revision: Union[str, Sequence[str], None] = "0015_roles"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# What each built-in role gains (frozen here: a migration does not follow code).
GAINS = {"county_admin": ["web:fieldwork", "app:collections", "app:cadres"],
         "township_office": ["web:fieldwork", "app:collections", "app:cadres"],
         "grid_worker": ["app:collections", "app:cadres"]}


def _synced() -> list[sa.Column]:
    return [
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("grid_id", sa.String(length=36), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("rev", sa.BigInteger(), nullable=False),
        sa.Column("field_clock", sa.JSON(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
    ]


def _indexes(table: str, columns: list[str]) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        for column in columns:
            batch_op.create_index(batch_op.f(f"ix_{table}_{column}"), [column], unique=False)


def upgrade() -> None:
    op.create_table(
        "household_cadres",
        sa.Column("household_id", sa.String(length=36), nullable=False),
        sa.Column("cadre_id", sa.String(length=36), nullable=False),
        sa.Column("interval_days", sa.Integer(), nullable=False),
        sa.Column("notes", sa.String(length=200), nullable=True),
        *_synced(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_household_cadres")),
    )
    _indexes("household_cadres", ["cadre_id", "grid_id", "household_id", "rev"])
    op.create_table(
        "collections",
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("filters", sa.JSON(), nullable=False),
        sa.Column("frequency", sa.String(length=16), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("scope_node_id", sa.String(length=36), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        *_synced(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_collections")),
    )
    _indexes("collections", ["grid_id", "rev"])
    op.create_table(
        "collection_tasks",
        sa.Column("collection_id", sa.String(length=36), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column("assignee_id", sa.String(length=36), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("done_at", sa.DateTime(), nullable=True),
        sa.Column("done_by", sa.String(length=36), nullable=True),
        *_synced(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_collection_tasks")),
    )
    _indexes("collection_tasks", ["assignee_id", "collection_id", "grid_id", "person_id",
                                  "rev"])
    grant(GAINS)


def downgrade() -> None:
    op.drop_table("collection_tasks")
    op.drop_table("collections")
    op.drop_table("household_cadres")
