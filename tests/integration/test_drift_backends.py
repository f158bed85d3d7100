"""Drift repair on both server backends (in-process transport, real SQLCipher files): a copy
restored from an old backup is detected and rebuilt; newer server values stay."""
from __future__ import annotations

from common.schema import Household
from tests.integration.sync_harness import Device
from tests.integration.test_drift import backup, restore


def test_drift_is_detected_and_repaired_on_both_server_backends(db_url, tmp_path):
    """The same restored-copy repair through the in-process transport, on SQLite and
    PostgreSQL (the server's drift check and scope digest run on either)."""
    from tests.integration.sync_harness import ServerHarness
    srv = ServerHarness(db_url)
    laptop = Device(srv, "worker1a", tmp_path / "laptop.db")
    try:
        grid = srv.grid("g1a")
        hid = srv.write(Household, None, {"household_no": "H-1", "address": "旧址",
                                          "grid_id": grid})
        laptop.sync()
        backup(laptop, tmp_path / "old.db")
        srv.write(Household, hid, {"address": "新址"})
        laptop.sync()
        laptop.sync()  # the server has now heard the laptop state the newer cursor
        restore(laptop, tmp_path / "old.db")
        laptop.write(Household, hid, {"household_no": "H-1-改"})
        progress = laptop.sync()
        assert progress.rebuilt
        view = srv.scope_view("worker1a")
        assert view[hid]["address"] == "新址" and view[hid]["household_no"] == "H-1-改"
        assert laptop.view() == view
    finally:
        laptop.close()
        srv.close()
