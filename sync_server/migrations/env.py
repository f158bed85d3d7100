"""Alembic environment: the shared schema plus the server-only tables, batch mode on SQLite."""
from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

import sync_server.db.all_tables  # noqa: F401  (registers every server-only table)
from common.schema import Base
from sync_server.db.engine import make_engine
from sync_server.db.tables import ServerBase

target_metadata = [Base.metadata, ServerBase.metadata]
config = context.config


def _engine() -> Engine:
    engine = config.attributes.get("engine")
    if engine is not None:
        return engine
    return make_engine(config.get_main_option("sqlalchemy.url"))


def run_migrations_offline() -> None:
    context.configure(url=config.get_main_option("sqlalchemy.url"),
                      target_metadata=target_metadata, literal_binds=True,
                      render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = _engine()
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata,
                          render_as_batch=connection.dialect.name == "sqlite",
                          compare_type=True)
        with context.begin_transaction():
            context.run_migrations()
    if "engine" not in config.attributes:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
