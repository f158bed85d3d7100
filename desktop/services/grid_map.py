"""The grid map offline (网格地图): a grid's boundary and its buildings and houses as points with
their figures, from the local database only (the org nodes' boundaries and the places' points
arrive by sync like every other field; org nodes are read-only on devices). Runs on a reader
thread; the widget (desktop/ui/places/grid_map.py) only draws what this returns."""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from common.schema import Building, House, OrgNode, Person
from common.sorting import sort_key, sorted_naturally

Ring = list[tuple[float, float]]
"""(lon, lat) points of a polygon's outer ring."""


@dataclass(frozen=True)
class MapPoint:
    kind: str  # "building" or "house" (a house outside any building)
    id: str
    title: str
    lon: float
    lat: float
    people: int
    houses: int = 0


@dataclass
class GridMap:
    grid_id: str
    name: str
    boundary: Ring | None
    points: list[MapPoint] = field(default_factory=list)
    people: int = 0
    houses: int = 0
    buildings: int = 0
    unplaced: int = 0
    """Buildings and houses of the grid with no position (not drawn)."""


def ring_of(text: str | None) -> Ring | None:
    """The outer ring of a GeoJSON Polygon text, or None when absent or unreadable."""
    if not text:
        return None
    try:
        data = json.loads(text)
        ring = data["coordinates"][0] if data.get("type") == "Polygon" else None
        return [(float(x), float(y)) for x, y, *_ in ring] if ring else None
    except (ValueError, KeyError, TypeError, IndexError):
        return None


def grids(session: Session, scope_node_id: str | None) -> list[tuple[str, str]]:
    """(id, name) of the live grids in the user's scope, in the drill-down's order."""
    stmt = select(OrgNode).where(OrgNode.deleted.is_(False), OrgNode.level == "grid")
    if scope_node_id:
        scope = session.get(OrgNode, scope_node_id)
        if scope is None:
            return []
        stmt = stmt.where(OrgNode.path.startswith(scope.path, autoescape=True))
    rows = sorted(session.scalars(stmt), key=lambda n: (n.sort or 0, sort_key(n.name)))
    return [(n.id, n.name) for n in rows]


def grid_map(session: Session, grid_id: str) -> GridMap:
    grid = session.get(OrgNode, grid_id)
    if grid is None or grid.deleted:
        return GridMap(grid_id, "", None)
    out = GridMap(grid.id, grid.name, ring_of(grid.boundary))
    living = (Person.deleted.is_(False), Person.status == "normal")
    by_house = dict(session.execute(
        select(Person.house_id, func.count()).where(
            *living, Person.grid_id == grid.id, Person.house_id.is_not(None))
        .group_by(Person.house_id)).all())
    houses = session.execute(select(House.id, House.building_id, House.door_plate, House.lon,
                                    House.lat).where(House.deleted.is_(False),
                                                     House.grid_id == grid.id)).all()
    per_building: dict[str, list[int]] = {}
    for h in houses:
        if h.building_id:
            agg = per_building.setdefault(h.building_id, [0, 0])
            agg[0] += by_house.get(h.id, 0)
            agg[1] += 1
        elif h.lon is not None and h.lat is not None:
            out.points.append(MapPoint("house", h.id, h.door_plate, h.lon, h.lat,
                                       by_house.get(h.id, 0)))
        else:
            out.unplaced += 1
    buildings = session.execute(select(Building.id, Building.name, Building.lon, Building.lat)
                                .where(Building.deleted.is_(False),
                                       Building.grid_id == grid.id)).all()
    for b in buildings:
        people, count = per_building.get(b.id, (0, 0))
        if b.lon is None or b.lat is None:
            out.unplaced += 1
            continue
        out.points.append(MapPoint("building", b.id, b.name, b.lon, b.lat, people, count))
    out.points = sorted_naturally(out.points, key=lambda p: p.title)
    out.people = session.scalar(select(func.count()).select_from(Person).where(
        *living, Person.grid_id == grid.id)) or 0
    out.houses, out.buildings = len(houses), len(buildings)
    return out
