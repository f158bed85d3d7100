"""全息检索 and client start-up on a county-sized encrypted profile (demo scale 1 ≈ 130,000 people).

`python -m benchmarks.search [--scale 1] [--runs 30]`. The profile is built once (the demo county
generated straight into a SQLCipher file, pinyin index built) and cached under data/bench/.
Measures, each over `runs` repetitions after one warm-up:
- every representative multi-condition query: count + first page (what the search page does);
- the people list: first page, and a page deep in the list (keyset paging);
- cold start: a fresh process opening the profile and showing the main window with the home
  page's figures loaded (township-scoped user), median of several processes.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def percentile(values: list[float], p: float) -> float:
    s = sorted(values)
    k = max(0, min(len(s) - 1, round(p / 100 * (len(s) - 1))))
    return s[k]


def queries(session) -> list[tuple[str, object]]:  # noqa: ANN001
    from sqlalchemy import select

    from common.schema import OrgNode
    from desktop.services.search import PeopleQuery
    township = session.execute(select(OrgNode.id).where(OrgNode.level == "township")
                               .order_by(OrgNode.sort, OrgNode.name).limit(1)).scalar()
    grid = session.execute(select(OrgNode.id).where(OrgNode.level == "grid")
                           .order_by(OrgNode.path).limit(1)).scalar()
    return [
        ("65岁以上男性", PeopleQuery(age_min=65, sex="male", statuses=("normal",))),
        ("18-22岁", PeopleQuery(age_min=18, age_max=22, statuses=("normal",))),
        ("标签任一：老人/低保", PeopleQuery(tags_any=("elderly_60", "dibao"))),
        ("标签全部：老人+独居", PeopleQuery(tags_all=("elderly_60", "living_alone"))),
        ("维吾尔族流动人口", PeopleQuery(ethnicities=("05",), resident_types=("floating",))),
        ("拼音首字母 zs", PeopleQuery(text="zs")),
        ("全拼 maimaiti", PeopleQuery(text="maimaiti")),
        ("汉字片段 古丽", PeopleQuery(text="古丽")),
        ("证件号片段 19800", PeopleQuery(text="19800")),
        ("电话片段 1389", PeopleQuery(text="1389")),
        ("乡镇+60岁以上+女", PeopleQuery(org_node_id=township, age_min=60, sex="female")),
        ("网格+正常", PeopleQuery(grid_ids=(grid,), statuses=("normal",))),
        ("无条件（全部）", PeopleQuery()),
    ]


def bench_search(profile, runs: int, today, *, use_index: bool) -> dict:  # noqa: ANN001
    from sqlalchemy.orm import Session

    from desktop.services.people_index import holder_for, rebuild_index
    from desktop.services.search import count_people, search_people
    out = {}
    all_times: list[float] = []
    from desktop.storage.search_index import refresh_index
    with Session(profile.engine) as s:  # sign-in brings the pinyin index and sort keys up to date
        refresh_index(s)
        s.commit()
    with Session(profile.engine) as s:  # one long-lived connection, as the reader lane has
        holder_for(s).index = None
        if use_index:
            t = time.perf_counter()
            rebuild_index(s)
            out["__build__"] = (0, (time.perf_counter() - t) * 1000, 0.0)
        for name, q in queries(s):
            count_people(s, q, today=today)
            search_people(s, q, today=today, limit=200)
            times = []
            for _ in range(runs):
                index = holder_for(s).index
                if index is not None:
                    index._memo.clear()  # every run a new query, as when conditions change
                # the SQL path keeps a narrow search's matches for its count and first page
                s.connection().connection.info.pop("search_memo", None)
                t = time.perf_counter()
                n = count_people(s, q, today=today)
                search_people(s, q, today=today, limit=200)
                times.append((time.perf_counter() - t) * 1000)
            all_times += times
            out[name] = (n, statistics.median(times), percentile(times, 95))
    out["__all__"] = (len(all_times), statistics.median(all_times),
                      percentile(all_times, 95))
    return out


def bench_paging(profile, runs: int, today) -> tuple[float, float]:  # noqa: ANN001
    from sqlalchemy.orm import Session

    from desktop.services.search import PeopleQuery, search_people
    with Session(profile.engine) as s:
        q = PeopleQuery()
        first = []
        for _ in range(runs):
            t = time.perf_counter()
            rows = search_people(s, q, today=today, limit=200)
            first.append((time.perf_counter() - t) * 1000)
        # walk to page ~300 (60,000 rows in), then time the next page
        after = None
        for _ in range(300):
            rows = search_people(s, q, today=today, limit=200, after=after)
            if len(rows) < 200:
                break
            after = (rows[-1].name, rows[-1].id)
        deep = []
        for _ in range(runs):
            t = time.perf_counter()
            search_people(s, q, today=today, limit=200, after=after)
            deep.append((time.perf_counter() - t) * 1000)
    return statistics.median(first), statistics.median(deep)


COLD = r"""
import os, sys, time
t0 = time.perf_counter()
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from desktop.app import build_main_window, make_application
from desktop.storage.profiles import open_profile
from desktop.services.session import SignedIn
from tests.demo_profile import DEMO_NOW, PASSWORD
app = make_application([])
from desktop.tasks import TaskManager
from desktop.ui.signin.dialog import SignInDialog
dialog = SignInDialog(TaskManager(), lambda: DEMO_NOW, initial_sync=None)
dialog.show()
app.processEvents()
signin = (time.perf_counter() - t0) * 1000
dialog.close()
profile = open_profile(sys.argv[1], PASSWORD)
window = build_main_window(SignedIn(profile, False, True), now=lambda: DEMO_NOW)
window.show()
app.processEvents()
shown = (time.perf_counter() - t0) * 1000
home = window.page("home")
while home.figures is None:
    app.processEvents()
    time.sleep(0.001)
