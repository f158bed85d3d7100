"""Imports every module that declares server-only tables, so ServerBase.metadata is complete.

Alembic's env.py and the models-vs-migrations test import this. A new module of server tables
(e.g. the sync engineer's sync_tables.py) is added here.
"""
from __future__ import annotations

import importlib

from . import tables  # noqa: F401

for _name in ("sync_server.db.sync_tables", "sync_server.db.attachment_tables",
              "sync_server.db.snapshot_tables",
              "sync_server.db.device_tables", "sync_server.db.web_tables"):
    try:
        importlib.import_module(_name)
    except ModuleNotFoundError as exc:  # not written yet
        if exc.name != _name:
            raise
