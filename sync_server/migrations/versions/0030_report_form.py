"""resident_reports.form_id: the 随手拍 form a report was filed from, so a form sent again (its
answer lost on a bad link, a double tap) opens the report already filed instead of a second one

Revision ID: 0030_report_form
Revises: 0025_regfinish
Create Date: 2026-12-04 22:10:00
"""
from __future__ import annotations

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0030_report_form"
down_revision: Union[str, Sequence[str], None] = "0025_regfinish"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("resident_reports") as t:
        t.add_column(sa.Column("form_id", sa.String(36)))
        t.create_index("ix_resident_reports_form", ["resident_id", "form_id"])


def downgrade() -> None:
    with op.batch_alter_table("resident_reports") as t:
        t.drop_index("ix_resident_reports_form")
        t.drop_column("form_id")
