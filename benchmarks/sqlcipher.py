"""SQLCipher against plain SQLite on the same county profile (issue 17 item 4: target <= 1.10x).

    .venv/bin/python -m benchmarks.sqlcipher [--scale 1] [--runs 10]

Uses the demo profile of benchmarks.search (built once, cached under data/bench/scale-N/) and a
plain copy of it made with `sqlcipher_export` (cached beside it). Each configuration opens its own
engine with the given PRAGMAs and runs the search page's SQL path (count + first page of 200, the
people index switched off) for every query of benchmarks.search, `runs` times after one warm-up.
Reports per configuration the sum over the queries of the medians, the p95 over all runs, the
same for the count alone (one SQL statement: the database's share, where encryption shows), and
the ratios to plain SQLite with the same PRAGMAs.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

BASE = ["PRAGMA journal_mode = WAL", "PRAGMA synchronous = NORMAL", "PRAGMA foreign_keys = OFF",
        "PRAGMA busy_timeout = 10000"]
CONFIGS = {
    # name: (encrypted, extra PRAGMAs); "cache 64 MB" is what desktop/storage/database.py used
    "cache 64 MB": ["PRAGMA cache_size = -65536"],
    "cache 256 MB": ["PRAGMA cache_size = -262144"],
    "cache 256 MB + temp_store memory": ["PRAGMA cache_size = -262144",
                                         "PRAGMA temp_store = MEMORY"],
    "cache 256 MB + temp_store memory + memory_security off": [
        "PRAGMA cache_size = -262144", "PRAGMA temp_store = MEMORY",
        "PRAGMA cipher_memory_security = OFF"],
    "cache 640 MB + temp_store memory + memory_security off": [
        "PRAGMA cache_size = -655360", "PRAGMA temp_store = MEMORY",
        "PRAGMA cipher_memory_security = OFF"],
    "cache 256 MB + temp_store memory + mmap 1 GB": [
        "PRAGMA cache_size = -262144", "PRAGMA temp_store = MEMORY",
        "PRAGMA mmap_size = 1073741824"],
}


def engine_for(path: Path, key: bytes | None, pragmas: list[str]):  # noqa: ANN201
    import sqlcipher3
    from sqlalchemy import create_engine, event
    engine = create_engine(f"sqlite:///{path}", module=sqlcipher3.dbapi2)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # noqa: ANN001
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        if key is not None:
            cur.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
        for p in BASE + pragmas:
            cur.execute(p)
        cur.close()
    return engine


def plain_copy(profile, target: Path) -> None:  # noqa: ANN001
    if target.exists():
        return
    import sqlcipher3
    conn = sqlcipher3.connect(str(profile.db_path))
    conn.execute(f"PRAGMA key = \"x'{profile.data_key.hex()}'\"")
    conn.execute(f"ATTACH DATABASE '{target}' AS plain KEY ''")
    conn.execute("SELECT sqlcipher_export('plain')")
    conn.execute("DETACH DATABASE plain")
    conn.close()


def run(engine, runs: int, today) -> tuple[float, float, float]:  # noqa: ANN001
    """(sum of the queries' median ms of count + first page, p95 of all those runs, sum of the
    median ms of the count alone: one SQL statement, the database's share)."""
    from sqlalchemy.orm import Session

    from benchmarks.search import percentile, queries
    from desktop.services.people_index import holder_for
    from desktop.services.search import count_people, search_people
    medians, every, count_medians = [], [], []
    with Session(engine) as s:
        holder_for(s).index = None
        for _name, q in queries(s):
            count_people(s, q, today=today)
            search_people(s, q, today=today, limit=200)
            times, counts = [], []
            for _ in range(runs):
                # a new search each run (as benchmarks.search does): the SQL path remembers
                # a search's count and first page on its connection until the data changes
                s.connection().connection.info.pop("search_memo", None)
                t = time.perf_counter()
                count_people(s, q, today=today)
                counted = time.perf_counter()
                search_people(s, q, today=today, limit=200)
                times.append((time.perf_counter() - t) * 1000)
                counts.append((counted - t) * 1000)
            medians.append(statistics.median(times))
            count_medians.append(statistics.median(counts))
            every += times
    return sum(medians), percentile(every, 95), sum(count_medians)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--only", nargs="*", help="configuration names to run")
    args = ap.parse_args(argv)
    from tests.demo_profile import DEMO_NOW, build_demo_profile
    home = ROOT / "data" / "bench" / f"scale-{args.scale:g}"
    profile = build_demo_profile(home, scale=args.scale)["profile"]
    plain = home / "plain.db"
    plain_copy(profile, plain)
    key, path = profile.data_key, profile.db_path
    profile.close()
    today = DEMO_NOW.date()
    out = {"scale": args.scale, "db_mb": round(path.stat().st_size / 1e6),
           "load_before": os.getloadavg()[0], "configs": {}}
    for name, pragmas in CONFIGS.items():
        if args.only and name not in args.only:
            continue
        row = {}
        for label, k, p in (("plain", None, plain), ("sqlcipher", key, path)):
            engine = engine_for(p, k, pragmas)
            total, p95, count = run(engine, args.runs, today)
            engine.dispose()
            row[label] = {"sum_of_medians_ms": round(total, 1), "p95_ms": round(p95, 1),
                          "count_only_sum_ms": round(count, 1)}
        row["ratio"] = round(row["sqlcipher"]["sum_of_medians_ms"]
                             / row["plain"]["sum_of_medians_ms"], 3)
        row["ratio_count_only"] = round(row["sqlcipher"]["count_only_sum_ms"]
                                        / row["plain"]["count_only_sum_ms"], 3)
        row["load"] = os.getloadavg()[0]
        out["configs"][name] = row
        print(name, json.dumps(row), flush=True)
    print(json.dumps(out, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
