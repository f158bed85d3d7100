"""台账管理 page reads on a county-sized encrypted profile (demo scale 1 ≈ 130,000 people).

`python -m benchmarks.ledgers [--scale 1] [--runs 20]`. Reuses the profile benchmarks.search
builds under data/bench/ (built here if absent). For the largest ledger type, over the whole
county (every grid) and one township, measures what the page does when a type is chosen or a
filter changes: the count plus the first page of rows (200), a page deep in the list (keyset),
and the text filter (a dictionary label and a name fragment). Median and p95 of `runs`.

After the page reads, the export of the county's largest ledger type from the profile (every grid).
`--export-only [--export-rows 20000]`: the export to .xlsx alone (no county profile needed):
a land ledger of that many households in a throwaway SQLite file, written with
desktop.assistant.ledgers.export_ledger (it was quadratic: 66.8 s for 20,000 rows).
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _timed(fn, runs: int) -> tuple[float, float]:  # noqa: ANN001
    fn()  # warm-up: page cache
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]


def bench(profile, runs: int) -> list[tuple[str, int, float, float]]:  # noqa: ANN001
    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from common.schema import LedgerRow, OrgNode
    from desktop.assistant.ledgers import list_ledgers
    from desktop.services import ledgers
    from desktop.services.ledgers import LedgerQuery
    from desktop.services.work_context import grids_in_scope

    out = []
    with Session(profile.engine) as s:
        defs = {d.id: d for d in list_ledgers(s)}
        biggest = s.execute(select(LedgerRow.ledger_type_id, func.count()).group_by(
            LedgerRow.ledger_type_id).order_by(func.count().desc()).limit(1)).first()[0]
        d = defs[biggest]
        township = s.scalar(select(OrgNode.id).where(OrgNode.level == "township")
                            .order_by(OrgNode.sort, OrgNode.name).limit(1))
        scopes = (("全县", grids_in_scope(s, None)), ("一个乡镇", grids_in_scope(s, township)))
        label = next((lab for f in d.fields if f.field_type == "dict"
                      for lab in [_a_label(f)] if lab), "")
        for scope_name, grids in scopes:
            def open_type(q: LedgerQuery = LedgerQuery()) -> int:
                n = ledgers.count_rows(s, d, q, grids=grids)
                ledgers.list_rows(s, d, q, grids=grids)
                return n
            n = open_type()
            out.append((f"{d.name}·{scope_name}：计数+首页", n, *_timed(open_type, runs)))
            deep = None
            for _ in range(min(50, n // ledgers.PAGE)):
                deep = ledgers.list_rows(s, d, LedgerQuery(), grids=grids,
                                         after=deep[-1].sort_key() if deep else None)
            after = deep[-1].sort_key() if deep else None
            out.append((f"{d.name}·{scope_name}：深处一页", n, *_timed(
                lambda: ledgers.list_rows(s, d, LedgerQuery(), grids=grids, after=after), runs)))
            for text in (label, "阿"):
                q = LedgerQuery(text=text)
                m = ledgers.count_rows(s, d, q, grids=grids)
                out.append((f"{d.name}·{scope_name}：查找“{text}”", m,
                            *_timed(lambda q=q: open_type(q), runs)))
    return out


def county_export(profile, runs: int = 3) -> tuple[str, int, float, float]:  # noqa: ANN001
    """(type name, rows, median wall s, median CPU s) of exporting the county's largest ledger
    type from the encrypted profile to .xlsx, as the page's 导出 does for a county user (every
    grid). Written into a temporary folder removed afterwards."""
    import tempfile

    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from common.schema import LedgerRow
    from desktop.assistant.ledgers import export_ledger, list_ledgers
    from desktop.services.work_context import grids_in_scope

    with Session(profile.engine) as s, tempfile.TemporaryDirectory(
            prefix="yzb-ledger-export-") as tmp:
        defs = {d.id: d for d in list_ledgers(s)}
        biggest = s.execute(select(LedgerRow.ledger_type_id, func.count()).group_by(
            LedgerRow.ledger_type_id).order_by(func.count().desc()).limit(1)).first()[0]
        d, grids = defs[biggest], grids_in_scope(s, None)
        times, cpu, written = [], [], 0
        for n in range(runs):
            started, cpu_started = time.perf_counter(), time.process_time()
            written = export_ledger(s, d.code, f"{tmp}/out{n}.xlsx", grids=grids)
            times.append(time.perf_counter() - started)
            cpu.append(time.process_time() - cpu_started)
    return d.name, written, statistics.median(times), statistics.median(cpu)


def export_bench(rows: int, runs: int = 3) -> tuple[float, float, float]:
    """(seconds to build the database, median wall seconds and median CPU seconds of `runs`
    exports) of a `rows`-row land ledger, in a temporary folder removed afterwards. CPU time
    is what the export costs on an idle machine; the wall time depends on the load."""
    import datetime as dt
    import random
    import tempfile
    import uuid

    from sqlalchemy import create_engine, insert
    from sqlalchemy.orm import Session

    from common.ledger_types import ledger_type_id
    from common.schema import Base, Household, LedgerRow
    from desktop.assistant.ledgers import export_ledger

    now = dt.datetime(2026, 11, 24, 9, 0, 0)
    rng = random.Random(3)
    stamp = {"grid_id": None, "created_at": now, "updated_at": now, "rev": 1,
             "field_clock": {}, "deleted": False}
    with tempfile.TemporaryDirectory(prefix="yzb-ledger-bench-") as tmp:
        started = time.perf_counter()
        engine = create_engine(f"sqlite:///{tmp}/ledger.db")
        Base.metadata.create_all(engine)
        households, lines = [], []
        for i in range(rows):
            hid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            households.append({**stamp, "id": hid, "household_no": f"6521230{i:07d}",
                               "head_person_id": None, "house_id": None, "address": None})
            lines.append({**stamp, "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                          "ledger_type_id": ledger_type_id("land"), "person_id": None,
                          "household_id": hid, "house_id": None, "year": 2025,
                          "data": {"arable_area": rng.randrange(1, 400) / 4,
                                   "forest_area": rng.randrange(0, 40) / 2,
                                   "plots": rng.randrange(1, 12), "transfer_mode": "lease",
                                   "certificate_no": f"652123{i:010d}"}})
        with engine.begin() as conn:
            conn.execute(insert(Household.__table__), households)
            conn.execute(insert(LedgerRow.__table__), lines)
        build_s = time.perf_counter() - started
        times, cpu = [], []
        with Session(engine) as s:
            for n in range(runs):
                started, cpu_started = time.perf_counter(), time.process_time()
                written = export_ledger(s, "land", f"{tmp}/out{n}.xlsx")
                times.append(time.perf_counter() - started)
                cpu.append(time.process_time() - cpu_started)
                assert written == rows, written
        engine.dispose()
    return build_s, statistics.median(times), statistics.median(cpu)


def _a_label(f) -> str:  # noqa: ANN001
    from common.dictionaries import DEFAULTS
    options = DEFAULTS.get(f.dict_code or "", ())
    return options[0][1] if options else ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--export-rows", type=int, default=20_000)
    parser.add_argument("--export-only", action="store_true")
    args = parser.parse_args(argv)
    build_s, export_s, export_cpu = export_bench(args.export_rows)
    print(f"export of a {args.export_rows:,}-row land ledger to .xlsx: median {export_s:.2f} s "
          f"wall, {export_cpu:.2f} s CPU, of 3 (database built in {build_s:.1f} s; load "
          f"average {os.getloadavg()[0]:.1f})")
    if args.export_only:
        return 0
    from tests.demo_profile import build_demo_profile
    home = ROOT / "data" / "bench" / f"scale-{args.scale:g}"
    t = time.perf_counter()
    built = build_demo_profile(home, scale=args.scale)
    print(f"profile ready in {time.perf_counter() - t:.1f} s: {built['profile'].db_path}")
    results = bench(built["profile"], args.runs)
    name, written, wall, cpu = county_export(built["profile"])
    print(f"export of the county's {name} ({written:,} rows, encrypted profile, every grid) to "
          f".xlsx: median {wall:.2f} s wall, {cpu:.2f} s CPU, of 3 (load average "
          f"{os.getloadavg()[0]:.1f})")
    built["profile"].close()
    print(f"{'what':<34} {'rows':>7} {'median ms':>10} {'p95 ms':>8}")
    for name, n, med, p95 in results:
        print(f"{name:<34} {n:>7} {med:>10.1f} {p95:>8.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
