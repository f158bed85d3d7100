"""mapmore: population events (births, deaths, moves per month, from the register's history)

Revision ID: 0029_mapmore
Revises: 0026_affairs
Create Date: 2026-12-04 18:20:00
"""
from __future__ import annotations

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0029_mapmore"
down_revision: Union[str, Sequence[str], None] = "0026_affairs"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

COUNTERS = sa.table("counters", sa.column("name", sa.String))


def upgrade() -> None:
    op.create_table(
        "population_events",
        sa.Column("id", sa.String(length=48), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("grid_id", sa.String(length=36), nullable=True),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("person_id", sa.String(length=36), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("record_id", sa.String(length=36), nullable=False),
        sa.Column("rev", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_population_events")),
    )
    op.create_index(op.f("ix_population_events_grid_id"), "population_events", ["grid_id"])
    op.create_index(op.f("ix_population_events_person_id"), "population_events", ["person_id"])
    op.create_index(op.f("ix_population_events_rev"), "population_events", ["rev"])
    # The figures are rebuilt from scratch on the next read, events included.
    op.execute(COUNTERS.delete().where(COUNTERS.c.name == "stats_rev"))


def downgrade() -> None:
    op.drop_table("population_events")
    op.execute(COUNTERS.delete().where(COUNTERS.c.name == "stats_rev"))
