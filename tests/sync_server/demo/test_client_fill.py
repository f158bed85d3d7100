"""The generator's core fills any database holding the shared tables: an encrypted client file
as the screenshot tool and client tests use it, with nothing else of the server imported."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import text

from desktop.storage.database import open_database
from desktop.storage.migrations import migrate
from sync_server.demo import generate

from .conftest import NOW

ROOT = Path(__file__).resolve().parents[3]


def test_an_encrypted_client_database_can_be_filled_and_reopened_with_its_key(tmp_path):
    key = bytes(range(32))
    path = tmp_path / "client.db"
    engine = open_database(path, key)
    migrate(engine, now=NOW)
    with engine.begin() as conn:
        summary = generate(conn, scale=0.01, seed=5, now=NOW)
    engine.dispose()
    assert not path.read_bytes()[:16].startswith(b"SQLite format 3")
    engine = open_database(path, key)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM people")).scalar() \
                == summary.counts["people"] > 0
            name = conn.execute(text("SELECT name FROM org_nodes WHERE level = 'county'"))
            assert name.scalar() == "托克逊县"
    finally:
        engine.dispose()


def test_the_core_generator_imports_nothing_else_of_the_server():
    code = ("import sys, sync_server.demo.core; "
            "bad = [m for m in sys.modules if m.startswith('sync_server.') "
            "and not m.startswith('sync_server.demo')]; print(bad); assert not bad")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stdout + result.stderr
