"""The README tells a newcomer what `make run` answers to: every environment variable
packaging/run.py reads is documented there (YZB_PORT was not)."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_setting_of_make_run_is_in_the_readme():
    run = (ROOT / "packaging" / "run.py").read_text("utf-8")
    readme = (ROOT / "README.md").read_text("utf-8")
    names = set(re.findall(r'os\.environ\.get\("([A-Z_]+)"', run)) - {"DISPLAY", "WAYLAND_DISPLAY"}
    assert {"YZB_PORT", "YZB_HOST"} <= names
    for name in names:
        assert f"`{name}" in readme, f"{name} is not in README.md"
    assert "make bench QUICK=1" in readme
