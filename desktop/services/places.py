"""Places drill-down (下钻): org node → grid → park → building → unit → floor → house → people,
rural houses directly under their grid, with the number of people at every level.

Counts are of people not tombstoned and with status 正常. Each level is one or two grouped
queries, so a township with thousands of houses answers quickly. Each level is in natural, pinyin
order (common/sorting.py: 1组2号 before 1组10号). Runs on a reader thread.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from common.dictionaries import Dictionaries
from common.errors import DomainError
from common.schema import (Building, BuildingUnit, Floor, House, OrgNode, Park, Person,
                           user_fields)
from common.sorting import sort_key, sorted_naturally

from .people import mask_id_number
from .records import load_dictionaries

KINDS = ("org", "park", "building", "unit", "floor", "house", "person")
KIND_LABELS = {"org": "区划", "park": "园区/小区", "building": "建筑", "unit": "单元",
               "floor": "楼层", "house": "房屋", "person": "人员"}


@dataclass(frozen=True)
class PlaceNode:
    kind: str
    id: str
    title: str
    people: int
    detail: str = ""

    @property
    def has_children(self) -> bool:
        return self.kind != "person"


def _dicts(session: Session) -> Dictionaries:
    """The profile's dictionaries, read once per session (one task)."""
    found = session.info.get("dictionaries")
    if found is None:
        found = session.info["dictionaries"] = load_dictionaries(session)
    return found


def _living():
    return (Person.deleted.is_(False), Person.status == "normal")


def roots(session: Session, scope_node_id: str | None) -> list[PlaceNode]:
    """The top of the drill-down: the user's scope node (or every top-level node)."""
    stmt = select(OrgNode).where(OrgNode.deleted.is_(False))
    stmt = stmt.where(OrgNode.id == scope_node_id) if scope_node_id else \
        stmt.where(OrgNode.parent_id.is_(None))
    nodes = _by_sort_and_name(session.execute(stmt).scalars())
    if not nodes and scope_node_id:
        raise DomainError("not_found")
    return _org_nodes(session, nodes)


def children(session: Session, kind: str, node_id: str) -> list[PlaceNode]:
    """The children of one node, each with its people count."""
    if kind == "org":
        return _org_children(session, node_id)
    if kind == "park":
        return _buildings(session, Building.park_id == node_id)
    if kind == "building":
        units = sorted_naturally(session.execute(select(BuildingUnit).where(
            BuildingUnit.building_id == node_id, BuildingUnit.deleted.is_(False))).scalars(),
            key=lambda u: u.name)
        if units:
            counts = _people_by(session, House.unit_id, [u.id for u in units])
            return [PlaceNode("unit", u.id, u.name, counts.get(u.id, 0)) for u in units]
        floors = _floors(session, Floor.building_id == node_id)
        return floors or _houses(session, House.building_id == node_id)
    if kind == "unit":
        return _floors(session, Floor.unit_id == node_id) or \
            _houses(session, House.unit_id == node_id)
    if kind == "floor":
        return _houses(session, House.floor_id == node_id)
    if kind == "house":
        rows = sorted_naturally(session.execute(
            select(Person.id, Person.name, Person.id_number, Person.relation_to_head)
            .where(Person.house_id == node_id, *_living())).all(), key=lambda r: r[1], name=True)
        return [PlaceNode("person", r[0], r[1], 1,
                          " ".join(x for x in (mask_id_number(r[2]),
                                               _dicts(session).label("relation", r[3]) or "")
                                   if x))
                for r in rows]
    return []


def _by_sort_and_name(nodes: Any) -> list[OrgNode]:
    """Org nodes by their configured sort, then by name (第2网格 before 第10网格)."""
    return sorted(nodes, key=lambda n: (n.sort or 0, sort_key(n.name)))


def _org_nodes(session: Session, nodes: list[OrgNode]) -> list[PlaceNode]:
    per_grid = dict(session.execute(select(Person.grid_id, func.count())
                                    .where(*_living()).group_by(Person.grid_id)).all())
    grid_paths = session.execute(select(OrgNode.id, OrgNode.path).where(
        OrgNode.id.in_(list(per_grid)))).all()
    out = []
    for n in nodes:
        total = sum(per_grid.get(gid, 0) for gid, path in grid_paths
                    if (path or "").startswith(n.path or "\0"))
        if n.id in per_grid and not any(gid == n.id for gid, _ in grid_paths):
            total += per_grid[n.id]
        out.append(PlaceNode("org", n.id, n.name, total,
                             _dicts(session).label("org_level", n.level) or ""))
    return out


