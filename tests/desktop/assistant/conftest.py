"""Fixtures of the assistant tests: a small county in a real SQLite file, copied per test."""
from __future__ import annotations

import shutil

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

from desktop.assistant.service import AssistantService

from .county import County


@pytest.fixture(scope="session")
def county_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("county") / "county.db"
    engine = create_engine(f"sqlite:///{path}")
    county = County(households=80, seed=11).build().write(engine)
    engine.dispose()
    return path, county


@pytest.fixture
def county(county_file, tmp_path):
    """(database URL, County with the rows as dicts) — each test its own copy of the file."""
    src, c = county_file
    dst = tmp_path / "county.db"
    shutil.copyfile(src, dst)
    return f"sqlite:///{dst}", c


@pytest.fixture
def service(county):
    engine = create_engine(county[0])
    yield AssistantService(sessionmaker(engine, expire_on_commit=False))
    engine.dispose()


@pytest.fixture(scope="session")
def demo_client_template(tmp_path_factory):
    """The demo county (sync_server.demo, small scale) in a real encrypted client database."""
    from sync_server.demo.core import generate
    from tests.desktop.people_factories import make_database
    from .county import NOW
    path = tmp_path_factory.mktemp("demo") / "local.db"
    engine = make_database(path)
    with engine.begin() as conn:
        generate(conn, scale=0.01, seed=5, now=NOW)
    engine.dispose()
    return path


@pytest.fixture
def demo_client(demo_client_template, tmp_path):
    """A session factory over this test's own copy of the encrypted demo database."""
    from tests.desktop.people_factories import KEY
    from desktop.storage.database import open_database
    dst = tmp_path / "local.db"
    shutil.copyfile(demo_client_template, dst)
    engine = open_database(dst, KEY)
    yield sessionmaker(engine, expire_on_commit=False)
    engine.dispose()
