"""The Makefile as a newcomer meets it: the install steps of `make run` show their progress (they
ran silent, so a slow link looked like a hang), the system packages include what Qt's xcb plugin
and the Xvfb test need, and `make bench QUICK=1` asks for the quick run."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def dry_run(*targets: str) -> str:
    """The commands make would run (-n: nothing runs; -B: as on a fresh clone)."""
    done = subprocess.run(["make", "-n", "-B", *targets], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_install_steps_show_their_progress():
    commands = dry_run("sysdeps", ".venv/.installed")
    pip = [line for line in commands.splitlines() if "pip install" in line]
    apt = [line for line in commands.splitlines() if re.search(r"apt-get (update|install)", line)]
    assert pip and apt
    for line in pip:
        assert not re.search(r"\s-q+\b|--quiet", line), line
    for line in apt:
        assert not re.search(r"\s-q+\b|--quiet|>\s*/dev/null", line), line


def test_the_system_packages_include_the_xcb_cursor_library_and_xvfb():
    makefile = (ROOT / "Makefile").read_text("utf-8")
    packages = re.search(r"^SYSPKGS := (.*?)(?<!\\)$", makefile, re.M | re.S).group(1).split()
    assert {"libxcb-cursor0", "xvfb", "x11-utils"} <= set(packages)


def test_make_bench_runs_every_benchmark_and_has_a_quick_mode():
    assert "-m benchmarks --quick" in dry_run("bench", "QUICK=1")
    full = [line for line in dry_run("bench").splitlines() if "-m benchmarks" in line]
    assert full and "--quick" not in full[0]
