"""The Alembic migrations build exactly the schema the models declare, on both backends."""
from __future__ import annotations

import json

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import func, select, text
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


def _permissions(engine) -> dict[str, list[str]]:
    with engine.connect() as conn:
        return {
            row.code: json.loads(row.permissions) if isinstance(row.permissions, str)
            else list(row.permissions)
            for row in conn.execute(text("SELECT code, permissions FROM roles"))}


def test_an_older_database_teaches_its_built_in_roles_the_new_pages_and_leaves_defined_ones(
        tmp_path):
    """A county upgrading from an older release: the built-in roles learn the pages added since
    (the map, the dashboards), a role the admin defined keeps exactly what it had, and a
    downgrade takes back only what that revision added."""
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    try:
        cfg = alembic_config(engine=engine)
        command.upgrade(cfg, "0018_workflows")
        with engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO roles (code, name, base_role, permissions, seeded, updated_at) "
                "VALUES ('inspector', '督查员', 'township_office', '[\"web:people\"]', 0, "
                "'2026-12-01 00:00:00')"))
        before = _permissions(engine)
        assert "web:map" not in before["county_admin"]
        command.upgrade(cfg, "head")
        after = _permissions(engine)
        assert {"web:map", "web:map_edit", "web:dashboards", "web:briefings"} <= set(
            after["county_admin"])
        assert "web:dashboards" in after["township_office"]
        assert after["grid_worker"] == before["grid_worker"] + ["web:map", "web:affairs",
                                                                "web:reports"]
        assert "web:affair_services" in after["county_admin"]
        assert "web:affair_services" not in after["township_office"]
        assert after["inspector"] == ["web:people"]
        assert len(after["county_admin"]) == len(set(after["county_admin"]))
        command.downgrade(cfg, "0023_briefings")
        back = _permissions(engine)
        assert "web:dashboards" not in back["county_admin"]
        assert "web:reports" not in back["grid_worker"]  # 0028_reports taken back
        assert "web:map" in back["county_admin"] and back["inspector"] == ["web:people"]
        command.upgrade(cfg, "head")  # a second upgrade grants once, not twice
        assert _permissions(engine)["county_admin"].count("web:dashboards") == 1
    finally:
        engine.dispose()
