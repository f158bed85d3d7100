"""Sync over real HTTP (uvicorn on 127.0.0.1): the headless CLI, and kill -9 of the client in
the middle of a sync and of a local write."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from common.schema import Household
from desktop.storage import profiles
from desktop.storage.outbox import pending_count
from desktop.storage.tables import LocalHistory, OutboxEntry
from tests.factories import PASSWORD
from tests.live_server import LiveServer

ROOT = Path(__file__).resolve().parents[2]
PY = sys.executable


@pytest.fixture
def db_url(sqlite_template, tmp_path):
    """SQLite only here: these tests are about the client process (both backends are covered
    by test_sync_basics.py and test_sync_scope.py)."""
    import shutil
    path = tmp_path / "server.db"
    shutil.copyfile(sqlite_template, path)
    return f"sqlite:///{path}"


pytestmark = pytest.mark.live_server(real_clock=True)  # its devices use the real clock


@pytest.fixture
def live_db(db_url):
    return db_url  # every backend


def cli(home: Path, *args: str, password: str = PASSWORD, **kw) -> subprocess.Popen:
    env = {**os.environ, "YZB_HOME": str(home), "YZB_PASSWORD": password}
    return subprocess.Popen([PY, "-m", "desktop", "sync", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


def test_headless_sync_signs_in_creates_the_profile_and_prints_progress(live, tmp_path):
    hid = live.harness.write(Household, None, {"household_no": "H-cli",
                                               "grid_id": live.harness.grid("g1a")})
    p = cli(tmp_path, "--server", live.url, "--user", "worker1a")
    out, err = p.communicate(timeout=120)
    assert p.returncode == 0, err
    assert live.url in out and "worker1a" in out and "完成" in out
    os.environ["YZB_HOME"] = str(tmp_path)
    try:
        prof = profiles.open_profile("worker1a", PASSWORD)
        with Session(prof.engine) as s:
            assert s.get(Household, hid).household_no == "H-cli"
        prof.close()
    finally:
        del os.environ["YZB_HOME"]
    # A second run opens the same profile (offline sign-in first) and syncs again.
    p = cli(tmp_path, "--user", "worker1a")
    out, err = p.communicate(timeout=120)
    assert p.returncode == 0, err


def test_a_second_headless_sync_uses_the_kept_token_without_signing_in(live, tmp_path):
    """On a 2G link a sign-in is a round trip and Argon2id on both sides: a run with a valid
    kept token syncs at once (the server's log shows one sign-in for two runs)."""
    from sync_server.db.tables import OpLog

    def sign_ins() -> int:
        with live.harness.session() as s:
            return len(s.scalars(select(OpLog.id).where(OpLog.username == "worker1a",
                                                        OpLog.action == "login")).all())
    p = cli(tmp_path, "--server", live.url, "--user", "worker1a")
    assert p.communicate(timeout=120) and p.returncode == 0
    assert sign_ins() == 1
    hid = live.harness.write(Household, None, {"household_no": "H-again",
                                               "grid_id": live.harness.grid("g1a")})
    p = cli(tmp_path, "--user", "worker1a")
    out, err = p.communicate(timeout=120)
    assert p.returncode == 0, err
    assert "完成" in out
    assert sign_ins() == 1
    os.environ["YZB_HOME"] = str(tmp_path)
    try:
        prof = profiles.open_profile("worker1a", PASSWORD)
        with Session(prof.engine) as s:
            assert s.get(Household, hid).household_no == "H-again"
        prof.close()
    finally:
        del os.environ["YZB_HOME"]


def test_headless_sync_with_a_wrong_password_fails_in_plain_words(live, tmp_path):
    p = cli(tmp_path, "--server", live.url, "--user", "worker1a", password="not-it")
    out, err = p.communicate(timeout=120)
    assert p.returncode != 0 and "同步失败" in err


WRITER = r"""
import datetime as dt, os, sys
from sqlalchemy.orm import Session
from common.schema import Household
from desktop.storage import profiles
from desktop.storage.changes import record_change
prof = profiles.open_profile(sys.argv[1], sys.argv[2])
n = 0
while True:
    with Session(prof.engine) as s, s.begin():
        for _ in range(20):
            record_change(s, Household, None, {"household_no": f"K-{n}",
                          "grid_id": sys.argv[3]}, now=dt.datetime.utcnow())
            n += 1
    print(n, flush=True)
"""


def _make_profile(home: Path, live: LiveServer) -> None:
    p = cli(home, "--server", live.url, "--user", "worker1a")
    out, err = p.communicate(timeout=120)
    assert p.returncode == 0, out + err


def _check_intact(home: Path) -> tuple[int, int, int]:
    os.environ["YZB_HOME"] = str(home)
    try:
        prof = profiles.open_profile("worker1a", PASSWORD)
        with prof.engine.connect() as c:
            assert c.execute(text("PRAGMA integrity_check")).scalar() == "ok"
        with Session(prof.engine) as s:
            rows = s.scalar(select(func.count()).select_from(Household)
                            .where(Household.household_no.like("K-%")))
            history = s.scalar(select(func.count()).select_from(LocalHistory))
            waiting = pending_count(s)
        prof.close()
        return rows, history, waiting
    finally:
        del os.environ["YZB_HOME"]


def test_kill_9_during_a_local_write_leaves_every_committed_row_with_its_outbox_entry(
        live, tmp_path):
    _make_profile(tmp_path, live)
    env = {**os.environ, "YZB_HOME": str(tmp_path)}
    w = subprocess.Popen([PY, "-c", WRITER, "worker1a", PASSWORD, live.harness.grid("g1a")],
                         cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    committed = 0
    while committed < 200:
        committed = int(w.stdout.readline())
    w.send_signal(signal.SIGKILL)
    w.wait()
    rows, history, waiting = _check_intact(tmp_path)
    assert rows >= committed
    assert rows % 20 == 0            # whole transactions only
    assert waiting == rows == history  # each row has its outbox entry


def test_kill_9_during_a_sync_loses_nothing_and_the_next_sync_finishes_the_job(live, tmp_path):
    _make_profile(tmp_path, live)
    env = {**os.environ, "YZB_HOME": str(tmp_path)}
    w = subprocess.Popen([PY, "-c", WRITER, "worker1a", PASSWORD, live.harness.grid("g1a")],
                         cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    while int(w.stdout.readline()) < 600:
        pass
    w.send_signal(signal.SIGKILL)
    w.wait()
    made, _, _ = _check_intact(tmp_path)
    p = cli(tmp_path, "--user", "worker1a")
    first = p.stdout.readline()          # the banner; then kill it mid-sync
    assert "服务器" in first
    p.stdout.readline()
    p.send_signal(signal.SIGKILL)
    p.wait()
    rows, _, waiting = _check_intact(tmp_path)
    assert rows == made
    p = cli(tmp_path, "--user", "worker1a")
    _, err = p.communicate(timeout=300)
    assert p.returncode == 0, err
    rows, _, waiting = _check_intact(tmp_path)
    assert waiting == 0
    with live.harness.session() as s:
        on_server = s.scalar(select(func.count()).select_from(Household)
                             .where(Household.household_no.like("K-%")))
    assert on_server == made
