"""Batch import preview (services/imports.preview) of a 10,000-row township sheet against the
demo county: read the .xlsx (title row, two-row header, merged cells), classify every row
(validation, duplicates inside the file, register lookups, grids and scope) and store the batch
with its rows. Target: under 10 s.

The sheet, as a township office would upload it: people of its own grids with a changed phone
(updates), new people in its grids, wrong check digits, float-damaged ID numbers, duplicates
inside the file, rows naming another township's grid, people registered in another township.

In-process, one township office user of the demo county on SQLite (WAL); each run stores its
own batch and commits.
Run: .venv/bin/python -m benchmarks.import_preview [--scale S] [--rows N] [--runs R]
"""
from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import tempfile
import time
from collections import Counter as Tally
from pathlib import Path

NOW = dt.datetime(2026, 12, 4, 2, 0)
TARGET_S = 10.0


def _id_number(rng: random.Random, birth: dt.date) -> str:
    from common.validation import id_check_digit
    first17 = f"652123{birth:%Y%m%d}{rng.randrange(1000):03d}"
    return first17 + id_check_digit(first17)


def build_sheet(session, office, rows: int, seed: int = 7) -> bytes:  # noqa: ANN001
    from sqlalchemy import select

    from common.schema import OrgNode, Person
    from sync_server.services.scope import Scope
    from tests.import_sheets import government_xlsx, person_row

    rng = random.Random(seed)
    scope = Scope.of(session, office)
    grids = {g.id: g for g in session.scalars(select(OrgNode).where(OrgNode.level == "grid"))}
    mine = [g for g in grids.values() if g.path.startswith(scope.path)]
    others = [g for g in grids.values() if not g.path.startswith(scope.path)]
    own_people = session.execute(select(Person.id_number, Person.name, Person.grid_id).where(
        Person.grid_id.in_([g.id for g in mine]), Person.deleted.is_(False))
        .limit(rows // 6)).all()
    far_people = session.execute(select(Person.id_number, Person.name).where(
        Person.grid_id.in_([g.id for g in others[:20]]), Person.deleted.is_(False))
        .limit(rows // 100)).all()
    out = []
    for number, name, grid_id in own_people:
        out.append(person_row(name, number, grid=grids[grid_id].name, ethnicity="",
                              phone=f"139{rng.randrange(10**8):08d}"))
    for number, name in far_people:
        out.append(person_row(name, number, grid=mine[0].name))
    seen: set[str] = set()
    while len(out) < rows:
        birth = dt.date(1940, 1, 1) + dt.timedelta(days=rng.randrange(30_000))
        number = _id_number(rng, birth)
        if number in seen:
            continue
        seen.add(number)
        grid = rng.choice(mine).name
        roll = rng.random()
        if roll < 0.03:
            number = number[:17] + ("0" if number[17] != "0" else "1")  # wrong check digit
        elif roll < 0.04:
            number = float(number[:17] + "0")  # Excel kept 15 significant digits
        elif roll < 0.05:
            out.append(person_row("重复人员", number, grid=grid))
        elif roll < 0.06:
            grid = rng.choice(others).name
        out.append(person_row(f"新居民{len(out)}", number, grid=grid, birth=birth.isoformat(),
                              phone=f"138{rng.randrange(10**8):08d}", address="团结路 1 号"))
    return government_xlsx(out[:rows])


def main() -> None:
    from sqlalchemy.orm import sessionmaker

    from common.schema import User
    from sync_server.db.engine import make_engine
    from sync_server.demo.server import build_demo_server
    from sync_server.services import imports
    from sync_server.services.scope import Scope

    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'demo.db'}"
        t = time.perf_counter()
        summary = build_demo_server(url, scale=args.scale, now=NOW)
        built = time.perf_counter() - t
        engine = make_engine(url)
        sessions = sessionmaker(engine, expire_on_commit=False)
        office_id = next(iter(summary.township_offices.values()))
        with sessions() as s:
            office = s.get(User, office_id)
            data = build_sheet(s, office, args.rows)
        times, counts = [], {}
        for _ in range(args.runs):
            with sessions() as s:
                office = s.get(User, office_id)
                t = time.perf_counter()
                batch = imports.preview(s, Scope.of(s, office), office, filename="人口.xlsx",
                                        data=data, default_grid_id=None, now=NOW)
                s.commit()
                times.append(time.perf_counter() - t)
                counts = dict(Tally(batch.counts).most_common())
        engine.dispose()
    median = statistics.median(times)
    print(f"demo county scale {args.scale} (built in {built:.0f} s); {args.rows} rows, "
          f"{len(data) // 1024} KB .xlsx; runs: {', '.join(f'{x:.2f}' for x in times)} s")
    print(f"classes: {counts}")
    print(f"median of {args.runs}: {median:.2f} s — "
          f"{'within' if median < TARGET_S else 'OVER'} the {TARGET_S:.0f} s target")


if __name__ == "__main__":
    main()
