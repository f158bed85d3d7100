"""Fixtures of the client's tests: a private folder for the client's profiles."""
from __future__ import annotations

import pytest


@pytest.fixture
def yzb_home(tmp_path, monkeypatch):
    """The client's profiles (YZB_HOME) under the test's own folder."""
    monkeypatch.setenv("YZB_HOME", str(tmp_path / "home"))
    return tmp_path / "home"
