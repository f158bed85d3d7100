"""Fixtures of the client↔server tests: the server side in process (a ServerHarness)."""
from __future__ import annotations

import pytest

from tests.integration.sync_harness import ServerHarness


@pytest.fixture
def server(db_url):
    """The server's database (every backend), its org tree and clock, in this process."""
    harness = ServerHarness(db_url)
    yield harness
    harness.close()
