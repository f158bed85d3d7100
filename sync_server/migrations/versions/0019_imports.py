"""import_batches, import_rows: batch import with review; the seeded county and township roles
gain the import page (web:imports)

Revision ID: 0019_imports
Revises: 0017_role_tags
Create Date: 2026-12-04 15:30:00
"""
from __future__ import annotations

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0019_imports"
down_revision: Union[str, Sequence[str], None] = "0017_role_tags"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

PERMISSION = "web:imports"
ROLES = ("county_admin", "township_office")


def upgrade() -> None:
    op.create_table(
        "import_batches",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("sheet", sa.String(length=64), nullable=True),
        sa.Column("uploader_id", sa.String(length=36), nullable=False),
        sa.Column("uploader_name", sa.String(length=64), nullable=False),
        sa.Column("node_id", sa.String(length=36), nullable=False),
        sa.Column("node_path", sa.String(length=400), nullable=False),
        sa.Column("default_grid_id", sa.String(length=36), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("columns", sa.JSON(), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(), nullable=True),
        sa.Column("reviewer_id", sa.String(length=36), nullable=True),
        sa.Column("reviewer_name", sa.String(length=64), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(), nullable=True),
        sa.Column("review_note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_batches")),
    )
    op.create_index(op.f("ix_import_batches_uploader_id"), "import_batches", ["uploader_id"])
    op.create_index(op.f("ix_import_batches_node_path"), "import_batches", ["node_path"])
    op.create_index(op.f("ix_import_batches_state"), "import_batches", ["state"])
    op.create_table(
        "import_rows",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("batch_id", sa.String(length=36), nullable=False),
        sa.Column("row_no", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=True),
        sa.Column("id_number", sa.String(length=32), nullable=True),
        sa.Column("person_id", sa.String(length=36), nullable=True),
        sa.Column("grid_id", sa.String(length=36), nullable=True),
        sa.Column("values", sa.JSON(), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("problems", sa.JSON(), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("applied", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_rows")),
    )
    op.create_index(op.f("ix_import_rows_batch_id"), "import_rows", ["batch_id"])
    _grant(add=True)


def downgrade() -> None:
    _grant(add=False)
    op.drop_index(op.f("ix_import_rows_batch_id"), table_name="import_rows")
    op.drop_table("import_rows")
    op.drop_index(op.f("ix_import_batches_state"), table_name="import_batches")
    op.drop_index(op.f("ix_import_batches_node_path"), table_name="import_batches")
    op.drop_index(op.f("ix_import_batches_uploader_id"), table_name="import_batches")
    op.drop_table("import_batches")


def _grant(*, add: bool) -> None:
    """The seeded county and township roles keep their behaviour plus the import page."""
    roles = sa.table("roles", sa.column("code", sa.String), sa.column("seeded", sa.Boolean),
                     sa.column("permissions", sa.JSON))
    bind = op.get_bind()
    for code, perms in bind.execute(sa.select(roles.c.code, roles.c.permissions)
                                    .where(roles.c.code.in_(ROLES), roles.c.seeded.is_(True))):
        perms = list(perms or [])
        if add and PERMISSION not in perms:
            perms.append(PERMISSION)
        elif not add:
            perms = [p for p in perms if p != PERMISSION]
        bind.execute(roles.update().where(roles.c.code == code).values(permissions=perms))
