"""Client migrations: ordered, recorded, transactional; an older database upgrades without loss."""
from __future__ import annotations

import os

import pytest
from sqlalchemy import text

from desktop.storage import migrations
from desktop.storage.database import open_database


def test_a_database_from_an_older_release_gains_new_columns_and_keeps_its_rows(tmp_path):
    engine = open_database(tmp_path / "old.db", os.urandom(32))
    with engine.begin() as c:
        # An "older release": the people table without the notes column, one row in it.
        c.execute(text("CREATE TABLE people (id VARCHAR(36) PRIMARY KEY, name VARCHAR(64))"))
        c.execute(text("INSERT INTO people (id, name) VALUES ('p1', '古丽')"))
    migrations.migrate(engine)
    with engine.connect() as c:
        cols = {r[1] for r in c.execute(text("PRAGMA table_info(people)"))}
        assert {"notes", "grid_id", "field_clock"} <= cols
        assert c.execute(text("select name from people")).scalar() == "古丽"
        assert c.execute(text("select count(*) from outbox")).scalar() == 0


def test_a_failing_migration_leaves_the_database_unchanged_and_unrecorded(tmp_path):
    engine = open_database(tmp_path / "x.db", os.urandom(32))
    migrations.migrate(engine)

    def broken(conn):
        conn.execute(text("CREATE TABLE half_done (x INTEGER)"))
        raise RuntimeError("boom")

    migrations.MIGRATIONS.append(("9999_broken", broken))
    try:
        with pytest.raises(RuntimeError):
            migrations.migrate(engine)
    finally:
        migrations.MIGRATIONS.pop()
    with engine.connect() as c:
        tables = {r[0] for r in c.execute(text("select name from sqlite_master"))}
    assert "half_done" not in tables
    assert "9999_broken" not in migrations.applied(engine)
