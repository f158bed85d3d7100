"""Profiles: encrypted at rest, password wraps the key, offline sign-in, kept apart."""
from __future__ import annotations

import datetime as dt
import json
import sqlite3

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from common.errors import DomainError
from common.schema import Household
from desktop.storage import profiles
from desktop.storage.changes import record_change

from .conftest import FAST_KDF

NOW = dt.datetime(2026, 11, 20, 9, 0)


def test_a_profile_opens_again_with_its_password_and_keeps_what_was_written(yzb_home):
    p = profiles.create_profile("ali", "pässwörd", server_url="http://x", username="ali",
                                kdf=FAST_KDF)
    with Session(p.engine) as s, s.begin():
        record_change(s, Household, "p1", {"household_no": "阿里木", "grid_id": "g1"}, now=NOW)
    p.close()
    again = profiles.open_profile("ali", "pässwörd")
    with Session(again.engine) as s:
        assert s.get(Household, "p1").household_no == "阿里木"
    assert again.username == "ali" and again.server_url == "http://x"
    again.close()


def test_a_wrong_password_is_refused_with_a_code(yzb_home):
    profiles.create_profile("ali", "right", kdf=FAST_KDF).close()
    with pytest.raises(DomainError) as e:
        profiles.open_profile("ali", "wrong")
    assert e.value.code == "wrong_password"


def test_the_database_file_and_key_file_hold_nothing_in_the_clear(yzb_home):
    p = profiles.create_profile("ali", "secret-pw", kdf=FAST_KDF)
    with Session(p.engine) as s, s.begin():
        record_change(s, Household, "p1", {"household_no": "UNIQUE_NAME_MARKER", "grid_id": "g1"}, now=NOW)
    p.close()
    raw = (p.path / "local.db").read_bytes() + (p.path / "local.db-wal").read_bytes() \
        if (p.path / "local.db-wal").exists() else (p.path / "local.db").read_bytes()
    assert b"UNIQUE_NAME_MARKER" not in raw
    assert b"SQLite format 3" not in raw[:16]
    key_text = (p.path / "key.json").read_text()
    assert "secret-pw" not in key_text
    with pytest.raises(sqlite3.DatabaseError):
        sqlite3.connect(p.path / "local.db").execute("select * from people").fetchall()


def test_a_password_change_rewraps_the_key_without_touching_the_database(yzb_home):
    p = profiles.create_profile("ali", "old", kdf=FAST_KDF)
    p.close()
    before = (p.path / "local.db").read_bytes()
    profiles.change_password("ali", "old", "new")
    assert (p.path / "local.db").read_bytes() == before
    with pytest.raises(DomainError):
        profiles.open_profile("ali", "old")
    profiles.open_profile("ali", "new").close()


def test_profiles_are_kept_apart_and_listed_without_secrets(yzb_home):
    a = profiles.create_profile("ali", "pw-a", username="ali", kdf=FAST_KDF)
    b = profiles.create_profile("bai", "pw-b", username="bai", kdf=FAST_KDF)
    with Session(a.engine) as s, s.begin():
        record_change(s, Household, "p1", {"household_no": "甲", "grid_id": "g1"}, now=NOW)
    with Session(b.engine) as s:
        assert s.get(Household, "p1") is None
    assert a.device_id() != b.device_id()
    assert [p["name"] for p in profiles.list_profiles()] == ["ali", "bai"]
    assert "pw-a" not in json.dumps(profiles.list_profiles())
    with pytest.raises(DomainError):
        profiles.open_profile("bai", "pw-a")
    a.close(), b.close()


def test_a_profile_name_cannot_escape_the_profiles_folder(yzb_home):
    with pytest.raises(DomainError):
        profiles.create_profile("../evil", "pw", kdf=FAST_KDF)


def test_opening_records_every_migration_once(yzb_home):
    p = profiles.create_profile("ali", "pw", kdf=FAST_KDF)
    p.close()
    p = profiles.open_profile("ali", "pw")
    with p.engine.connect() as c:
        names = [r[0] for r in c.execute(text("select name from _migrations"))]
    # every migration, including those other storage modules register for their own tables,
    # whichever modules this process imported, in name order, each exactly once
    assert names == ["0001_initial", "0002_add_missing_columns",
                     "0100_operation_log_and_saved_searches", "0101_person_search_index",
                     "0102_client_search_indexes", "0103_people_facets_index",
                     "0104_people_religion", "0105_grid_live_indexes", "0106_person_sort_keys",
                     "0110_client_settings", "0111_person_search_rows"]
    p.close()


def _mode(path) -> int:
    return path.stat().st_mode & 0o777


@pytest.mark.skipif(__import__("os").name != "posix", reason="POSIX file modes")
def test_a_profiles_files_are_readable_by_their_owner_only(yzb_home):
    p = profiles.create_profile("ali", "pässwörd", username="ali", kdf=FAST_KDF)
    with Session(p.engine) as s, s.begin():
        record_change(s, Household, "p1", {"household_no": "阿里木", "grid_id": "g1"}, now=NOW)
    p.update_info(display_name="阿里木")
    folder = p.path
    assert _mode(folder) == 0o700 and _mode(folder.parent) == 0o700
    files = [f for f in folder.iterdir() if f.is_file()]
    assert {"key.json", "profile.json", "local.db"} <= {f.name for f in files}
    assert {f.name: _mode(f) for f in files} == {f.name: 0o600 for f in files}
    p.close()
    profiles.change_password("ali", "pässwörd", "新密码-2026")
    assert _mode(folder / "key.json") == 0o600


@pytest.mark.skipif(__import__("os").name != "posix", reason="POSIX file modes")
def test_an_older_profile_left_readable_by_others_is_tightened_when_opened(yzb_home):
    profiles.create_profile("ali", "pässwörd", username="ali", kdf=FAST_KDF).close()
    folder = profiles.profile_dir("ali")
    folder.chmod(0o755)
    for f in folder.iterdir():
        f.chmod(0o644)
    profiles.open_profile("ali", "pässwörd").close()
    assert _mode(folder) == 0o700
    assert all(_mode(f) == 0o600 for f in folder.iterdir() if f.is_file())
