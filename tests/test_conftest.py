"""The session guard of tests/conftest.py: tests write only under pytest's temporary folders."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from tests.conftest import leftovers


def test_a_tests_temp_folders_are_made_under_pytests_own(tmp_path_factory):
    base = tmp_path_factory.getbasetemp().resolve()
    made = Path(tempfile.mkdtemp(prefix="yzb-check-"))
    try:
        assert base in made.resolve().parents
        assert base in Path(os.environ["TMPDIR"]).resolve().parents  # processes tests start too
    finally:
        made.rmdir()


def test_the_guard_names_what_a_session_wrote_into_data_or_left_in_temp(tmp_path):
    before = {"attachments/ab/cd": 1, "yizhangbiao.db": 5}
    after = {"attachments/ab/cd": 1, "yizhangbiao.db": 6, "snapshots/x/0.zst": 7}
    (tmp_path / "yzb-world-abc").mkdir()
    (tmp_path / "other").mkdir()
    assert leftovers(before, after, tmp_path) == sorted(
        ["data/snapshots/x/0.zst", "data/yizhangbiao.db", str(tmp_path / "yzb-world-abc")])
    assert leftovers(before, before, tmp_path / "other") == []
