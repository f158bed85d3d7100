"""The demo server database: built on SQLite and PostgreSQL, its accounts sign in with the demo
password, the rev counter continues past the demo's records, a populated database is kept."""
from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from common.errors import DomainError
from common.schema import ENTITIES, OrgNode, Person, User
from sync_server.db.engine import make_engine
from sync_server.db.tables import Counter
from sync_server.demo.__main__ import main
from sync_server.demo.server import DEMO_PASSWORD, build_demo_server
from sync_server.services.auth import login
from sync_server.services.changes import apply_change
from sync_server.services.scope import Scope
from sync_server.services.sync_pull import pull_batch
from sync_server.settings import load_settings

from .conftest import NOW

TINY = 0.01


def test_demo_accounts_sign_in_and_new_changes_get_revs_after_the_demo(db_url):
    summary = build_demo_server(db_url, scale=TINY, seed=3, now=NOW)
    grid_code = summary.grids[0][1]
    engine = make_engine(db_url)
    settings = load_settings(database_url=db_url, environment="test")
    try:
        with Session(engine) as session:
            for username in ("admin", "xz_tuokexun", "xz_bositan", f"wg_{grid_code}"):
                pair = login(session, username, DEMO_PASSWORD, settings=settings, now=NOW)
                assert pair.access_token
            with pytest.raises(DomainError):
                login(session, "admin", "wrong", settings=settings, now=NOW)
            highest = max(session.scalar(select(text("max(rev)")).select_from(e.__table__))
                          or 0 for e in ENTITIES.values())
            assert session.get(Counter, "rev").value == highest == summary.max_rev
            grid = session.scalar(select(OrgNode).where(OrgNode.level == "grid"))
            person = apply_change(session, Person, None, {
                "id_number": "65212319900101001X"[:17] + _check("65212319900101001"),
                "name": "测试", "grid_id": grid.id}, now=NOW)
            assert person.rev == highest + 1
    finally:
        engine.dispose()


def test_a_grid_workers_first_pull_brings_exactly_the_demo_records_of_their_grid(db_url):
    summary = build_demo_server(db_url, scale=TINY, seed=3, now=NOW)
    grid_id, _, worker_id = summary.grids[-1]
    engine = make_engine(db_url)
    try:
        with Session(engine) as session:
            scope = Scope.of(session, session.get(User, worker_id))
            cursor, people, visits = 0, set(), 0
            while True:
                batch = pull_batch(session, scope, cursor, 4_000_000)
                if "people" in batch.data:
                    cols = batch.data["people"].cols
                    people |= {r[cols.index("id")] for r in batch.data["people"].rows}
                visits += len(batch.data["visits"].rows) if "visits" in batch.data else 0
                cursor = batch.cursor
                if not batch.more:
                    break
            expected = set(session.scalars(select(Person.id).where(Person.grid_id == grid_id)))
            assert people == expected and expected
            assert visits > 0
            assert cursor == summary.max_rev
    finally:
        engine.dispose()


def _check(first17: str) -> str:
    from common.validation import id_check_digit
    return id_check_digit(first17)


def test_a_populated_database_is_refused_unless_forced(db_url):
    engine = make_engine(db_url)
    try:
        with Session(engine) as session, session.begin():
            apply_change(session, OrgNode, None, {"level": "county", "name": "已有县",
                                                  "path": "/x/"}, now=NOW)
        with pytest.raises(DomainError) as exc:
            build_demo_server(db_url, scale=TINY, seed=4, now=NOW)
        assert "--force" in exc.value.message()
        with engine.connect() as conn:
            assert conn.execute(text("SELECT name FROM org_nodes")).scalars().all() == ["已有县"]
    finally:
        engine.dispose()
    again = build_demo_server(db_url, scale=TINY, seed=4, now=NOW, force=True)
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            people = conn.execute(text("SELECT count(*) FROM people")).scalar()
            users = conn.execute(text("SELECT count(*) FROM users")).scalar()
            kept = conn.execute(text("SELECT count(*) FROM org_nodes WHERE name = '已有县'"))
            assert kept.scalar() == 0
        assert people == again.counts["people"]
        assert users == len(again.grids) + len(again.township_offices) + 1
    finally:
        engine.dispose()


def test_the_command_prints_counts_and_the_demo_password_and_keeps_existing_data(tmp_path,
                                                                                 capsys):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert main(["--scale", str(TINY), "--database", url]) == 0
    out = capsys.readouterr().out
    assert DEMO_PASSWORD in out and "人口" in out and "wg_" in out
    assert main(["--scale", str(TINY), "--database", url]) == 1
    assert "--force" in capsys.readouterr().err
    # what `make run` calls: a populated database is a success that changes nothing
    assert main(["--scale", str(TINY), "--database", url, "--if-empty"]) == 0
    assert "跳过" in capsys.readouterr().out


@pytest.mark.postgres
def test_sqlite_and_postgresql_receive_identical_demo_rows(pg_cluster, pg_template,
                                                           sqlite_template, tmp_path):
    import shutil

    from .test_core import digest

    sqlite_path = tmp_path / "server.db"
    shutil.copyfile(sqlite_template, sqlite_path)
    urls = [f"sqlite:///{sqlite_path}",
            pg_cluster.url(pg_cluster.create_database(template=pg_template))]
    digests = []
    for url in urls:
        build_demo_server(url, scale=TINY, seed=9, now=NOW)
        engine = make_engine(url)
        try:
            digests.append(digest(engine, skip=("dict_entries",)))
        finally:
            engine.dispose()
    assert digests[0] == digests[1]
