"""First sync's wait for a snapshot being prepared: it gives up after MAX_WAIT_SECONDS of real
waiting, however the server paces the polls (a long poll holds each one ~20 s, then asks for
the next at once)."""
from __future__ import annotations

import datetime as dt
import json
import os
import uuid

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


class PreparedSnapshot:
    """A server with one prepared snapshot of `batches` batches of visits (the column-wise form,
    one identifier table), whose link goes down when batch `cut_at` is asked for."""

    def __init__(self, batches: int, rows: int, cut_at: int | None = None) -> None:
        from common.sync import hlc
        from common.sync.codec import columnar, compact_clocks
        self.cut_at, self.sent = cut_at, []
        table: dict[str, int] = {}
        self.wire, rev = [], 0
        person = "0b9f5c1e-4a3e-4c1a-9d1e-2f3a4b5c6d7e"
        cols = ["id", "rev", "kind", "visitor_id", "visited_at", "created_at", "updated_at",
                "grid_id", "person_id", "notes", "field_clock"]
        for b in range(batches):
            data = []
            for r in range(rows):
                rev += 1
                stamp = hlc.stamp(1_764_000_000_000 + rev, 0, "a1b2c3d4e5f6")
                at = (NOW - dt.timedelta(minutes=rev)).isoformat()
                data.append([str(uuid.UUID(int=rev)), rev, "home", f"u{r % 3}", at, at, at,
                             f"g{r % 2}", person, f"第{b}批", compact_clocks(
                                 dict.fromkeys(cols[2:-1], stamp))])
            self.wire.append(columnar({"cursor": rev, "more": b + 1 < batches, "exits": [],
                                       "conflicts": [], "data": {"visits": {
                                           "cols": cols, "rows": data}}}, table))
        self.manifest = {"id": "snap-1", "status": "ready", "rev": rev, "batches": [
            {"index": i, "cursor": w["cursor"]} for i, w in enumerate(self.wire)]}

    def request(self) -> dict:
        return self.manifest

    def status(self, snapshot_id: str) -> dict:
        return self.manifest

    def batch(self, snapshot_id: str, index: int) -> tuple[dict, int]:
        if index == self.cut_at:
            self.cut_at = None
            raise DomainError("server_unreachable", url="http://127.0.0.1")
        self.sent.append(index)
        return json.loads(json.dumps(self.wire[index])), 1000


def indexes(engine) -> set[tuple[str, str]]:
    with engine.connect() as conn:
        return set(conn.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'visits'"))


def visits(engine) -> list[tuple]:
    with engine.connect() as conn:
        return list(conn.exec_driver_sql("SELECT * FROM visits ORDER BY id"))


def test_an_empty_copy_is_filled_without_its_indexes_and_gets_them_all_back_after_a_cut(tmp_path):
    """A first sync into an empty copy builds the tables' secondary indexes once, at its end:
    cut midway, the copy keeps what arrived (without those indexes, its queries still right);
    resumed, it ends with the same rows and exactly the indexes a fresh copy has."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session
    from common.schema import Visit

    def fresh(name: str):
        engine = open_database(tmp_path / name, os.urandom(32))
        migrations.migrate(engine)
        return engine
    uncut, laptop = fresh("uncut.db"), fresh("laptop.db")
    full = indexes(uncut)
    assert {n for n, _ in full} >= {"ix_visits_rev", "ix_visits_person_id", "ix_visits_grid_id"}
    first_sync(uncut, PreparedSnapshot(4, 30), now=lambda: NOW)

    server = PreparedSnapshot(4, 30, cut_at=2)
    with pytest.raises(DomainError):
        first_sync(laptop, server, now=lambda: NOW)
    left = indexes(laptop)
    assert {n for n, _ in left} == {n for n, sql in full if sql is None}  # the primary key's
    with Session(laptop) as s:  # what arrived reads right without them
        assert len(s.scalars(select(Visit).where(Visit.grid_id == "g1")).all()) == 30
    report = first_sync(laptop, server, now=lambda: NOW)

    assert server.sent == [0, 1, 2, 3] and report.skipped == 2  # resumed, nothing twice
    assert indexes(laptop) == indexes(uncut) == full
    assert visits(laptop) == visits(uncut) and len(visits(laptop)) == 120
    with Session(laptop) as s:
        assert s.scalar(select(Visit.notes).where(Visit.rev == 120)) == "第3批"
    uncut.dispose(), laptop.dispose()


def test_a_client_update_in_the_middle_of_a_first_sync_migrates_a_copy_with_all_its_indexes(
        tmp_path):
    """A migration written for the full schema (dropping or replacing an index) never meets
    a copy whose indexes a cut first sync left dropped: they are built before it runs."""
    from sqlalchemy import text as sql

    engine = open_database(tmp_path / "laptop.db", os.urandom(32))
    migrations.migrate(engine)
    full = indexes(engine)
    server = PreparedSnapshot(3, 10, cut_at=1)
    with pytest.raises(DomainError):
        first_sync(engine, server, now=lambda: NOW)
    assert indexes(engine) != full
    with engine.begin() as conn:  # the update brings a migration this copy has not had
        conn.execute(sql("DELETE FROM _migrations WHERE name = '0102_client_search_indexes'"))
    assert migrations.migrate(engine) == ["0102_client_search_indexes"]
    assert indexes(engine) == full
    first_sync(engine, server, now=lambda: NOW)
    assert indexes(engine) == full and len(visits(engine)) == 30
    engine.dispose()
