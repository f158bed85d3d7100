"""Every deployment gets one county door-plate key at migration, made once, which reaches devices
by sync only: the dictionaries list never shows it."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from common.schema import DictEntry
from sync_server.db.engine import make_engine
from sync_server.db.migrate import migrate
from sync_server.services.plate_keys import PLATE_KEY_DICT


def _keys(url):
    engine = make_engine(url)
    try:
        with Session(engine) as s:
            return [(e.code, e.label, e.grid_id) for e in s.scalars(
                select(DictEntry).where(DictEntry.dict_code == PLATE_KEY_DICT))]
    finally:
        engine.dispose()


def test_a_migrated_database_holds_one_random_county_plate_key_and_migrating_again_keeps_it(
        db_url):
    first = _keys(db_url)
    assert len(first) == 1
    key_id, hexkey, grid = first[0]
    assert len(bytes.fromhex(hexkey)) == 32 and grid is None
    migrate(db_url)
    assert _keys(db_url) == first


def test_the_plate_key_is_not_listed_by_the_dictionaries_api(server):
    for user in ("worker1a", "admin"):
        listed = server.as_(user).get("/api/dictionaries").json()
        assert listed and all(e["dict_code"] != PLATE_KEY_DICT for e in listed)