print(signin, shown, (time.perf_counter() - t0) * 1000)
window.ctx.tasks.shutdown()
os._exit(0)
"""


def bench_cold_start(home: Path, name: str, runs: int) -> tuple[float, float, float, float]:
    """(sign-in window shown, main window shown after the password, home figures shown, whole
    process wall time) medians in ms; the first three are measured inside the process from its
    first line (interpreter start-up excluded)."""
    env = dict(os.environ, YZB_HOME=str(home), PYTHONPATH=str(ROOT))
    signins, shown, figures, walls = [], [], [], []
    for _ in range(runs):
        t = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", COLD, name], env=env, cwd=ROOT,
                             capture_output=True, text=True, check=True)
        walls.append((time.perf_counter() - t) * 1000)
        a, b, c = out.stdout.split()[-3:]
        signins.append(float(a))
        shown.append(float(b))
        figures.append(float(c))
    return (statistics.median(signins), statistics.median(shown), statistics.median(figures),
            statistics.median(walls))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--cold-runs", type=int, default=5)
    parser.add_argument("--cold-only", action="store_true", help="only the start-up figures")
    args = parser.parse_args(argv)

    from tests.demo_profile import DEMO_NOW, build_demo_profile
    home = ROOT / "data" / "bench" / f"scale-{args.scale:g}"
    t = time.perf_counter()
    built = build_demo_profile(home, scale=args.scale)
    print(f"profile ready in {time.perf_counter() - t:.1f} s: {built['profile'].db_path}")
    profile = built["profile"]
    today = DEMO_NOW.date()
    for use_index in (() if args.cold_only else (False, True)):
        results = bench_search(profile, args.runs, today, use_index=use_index)
        print("\n" + ("with the in-memory people index" if use_index else "SQL only (SQLCipher)"))
        print(f"{'query':<22} {'rows':>8} {'median ms':>10} {'p95 ms':>8}")
        for name, (n, med, p95) in results.items():
            print(f"{name:<22} {n:>8} {med:>10.1f} {p95:>8.1f}")
    if not args.cold_only:
        first, deep = bench_paging(profile, args.runs, today)
        print(f"people list: first page {first:.1f} ms, a page 60,000 rows deep {deep:.1f} ms")
    profile.close()
    signin, shown, figures, wall = bench_cold_start(home, "demo", args.cold_runs)
    print(f"cold start (township user, median of {args.cold_runs} processes): sign-in window "
          f"{signin:.0f} ms, main window after the password {shown:.0f} ms, home figures "
          f"{figures:.0f} ms, whole process {wall:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
