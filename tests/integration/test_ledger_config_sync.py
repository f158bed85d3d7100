"""A field a county admin adds to a ledger type reaches a worker's encrypted device by sync, shows
up as a column of the exported sheet, and values imported into it on the device sync back."""
from __future__ import annotations

import openpyxl
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from common.ledger_types import ledger_type_id
from common.schema import Household, LedgerField, LedgerRow, LedgerType
from desktop.assistant.ledgers import export_ledger, import_ledger
from sync_server.app import create_app
from sync_server.services.auth import make_access_token
from sync_server.settings import Settings
from tests.integration.sync_harness import Device

LIVESTOCK = ledger_type_id("livestock")


@pytest.fixture
def admin_api(server, tmp_path):
    """The real HTTP API on the harness's database, signed in as the county admin."""
    settings = Settings(database_url=server.url, environment="test",
                        secret_key="test-secret-" + "x" * 32,
                        attachments_dir=tmp_path / "attachments")
    app = create_app(settings, clock=server.clock)
    client = TestClient(app)
    token = make_access_token(server.user("admin"), settings, server.clock())
    client.headers["Authorization"] = f"Bearer {token}"
    yield client
    client.close()
    app.state.engine.dispose()


@pytest.fixture
def worker(server, tmp_path):
    device = Device(server, "worker1a", tmp_path / "worker1a.db")
    yield device
    device.close()


def test_an_admin_added_field_reaches_the_device_and_its_imported_values_sync_back(
        server, admin_api, worker, tmp_path):
    hid = server.write(Household, None, {"household_no": "TKX-0001", "address": "团结路 1 号",
                                         "grid_id": server.grid("g1a")})
    worker.sync()
    with Session(worker.engine) as s:
        export_ledger(s, "livestock", tmp_path / "before.xlsx")
    assert "防疫次数(次)" not in _header(tmp_path / "before.xlsx")

    r = admin_api.post(f"/api/admin/ledger-types/{LIVESTOCK}/fields", json={
        "code": "vaccinations", "label": "防疫次数", "field_type": "int", "unit": "次"})
    assert r.status_code == 201, r.text
    server.clock.advance(minutes=1)
    worker.sync()

    with Session(worker.engine) as s:  # the whole county-wide configuration arrived
        assert s.get(LedgerType, LIVESTOCK).name == "养殖台账"
        assert s.get(LedgerField, r.json()["id"]).label == "防疫次数"
        export_ledger(s, "livestock", tmp_path / "livestock.xlsx")
    header = _header(tmp_path / "livestock.xlsx")
    assert header[-2:] == ["防疫次数(次)", "记录编号"]

    wb = openpyxl.load_workbook(tmp_path / "livestock.xlsx")
    values = {"户号": "TKX-0001", "年度": 2025, "畜禽种类": "羊", "存栏数(头(只))": 40,
              "防疫次数(次)": 3}
    wb.active.append([values.get(h) for h in header])
    wb.save(tmp_path / "filled.xlsx")
    with Session(worker.engine) as s, s.begin():
        report = import_ledger(s, "livestock", tmp_path / "filled.xlsx", now=worker.now())
    assert (report.created, report.errors) == (1, [])
    progress = worker.sync()
    assert progress.pending == 0

    with server.session() as s:
        row = s.scalars(select(LedgerRow).where(LedgerRow.household_id == hid)).one()
        assert row.ledger_type_id == LIVESTOCK and row.year == 2025
        assert row.data == {"animal": "sheep", "stock": 40, "vaccinations": 3}

    newcomer = Device(server, "worker2", tmp_path / "worker2.db")  # a first sync, other grid
    try:
        newcomer.sync()
        with Session(newcomer.engine) as s:
            export_ledger(s, "livestock", tmp_path / "newcomer.xlsx")
            assert s.scalars(select(LedgerRow)).all() == []  # another grid's rows stay away
    finally:
        newcomer.close()
    assert "防疫次数(次)" in _header(tmp_path / "newcomer.xlsx")


def _header(path) -> list[str]:
    return [c.value for c in openpyxl.load_workbook(path).active[1]]


def test_a_first_sync_over_http_from_a_snapshot_brings_the_admins_new_field(db_url, tmp_path):
    import httpx

    from desktop.net.sync import HttpSyncTransport
    from desktop.services.sync import SyncService
    from sync_server.db.snapshot_tables import ScopeSnapshot
    from tests.live_server import LiveServer, real_now

    live = LiveServer(db_url, tmp_path, real_clock=True, lifespan="off").start()
    try:
        r = httpx.post(f"{live.url}/api/admin/ledger-types/{LIVESTOCK}/fields", json={
            "code": "vaccinations", "label": "防疫次数", "field_type": "int", "unit": "次"},
            headers={"Authorization": f"Bearer {live.token('admin')}"})
        assert r.status_code == 201, r.text
        laptop = Device(live.harness, "worker1b", tmp_path / "laptop.db")
        laptop.now = real_now
        laptop.service = SyncService(laptop, HttpSyncTransport(live.url), clock=laptop.now)
        laptop.service.store_tokens({"access_token": live.token("worker1b")})
        try:
            laptop.sync()
            with Session(laptop.engine) as s:
                export_ledger(s, "养殖台账", tmp_path / "livestock.xlsx")
        finally:
            laptop.close()
        with live.harness.session() as s:  # the first sync did come from a snapshot
            assert s.scalar(select(ScopeSnapshot.status)) == "ready"
    finally:
        live.stop()
    assert "防疫次数(次)" in _header(tmp_path / "livestock.xlsx")
