"""A real sync server on 127.0.0.1 over a copy of the migrated SQLite template, with the small org
tree of tests/factories.py; for sign-in and other client↔server tests."""
from __future__ import annotations

import shutil
from pathlib import Path

from tests import live_server
from tests.live_server import free_port

__all__ = ["LiveServer", "free_port"]


class LiveServer(live_server.LiveServer):
    def __init__(self, template: Path, folder: Path) -> None:
        path = folder / "server.db"
        shutil.copyfile(template, path)
        super().__init__(f"sqlite:///{path}", folder)
