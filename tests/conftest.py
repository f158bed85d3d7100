"""Shared fixtures: a fresh migrated server database per test, on SQLite and on PostgreSQL.

`db_url` is parametrised over ["sqlite", "postgresql"]: each test gets its own database, made by
copying a file (SQLite) or CREATE DATABASE … TEMPLATE (PostgreSQL) from one migrated once per
session. The PostgreSQL cluster (tests/pg.py) starts only if a test asks for it.

Tests write only under pytest's temporary folders: `_writes_stay_in_pytest_tmp` points the
temp folder (tempfile, TMPDIR) at one of pytest's for the session and fails the session if a test
wrote into the repository's data/ or left a yzb-* folder in that temp folder.
"""
from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from pathlib import Path

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

REPO_DATA = Path(__file__).resolve().parents[1] / "data"
SYSTEM_TMP = Path(tempfile.gettempdir())  # before the session points tempfile elsewhere


def files_under(folder: Path) -> dict[str, int]:
    """Every file below `folder` with its modification time (ns); {} if there is no folder."""
    if not folder.is_dir():
        return {}
    return {str(p.relative_to(folder)): p.stat().st_mtime_ns
            for p in folder.rglob("*") if p.is_file()}


def leftovers(before: dict[str, int], after: dict[str, int], temp: Path) -> list[str]:
    """What a session must not leave: files it wrote or changed in the repository's data/, and
    yzb-* folders in its temp folder."""
    found = [f"data/{name}" for name, mtime in after.items() if before.get(name) != mtime]
    found += [str(p) for p in temp.glob("yzb-*")]
    return sorted(found)


@pytest.fixture(scope="session", autouse=True)
def _writes_stay_in_pytest_tmp(tmp_path_factory):
    """Set up first, so torn down last (after the PostgreSQL cluster and every test's server)."""
    temp = tmp_path_factory.mktemp("tmp")
    before = files_under(REPO_DATA)
    saved = tempfile.tempdir, os.environ.get("TMPDIR")
    tempfile.tempdir = str(temp)
    os.environ["TMPDIR"] = str(temp)  # and the processes tests start
    try:
        yield temp
    finally:
        tempfile.tempdir = saved[0]
        if saved[1] is None:
            os.environ.pop("TMPDIR", None)
        else:
            os.environ["TMPDIR"] = saved[1]
    left = leftovers(before, files_under(REPO_DATA), temp)
    if left:
        pytest.fail("tests wrote outside pytest's temporary folders (use tmp_path, give every "
                    "server Settings an attachments_dir under it, clean up temp folders):\n  "
                    + "\n  ".join(left), pytrace=False)


@pytest.fixture(scope="session")
def pg_cluster(tmp_path_factory):
    # As root the server runs as `postgres`, which cannot enter pytest's folders (0700, root's):
    # then the cluster lives in the system temp folder and is removed when the session ends.
    parent = SYSTEM_TMP if os.geteuid() == 0 else tmp_path_factory.mktemp("pg")
    cluster = PgCluster(parent=parent).start()
    yield cluster
    cluster.stop()
    assert not cluster.root.exists(), f"the PostgreSQL cluster's folder {cluster.root} was left"


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


@pytest.fixture
def live_db(sqlite_template):
    """The database `live` serves: by default a copy of the migrated SQLite template. A module
    that wants every backend overrides it: `def live_db(db_url): return db_url`."""
    return sqlite_template


@pytest.fixture
def live(request, live_db, tmp_path):
    """A real server on 127.0.0.1 (tests/live_server.py) with the factories' org tree, started
    for the test and stopped after it. A `live_server(real_clock=True)` mark (on the test or the
    module) runs it on the real clock, without its housekeeping task."""
    from tests.live_server import LiveServer
    mark = request.node.get_closest_marker("live_server")
    real = bool(mark and mark.kwargs.get("real_clock"))
    server = LiveServer(live_db, tmp_path, real_clock=real,
                        lifespan="off" if real else "auto").start()
    yield server
    server.stop()
