"""First sync's wait for a snapshot being prepared: it gives up after MAX_WAIT_SECONDS of real
waiting, however the server paces the polls (a long poll holds each one ~20 s, then asks for
the next at once)."""
from __future__ import annotations

import os

import pytest

from common.errors import DomainError
from desktop.services.first_sync import MAX_WAIT_SECONDS, first_sync
from desktop.storage import migrations
from desktop.storage.database import open_database
from tests.conftest import NOW


class StuckSnapshots:
    """A server whose snapshot job never finishes: each status call is a long poll that holds
    the answer `hold` seconds (on the fake clock) and then asks for the next poll in 0.1 s."""

    def __init__(self, clock: list[float], hold: float) -> None:
        self.clock, self.hold = clock, hold
        self.requests = self.polls = 0

    def _preparing(self) -> dict:
        return {"id": f"snap-{self.requests}", "status": "preparing", "batches_done": 0,
                "retry_after": 0.1}

    def request(self) -> dict:
        self.requests += 1
        self.clock[0] += self.hold
        return self._preparing()

    def status(self, snapshot_id: str) -> dict:
        self.polls += 1
        self.clock[0] += self.hold
        return self._preparing()


def test_a_snapshot_that_never_gets_ready_is_given_up_after_the_maximum_wait(tmp_path):
    engine = open_database(tmp_path / "local.db", os.urandom(32))
    migrations.migrate(engine)
    now = [0.0]

    def sleep(seconds: float) -> None:
        now[0] += seconds

    server = StuckSnapshots(now, hold=20.0)
    with pytest.raises(DomainError) as refused:
        first_sync(engine, server, now=lambda: NOW, sleep=sleep, clock=lambda: now[0])
    assert refused.value.code == "snapshot_not_ready"
    assert server.requests == 2  # a second job was asked for once, then it gave up
    # Two waits of MAX_WAIT_SECONDS, each poll held ~20 s: about 180 polls, not the 36,000
    # that counting only the 0.1 s pauses between long polls would make (hours, not an hour).
    assert server.polls <= 2 * MAX_WAIT_SECONDS / 20 + 4
    assert now[0] <= 2 * MAX_WAIT_SECONDS + 200
    engine.dispose()
