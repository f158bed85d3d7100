"""affair_services, affair_applications, affair_steps, affair_files: online affairs (网上办事)
and active reporting (主动上报); the seeded roles learn web:affairs and web:affair_services

Revision ID: 0026_affairs
Revises: 0024_dashboards
Create Date: 2026-12-04 18:11:58.089659
"""
from __future__ import annotations

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

from sync_server.migrations.seeded_roles import grant, revoke

revision: str = "0026_affairs"
down_revision: Union[str, Sequence[str], None] = "0024_dashboards"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# What each built-in role gains (frozen here: a migration does not follow code).
GAINS = {"county_admin": ["web:affairs", "web:affair_services"],
         "township_office": ["web:affairs"], "grid_worker": ["web:affairs"]}


def upgrade() -> None:
    grant(GAINS)
    op.create_table('affair_applications',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('service_id', sa.String(length=36), nullable=True),
    sa.Column('report_type', sa.String(length=20), nullable=True),
    sa.Column('title', sa.String(length=60), nullable=False),
    sa.Column('resident_id', sa.String(length=36), nullable=False),
    sa.Column('applicant', sa.String(length=40), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('details', sa.Text(), nullable=False),
    sa.Column('village_id', sa.String(length=36), nullable=False),
    sa.Column('address', sa.String(length=120), nullable=False),
    sa.Column('grid_id', sa.String(length=36), nullable=False),
    sa.Column('node_id', sa.String(length=36), nullable=False),
    sa.Column('node_path', sa.String(length=400), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('asked', sa.Text(), nullable=True),
    sa.Column('filed_at', sa.DateTime(), nullable=False),
    sa.Column('due_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_affair_applications')),
    sa.UniqueConstraint('number', name=op.f('uq_affair_applications_number'))
    )
    with op.batch_alter_table('affair_applications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_affair_applications_due_at'),
                              ['due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_affair_applications_filed_at'),
                              ['filed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_affair_applications_grid_id'),
                              ['grid_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_affair_applications_kind'),
                              ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_affair_applications_node_path'),
                              ['node_path'], unique=False)
        batch_op.create_index(batch_op.f('ix_affair_applications_resident_id'),
                              ['resident_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_affair_applications_state'),
                              ['state'], unique=False)

    op.create_table('affair_files',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('application_id', sa.String(length=36), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('label', sa.String(length=40), nullable=False),
    sa.Column('mime', sa.String(length=40), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('step_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_affair_files'))
    )
    with op.batch_alter_table('affair_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_affair_files_application_id'),
                              ['application_id'], unique=False)

    op.create_table('affair_services',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('materials', sa.JSON(), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('days', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('sort', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by', sa.String(length=36), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_affair_services')),
    sa.UniqueConstraint('name', name=op.f('uq_affair_services_name'))
    )
    op.create_table('affair_steps',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('application_id', sa.String(length=36), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('from_state', sa.String(length=16), nullable=True),
    sa.Column('to_state', sa.String(length=16), nullable=False),
    sa.Column('actor_id', sa.String(length=36), nullable=True),
    sa.Column('node_id', sa.String(length=36), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_affair_steps'))
    )
    with op.batch_alter_table('affair_steps', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_affair_steps_application_id'),
                              ['application_id'], unique=False)



def downgrade() -> None:
    revoke(GAINS)
    with op.batch_alter_table('affair_steps', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_affair_steps_application_id'))

    op.drop_table('affair_steps')
    op.drop_table('affair_services')
    with op.batch_alter_table('affair_files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_affair_files_application_id'))

    op.drop_table('affair_files')
    with op.batch_alter_table('affair_applications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_affair_applications_state'))
        batch_op.drop_index(batch_op.f('ix_affair_applications_resident_id'))
        batch_op.drop_index(batch_op.f('ix_affair_applications_node_path'))
        batch_op.drop_index(batch_op.f('ix_affair_applications_kind'))
        batch_op.drop_index(batch_op.f('ix_affair_applications_grid_id'))
        batch_op.drop_index(batch_op.f('ix_affair_applications_filed_at'))
        batch_op.drop_index(batch_op.f('ix_affair_applications_due_at'))

    op.drop_table('affair_applications')
