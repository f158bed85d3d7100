"""the county and township roles learn web:dashboards (统计看板)

Revision ID: 0024_dashboards
Revises: 0023_briefings
Create Date: 2026-12-04 16:50:00
"""
from __future__ import annotations

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

from sync_server.migrations.seeded_roles import grant, revoke

revision: str = "0024_dashboards"
down_revision: Union[str, Sequence[str], None] = "0023_briefings"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# What each built-in role gains (frozen here: a migration does not follow code).
GAINS = {"county_admin": ["web:dashboards"], "township_office": ["web:dashboards"]}


def upgrade() -> None:
    grant(GAINS)


def downgrade() -> None:
    revoke(GAINS)
