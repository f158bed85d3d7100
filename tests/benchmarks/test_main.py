"""`make bench` (python -m benchmarks): every benchmark runs, each is reported, and one that fails
or ends with `raise SystemExit` does not stop the rest (it used to end the whole run)."""
from __future__ import annotations

import os
import pkgutil
from pathlib import Path

import pytest

from benchmarks.__main__ import BENCHMARKS, Bench, main, run_all

HERE = Path(__file__).resolve().parents[2] / "benchmarks"


def test_every_benchmark_module_is_in_the_run():
    runnable = {m.name for m in pkgutil.iter_modules([str(HERE)])
                if not m.name.startswith("_")
                and 'if __name__ == "__main__"' in (HERE / f"{m.name}.py").read_text("utf-8")}
    assert runnable == {b.module.removeprefix("benchmarks.") for b in BENCHMARKS}
    assert len(runnable) >= 11


def test_a_failing_or_exiting_benchmark_is_reported_and_the_rest_still_run(tmp_path, capfd):
    (tmp_path / "bench_exits.py").write_text(
        "print('exits ran')\nraise SystemExit(0)\n", "utf-8")
    (tmp_path / "bench_fails.py").write_text(
        "print('fails ran')\nraise RuntimeError('broken')\n", "utf-8")
    (tmp_path / "bench_last.py").write_text(
        "import sys\nprint('last ran', sys.argv[1:])\n", "utf-8")
    benches = [Bench("exits", "bench_exits"), Bench("fails", "bench_fails"),
               Bench("last", "bench_last", full=("--big",), quick=("--small",))]
    env = dict(os.environ, PYTHONPATH=str(tmp_path))
    rc = run_all(benches, quick=True, env=env)
    out = capfd.readouterr().out
    assert rc == 1
    assert out.index("exits ran") < out.index("fails ran") < out.index("last ran ['--small']")
    summary = out[out.index("== summary"):]
    assert "FAILED  fails" in summary and "ok      exits" in summary
    assert "ok      last" in summary and "1 of 3 failed: fails" in summary

    assert run_all(benches[:1], env=env) == 0
    assert "all 1 benchmarks ran" in capfd.readouterr().out


def test_an_unknown_benchmark_name_is_refused(capsys):
    with pytest.raises(SystemExit) as exit:
        main(["no_such_bench"])
    assert exit.value.code == 2
    assert "no_such_bench" in capsys.readouterr().err
