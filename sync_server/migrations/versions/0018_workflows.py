"""work_requests, work_request_actions, person_moves (workflow engine, issue 13) and
county_settings (the floating-population conversion period)

Revision ID: 0018_workflows
Revises: 0019_imports
Create Date: 2026-12-04 15:10:02.878798
"""
from __future__ import annotations

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op


revision: str = '0018_workflows'
down_revision: Union[str, Sequence[str], None] = '0019_imports'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


NEW_CODES = ("web:workflows", "app:workflows")
"""Permissions of the workflow pages, given to the three seeded roles (as common/permissions.py
does for a fresh database)."""


def _grant_seeded() -> None:
    roles = sa.table("roles", sa.column("code", sa.String), sa.column("permissions", sa.JSON),
                     sa.column("seeded", sa.Boolean))
    conn = op.get_bind()
    for code, perms in conn.execute(sa.select(roles.c.code, roles.c.permissions)
                                    .where(roles.c.seeded.is_(True))).all():
        missing = [c for c in NEW_CODES if c not in (perms or [])]
        if missing:
            conn.execute(roles.update().where(roles.c.code == code)
                         .values(permissions=[*(perms or []), *missing]))


def upgrade() -> None:

    op.create_table('person_moves',
    sa.Column('direction', sa.String(length=8), nullable=False),
    sa.Column('person_id', sa.String(length=36), nullable=False),
    sa.Column('person_name', sa.String(length=64), nullable=True),
    sa.Column('id_number', sa.String(length=18), nullable=True),
    sa.Column('household_id', sa.String(length=36), nullable=True),
    sa.Column('from_node_id', sa.String(length=36), nullable=True),
    sa.Column('to_node_id', sa.String(length=36), nullable=True),
    sa.Column('moved_on', sa.Date(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('request_id', sa.String(length=36), nullable=True),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('grid_id', sa.String(length=36), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('rev', sa.BigInteger(), nullable=False),
    sa.Column('field_clock', sa.JSON(), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_person_moves'))
    )
    with op.batch_alter_table('person_moves', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_person_moves_grid_id'), ['grid_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_person_moves_id_number'), ['id_number'], unique=False)
        batch_op.create_index(batch_op.f('ix_person_moves_moved_on'), ['moved_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_person_moves_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_person_moves_rev'), ['rev'], unique=False)

    op.create_table('work_request_actions',
    sa.Column('request_id', sa.String(length=36), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('from_state', sa.String(length=16), nullable=True),
    sa.Column('to_state', sa.String(length=16), nullable=False),
    sa.Column('actor_id', sa.String(length=36), nullable=True),
    sa.Column('acted_at', sa.DateTime(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('assignee_node_id', sa.String(length=36), nullable=True),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('grid_id', sa.String(length=36), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('rev', sa.BigInteger(), nullable=False),
    sa.Column('field_clock', sa.JSON(), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_work_request_actions'))
    )
    with op.batch_alter_table('work_request_actions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_work_request_actions_assignee_node_id'), ['assignee_node_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_work_request_actions_grid_id'), ['grid_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_work_request_actions_request_id'), ['request_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_work_request_actions_rev'), ['rev'], unique=False)

    op.create_table('work_requests',
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('subject_entity', sa.String(length=32), nullable=False),
    sa.Column('subject_id', sa.String(length=36), nullable=True),
    sa.Column('subject_name', sa.String(length=64), nullable=True),
    sa.Column('id_number', sa.String(length=18), nullable=True),
    sa.Column('from_node_id', sa.String(length=36), nullable=True),
    sa.Column('to_node_id', sa.String(length=36), nullable=True),
    sa.Column('assignee_node_id', sa.String(length=36), nullable=True),
    sa.Column('filed_by', sa.String(length=36), nullable=True),
    sa.Column('filed_at', sa.DateTime(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('decided_by', sa.String(length=36), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('grid_id', sa.String(length=36), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('rev', sa.BigInteger(), nullable=False),
    sa.Column('field_clock', sa.JSON(), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_work_requests'))
    )
    with op.batch_alter_table('work_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_work_requests_assignee_node_id'), ['assignee_node_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_work_requests_filed_by'), ['filed_by'], unique=False)
        batch_op.create_index(batch_op.f('ix_work_requests_grid_id'), ['grid_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_work_requests_rev'), ['rev'], unique=False)
        batch_op.create_index(batch_op.f('ix_work_requests_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_work_requests_subject_id'), ['subject_id'], unique=False)

    op.create_table('county_settings',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('value', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by', sa.String(length=36), nullable=True),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_county_settings'))
    )

    _grant_seeded()


def downgrade() -> None:

    op.drop_table('county_settings')
    with op.batch_alter_table('work_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_work_requests_subject_id'))
        batch_op.drop_index(batch_op.f('ix_work_requests_state'))
        batch_op.drop_index(batch_op.f('ix_work_requests_rev'))
        batch_op.drop_index(batch_op.f('ix_work_requests_grid_id'))
        batch_op.drop_index(batch_op.f('ix_work_requests_filed_by'))
        batch_op.drop_index(batch_op.f('ix_work_requests_assignee_node_id'))

    op.drop_table('work_requests')
    with op.batch_alter_table('work_request_actions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_work_request_actions_rev'))
        batch_op.drop_index(batch_op.f('ix_work_request_actions_request_id'))
        batch_op.drop_index(batch_op.f('ix_work_request_actions_grid_id'))
        batch_op.drop_index(batch_op.f('ix_work_request_actions_assignee_node_id'))

    op.drop_table('work_request_actions')
    with op.batch_alter_table('person_moves', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_person_moves_rev'))
        batch_op.drop_index(batch_op.f('ix_person_moves_person_id'))
        batch_op.drop_index(batch_op.f('ix_person_moves_moved_on'))
        batch_op.drop_index(batch_op.f('ix_person_moves_id_number'))
        batch_op.drop_index(batch_op.f('ix_person_moves_grid_id'))

    op.drop_table('person_moves')
