"""Ledger rows added, edited and deleted on the 台账管理 page (desktop.services.ledgers, the
page's one write path) reach the server by sync; an office edit comes back to the device."""
from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from common.schema import Household, LedgerRow
from desktop.assistant.ledgers import ledger
from desktop.services import ledgers
from desktop.services.ledgers import LedgerQuery
from desktop.services.work_context import grids_in_scope
from tests.integration.sync_harness import Device


@pytest.fixture
def worker(server, tmp_path):
    device = Device(server, "worker1a", tmp_path / "worker1a.db")
    yield device
    device.close()


def test_a_row_added_edited_and_deleted_on_the_page_syncs_both_ways(server, worker):
    hid = server.write(Household, None, {"household_no": "TKX-0001", "address": "团结路 1 号",
                                         "grid_id": server.grid("g1a")})
    worker.sync()

    with Session(worker.engine) as s, s.begin():
        land = ledger(s, "land")
        rid = ledgers.save_row(s, land, None, {"arable_area": "6.5", "transfer_mode": "出租"},
                               key="TKX-0001", year=2025, now=worker.now(),
                               grids=grids_in_scope(s, None))
    assert worker.sync().pending == 0
    with server.session() as s:
        row = s.get(LedgerRow, rid)
        assert (row.household_id, row.grid_id, row.year) == (hid, server.grid("g1a"), 2025)
        assert row.data == {"arable_area": 6.5, "transfer_mode": "lease"}

    server.clock.advance(minutes=1)
    server.write(LedgerRow, rid, {"data": {"arable_area": 7.0, "transfer_mode": "lease"}})
    worker.sync()
    with Session(worker.engine) as s:
        (shown,) = ledgers.list_rows(s, ledger(s, "land"), LedgerQuery(year=2025))
        assert (shown.key, shown.data["arable_area"]) == ("TKX-0001", 7.0)

    server.clock.advance(minutes=1)
    with Session(worker.engine) as s, s.begin():
        ledgers.delete_row(s, ledger(s, "land"), rid, now=worker.now())
    assert worker.sync().pending == 0
    with server.session() as s:
        assert s.scalar(select(LedgerRow.deleted).where(LedgerRow.id == rid)) is True
