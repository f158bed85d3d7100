"""Imports every module that declares server-only tables, so ServerBase.metadata is complete.

Alembic's env.py and the models-vs-migrations test import this. A new module of server tables
is added here.
"""
from __future__ import annotations

from . import (affair_tables, attachment_tables, device_tables, import_tables,  # noqa: F401
               resident_tables, role_tables, setting_tables, snapshot_tables, stats_tables,
               sync_tables, tables, web_tables)
