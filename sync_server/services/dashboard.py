"""The situation map's figures (态势一张图): population and buildings of any org node.

Figures are materialised per node in `node_stats` (db/stats_tables.py): a grid's rows are counted
from its records, every village's, township's and the county's are the sums of their children's
rows, so a node's panels read that node's few hundred rows, never the records. `refresh` keeps
them current without touching any write path: every synced record carries the `rev` of its last
change (indexed), so the grids to recount are those of the records with a rev above the
watermark (the `stats_rev` counter), plus the grids people moved out of (scope exits); then their
ancestors are summed again, deepest first. A change to the org tree itself re-sums every node
above the grids. A figure read first calls `refreshed`, which does that in its own short write
transaction (like the sync exchange: BEGIN IMMEDIATE on SQLite, the watermark row's lock on
PostgreSQL, so concurrent readers queue and the second finds nothing left), then reads in a
fresh transaction that sees it; a no-op when nothing changed.

Ages are by birth year (the age a person reaches this year), so stored counts never go stale as
time passes. Births, deaths and moves in and out per month count `population_events`, derived
from the register's history in the same refresh (`_sync_events`: people and person moves changed
since the watermark); births are kept from 2010 on.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, delete, distinct, extract, func, literal, select, update
from sqlalchemy.orm import Session, sessionmaker

from common.errors import DomainError
from common.schema import (LEVELS, Building, House, Household, OrgNode, Person, PersonMove,
                           PersonTag)
from common.sync import hlc

from ..db.engine import unit_of_work
from ..db.stats_tables import NodeStat, PopulationEvent
from ..db.sync_tables import ChangeLog, ScopeExit
from ..db.tables import Counter
from .changes import current_rev
from .oplog import BEIJING
from .scope import Scope

WATERMARK = "stats_rev"
CHUNK = 400
"""Grids recomputed per round of queries."""
BIRTHS_FROM = dt.date(2010, 1, 1)
AGE_BANDS = tuple((lo, lo + 4) for lo in range(0, 85, 5)) + ((85, None),)
"""Five-year bands, 85 and over last."""
SOURCES = (Person, PersonTag, Household, Building, House, PersonMove)
"""The entities whose changes move a figure."""


def _grid_counts(session: Session, grids: list[str] | None) -> dict[tuple[str, str, str], int]:
    """(grid, metric, key) -> count for `grids` (None: every grid)."""
    out: dict[tuple[str, str, str], int] = defaultdict(int)

    def where(entity: Any, *conds: Any) -> list[Any]:
        base = [entity.deleted.is_(False), entity.grid_id.is_not(None), *conds]
        return base + ([entity.grid_id.in_(grids)] if grids is not None else [])

    living = where(Person, Person.status == "normal")
    year = extract("year", Person.birth_date)
    for g, sex, y, eth, rtype, n in session.execute(
            select(Person.grid_id, Person.sex, year, Person.ethnicity, Person.resident_type,
                   func.count()).where(*living)
            .group_by(Person.grid_id, Person.sex, year, Person.ethnicity, Person.resident_type)):
        out[(g, "age_sex", f"{sex}|{int(y) if y is not None else ''}")] += n
        out[(g, "ethnicity", eth or "")] += n
        out[(g, "resident_type", rtype or "")] += n
        out[(g, "count", "people")] += n
    ev = PopulationEvent
    for g, kind, month, n in session.execute(
            select(ev.grid_id, ev.kind, ev.month, func.count())
            .where(ev.grid_id.is_not(None),
                   *([ev.grid_id.in_(grids)] if grids is not None else []))
            .group_by(ev.grid_id, ev.kind, ev.month)):
        out[(g, EVENT_METRICS[kind], month)] += n
    for g, tag, n in session.execute(
            select(PersonTag.grid_id, PersonTag.tag_code, func.count())
            .join(Person, and_(Person.id == PersonTag.person_id, Person.deleted.is_(False),
                               Person.status == "normal"))
            .where(*where(PersonTag)).group_by(PersonTag.grid_id, PersonTag.tag_code)):
        out[(g, "tag", tag)] += n
    for g, n in session.execute(select(Household.grid_id, func.count())
                                .where(*where(Household)).group_by(Household.grid_id)):
        out[(g, "count", "households")] += n
    for g, btype, use, n in session.execute(
            select(Building.grid_id, Building.building_type, Building.use, func.count())
            .where(*where(Building))
            .group_by(Building.grid_id, Building.building_type, Building.use)):
        out[(g, "building_type", btype or "")] += n
        out[(g, "building_use", use or "")] += n
        out[(g, "count", "buildings")] += n
    for g, htype, use, n in session.execute(
            select(House.grid_id, House.house_type, House.use, func.count())
            .where(*where(House)).group_by(House.grid_id, House.house_type, House.use)):
        out[(g, "house_type", htype or "")] += n
        out[(g, "house_use", use or "")] += n
        out[(g, "count", "houses")] += n
    for g, n in session.execute(
            select(House.grid_id, func.count(distinct(House.id)))
            .join(Person, and_(Person.house_id == House.id, Person.deleted.is_(False),
                               Person.status == "normal"))
            .where(*where(House)).group_by(House.grid_id)):
        out[(g, "occupancy", "occupied")] += n
    for (g, metric, key), n in list(out.items()):
        if metric == "count" and key == "houses":
            out[(g, "occupancy", "empty")] = n - out.get((g, "occupancy", "occupied"), 0)
    return out


EVENT_METRICS = {"birth": "births", "death": "deaths", "move_in": "moved_in",
                 "move_out": "moved_out"}
"""Population event kind -> the monthly metric it counts in."""
EVENT_LABELS = {"birth": "出生", "death": "死亡", "move_in": "迁入", "move_out": "迁出"}
NEWBORN_DAYS = 366
"""A person registered within this many days of their birth date was registered as a birth;
one registered later came from elsewhere (not a birth in the county's register)."""
STATUS_EVENTS = {"deceased": "death", "moved_out": "move_out"}
"""A person's status that is itself an event, dated by the change that set it."""


OFFLINE_DAYS = 90
"""A change's own stamp dates it when it is at most this much older than its arrival (a device
that was offline); an older stamp is taken for a wrong clock and the arrival dates it."""


def _local_date(at: dt.datetime) -> dt.date:
    return at.replace(tzinfo=dt.UTC).astimezone(BEIJING).date()


def _made_at(clock: str | None, accepted: dt.datetime) -> dt.datetime:
    """When a change was made: its stamp's wall time on the device that made it, never after
    the server accepted it and at most OFFLINE_DAYS before."""
    try:
        made = dt.datetime.fromtimestamp(hlc.parse(clock or "")[0] / 1000, dt.UTC)
    except (ValueError, OverflowError, OSError):
        return accepted
    made = made.replace(tzinfo=None)
    return made if accepted - dt.timedelta(days=OFFLINE_DAYS) <= made <= accepted else accepted


def _event(kind: str, key: str, grid: str | None, on: dt.date, person: str, source: str,
           record: str, rev: int) -> dict[str, Any]:
    return {"id": f"{key}:{record}", "kind": kind, "grid_id": grid, "on": on,
            "month": f"{on.year:04d}-{on.month:02d}", "person_id": person, "source": source,
            "record_id": record, "rev": rev}


def _people_events(session: Session, ids: list[str], rev: int) -> list[dict[str, Any]]:
    """The births, deaths and moves out of the county of people `ids`, from their records and
    their history: a birth where the person was first registered (the grid of their first move
    out, else their grid) on their birth date, when registered as a newborn; a death or a move
    out of the county on the day the change setting that status was made (`_made_at`)."""
    people = session.execute(select(
        Person.id, Person.grid_id, Person.status, Person.birth_date, Person.created_at,
        Person.updated_at).where(Person.id.in_(ids), Person.deleted.is_(False))).all()
    first_grid: dict[str, str | None] = {}
    for pid, grid in session.execute(
            select(PersonMove.person_id, PersonMove.from_node_id).where(
                PersonMove.person_id.in_(ids), PersonMove.direction == "out",
                PersonMove.deleted.is_(False))
            .order_by(PersonMove.moved_on.desc(), PersonMove.rev.desc())):
        first_grid[pid] = grid  # the earliest move is read last
    marked = [p.id for p in people if p.status in STATUS_EVENTS]
    set_on: dict[str, dt.datetime] = {}
    if marked:
        for rid, values, clock, at in session.execute(
                select(ChangeLog.record_id, ChangeLog.values, ChangeLog.clock, ChangeLog.at)
                .where(ChangeLog.entity == "people", ChangeLog.record_id.in_(marked))
                .order_by(ChangeLog.rev)):
            if isinstance(values, dict) and "status" in values:
                set_on[rid] = _made_at(clock, at)  # the last change of the status wins
    out = []
    for p in people:
        if p.birth_date is not None and p.birth_date >= BIRTHS_FROM and p.created_at is not None \
                and (_local_date(p.created_at) - p.birth_date).days <= NEWBORN_DAYS:
            out.append(_event("birth", "birth", first_grid.get(p.id, p.grid_id), p.birth_date,
                              p.id, "people", p.id, rev))
        kind = STATUS_EVENTS.get(p.status)
        if kind is not None:
            at = set_on.get(p.id) or p.updated_at  # records loaded without history
            if at is not None:
                out.append(_event(kind, "exit" if kind == "move_out" else kind, p.grid_id,
                                  _local_date(at), p.id, "people", p.id, rev))
    return out


def _sync_events(session: Session, since: int, rev: int) -> set[str]:
    """Bring `population_events` up to date with the people and person moves changed after rev
    `since` (0: rebuild them all); the grids whose events changed."""
    ev = PopulationEvent
    grids: set[str] = set()
    if since == 0:
        session.execute(delete(ev))
        people = session.scalars(select(Person.id).where(
            Person.deleted.is_(False),
            (Person.birth_date >= BIRTHS_FROM) | Person.status.in_(tuple(STATUS_EVENTS)))).all()
        moves = session.scalars(select(PersonMove.id).where(PersonMove.deleted.is_(False))).all()
    else:
        moves = session.scalars(select(PersonMove.id).where(PersonMove.rev > since)).all()
        # a move can change where a person's birth counts: their events are redone too
        people = sorted(set(session.scalars(select(Person.id).where(Person.rev > since)))
                        | set(session.scalars(select(PersonMove.person_id).where(
                            PersonMove.rev > since))))
    for i in range(0, len(people), CHUNK):
        part = people[i:i + CHUNK]
        if since:
            old = ev.source == "people", ev.record_id.in_(part)
            grids.update(g for g in session.scalars(select(ev.grid_id).where(*old)) if g)
            session.execute(delete(ev).where(*old))
        rows = _people_events(session, part, rev)
        grids.update(r["grid_id"] for r in rows if r["grid_id"])
        if rows:
            session.execute(ev.__table__.insert(), rows)
    for i in range(0, len(moves), CHUNK):
        part = moves[i:i + CHUNK]
        if since:
            old = ev.source == "person_moves", ev.record_id.in_(part)
            grids.update(g for g in session.scalars(select(ev.grid_id).where(*old)) if g)
            session.execute(delete(ev).where(*old))
        rows = [_event("move_in" if m.direction == "in" else "move_out", "move", m.grid_id,
                       m.moved_on, m.person_id, "person_moves", m.id, rev)
                for m in session.scalars(select(PersonMove).where(
                    PersonMove.id.in_(part), PersonMove.deleted.is_(False)))]
        grids.update(r["grid_id"] for r in rows if r["grid_id"])
        if rows:
            session.execute(ev.__table__.insert(), rows)
    return grids


def _changed_grids(session: Session, since: int) -> set[str]:
    grids: set[str] = set()
    for entity in SOURCES:
        grids.update(g for g in session.scalars(
            select(entity.grid_id).where(entity.rev > since).distinct()) if g)
    grids.update(g for g in session.scalars(
        select(ScopeExit.old_grid_id).where(ScopeExit.rev > since).distinct()) if g)
    return grids


def stale(session: Session) -> bool:
    mark = session.scalar(select(Counter.value).where(Counter.name == WATERMARK))
    return mark is None or mark < current_rev(session)


def refreshed(factory: sessionmaker[Session]) -> int:
    """`refresh` as its own unit of work when the figures are behind; grids recomputed."""
    with unit_of_work(factory, write=False) as session:
        if not stale(session):
            return 0
    with unit_of_work(factory, write=True) as session:
        return refresh(session)


def refresh(session: Session) -> int:
    """Recount the grids changed since the last refresh and re-sum their ancestors; how many
    grids were recounted. Takes the watermark row's lock first (PostgreSQL; SQLite's write lock
    does the same), so concurrent readers refresh one after the other and the second finds
    nothing left to do."""
    top = current_rev(session)
    mark = session.scalar(select(Counter.value).where(Counter.name == WATERMARK))
    if mark is not None and mark >= top:
        return 0
    if mark is None:
        session.add(Counter(name=WATERMARK, value=0))
        session.flush()
    mark = session.execute(update(Counter).where(Counter.name == WATERMARK)
                           .values(value=Counter.value).returning(Counter.value)).scalar_one()
    top = current_rev(session)
    if mark >= top:
        return 0
    tree_changed = mark == 0 or session.scalar(
        select(func.count()).select_from(OrgNode).where(OrgNode.rev > mark)) > 0
    moved = _sync_events(session, mark, top)
    if mark == 0:
        session.execute(delete(NodeStat))
        counts = _grid_counts(session, None)
        _store(session, counts, top)
        done = len({g for g, _, _ in counts})
    else:
        changed = sorted(_changed_grids(session, mark) | moved)
        for i in range(0, len(changed), CHUNK):
            part = changed[i:i + CHUNK]
            session.execute(delete(NodeStat).where(NodeStat.node_id.in_(part)))
            _store(session, _grid_counts(session, part), top)
        done = len(changed)
    _sum_ancestors(session, None if tree_changed else changed, top)
    session.execute(update(Counter).where(Counter.name == WATERMARK).values(value=top))
    session.flush()
    return done


def _sum_ancestors(session: Session, grids: list[str] | None, rev: int) -> None:
    """Re-sum the villages, townships and county above `grids` (None: every node above the
    grids), deepest first, each as the sum of its live children's rows."""
    parents: dict[str, set[str]] = {level: set() for level in LEVELS[:-1]}
    if grids is not None:
        for path in session.scalars(select(OrgNode.path).where(OrgNode.id.in_(grids))):
            ids = [p for p in path.split("/") if p][:-1]
            for level, node_id in zip(LEVELS, ids):
                parents[level].add(node_id)
    for level in reversed(LEVELS[:-1]):
        child = OrgNode.__table__.alias("child")
        wanted = [child.c.deleted.is_(False), child.c.parent_id.is_not(None),
                  child.c.level == LEVELS[LEVELS.index(level) + 1]]
        if grids is not None:
            if not parents[level]:
                continue
            wanted.append(child.c.parent_id.in_(sorted(parents[level])))
            session.execute(delete(NodeStat).where(NodeStat.node_id.in_(sorted(parents[level]))))
        else:
            session.execute(delete(NodeStat).where(NodeStat.node_id.in_(
                select(OrgNode.id).where(OrgNode.level == level))))
        sums = (select(child.c.parent_id, NodeStat.metric, NodeStat.key,
                       func.sum(NodeStat.n), literal(rev))
                .join(child, child.c.id == NodeStat.node_id).where(*wanted)
                .group_by(child.c.parent_id, NodeStat.metric, NodeStat.key))
        session.execute(NodeStat.__table__.insert().from_select(
            ["node_id", "metric", "key", "n", "rev"], sums))


def _store(session: Session, counts: dict[tuple[str, str, str], int], rev: int) -> None:
    rows = [{"node_id": g, "metric": m, "key": k[:40], "n": n, "rev": rev}
            for (g, m, k), n in counts.items() if n]
    for i in range(0, len(rows), 5000):
        session.execute(NodeStat.__table__.insert(), rows[i:i + 5000])


@dataclass
class Figures:
    """One node's figures: metric -> key -> count, and each child node's people count."""

    node: OrgNode
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    children: dict[str, int] = field(default_factory=dict)

    def metric(self, name: str) -> dict[str, int]:
        return self.counts.get(name, {})


def node_in_scope(session: Session, scope: Scope, node_id: str | None) -> OrgNode:
    """The node asked for (default: the user's own), refused when outside the scope."""
    node = session.get(OrgNode, node_id or scope.node_id) if (node_id or scope.node_id) else None
    if node is None or node.deleted or not scope.contains_path(node.path):
        raise DomainError("not_found", entity="org_nodes")
    return node


def figures(session: Session, scope: Scope, node_id: str | None, *,
            children_only: bool = False) -> Figures:
    """The figures of `node_id` (default: the user's node) and its children's people counts,
    as of the last refresh (call `refreshed` first). `children_only`: only the latter."""
    node = node_in_scope(session, scope, node_id)
    result = Figures(node)
    if not children_only:
        counts: dict[str, dict[str, int]] = defaultdict(dict)
        for metric, key, n in session.execute(select(NodeStat.metric, NodeStat.key, NodeStat.n)
                                              .where(NodeStat.node_id == node.id)):
            counts[metric][key] = int(n)
        result.counts = dict(counts)
    kids = select(OrgNode.id).where(OrgNode.parent_id == node.id, OrgNode.deleted.is_(False))
    result.children = {k: int(n) for k, n in session.execute(
        select(NodeStat.node_id, NodeStat.n).where(
            NodeStat.node_id.in_(kids), NodeStat.metric == "count", NodeStat.key == "people"))}
    return result


def age_band_of(year_of_birth: int, this_year: int) -> int:
    """The index in AGE_BANDS of the age reached in `this_year`."""
    age = max(0, this_year - year_of_birth)
    return min(age // 5, len(AGE_BANDS) - 1)


def pyramid(fig: Figures, this_year: int) -> dict[str, list[int]]:
    """Sex -> people per age band."""
    out = {"male": [0] * len(AGE_BANDS), "female": [0] * len(AGE_BANDS)}
    for key, n in fig.metric("age_sex").items():
        sex, _, year = key.partition("|")
        if sex in out and year:
            out[sex][age_band_of(int(year), this_year)] += n
    return out


def band_years(band: int, this_year: int) -> tuple[int | None, int]:
    """Birth years (from, to) of an age band: who reaches lo..hi this year."""
    lo, hi = AGE_BANDS[band]
    return (this_year - hi if hi is not None else None, this_year - lo)


def last_months(today: dt.date, n: int = 12) -> list[str]:
    """The `n` months up to `today`'s, oldest first, as YYYY-MM."""
    y, m = today.year, today.month
    out = []
    for _ in range(n):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    return out[::-1]


def monthly(fig: Figures, today: dt.date) -> dict[str, list[int]]:
    months = last_months(today)
    return {metric: [fig.metric(metric).get(m, 0) for m in months]
            for metric in ("births", "deaths", "moved_in", "moved_out")}


def chart_xlsx(node_name: str, chart: dict[str, Any]) -> bytes:
    """One chart's numbers as an xlsx workbook (the panel's "导出 Excel")."""
    import io

    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(chart["id"])
    sheet.append([f"{node_name} {chart['title']}"])
    if chart["kind"] == "pyramid":
        sheet.append(["年龄段", "男", "女"])
        for band, m, f in zip(chart["bands"], chart["male"], chart["female"]):
            sheet.append([band, m, f])
    elif chart["kind"] == "line":
        sheet.append(["月份", *(s["name"] for s in chart["series"])])
        for i, month in enumerate(chart["months"]):
            sheet.append([month, *(s["data"][i] for s in chart["series"])])
    else:
        sheet.append(["项目", "数量"])
        for item in chart["items"]:
            sheet.append([item["label"], item["value"]])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@dataclass(frozen=True)
class EventRow:
    """One record behind a monthly figure."""

    on: dt.date
    kind: str
    person_id: str
    name: str
    grid: str
    source: str


def events(session: Session, scope: Scope, node_id: str | None, kind: str,
           month: str) -> tuple[OrgNode, list[EventRow]]:
    """The births, deaths, moves in or out (`kind`) of `month` (YYYY-MM) in the grids under
    `node_id`: the records the panel's monthly figure counts (as of the last refresh)."""
    node = node_in_scope(session, scope, node_id)
    if kind not in EVENT_METRICS:
        raise DomainError("not_found")
    ev = PopulationEvent
    grid = OrgNode.__table__.alias("grid")
    rows = session.execute(
        select(ev.on, ev.kind, ev.person_id, Person.name, grid.c.name, ev.source)
        .join(grid, grid.c.id == ev.grid_id)
        .join(Person, Person.id == ev.person_id)
        .where(ev.kind == kind, ev.month == month,
               grid.c.path.startswith(node.path, autoescape=True))
        .order_by(ev.on, Person.name, ev.id)).all()
    return node, [EventRow(*r) for r in rows]
