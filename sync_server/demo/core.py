"""The demo county generator's entry point: `generate(conn, scale=, seed=, now=)`.

Writes only the shared tables (common.schema) through any SQLAlchemy connection that has them
(the server's SQLite or PostgreSQL database, or a client's SQLCipher file) and imports nothing
from the rest of sync_server. Deterministic: the same seed, scale and `now` give identical rows.
Never commits; the caller owns the transaction.
"""
from __future__ import annotations

import datetime as dt
import random
import time
from dataclasses import dataclass, field

from sqlalchemy import Connection, func, select

from common.schema import LedgerType

from .families import FamilyMaker
from .geography import build_org
from .identity import Namer
from .ledgers import seed_ledger_types, write_ledgers
from .places import PlaceMaker
from .resources import load
from .rows import Writer
from .units import write_units
from .work import write_work

GO_LIVE_DAYS = 730
"""The system went live about two years before `now`; base records are stamped from then."""


@dataclass
class Summary:
    """What a run made: rows per table, the highest rev assigned, and how long it took."""

    counts: dict[str, int] = field(default_factory=dict)
    max_rev: int = 0
    seconds: float = 0.0
    grids: list[tuple[str, str, str]] = field(default_factory=list)  # (id, code, worker id)
    township_offices: dict[str, str] = field(default_factory=dict)  # pinyin -> user id
    admin_id: str = ""

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def generate(conn: Connection, *, scale: float = 1.0, seed: int = 2026,
             now: dt.datetime, rev_start: int = 0, threaded: bool = False) -> Summary:
    """Fill the shared tables with the demo county. `now` is naive UTC (aware is converted).

    Revs are numbered from `rev_start + 1`. `threaded` overlaps inserts with generation; pass it
    only for a connection usable from another thread (see rows.Writer).
    """
    started = time.perf_counter()
    if now.tzinfo is not None:
        now = now.astimezone(dt.timezone.utc).replace(tzinfo=None)
    inputs = load()
    rng = random.Random(f"demo:{seed}")
    created = (now - dt.timedelta(days=GO_LIVE_DAYS)).replace(microsecond=0)
    # Ledger types have stable ids derived from their codes, so seeding them when absent never
    # duplicates them; dictionaries are the migrations' (and devices' initial sync's) to seed.
    seed_types = not conn.execute(select(func.count()).select_from(LedgerType)).scalar()
    w = Writer(conn, seed, rev_start=rev_start, threaded=threaded)
    try:
        if seed_types:
            seed_ledger_types(w, created)
        namer = Namer(inputs, rng)
        county = build_org(w, inputs, namer, scale=scale, created=created)
        places = PlaceMaker(w, rng, inputs.texts, created)
        families = FamilyMaker(w, rng, namer, places, now.date(), created)
        for grid in county.grids:
            grid.households_made = [families.household(grid) for _ in range(grid.households)]
            places.finish_grid(grid)
        write_units(w, rng, inputs.texts, namer, families.ids, county.grids, places,
                    created, now.date())
        write_ledgers(w, rng, county.grids, now)
        write_work(w, rng, inputs.texts, county, now)
        w.flush()
    finally:
        w.close()
    return Summary(dict(w.counts), w.rev, time.perf_counter() - started,
                   [(g.id, g.code, g.worker_id) for g in county.grids], dict(county.offices),
                   county.admin_id)
