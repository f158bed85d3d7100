"""Alembic migrations of the server database; `upgrade(url)` brings any database to head.

There is no alembic.ini: the Config is built here, so every server command (serve, migrate, demo,
tests) migrates the database that `DATABASE_URL` names.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

HERE = Path(__file__).resolve().parent


def alembic_config(url: str | None = None, *, engine: Engine | None = None) -> Config:
    """An Alembic Config for this folder; pass a URL or an engine (tests share their engine)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    cfg.set_main_option("path_separator", "os")
    if url:
        # ConfigParser interpolation: a literal % in a password must be doubled.
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if engine is not None:
        cfg.attributes["engine"] = engine
    return cfg


def upgrade(url: str | None = None, *, engine: Engine | None = None,
            revision: str = "head") -> None:
    command.upgrade(alembic_config(url, engine=engine), revision)


@lru_cache(maxsize=1)
def current_heads() -> tuple[str, ...]:
    """The head revision(s) this code expects (read once per process)."""
    from alembic.script import ScriptDirectory
    return tuple(ScriptDirectory.from_config(alembic_config()).get_heads())
