"""`python -m sync_server`: migrate, then serve with uvicorn on 127.0.0.1; settings from the
environment."""
from __future__ import annotations

import os
import subprocess
import sys
import time

import httpx
import pytest
from sqlalchemy.orm import Session

from sync_server.db.engine import make_engine
from sync_server.settings import Settings, load_settings
from tests.factories import PASSWORD, build_tree
from tests.conftest import NOW
from tests.pg import free_port


def run(*args, env=None, **kw):
    return subprocess.run([sys.executable, "-m", "sync_server", *args], capture_output=True,
                          text=True, env={**os.environ, **(env or {})}, timeout=120, **kw)


def test_migrate_creates_the_default_sqlite_database_in_a_data_folder(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    done = subprocess.run([sys.executable, "-m", "sync_server", "migrate"], cwd=tmp_path,
                          capture_output=True, text=True, env={**env, "PYTHONPATH": os.getcwd()},
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "data" / "yizhangbiao.db").exists()
    assert "数据库已迁移" in done.stdout


def test_production_refuses_to_start_with_the_default_secret(tmp_path):
    done = run("migrate", env={"ENVIRONMENT": "production",
                               "DATABASE_URL": f"sqlite:///{tmp_path}/x.db"})
    assert done.returncode == 2 and "SECRET_KEY" in done.stderr
    with pytest.raises(ValueError):
        Settings(environment="production")
    ok = Settings(environment="production", secret_key="s" * 40)
    assert ok.access_token_minutes == 15 and ok.refresh_token_days == 30


def test_settings_come_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/sub/dir/y.db")
    monkeypatch.setenv("ACCESS_TOKEN_MINUTES", "5")
    settings = load_settings()
    assert settings.access_token_minutes == 5
    assert (tmp_path / "sub" / "dir").is_dir()


def test_a_real_uvicorn_server_serves_login_and_scoped_lists(db_url, tmp_path):
    from sync_server.db.migrate import migrate
    migrate(db_url)
    engine = make_engine(db_url)
    with Session(engine) as s:
        build_tree(s, NOW)
        s.commit()
    engine.dispose()
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "sync_server", "--host", "127.0.0.1",
                             "--port", str(port)],
                            # its files (attachments, the snapshots housekeeping keeps ready) in tmp
                            env={**os.environ, "DATABASE_URL": db_url,
                                 "ATTACHMENTS_DIR": str(tmp_path / "attachments")},
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            pytest.fail("server did not start")
        r = httpx.post(f"{base}/api/auth/login",
                       json={"username": "worker2", "password": PASSWORD})
        assert r.status_code == 200, r.text
        headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
        nodes = httpx.get(f"{base}/api/org-nodes", headers=headers).json()
        assert [n["name"] for n in nodes["items"]] == ["南湖村第一网格"]
        assert httpx.get(f"{base}/docs").status_code == 200
        bad = httpx.post(f"{base}/api/people", content=b"{oops", headers={
            **headers, "content-type": "application/json"})
        assert bad.status_code == 400
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_every_setting_and_command_is_documented():
    from pathlib import Path
    doc = (Path(__file__).parents[2] / "docs" / "SERVER.md").read_text(encoding="utf-8")
    for name in Settings.model_fields:
        assert f"`{name.upper()}`" in doc, f"setting {name.upper()} is not in docs/SERVER.md"
    for command in ("python -m sync_server migrate", "python -m sync_server [--host"):
        assert command in doc


def test_create_admin_on_an_empty_database_makes_the_county_and_an_admin_who_signs_in(db_url,
                                                                                   tmp_path):
    env = {"DATABASE_URL": db_url, "YZB_ADMIN_PASSWORD": "Strong@Pass1",
           "ATTACHMENTS_DIR": str(tmp_path / "attachments")}
    done = run("create-admin", "--username", "root", env=env)
    assert done.returncode == 0, done.stderr
    again = run("create-admin", "--username", "root", env=env)
    assert again.returncode == 1 and "root 已被使用" in again.stderr
    from sync_server.app import create_app
    from fastapi.testclient import TestClient
    client = TestClient(create_app(Settings(database_url=db_url, secret_key="k" * 40,
                                            attachments_dir=tmp_path / "attachments")))
    r = client.post("/api/auth/login", json={"username": "root", "password": "Strong@Pass1"})
    assert r.status_code == 200
    assert r.json()["user"]["scope_node_name"] == "托克逊县"
    assert r.json()["user"]["role"] == "county_admin"
    client.app.state.engine.dispose()
