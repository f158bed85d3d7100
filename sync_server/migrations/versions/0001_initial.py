"""initial schema: shared entities and server identity tables

Revision ID: 0001_initial
Revises: 
Create Date: 2026-11-24 03:45:07.585145
"""
from __future__ import annotations

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op


revision: str = '0001_initial'
down_revision: Union[str, Sequence[str], None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:

    op.create_table('building_units',
    sa.Column('building_id', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('grid_id', sa.String(length=36), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('rev', sa.BigInteger(), nullable=False),
    sa.Column('field_clock', sa.JSON(), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_building_units'))
    )
    with op.batch_alter_table('building_units', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_building_units_building_id'), ['building_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_building_units_grid_id'), ['grid_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_building_units_rev'), ['rev'], unique=False)

    op.create_table('buildings',
    sa.Column('park_id', sa.String(length=36), nullable=True),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('building_type', sa.String(length=16), nullable=False),
    sa.Column('use', sa.String(length=16), nullable=False),
    sa.Column('floors_above', sa.Integer(), nullable=True),
    sa.Column('address', sa.String(length=200), nullable=True),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('grid_id', sa.String(length=36), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('rev', sa.BigInteger(), nullable=False),
    sa.Column('field_clock', sa.JSON(), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_buildings'))
    )
    with op.batch_alter_table('buildings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_buildings_grid_id'), ['grid_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_buildings_park_id'), ['park_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_buildings_rev'), ['rev'], unique=False)

    op.create_table('dict_entries',
    sa.Column('dict_code', sa.String(length=32), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('label', sa.String(length=64), nullable=False),
    sa.Column('parent_code', sa.String(length=32), nullable=True),
    sa.Column('sort', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('grid_id', sa.String(length=36), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('rev', sa.BigInteger(), nullable=False),
    sa.Column('field_clock', sa.JSON(), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dict_entries'))
    )
    with op.batch_alter_table('dict_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dict_entries_dict_code'), ['dict_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_dict_entries_grid_id'), ['grid_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dict_entries_rev'), ['rev'], unique=False)

    op.create_table('employees',
    sa.Column('organisation_id', sa.String(length=36), nullable=False),
    sa.Column('person_id', sa.String(length=36), nullable=True),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('id_number', sa.String(length=18), nullable=True),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('department', sa.String(length=64), nullable=True),
    sa.Column('position', sa.String(length=64), nullable=True),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('grid_id', sa.String(length=36), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('rev', sa.BigInteger(), nullable=False),
    sa.Column('field_clock', sa.JSON(), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_employees'))
    )
    with op.batch_alter_table('employees', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_employees_grid_id'), ['grid_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_employees_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_employees_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_employees_rev'), ['rev'], unique=False)

    op.create_table('event_actions',
    sa.Column('event_id', sa.String(length=36), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('actor_id', sa.String(length=36), nullable=False),
    sa.Column('target_id', sa.String(length=36), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('acted_at', sa.DateTime(), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('grid_id', sa.String(length=36), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('rev', sa.BigInteger(), nullable=False),
    sa.Column('field_clock', sa.JSON(), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_actions'))
    )
    with op.batch_alter_table('event_actions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_actions_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_actions_grid_id'), ['grid_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_actions_rev'), ['rev'], unique=False)

    op.create_table('events',
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('reporter_name', sa.String(length=64), nullable=True),
    sa.Column('reporter_phone', sa.String(length=20), nullable=True),
    sa.Column('location', sa.String(length=200), nullable=True),
    sa.Column('house_id', sa.String(length=36), nullable=True),
    sa.Column('person_id', sa.String(length=36), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('priority', sa.String(length=16), nullable=False),
    sa.Column('assignee_id', sa.String(length=36), nullable=True),
    sa.Column('reported_at', sa.DateTime(), nullable=False),
    sa.Column('due_at', sa.DateTime(), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('supervised', sa.Boolean(), nullable=False),
    sa.Column('satisfaction', sa.String(length=16), nullable=True),
    sa.Column('photos', sa.JSON(), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('grid_id', sa.String(length=36), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('rev', sa.BigInteger(), nullable=False),
    sa.Column('field_clock', sa.JSON(), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_events'))
    )
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_events_assignee_id'), ['assignee_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_events_due_at'), ['due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_events_grid_id'), ['grid_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_events_reported_at'), ['reported_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_events_rev'), ['rev'], unique=False)
        batch_op.create_index(batch_op.f('ix_events_status'), ['status'], unique=False)

    op.create_table('floors',
    sa.Column('building_id', sa.String(length=36), nullable=False),
    sa.Column('unit_id', sa.String(length=36), nullable=True),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('grid_id', sa.String(length=36), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('rev', sa.BigInteger(), nullable=False),
    sa.Column('field_clock', sa.JSON(), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_floors'))
    )
    with op.batch_alter_table('floors', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_floors_building_id'), ['building_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_floors_grid_id'), ['grid_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_floors_rev'), ['rev'], unique=False)
        batch_op.create_index(batch_op.f('ix_floors_unit_id'), ['unit_id'], unique=False)

    op.create_table('households',
    sa.Column('household_no', sa.String(length=32), nullable=False),
    sa.Column('head_person_id', sa.String(length=36), nullable=True),
    sa.Column('house_id', sa.String(length=36), nullable=True),
    sa.Column('address', sa.String(length=200), nullable=True),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('grid_id', sa.String(length=36), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('rev', sa.BigInteger(), nullable=False),
    sa.Column('field_clock', sa.JSON(), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_households'))
    )
    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_households_grid_id'), ['grid_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_households_house_id'), ['house_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_households_household_no'), ['household_no'], unique=False)
        batch_op.create_index(batch_op.f('ix_households_rev'), ['rev'], unique=False)

    op.create_table('houses',
    sa.Column('building_id', sa.String(length=36), nullable=True),
    sa.Column('unit_id', sa.String(length=36), nullable=True),
    sa.Column('floor_id', sa.String(length=36), nullable=True),
    sa.Column('door_plate', sa.String(length=100), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=True),
    sa.Column('house_type', sa.String(length=16), nullable=False),
    sa.Column('use', sa.String(length=16), nullable=True),
    sa.Column('area', sa.Float(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('grid_id', sa.String(length=36), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('rev', sa.BigInteger(), nullable=False),
    sa.Column('field_clock', sa.JSON(), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_houses'))
    )
    with op.batch_alter_table('houses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_houses_building_id'), ['building_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_houses_floor_id'), ['floor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_houses_grid_id'), ['grid_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_houses_rev'), ['rev'], unique=False)

    op.create_table('ledger_fields',
    sa.Column('ledger_type_id', sa.String(length=36), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('label', sa.String(length=64), nullable=False),
    sa.Column('field_type', sa.String(length=16), nullable=False),
    sa.Column('unit', sa.String(length=16), nullable=True),
    sa.Column('dict_code', sa.String(length=32), nullable=True),
    sa.Column('required', sa.Boolean(), nullable=False),
    sa.Column('sort', sa.Integer(), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('grid_id', sa.String(length=36), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('rev', sa.BigInteger(), nullable=False),
    sa.Column('field_clock', sa.JSON(), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_fields'))
    )
    with op.batch_alter_table('ledger_fields', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ledger_fields_grid_id'), ['grid_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ledger_fields_ledger_type_id'), ['ledger_type_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ledger_fields_rev'), ['rev'], unique=False)

    op.create_table('ledger_rows',
    sa.Column('ledger_type_id', sa.String(length=36), nullable=False),
    sa.Column('person_id', sa.String(length=36), nullable=True),
    sa.Column('household_id', sa.String(length=36), nullable=True),
    sa.Column('house_id', sa.String(length=36), nullable=True),
    sa.Column('year', sa.Integer(), nullable=True),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('grid_id', sa.String(length=36), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('rev', sa.BigInteger(), nullable=False),
    sa.Column('field_clock', sa.JSON(), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_rows'))
    )
    with op.batch_alter_table('ledger_rows', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ledger_rows_grid_id'), ['grid_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ledger_rows_house_id'), ['house_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ledger_rows_household_id'), ['household_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ledger_rows_ledger_type_id'), ['ledger_type_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ledger_rows_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ledger_rows_rev'), ['rev'], unique=False)

    op.create_table('ledger_types',
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('binding', sa.String(length=16), nullable=False),
    sa.Column('per_year', sa.Boolean(), nullable=False),
    sa.Column('sort', sa.Integer(), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('grid_id', sa.String(length=36), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('rev', sa.BigInteger(), nullable=False),
    sa.Column('field_clock', sa.JSON(), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_types')),
    sa.UniqueConstraint('code', name=op.f('uq_ledger_types_code'))
    )
    with op.batch_alter_table('ledger_types', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ledger_types_grid_id'), ['grid_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ledger_types_rev'), ['rev'], unique=False)

    op.create_table('org_nodes',
    sa.Column('parent_id', sa.String(length=36), nullable=True),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=True),
    sa.Column('path', sa.String(length=400), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=True),
    sa.Column('sort', sa.Integer(), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('grid_id', sa.String(length=36), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('rev', sa.BigInteger(), nullable=False),
    sa.Column('field_clock', sa.JSON(), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_org_nodes'))
    )
    with op.batch_alter_table('org_nodes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_org_nodes_grid_id'), ['grid_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_org_nodes_parent_id'), ['parent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_org_nodes_path'), ['path'], unique=False)
        batch_op.create_index(batch_op.f('ix_org_nodes_rev'), ['rev'], unique=False)

    op.create_table('organisations',
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('credit_code', sa.String(length=18), nullable=True),
    sa.Column('legal_person', sa.String(length=64), nullable=True),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('house_id', sa.String(length=36), nullable=True),
    sa.Column('address', sa.String(length=200), nullable=True),
    sa.Column('industry', sa.String(length=32), nullable=True),
    sa.Column('employee_count', sa.Integer(), nullable=True),
    sa.Column('tax_status', sa.String(length=16), nullable=True),
    sa.Column('annual_tax', sa.Integer(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('grid_id', sa.String(length=36), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('rev', sa.BigInteger(), nullable=False),
    sa.Column('field_clock', sa.JSON(), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisations'))
    )
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organisations_grid_id'), ['grid_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_organisations_house_id'), ['house_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_organisations_name'), ['name'], unique=False)
        batch_op.create_index(batch_op.f('ix_organisations_rev'), ['rev'], unique=False)

    op.create_table('parks',
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=True),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('grid_id', sa.String(length=36), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('rev', sa.BigInteger(), nullable=False),
    sa.Column('field_clock', sa.JSON(), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_parks'))
    )
    with op.batch_alter_table('parks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_parks_grid_id'), ['grid_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_parks_rev'), ['rev'], unique=False)

    op.create_table('people',
    sa.Column('id_number', sa.String(length=18), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('sex', sa.String(length=8), nullable=False),
    sa.Column('birth_date', sa.Date(), nullable=False),
    sa.Column('ethnicity', sa.String(length=16), nullable=True),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('household_id', sa.String(length=36), nullable=True),
    sa.Column('relation_to_head', sa.String(length=16), nullable=True),
    sa.Column('house_id', sa.String(length=36), nullable=True),
    sa.Column('address', sa.String(length=200), nullable=True),
    sa.Column('resident_type', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('education', sa.String(length=16), nullable=True),
    sa.Column('marital_status', sa.String(length=16), nullable=True),
    sa.Column('political_status', sa.String(length=16), nullable=True),
    sa.Column('workplace', sa.String(length=100), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('grid_id', sa.String(length=36), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('rev', sa.BigInteger(), nullable=False),
    sa.Column('field_clock', sa.JSON(), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_people'))
    )
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_people_birth_date'), ['birth_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_people_grid_id'), ['grid_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_people_house_id'), ['house_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_people_household_id'), ['household_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_people_id_number'), ['id_number'], unique=False)
        batch_op.create_index(batch_op.f('ix_people_name'), ['name'], unique=False)
        batch_op.create_index(batch_op.f('ix_people_rev'), ['rev'], unique=False)

    op.create_table('person_tags',
    sa.Column('person_id', sa.String(length=36), nullable=False),
    sa.Column('tag_code', sa.String(length=32), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('grid_id', sa.String(length=36), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('rev', sa.BigInteger(), nullable=False),
    sa.Column('field_clock', sa.JSON(), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_person_tags'))
    )
    with op.batch_alter_table('person_tags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_person_tags_grid_id'), ['grid_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_person_tags_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_person_tags_rev'), ['rev'], unique=False)
        batch_op.create_index(batch_op.f('ix_person_tags_tag_code'), ['tag_code'], unique=False)

    op.create_table('users',
    sa.Column('username', sa.String(length=64), nullable=False),
    sa.Column('display_name', sa.String(length=64), nullable=False),
    sa.Column('role', sa.String(length=32), nullable=False),
    sa.Column('scope_node_id', sa.String(length=36), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('grid_id', sa.String(length=36), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('rev', sa.BigInteger(), nullable=False),
    sa.Column('field_clock', sa.JSON(), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('username', name=op.f('uq_users_username'))
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_users_grid_id'), ['grid_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_users_rev'), ['rev'], unique=False)

    op.create_table('visit_rules',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('tag_code', sa.String(length=32), nullable=False),
    sa.Column('interval_days', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('grid_id', sa.String(length=36), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('rev', sa.BigInteger(), nullable=False),
    sa.Column('field_clock', sa.JSON(), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visit_rules'))
    )
    with op.batch_alter_table('visit_rules', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visit_rules_grid_id'), ['grid_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_visit_rules_rev'), ['rev'], unique=False)

    op.create_table('visit_tasks',
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('person_id', sa.String(length=36), nullable=True),
    sa.Column('house_id', sa.String(length=36), nullable=True),
    sa.Column('organisation_id', sa.String(length=36), nullable=True),
    sa.Column('rule_id', sa.String(length=36), nullable=True),
    sa.Column('assignee_id', sa.String(length=36), nullable=True),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('visit_id', sa.String(length=36), nullable=True),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('grid_id', sa.String(length=36), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('rev', sa.BigInteger(), nullable=False),
    sa.Column('field_clock', sa.JSON(), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visit_tasks'))
    )
    with op.batch_alter_table('visit_tasks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visit_tasks_assignee_id'), ['assignee_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_visit_tasks_due_date'), ['due_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_visit_tasks_grid_id'), ['grid_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_visit_tasks_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_visit_tasks_rev'), ['rev'], unique=False)

    op.create_table('visits',
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('person_id', sa.String(length=36), nullable=True),
    sa.Column('house_id', sa.String(length=36), nullable=True),
    sa.Column('organisation_id', sa.String(length=36), nullable=True),
    sa.Column('task_id', sa.String(length=36), nullable=True),
    sa.Column('visitor_id', sa.String(length=36), nullable=False),
    sa.Column('visited_at', sa.DateTime(), nullable=False),
    sa.Column('checkin_at', sa.DateTime(), nullable=True),
    sa.Column('checkin_method', sa.String(length=16), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('follow_up', sa.Boolean(), nullable=False),
    sa.Column('photos', sa.JSON(), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('grid_id', sa.String(length=36), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('rev', sa.BigInteger(), nullable=False),
    sa.Column('field_clock', sa.JSON(), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visits'))
    )
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visits_grid_id'), ['grid_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_visits_house_id'), ['house_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_visits_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_visits_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_visits_rev'), ['rev'], unique=False)
        batch_op.create_index(batch_op.f('ix_visits_visited_at'), ['visited_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_visits_visitor_id'), ['visitor_id'], unique=False)

    op.create_table('work_logs',
    sa.Column('user_id', sa.String(length=36), nullable=False),
    sa.Column('log_date', sa.Date(), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('backfilled', sa.Boolean(), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('grid_id', sa.String(length=36), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('rev', sa.BigInteger(), nullable=False),
    sa.Column('field_clock', sa.JSON(), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_work_logs'))
    )
    with op.batch_alter_table('work_logs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_work_logs_grid_id'), ['grid_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_work_logs_log_date'), ['log_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_work_logs_rev'), ['rev'], unique=False)
        batch_op.create_index(batch_op.f('ix_work_logs_user_id'), ['user_id'], unique=False)

    op.create_table('counters',
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('value', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_counters'))
    )
    op.create_table('credentials',
    sa.Column('user_id', sa.String(length=36), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_credentials'))
    )
    op.create_table('op_log',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('user_id', sa.String(length=36), nullable=True),
    sa.Column('username', sa.String(length=64), nullable=True),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('entity', sa.String(length=32), nullable=True),
    sa.Column('record_id', sa.String(length=36), nullable=True),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_op_log'))
    )
    with op.batch_alter_table('op_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_op_log_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_op_log_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_op_log_entity'), ['entity'], unique=False)
        batch_op.create_index(batch_op.f('ix_op_log_record_id'), ['record_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_op_log_user_id'), ['user_id'], unique=False)

    op.create_table('refresh_tokens',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('user_id', sa.String(length=36), nullable=False),
    sa.Column('family_id', sa.String(length=36), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('issued_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.Column('replaced_by', sa.String(length=36), nullable=True),
    sa.ForeignKeyConstraint(['replaced_by'], ['refresh_tokens.id'], name=op.f('fk_refresh_tokens_replaced_by_refresh_tokens'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_refresh_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_refresh_tokens_token_hash'))
    )
    with op.batch_alter_table('refresh_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_refresh_tokens_family_id'), ['family_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_refresh_tokens_user_id'), ['user_id'], unique=False)




def downgrade() -> None:

    with op.batch_alter_table('refresh_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_refresh_tokens_user_id'))
        batch_op.drop_index(batch_op.f('ix_refresh_tokens_family_id'))

    op.drop_table('refresh_tokens')
    with op.batch_alter_table('op_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_op_log_user_id'))
        batch_op.drop_index(batch_op.f('ix_op_log_record_id'))
        batch_op.drop_index(batch_op.f('ix_op_log_entity'))
        batch_op.drop_index(batch_op.f('ix_op_log_at'))
        batch_op.drop_index(batch_op.f('ix_op_log_action'))

    op.drop_table('op_log')
    op.drop_table('credentials')
    op.drop_table('counters')
    with op.batch_alter_table('work_logs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_work_logs_user_id'))
        batch_op.drop_index(batch_op.f('ix_work_logs_rev'))
        batch_op.drop_index(batch_op.f('ix_work_logs_log_date'))
        batch_op.drop_index(batch_op.f('ix_work_logs_grid_id'))

    op.drop_table('work_logs')
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_visits_visitor_id'))
        batch_op.drop_index(batch_op.f('ix_visits_visited_at'))
        batch_op.drop_index(batch_op.f('ix_visits_rev'))
        batch_op.drop_index(batch_op.f('ix_visits_person_id'))
        batch_op.drop_index(batch_op.f('ix_visits_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_visits_house_id'))
        batch_op.drop_index(batch_op.f('ix_visits_grid_id'))

    op.drop_table('visits')
    with op.batch_alter_table('visit_tasks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_visit_tasks_rev'))
        batch_op.drop_index(batch_op.f('ix_visit_tasks_person_id'))
        batch_op.drop_index(batch_op.f('ix_visit_tasks_grid_id'))
        batch_op.drop_index(batch_op.f('ix_visit_tasks_due_date'))
        batch_op.drop_index(batch_op.f('ix_visit_tasks_assignee_id'))

    op.drop_table('visit_tasks')
    with op.batch_alter_table('visit_rules', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_visit_rules_rev'))
        batch_op.drop_index(batch_op.f('ix_visit_rules_grid_id'))

    op.drop_table('visit_rules')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_rev'))
        batch_op.drop_index(batch_op.f('ix_users_grid_id'))

    op.drop_table('users')
    with op.batch_alter_table('person_tags', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_person_tags_tag_code'))
        batch_op.drop_index(batch_op.f('ix_person_tags_rev'))
        batch_op.drop_index(batch_op.f('ix_person_tags_person_id'))
        batch_op.drop_index(batch_op.f('ix_person_tags_grid_id'))

    op.drop_table('person_tags')
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_people_rev'))
        batch_op.drop_index(batch_op.f('ix_people_name'))
        batch_op.drop_index(batch_op.f('ix_people_id_number'))
        batch_op.drop_index(batch_op.f('ix_people_household_id'))
        batch_op.drop_index(batch_op.f('ix_people_house_id'))
        batch_op.drop_index(batch_op.f('ix_people_grid_id'))
        batch_op.drop_index(batch_op.f('ix_people_birth_date'))

    op.drop_table('people')
    with op.batch_alter_table('parks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_parks_rev'))
        batch_op.drop_index(batch_op.f('ix_parks_grid_id'))

    op.drop_table('parks')
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organisations_rev'))
        batch_op.drop_index(batch_op.f('ix_organisations_name'))
        batch_op.drop_index(batch_op.f('ix_organisations_house_id'))
        batch_op.drop_index(batch_op.f('ix_organisations_grid_id'))

    op.drop_table('organisations')
    with op.batch_alter_table('org_nodes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_org_nodes_rev'))
        batch_op.drop_index(batch_op.f('ix_org_nodes_path'))
        batch_op.drop_index(batch_op.f('ix_org_nodes_parent_id'))
        batch_op.drop_index(batch_op.f('ix_org_nodes_grid_id'))

    op.drop_table('org_nodes')
    with op.batch_alter_table('ledger_types', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ledger_types_rev'))
        batch_op.drop_index(batch_op.f('ix_ledger_types_grid_id'))

    op.drop_table('ledger_types')
    with op.batch_alter_table('ledger_rows', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ledger_rows_rev'))
        batch_op.drop_index(batch_op.f('ix_ledger_rows_person_id'))
        batch_op.drop_index(batch_op.f('ix_ledger_rows_ledger_type_id'))
        batch_op.drop_index(batch_op.f('ix_ledger_rows_household_id'))
        batch_op.drop_index(batch_op.f('ix_ledger_rows_house_id'))
        batch_op.drop_index(batch_op.f('ix_ledger_rows_grid_id'))

    op.drop_table('ledger_rows')
    with op.batch_alter_table('ledger_fields', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ledger_fields_rev'))
        batch_op.drop_index(batch_op.f('ix_ledger_fields_ledger_type_id'))
        batch_op.drop_index(batch_op.f('ix_ledger_fields_grid_id'))

    op.drop_table('ledger_fields')
    with op.batch_alter_table('houses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_houses_rev'))
        batch_op.drop_index(batch_op.f('ix_houses_grid_id'))
        batch_op.drop_index(batch_op.f('ix_houses_floor_id'))
        batch_op.drop_index(batch_op.f('ix_houses_building_id'))

    op.drop_table('houses')
    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_households_rev'))
        batch_op.drop_index(batch_op.f('ix_households_household_no'))
        batch_op.drop_index(batch_op.f('ix_households_house_id'))
        batch_op.drop_index(batch_op.f('ix_households_grid_id'))

    op.drop_table('households')
    with op.batch_alter_table('floors', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_floors_unit_id'))
        batch_op.drop_index(batch_op.f('ix_floors_rev'))
        batch_op.drop_index(batch_op.f('ix_floors_grid_id'))
        batch_op.drop_index(batch_op.f('ix_floors_building_id'))

    op.drop_table('floors')
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_events_status'))
        batch_op.drop_index(batch_op.f('ix_events_rev'))
        batch_op.drop_index(batch_op.f('ix_events_reported_at'))
        batch_op.drop_index(batch_op.f('ix_events_grid_id'))
        batch_op.drop_index(batch_op.f('ix_events_due_at'))
        batch_op.drop_index(batch_op.f('ix_events_assignee_id'))

    op.drop_table('events')
    with op.batch_alter_table('event_actions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_actions_rev'))
        batch_op.drop_index(batch_op.f('ix_event_actions_grid_id'))
        batch_op.drop_index(batch_op.f('ix_event_actions_event_id'))

    op.drop_table('event_actions')
    with op.batch_alter_table('employees', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_employees_rev'))
        batch_op.drop_index(batch_op.f('ix_employees_person_id'))
        batch_op.drop_index(batch_op.f('ix_employees_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_employees_grid_id'))

    op.drop_table('employees')
    with op.batch_alter_table('dict_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dict_entries_rev'))
        batch_op.drop_index(batch_op.f('ix_dict_entries_grid_id'))
        batch_op.drop_index(batch_op.f('ix_dict_entries_dict_code'))

    op.drop_table('dict_entries')
    with op.batch_alter_table('buildings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_buildings_rev'))
        batch_op.drop_index(batch_op.f('ix_buildings_park_id'))
        batch_op.drop_index(batch_op.f('ix_buildings_grid_id'))

    op.drop_table('buildings')
    with op.batch_alter_table('building_units', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_building_units_rev'))
        batch_op.drop_index(batch_op.f('ix_building_units_grid_id'))
        batch_op.drop_index(batch_op.f('ix_building_units_building_id'))

    op.drop_table('building_units')

