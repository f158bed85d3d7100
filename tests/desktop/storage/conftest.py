"""Fixtures for the client storage tests: a private profile folder and a quick KDF."""
from __future__ import annotations

import pytest

FAST_KDF = {"name": "argon2id", "time_cost": 1, "memory_cost": 8192, "parallelism": 1}


@pytest.fixture
def yzb_home(tmp_path, monkeypatch):
    monkeypatch.setenv("YZB_HOME", str(tmp_path / "home"))
    return tmp_path / "home"
