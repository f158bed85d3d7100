"""Demo county generation at scale 1 (~130,000 people) on SQLite and PostgreSQL: time and
database size, median of several runs. `--write` puts the figures in docs/BENCHMARKS.md."""
from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import tempfile
import textwrap
import time
from pathlib import Path

from sqlalchemy import text

from sync_server.db.engine import make_engine
from sync_server.demo.server import build_demo_server

NOW = dt.datetime(2026, 11, 24, 9, 0, 0)
DOC = Path(__file__).resolve().parents[1] / "docs" / "BENCHMARKS.md"
SECTION = "## Demo county"


Result = tuple[float, int, dict, float, float]
"""(wall seconds, bytes, rows per table, this process's CPU seconds, load average at start)."""


def _sqlite_run(scale: float, seed: int) -> Result:
    with tempfile.TemporaryDirectory(prefix="yzb-demo-bench-") as tmp:
        path = Path(tmp) / "demo.db"
        load, cpu, started = os.getloadavg()[0], time.process_time(), time.perf_counter()
        summary = build_demo_server(f"sqlite:///{path}", scale=scale, seed=seed, now=NOW)
        seconds = time.perf_counter() - started
        size = sum(p.stat().st_size for p in Path(tmp).iterdir())
        return seconds, size, summary.counts, time.process_time() - cpu, load


def _pg_runs(scale: float, seed: int, runs: int) -> list[Result]:
    from tests.pg import PgCluster  # the same throwaway cluster the tests use

    cluster = PgCluster().start()
    out = []
    try:
        for _ in range(runs):
            name = cluster.create_database()
            url = cluster.url(name)
            load, cpu, started = os.getloadavg()[0], time.process_time(), time.perf_counter()
            summary = build_demo_server(url, scale=scale, seed=seed, now=NOW)
            seconds = time.perf_counter() - started
            cpu = time.process_time() - cpu
            engine = make_engine(url)
            with engine.connect() as conn:
                size = conn.execute(text("SELECT pg_database_size(current_database())")).scalar()
            engine.dispose()
            cluster.drop_database(name)
            out.append((seconds, size, summary.counts, cpu, load))
    finally:
        cluster.stop()
    return out


def _fmt(results: list[Result]) -> list[str]:
    times = [r[0] for r in results]
    return [f"{statistics.median(times):.1f} s", f"{min(times):.1f}-{max(times):.1f} s",
            f"{statistics.median(r[3] for r in results):.1f} s",
            f"{statistics.median(r[1] for r in results) / 2**20:.0f} MiB",
            ", ".join(f"{r[4]:.1f}" for r in results)]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.demo")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--write", action="store_true",
                        help="replace the Demo county section of docs/BENCHMARKS.md")
    args = parser.parse_args()

    sqlite = []
    for i in range(args.runs):
        sqlite.append(_sqlite_run(args.scale, args.seed))
        r = sqlite[-1]
        print(f"sqlite run {i + 1}: {r[0]:.1f} s (cpu {r[3]:.1f} s, load {r[4]:.1f}), "
              f"{r[1] / 2**20:.0f} MiB", flush=True)
    pg = [] if args.skip_postgres else _pg_runs(args.scale, args.seed, args.runs)
    for i, r in enumerate(pg):
        print(f"postgresql run {i + 1}: {r[0]:.1f} s (cpu {r[3]:.1f} s, load {r[4]:.1f}), "
              f"{r[1] / 2**20:.0f} MiB", flush=True)
    counts = sqlite[0][2]
    intro = (
        f"`python -m benchmarks.demo` — {dt.date.today().isoformat()}, {os.cpu_count()} cores, "
        f"{platform.system()}, Python {platform.python_version()}; scale {args.scale:g}, seed "
        f"{args.seed}, median of {args.runs} runs. Time is the whole `build_demo_server` "
        "(migrations, generation, accounts' credentials, a change-log entry per record, rev "
        "counter); size is the database file with its WAL (SQLite) or `pg_database_size` "
        "(PostgreSQL 15, fsync off). CPU is this process's (generation and inserts; "
        "PostgreSQL's own work runs in its server processes).")
    loads = [r[4] for r in sqlite + pg]
    if max(loads) > (os.cpu_count() or 1):
        intro += (f" **Shared machine: load average {min(loads):.1f}-{max(loads):.1f} on "
                  f"{os.cpu_count()} cores at the start of the runs, so the wall times are "
                  "upper bounds; the CPU column is the work itself.**")
    lines = [SECTION, "", *textwrap.wrap(intro, 100), "",
             "| database | wall time (median) | range | CPU (median) | size | load at start |",
             "|---|---|---|---|---|---|"]
    for label, results in (("SQLite", sqlite), ("PostgreSQL", pg)):
        if results:
            lines.append(f"| {label} | " + " | ".join(_fmt(results)) + " |")
    rows_line = f"Rows at this scale: {sum(counts.values()):,} in all — " + ", ".join(
        f"{name} {n:,}" for name, n in sorted(counts.items(), key=lambda kv: -kv[1])) + "."
    lines += ["", *textwrap.wrap(rows_line, 100), ""]
    section = "\n".join(lines)
    print(section)
    if args.write:
        _write(section)


def _write(section: str) -> None:
    """Replace (or append) only this benchmark's own section; others' sections stay as they are."""
    doc = DOC.read_text(encoding="utf-8") if DOC.exists() else "# Benchmarks\n"
    start = doc.find(SECTION + "\n")
    if start < 0:
        doc = doc.rstrip("\n") + "\n\n" + section
    else:
        end = doc.find("\n## ", start + len(SECTION))
        doc = doc[:start] + section + (doc[end + 1:] if end >= 0 else "")
    DOC.write_text(doc.rstrip("\n") + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
