"""Shared fixtures: a fresh migrated server database per test, on SQLite and on PostgreSQL.

`db_url` is parametrised over ["sqlite", "postgresql"]: each test gets its own database, made by
copying a file (SQLite) or CREATE DATABASE … TEMPLATE (PostgreSQL) from one migrated once per
session. The PostgreSQL cluster (tests/pg.py) starts only if a test asks for it.
"""
from __future__ import annotations

import datetime as dt
import shutil

import pytest
from hypothesis import HealthCheck, settings

from tests.pg import PgCluster

settings.register_profile("ci", max_examples=30, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("soak", max_examples=2000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("soak" if __import__("os").environ.get("SOAK") else "ci")

NOW = dt.datetime(2026, 11, 24, 9, 0, 0)
"""The fixed clock of server tests (naive UTC, as the server stores times)."""


@pytest.fixture(scope="session")
def pg_cluster():
    cluster = PgCluster().start()
    yield cluster
    cluster.stop()


@pytest.fixture(scope="session")
def pg_template(pg_cluster):
    from sync_server.db.migrate import migrate
    name = pg_cluster.create_database(name="yzb_template")
    migrate(pg_cluster.url(name), now=NOW)
    return name


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    from sync_server.db.migrate import migrate
    path = tmp_path_factory.mktemp("template") / "template.db"
    migrate(f"sqlite:///{path}", now=NOW)
    return path


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request, tmp_path):
    """The URL of a fresh, migrated server database (dictionaries seeded)."""
    if request.param == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        path = tmp_path / "server.db"
        shutil.copyfile(template, path)
        wal = template.with_name(template.name + "-wal")
        if wal.exists():  # normally checkpointed away when the migrating engine closed
            shutil.copyfile(wal, path.with_name(path.name + "-wal"))
        yield f"sqlite:///{path}"
        return
    cluster = request.getfixturevalue("pg_cluster")
    template = request.getfixturevalue("pg_template")
    name = cluster.create_database(template=template)
    yield cluster.url(name)
    cluster.drop_database(name)
