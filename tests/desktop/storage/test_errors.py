"""The local database's known failures, met on real SQLCipher files: a locked database, a
read-only file or folder, a damaged file or a wrong key, a database written by a newer client.
Each reaches the user as one Chinese sentence (a StorageError), never a traceback, and leaves
the database as it was."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import text

from common.errors import DomainError
from desktop.storage import profiles
from desktop.storage.database import open_database
from desktop.storage.errors import StorageError
from desktop.storage.migrations import MIGRATIONS, migrate, schema_version
from desktop.tasks import TaskManager
from desktop.ui.signin.dialog import SignInDialog
from tests.conftest import NOW

from .conftest import FAST_KDF

KEY = b"k" * 32


@pytest.fixture
def profile(yzb_home):
    """A closed profile "ali" (password "pw"): its folder and database file."""
    made = profiles.create_profile("ali", "pw", kdf=FAST_KDF)
    made.close()
    return made.path


def refused(code: str, fn) -> StorageError:  # noqa: ANN001
    with pytest.raises(StorageError) as caught:
        fn()
    assert caught.value.code == code
    return caught.value


# -- locked ------------------------------------------------------------------------------------

def test_a_write_that_waits_too_long_for_another_writer_is_database_locked(tmp_path, qtbot):
    path = tmp_path / "local.db"
    engine = open_database(path, KEY)
    with engine.begin() as c:
        c.execute(text("create table t (n integer)"))
    other = open_database(path, KEY)  # another process's writer (the command-line sync)
    blocker = other.connect()
    blocker.exec_driver_sql("insert into t values (1)")  # holds the write lock (IMMEDIATE)
    tasks = TaskManager(open_database(path, KEY, busy_timeout_ms=100))
    errors: list[BaseException] = []
    tasks.write(lambda s: s.execute(text("insert into t values (2)")), on_failure=errors.append)
    qtbot.wait_until(lambda: bool(errors), timeout=10000)
    assert isinstance(errors[0], StorageError) and errors[0].code == "database_locked"
    assert "正被另一个操作占用" in errors[0].message() and "稍等" in errors[0].message()
    blocker.rollback()
    blocker.close()
    done: list[object] = []
    tasks.write(lambda s: s.execute(text("insert into t values (3)")), done.append)
    qtbot.wait_until(lambda: bool(done), timeout=10000)
    with engine.connect() as c:  # the refused write left nothing; the retry went through
        assert c.execute(text("select n from t")).scalars().all() == [3]
    tasks.shutdown()
    for e in (engine, other):
        e.dispose()


# -- read-only ---------------------------------------------------------------------------------

def _read_only(path: Path, undo: list[Path]) -> None:
    """Make a file or folder unwritable even to its owner: the immutable attribute (chattr +i).
    A mode alone would not do: the client tightens its profile's modes itself when it opens it
    (an owner may always change them), and modes do not stop root."""
    if shutil.which("chattr") is None or subprocess.run(
            ["chattr", "+i", str(path)], capture_output=True).returncode != 0:
        pytest.skip("chattr +i needs root (CAP_LINUX_IMMUTABLE) and a file system that has it")
    undo.append(path)


def _writable_again(undo: list[Path]) -> None:
    for path in undo:
        subprocess.run(["chattr", "-i", str(path)], check=True)


def test_a_read_only_database_file_is_refused_at_sign_in_in_plain_words(profile):
    undo: list[Path] = []
    try:
        _read_only(profile / "local.db", undo)
        err = refused("database_read_only", lambda: profiles.open_profile("ali", "pw"))
        assert "不能写入" in err.message() and "权限" in err.message()
    finally:
        _writable_again(undo)
    profiles.open_profile("ali", "pw").close()  # writable again: it opens as before


def test_a_read_only_profile_folder_is_refused_in_plain_words(profile):
    for leftover in profile.glob("local.db-*"):  # WAL files must be made anew in the folder
        leftover.unlink()
    undo: list[Path] = []
    try:
        _read_only(profile, undo)
        refused("database_read_only", lambda: profiles.open_profile("ali", "pw"))
    finally:
        _writable_again(undo)


# -- damaged, or another key -------------------------------------------------------------------

@pytest.mark.parametrize("damage", ["truncated", "garbled"])
def test_a_damaged_database_file_is_refused_as_corrupt(profile, damage):
    db = profile / "local.db"
    for leftover in profile.glob("local.db-*"):
        leftover.unlink()
    data = bytearray(db.read_bytes())
    if damage == "truncated":
        db.write_bytes(bytes(data[:5000]))
    else:
        data[16:4096] = os.urandom(4096 - 16)
        db.write_bytes(bytes(data))
    err = refused("database_corrupt", lambda: profiles.open_profile("ali", "pw"))
    assert "已损坏" in err.message() and "重新登录" in err.message()


def test_a_database_encrypted_with_another_key_is_refused_as_corrupt(profile, yzb_home):
    other = profiles.create_profile("bob", "pw", kdf=FAST_KDF)
    other.close()
    shutil.copy(other.path / "key.json", profile / "key.json")  # the right password, wrong key
    refused("database_corrupt", lambda: profiles.open_profile("ali", "pw"))


# -- written by a newer client -----------------------------------------------------------------

def test_a_migrated_database_records_the_schema_version_it_was_written_with(tmp_path):
    engine = open_database(tmp_path / "local.db", KEY)
    migrate(engine)
    with engine.connect() as c:
        assert c.exec_driver_sql("PRAGMA user_version").scalar() == len(MIGRATIONS) > 0
    assert schema_version() == len(MIGRATIONS)
    engine.dispose()


def _bump(path: Path, sql: str) -> None:
    engine = open_database(path, KEY)
    with engine.begin() as c:
        c.exec_driver_sql(sql)
    engine.dispose()


@pytest.mark.parametrize("newer", ["version", "migration"])
def test_a_database_from_a_newer_client_is_refused_and_left_untouched(tmp_path, newer):
    path = tmp_path / "local.db"
    migrate(open_database(path, KEY))
    if newer == "version":
        _bump(path, f"PRAGMA user_version = {schema_version() + 1}")
    else:  # a migration this client does not know was applied by a later release
        _bump(path, "INSERT INTO _migrations (name, applied_at) "
                    "VALUES ('9999_from_the_future', '2027-01-01')")
    engine = open_database(path, KEY)
    err = refused("database_too_new", lambda: migrate(engine))
    assert f"本程序只支持到 {schema_version()}" in err.message()
    assert "安装最新版本" in err.message()
    with engine.connect() as c:  # not downgraded or rewritten
        found = c.exec_driver_sql("PRAGMA user_version").scalar()
    assert found == (schema_version() + 1 if newer == "version" else schema_version())
    engine.dispose()


def test_signing_in_offline_to_a_newer_database_shows_why_in_the_dialog(profile, qtbot):
    opened = profiles.open_profile("ali", "pw")
    with opened.engine.begin() as c:  # as a later release leaves it
        c.exec_driver_sql(f"PRAGMA user_version = {schema_version() + 5}")
    opened.close()
    tasks = TaskManager()
    dialog = SignInDialog(tasks, lambda: NOW, initial_sync=None)
    qtbot.addWidget(dialog)
    dialog.account.setEditText("ali")
    qtbot.keyClicks(dialog.password, "pw")
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    qtbot.wait_until(dialog.button.isEnabled, timeout=10000)
    assert dialog.message.text() == DomainError(
        "database_too_new", found=schema_version() + 5, known=schema_version()).message()
    assert "更新版本" in dialog.message.text()
    tasks.shutdown()
