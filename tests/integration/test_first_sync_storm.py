"""300 devices of one township starting a first sync together, against a real server process
on 127.0.0.1, while grid workers keep syncing: nobody is refused or timed out, and the snapshot
is prepared once. (The latencies are printed, and measured in benchmarks.first_sync.)"""
from __future__ import annotations

from benchmarks.first_sync import storm


def test_300_devices_onboarding_together_do_not_stall_the_incremental_syncs_of_others(tmp_path):
    result = storm(devices=300, people=800, folder=tmp_path)
    print(f"\nincremental syncs during the storm: p50 {result['p50_ms']} ms, "
          f"p99 {result['p99_ms']} ms, {result['incremental_syncs']} syncs")
    errors = result["error_sample"]
    assert result["onboarded"] == 300 and result["onboard_errors"] == 0, errors
    assert result["snapshots"] == 1, result           # one job shared by the whole scope
    assert result["incremental_syncs"] > 0 and result["incremental_errors"] == 0, errors
