"""`make bench`: run every benchmark in turn, each in its own process, and report each.

    python -m benchmarks                 every benchmark at its full size (hours: the 2G link
                                         simulations alone take tens of minutes)
    python -m benchmarks --quick         every benchmark at a small size (a few minutes): does
                                         each still run, and roughly how fast
    python -m benchmarks qr search       only these (names as in the table printed at the end)

A benchmark that fails is reported and the others still run; the exit status is 1 if any failed.
Each runs as `python -m benchmarks.<module> …` in a child process, so one that ends with
`raise SystemExit` or crashes cannot stop the rest.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Bench:
    name: str
    module: str
    full: tuple[str, ...] = ()
    quick: tuple[str, ...] = ()

    def argv(self, quick: bool) -> list[str]:
        return [sys.executable, "-m", self.module, *(self.quick if quick else self.full)]


BENCHMARKS = (
    Bench("assistant", "benchmarks.assistant", quick=("--scale", "0.02", "--rows", "500",
                                                      "--runs", "1")),
    Bench("attachments", "benchmarks.attachments",
          quick=("--skip-2g", "--size-kb", "256", "--runs", "1")),
    Bench("bundles", "benchmarks.bundles", quick=("--runs", "1")),
    Bench("dashboard", "benchmarks.dashboard", quick=("--scale", "0.02", "--runs", "1",
                                                      "--db", "sqlite")),
    Bench("demo", "benchmarks.demo", quick=("--scale", "0.02", "--runs", "1")),
    Bench("first_sync township", "benchmarks.first_sync", ("township",),
          ("township", "--scale", "0.02", "--runs", "1")),
    Bench("first_sync storm", "benchmarks.first_sync", ("storm",),
          ("storm", "--devices", "10", "--people", "200")),
    Bench("import_preview", "benchmarks.import_preview",
          quick=("--scale", "0.02", "--rows", "300", "--runs", "1")),
    Bench("ledgers", "benchmarks.ledgers", quick=("--scale", "0.02", "--runs", "3")),
    Bench("qr", "benchmarks.qr", quick=("--runs", "1")),
    Bench("resident_report", "benchmarks.resident_report",
          quick=("--link", "none", "--photo-px", "2000x1500")),
    Bench("search", "benchmarks.search", quick=("--scale", "0.02", "--runs", "3",
                                                "--cold-runs", "1")),
    Bench("sqlcipher", "benchmarks.sqlcipher", quick=("--scale", "0.02", "--runs", "2")),
    Bench("server_api", "benchmarks.server_api", quick=("--people", "500", "--runs", "2")),
    Bench("sync", "benchmarks.sync", quick=("--runs", "1")),
    Bench("web_people_page", "benchmarks.web_people_page",
          quick=("--scale", "0.05", "--runs", "3")),
    Bench("sync_load", "benchmarks.sync_load", quick=("--devices", "20", "--seconds", "10",
                                                      "--backend", "sqlite", "--think", "1")),
)


def run_all(benches: list[Bench] | tuple[Bench, ...], *, quick: bool = False,
            env: dict[str, str] | None = None) -> int:
    """Run each benchmark in turn (output passes straight through); print a summary; 0 if
    every one succeeded, else 1."""
    env = dict(os.environ if env is None else env)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    results: list[tuple[Bench, int, float]] = []
    for i, bench in enumerate(benches, 1):
        argv = bench.argv(quick)
        print(f"\n== [{i}/{len(benches)}] {bench.name}: {' '.join(argv[1:])}", flush=True)
        started = time.monotonic()
        try:
            rc = subprocess.call(argv, cwd=ROOT, env=env)
        except KeyboardInterrupt:
            print(f"== {bench.name}: interrupted", flush=True)
            results.append((bench, 130, time.monotonic() - started))
            break
        took = time.monotonic() - started
        results.append((bench, rc, took))
        state = "ok" if rc == 0 else f"FAILED (exit status {rc})"
        print(f"== {bench.name}: {state} in {took:.0f} s", flush=True)
    print("\n== summary" + (" (quick)" if quick else ""))
    for bench, rc, took in results:
        print(f"  {'ok    ' if rc == 0 else 'FAILED'}  {bench.name:<22} {took:7.0f} s")
    failed = [b.name for b, rc, _ in results if rc != 0]
    skipped = len(benches) - len(results)
    if failed or skipped:
        print(f"{len(failed)} of {len(benches)} failed: {', '.join(failed)}"
              + (f"; {skipped} not run" if skipped else ""))
        return 1
    print(f"all {len(benches)} benchmarks ran")
    return 0


def main(argv: list[str] | None = None) -> int:
    names = [b.name for b in BENCHMARKS]
    parser = argparse.ArgumentParser(prog="python -m benchmarks",
                                     description="Run every benchmark in turn and report each.")
    parser.add_argument("--quick", action="store_true",
                        help="small sizes and one run each (minutes instead of hours)")
    parser.add_argument("only", nargs="*", metavar="NAME",
                        help=f"run only these benchmarks: {', '.join(names)}")
    args = parser.parse_args(argv)
    unknown = [n for n in args.only if n not in names and not any(
        b.name.startswith(n + " ") for b in BENCHMARKS)]
    if unknown:
        parser.error(f"unknown benchmark(s) {', '.join(unknown)}; known: {', '.join(names)}")
    chosen = [b for b in BENCHMARKS if not args.only or any(
        b.name == n or b.name.startswith(n + " ") for n in args.only)]
    return run_all(chosen, quick=args.quick)


if __name__ == "__main__":
    sys.exit(main())