def _org_children(session: Session, node_id: str) -> list[PlaceNode]:
    nodes = _by_sort_and_name(session.execute(select(OrgNode).where(
        OrgNode.parent_id == node_id, OrgNode.deleted.is_(False))).scalars())
    out = _org_nodes(session, nodes)
    # Places hang under grids: parks, buildings outside any park, and rural houses.
    parks = sorted_naturally(session.execute(select(Park).where(
        Park.grid_id == node_id, Park.deleted.is_(False))).scalars(), key=lambda p: p.name)
    if parks:
        per_building = _people_by(session, House.building_id, None, Building.park_id.in_(
            [p.id for p in parks]))
        b_park = dict(session.execute(select(Building.id, Building.park_id).where(
            Building.park_id.in_([p.id for p in parks]))).all())
        totals: dict[str, int] = defaultdict(int)
        for bid, n in per_building.items():
            totals[b_park.get(bid)] += n
        out += [PlaceNode("park", p.id, p.name, totals.get(p.id, 0),
                          _dicts(session).label("park_kind", p.kind) or "")
                for p in parks]
    out += _buildings(session, Building.grid_id == node_id, Building.park_id.is_(None))
    out += _houses(session, House.grid_id == node_id, House.building_id.is_(None))
    return out


def _people_by(session: Session, column, ids: list[str] | None, *extra) -> dict[str, int]:  # noqa: ANN001
    stmt = select(column, func.count()).select_from(Person).join(
        House, House.id == Person.house_id).where(*_living())
    if ids is not None:
        stmt = stmt.where(column.in_(ids))
    if extra:
        stmt = stmt.join(Building, Building.id == House.building_id).where(*extra)
    return dict(session.execute(stmt.group_by(column)).all())


def _buildings(session: Session, *where) -> list[PlaceNode]:  # noqa: ANN002
    rows = sorted_naturally(session.execute(select(Building).where(
        Building.deleted.is_(False), *where)).scalars(), key=lambda b: b.name)
    counts = _people_by(session, House.building_id, [b.id for b in rows]) if rows else {}
    return [PlaceNode("building", b.id, b.name, counts.get(b.id, 0),
                      f"{_dicts(session).label('building_type', b.building_type)} · "
                      f"{_dicts(session).label('building_use', b.use)}") for b in rows]


def _floors(session: Session, *where) -> list[PlaceNode]:  # noqa: ANN002
    rows = list(session.execute(select(Floor).where(Floor.deleted.is_(False), *where)
                                .order_by(Floor.number)).scalars())
    counts = _people_by(session, House.floor_id, [f.id for f in rows]) if rows else {}
    return [PlaceNode("floor", f.id, f"{f.number}层", counts.get(f.id, 0)) for f in rows]


def _houses(session: Session, *where) -> list[PlaceNode]:  # noqa: ANN002
    rows = sorted_naturally(session.execute(select(House).where(
        House.deleted.is_(False), *where)).scalars(), key=lambda h: h.door_plate)
    counts = dict(session.execute(select(Person.house_id, func.count()).where(
        Person.house_id.in_([h.id for h in rows]), *_living())
        .group_by(Person.house_id)).all()) if rows else {}
    return [PlaceNode("house", h.id, h.door_plate, counts.get(h.id, 0),
                      _dicts(session).label("house_type", h.house_type) or "")
            for h in rows]


def grid_options(session: Session) -> list[tuple[str, str]]:
    """(id, name) of every grid this profile holds, for choosing a record's grid."""
    return [(r[0], r[1]) for r in session.execute(
        select(OrgNode.id, OrgNode.name).where(OrgNode.level == "grid",
                                                OrgNode.deleted.is_(False))
        .order_by(OrgNode.path))]


def default_grid(session: Session, node_id: str | None) -> str | None:
    """The grid a new record made by this user belongs to: their scope if it is a grid, else
    the first grid below it (records always belong to a grid, SPEC: scope)."""
    if not node_id:
        return None
    node = session.get(OrgNode, node_id)
    if node is None or node.level == "grid":
        return node_id
    return session.execute(select(OrgNode.id).where(
        OrgNode.level == "grid", OrgNode.path.startswith(node.path),
        OrgNode.deleted.is_(False)).order_by(OrgNode.path).limit(1)).scalar() or node_id


def grid_labels(session: Session) -> dict[str, str]:
    """Where a grid is, as a list shows it beside a person: "幸福村 第一网格" (village and grid;
    the grid's name alone when it already names its village), for every grid held."""
    nodes = {n.id: (n.parent_id, n.name, n.level) for n in session.execute(
        select(OrgNode.id, OrgNode.parent_id, OrgNode.name, OrgNode.level)
        .where(OrgNode.deleted.is_(False))).all()}
    out = {}
    for nid, (parent, name, level) in nodes.items():
        if level != "grid":
            continue
        above = nodes.get(parent)
        village = above[1] if above and above[2] == "village" else ""
        # demo and real grids are often named after their village ("英阿瓦提村第1网格")
        out[nid] = name if not village or name.startswith(village) else f"{village} {name}"
    return out
