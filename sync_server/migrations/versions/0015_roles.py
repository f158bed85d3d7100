"""roles, user_roles: roles as data, seeded with the three built-in roles and their permissions

Revision ID: 0015_roles
Revises: 0014_hidden_fields
Create Date: 2026-12-04 13:30:00
"""
from __future__ import annotations

import datetime as dt
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0015_roles"
down_revision: Union[str, Sequence[str], None] = "0014_hidden_fields"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# common/permissions.SEEDED_ROLES as of this revision (frozen: a migration does not follow code).
SEEDED = {'county_admin': ('县级管理员',
                  ['web:home',
                   'web:people',
                   'web:grids',
                   'web:registry',
                   'web:sms',
                   'web:releases',
                   'web:qr',
                   'web:work_stats',
                   'web:op_log',
                   'web:config',
                   'web:org',
                   'web:users',
                   'web:roles',
                   'app:home',
                   'app:search',
                   'app:people',
                   'app:households',
                   'app:organisations',
                   'app:places',
                   'app:qr',
                   'app:visits',
                   'app:events',
                   'app:worklog',
                   'app:assistant',
                   'app:ledgers',
                   'app:config',
                   'app:sync']),
 'grid_worker': ('网格员',
                 ['web:home',
                  'web:people',
                  'web:grids',
                  'web:registry',
                  'web:qr',
                  'app:home',
                  'app:search',
                  'app:people',
                  'app:households',
                  'app:organisations',
                  'app:places',
                  'app:qr',
                  'app:visits',
                  'app:events',
                  'app:worklog',
                  'app:assistant',
                  'app:ledgers',
                  'app:sync']),
 'township_office': ('乡镇/社区工作人员',
                     ['web:home',
                      'web:people',
                      'web:grids',
                      'web:registry',
                      'web:sms',
                      'web:qr',
                      'web:work_stats',
                      'web:op_log',
                      'web:org',
                      'web:users',
                      'app:home',
                      'app:search',
                      'app:people',
                      'app:households',
                      'app:organisations',
                      'app:places',
                      'app:qr',
                      'app:visits',
                      'app:events',
                      'app:worklog',
                      'app:assistant',
                      'app:ledgers',
                      'app:sync'])}


def upgrade() -> None:
    roles = op.create_table(
        "roles",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("base_role", sa.String(length=32), nullable=False),
        sa.Column("permissions", sa.JSON(), nullable=False),
        sa.Column("seeded", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_roles")),
    )
    op.create_table(
        "user_roles",
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("role_code", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_user_roles")),
    )
    op.create_index(op.f("ix_user_roles_role_code"), "user_roles", ["role_code"])
    now = dt.datetime(2026, 12, 4, 13, 30)
    op.bulk_insert(roles, [{"code": code, "name": name, "base_role": code, "permissions": perms,
                            "seeded": True, "updated_at": now}
                           for code, (name, perms) in SEEDED.items()])


def downgrade() -> None:
    op.drop_index(op.f("ix_user_roles_role_code"), table_name="user_roles")
    op.drop_table("user_roles")
    op.drop_table("roles")
