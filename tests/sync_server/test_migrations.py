"""The Alembic migrations build exactly the schema the models declare, on both backends."""
from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import func, select
from sqlalchemy.orm import Session

import sync_server.db.all_tables  # noqa: F401
from common.dictionaries import DEFAULTS
from common.schema import Base, DictEntry
from sync_server.db.engine import make_engine
from sync_server.db.migrate import migrate
from sync_server.db.tables import ServerBase
from sync_server.migrations import alembic_config


def test_migrations_and_models_agree_with_no_difference(db_url):
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(ctx, [Base.metadata, ServerBase.metadata])
        assert diff == []
    finally:
        engine.dispose()


def test_the_migration_history_has_a_single_head():
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    assert len(heads) == 1, f"several Alembic heads: {heads}; set down_revision to the last one"


def test_a_new_database_has_every_default_dictionary_entry_and_migrating_again_adds_none(db_url):
    engine = make_engine(db_url)
    try:
        expected = sum(len(v) for v in DEFAULTS.values())
        defaults = select(func.count()).select_from(DictEntry).where(
            DictEntry.dict_code != "plate_key")  # the county's plate key is made, not a default
        with Session(engine) as s:
            assert s.scalar(defaults) == expected
            ethnic = s.scalars(select(DictEntry.label).where(DictEntry.dict_code == "ethnicity")
                               .order_by(DictEntry.sort)).all()
            assert ethnic[:2] == ["汉族", "维吾尔族"]
        assert migrate(engine=engine) == 0
        with Session(engine) as s:
            assert s.scalar(defaults) == expected
    finally:
        engine.dispose()
