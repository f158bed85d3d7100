"""A small demo county generated once per test session into a plain SQLite file (read-only for
the tests that inspect it)."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import create_engine

from common.schema import Base
from sync_server.demo import generate

NOW = dt.datetime(2026, 11, 24, 9, 0, 0)
SMALL = 0.03
"""About 4,000 people: every township, village and kind of record, generated in about a second."""


def build(path, *, scale: float = SMALL, seed: int = 7):
    engine = create_engine(f"sqlite:///{path}")
    Base.metadata.create_all(engine)
    with engine.begin() as conn:
        summary = generate(conn, scale=scale, seed=seed, now=NOW)
    return engine, summary


@pytest.fixture(scope="session")
def demo(tmp_path_factory):
    engine, summary = build(tmp_path_factory.mktemp("demo") / "demo.db")
    yield engine, summary
    engine.dispose()
