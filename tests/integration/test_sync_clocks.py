"""Clocks lie: devices whose clocks run 3 days ahead or behind neither win nor lose every
conflict. The rule (docs/SYNC.md): the later edit in server-corrected time wins; each device
corrects its clock by the offset measured at its last sync, and the server brings any stamp
more than a minute ahead of its own clock back to its time of arrival."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from common.schema import Household
from desktop.storage.conflicts import list_conflicts
from tests.integration.sync_harness import Device, ServerHarness

DAYS3 = dt.timedelta(days=3)


@pytest.fixture
def world(db_url, tmp_path):
    server = ServerHarness(db_url)
    hid = server.write(Household, None, {"household_no": "H", "address": "原址",
                                         "grid_id": server.grid("g1a")})
    honest = Device(server, "worker1a", tmp_path / "honest.db")
    ahead = Device(server, "worker1a", tmp_path / "ahead.db", skew=DAYS3)
    behind = Device(server, "office1", tmp_path / "behind.db", skew=-DAYS3)
    for d in (honest, ahead, behind):
        d.sync()
    yield server, hid, honest, ahead, behind
    for d in (honest, ahead, behind):
        d.close()
    server.close()


def _edit_in_turn(server, hid, order):
    for device, value in order:
        server.clock.advance(minutes=1)
        device.write(Household, hid, {"address": value})
    for device, _ in order:
        device.sync()
    for device, _ in order:
        device.sync()


def test_the_last_edit_in_real_time_wins_whichever_laptop_clock_is_wrong(world):
    server, hid, honest, ahead, behind = world
    _edit_in_turn(server, hid, [(behind, "慢钟"), (honest, "准钟"), (ahead, "快钟")])
    assert {d.view()[hid]["address"] for d in (honest, ahead, behind)} == {"快钟"}
    _edit_in_turn(server, hid, [(ahead, "快钟2"), (honest, "准钟2"), (behind, "慢钟2")])
    assert {d.view()[hid]["address"] for d in (honest, ahead, behind)} == {"慢钟2"}
    _edit_in_turn(server, hid, [(honest, "准钟3"), (behind, "慢钟3"), (ahead, "快钟3")])
    assert server.scope_view("worker1a")[hid]["address"] == "快钟3"
    with Session(honest.engine) as s:
        losers = {c.loser_value for c in list_conflicts(s)}
    assert {"慢钟", "准钟", "快钟2", "准钟2", "准钟3", "慢钟3"} <= losers


def test_a_laptop_whose_clock_jumped_days_ahead_offline_cannot_win_against_a_later_edit(
        world, tmp_path):
    server, hid, honest, _, _ = world
    fresh = Device(server, "worker1a", tmp_path / "fresh.db")
    fresh.sync()
    fresh.skew = DAYS3  # its clock is set 3 days ahead after its last sync: no offset known
    try:
        # It edits offline with its clock 3 days ahead…
        server.clock.advance(minutes=1)
        fresh.write(Household, hid, {"address": "快三天的新电脑"})
        fresh.sync()
        # …then an honest edit, made a minute later, reaches the server.
        server.clock.advance(minutes=1)
        honest.sync()
        honest.write(Household, hid, {"address": "之后的准确修改"})
        honest.sync()
        fresh.sync()
        assert fresh.view()[hid]["address"] == "之后的准确修改"
        assert server.scope_view("worker1a")[hid]["address"] == "之后的准确修改"
        # And once it has synced, the new laptop's own edits are stamped in corrected time.
        server.clock.advance(minutes=1)
        fresh.write(Household, hid, {"address": "校正后的修改"})
        honest.write(Household, hid, {"address": "更早同步的修改"})  # same minute, earlier
        server.clock.advance(minutes=1)
        honest.sync(), fresh.sync(), honest.sync()
        assert honest.view()[hid]["address"] == fresh.view()[hid]["address"]
    finally:
        fresh.close()
