"""台账管理 page reads on a county-sized encrypted profile (demo scale 1 ≈ 130,000 people).

`python -m benchmarks.ledgers [--scale 1] [--runs 20]`. Reuses the profile benchmarks.search
builds under data/bench/ (built here if absent). For the largest ledger type, over the whole
county (every grid) and one township, measures what the page does when a type is chosen or a
filter changes: the count plus the first page of rows (200), a page deep in the list (keyset),
and the text filter (a dictionary label and a name fragment). Median and p95 of `runs`.
"""
from __future__ import annotations

import argparse
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


def _a_label(f) -> str:  # noqa: ANN001
    from common.dictionaries import DEFAULTS
    options = DEFAULTS.get(f.dict_code or "", ())
    return options[0][1] if options else ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args(argv)
    from tests.demo_profile import build_demo_profile
    home = ROOT / "data" / "bench" / f"scale-{args.scale:g}"
    t = time.perf_counter()
    built = build_demo_profile(home, scale=args.scale)
    print(f"profile ready in {time.perf_counter() - t:.1f} s: {built['profile'].db_path}")
    results = bench(built["profile"], args.runs)
    built["profile"].close()
    print(f"{'what':<34} {'rows':>7} {'median ms':>10} {'p95 ms':>8}")
    for name, n, med, p95 in results:
        print(f"{name:<34} {n:>7} {med:>10.1f} {p95:>8.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
