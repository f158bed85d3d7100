"""residents, resident_sessions, resident_codes, resident_reports: the resident side (/h5);
event_time_limits and the 接诉即办 pages' permissions for the seeded roles; open311_clients and
open311_requests (Open311 GeoReport v2); notices for residents; wishes

Revision ID: 0021_residents
Revises: 0020_field_work
Create Date: 2026-12-04 15:20:00
"""
from __future__ import annotations

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

from sync_server.migrations.seeded_roles import grant, revoke

revision: str = "0021_residents"
down_revision: Union[str, Sequence[str], None] = "0020_field_work"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


NEW_PERMISSIONS = {"county_admin": ("web:hotline", "web:hotline_limits", "web:notices",
                                    "web:wishes"),
                   "township_office": ("web:hotline", "web:notices", "web:wishes"),
                   "grid_worker": ("web:hotline", "web:wishes")}
"""What the seeded roles learn (common/permissions.SEEDED_ROLES as of this revision)."""


def upgrade() -> None:
    grant(NEW_PERMISSIONS)
    op.create_table(
        "event_time_limits",
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(length=36), nullable=True),
        sa.PrimaryKeyConstraint("category", name=op.f("pk_event_time_limits")),
    )
    op.create_table(
        "wishes",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("resident_id", sa.String(length=36), nullable=False),
        sa.Column("title", sa.String(length=60), nullable=False),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("village_id", sa.String(length=36), nullable=False),
        sa.Column("village_path", sa.String(length=400), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("claimed_by", sa.String(length=36), nullable=True),
        sa.Column("claimed_at", sa.DateTime(), nullable=True),
        sa.Column("fulfilled_at", sa.DateTime(), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wishes")),
    )
    op.create_index(op.f("ix_wishes_resident_id"), "wishes", ["resident_id"])
    op.create_index(op.f("ix_wishes_village_path"), "wishes", ["village_path"])
    op.create_index(op.f("ix_wishes_status"), "wishes", ["status"])
    op.create_table(
        "notices",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("target_node_id", sa.String(length=36), nullable=False),
        sa.Column("target_path", sa.String(length=400), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=False),
        sa.Column("published_by", sa.String(length=36), nullable=False),
        sa.Column("withdrawn", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notices")),
    )
    op.create_index(op.f("ix_notices_target_path"), "notices", ["target_path"])
    op.create_index(op.f("ix_notices_published_at"), "notices", ["published_at"])
    op.create_table(
        "open311_clients",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=36), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_open311_clients")),
        sa.UniqueConstraint("name", name=op.f("uq_open311_clients_name")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_open311_clients_key_hash")),
    )
    op.create_table(
        "open311_requests",
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("client_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_open311_requests")),
    )
    op.create_index(op.f("ix_open311_requests_client_id"), "open311_requests", ["client_id"])
    op.create_index(op.f("ix_open311_requests_created_at"), "open311_requests",
                    ["created_at"])
    op.create_table(
        "residents",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("consent_version", sa.String(length=16), nullable=True),
        sa.Column("consent_at", sa.DateTime(), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(), nullable=True),
        sa.Column("village_id", sa.String(length=36), nullable=True),
        sa.Column("address", sa.String(length=120), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_residents")),
        sa.UniqueConstraint("phone", name=op.f("uq_residents_phone")),
    )
    op.create_table(
        "resident_sessions",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("resident_id", sa.String(length=36), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_resident_sessions")),
    )
    op.create_index(op.f("ix_resident_sessions_resident_id"), "resident_sessions",
                    ["resident_id"])
    op.create_table(
        "resident_codes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("used", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resident_codes")),
    )
    op.create_index(op.f("ix_resident_codes_phone"), "resident_codes", ["phone"])
    op.create_index(op.f("ix_resident_codes_address"), "resident_codes", ["address"])
    op.create_table(
        "resident_reports",
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("resident_id", sa.String(length=36), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("rating_note", sa.Text(), nullable=True),
        sa.Column("rated_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_resident_reports")),
    )
    op.create_index(op.f("ix_resident_reports_resident_id"), "resident_reports",
                    ["resident_id"])
    op.create_index(op.f("ix_resident_reports_address"), "resident_reports", ["address"])
    op.create_index(op.f("ix_resident_reports_created_at"), "resident_reports", ["created_at"])


def downgrade() -> None:
    revoke(NEW_PERMISSIONS)
    op.drop_table("event_time_limits")
    op.drop_table("open311_requests")
    op.drop_table("notices")
    op.drop_table("wishes")
    op.drop_table("open311_clients")
    op.drop_table("resident_reports")
    op.drop_table("resident_codes")
    op.drop_table("resident_sessions")
    op.drop_table("residents")
