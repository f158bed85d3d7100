"""Org node boundaries and place points: the boundary check every write of a boundary passes
(services/authorize.py), and the GeoJSON the situation map draws.

A boundary is a GeoJSON Polygon geometry (WGS 84 lon/lat) stored as text on the node, so it
works the same on SQLite and PostgreSQL. An accepted boundary is a valid polygon, inside its
parent's boundary and overlapping none of its siblings' (up to `TOLERANCE`, what rounding to
about 0.1 m leaves along shared edges).
"""
from __future__ import annotations

import json
from typing import Any

from shapely import Point, Polygon
from shapely.errors import ShapelyError
from shapely.geometry import mapping, shape
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from common.errors import ValidationError, ValidationErrors
from common.schema import Building, House, OrgNode

from .scope import Scope

TOLERANCE = 2e-6
"""Degrees (about 0.2 m) a boundary may stray over its parent's edge or a neighbour's."""
MAX_VERTICES = 20_000


def _refuse(code: str, **params: Any) -> ValidationErrors:
    return ValidationErrors([ValidationError(code, "boundary", **params)])


def parse_boundary(text: Any) -> Polygon:
    """The polygon of a GeoJSON text (a Polygon geometry, or a Feature / FeatureCollection of
    exactly one Polygon), or a refusal saying what is wrong in Chinese."""
    try:
        data = json.loads(text) if isinstance(text, (str, bytes)) else text
    except ValueError:
        raise _refuse("boundary_not_json") from None
    if isinstance(data, dict) and data.get("type") == "FeatureCollection":
        features = data.get("features") or []
        if len(features) != 1:
            raise _refuse("boundary_feature_count", count=len(features))
        data = features[0]
    if isinstance(data, dict) and data.get("type") == "Feature":
        data = data.get("geometry")
    if not isinstance(data, dict) or data.get("type") != "Polygon":
        kind = data.get("type") if isinstance(data, dict) else type(data).__name__
        raise _refuse("boundary_not_polygon", kind=kind or "无")
    try:
        polygon = shape(data)
    except (ShapelyError, ValueError, TypeError, IndexError, KeyError):
        raise _refuse("boundary_coordinates_invalid") from None
    if polygon.is_empty or len(polygon.exterior.coords) < 4:
        raise _refuse("boundary_coordinates_invalid")
    if len(polygon.exterior.coords) > MAX_VERTICES:
        raise _refuse("boundary_too_many_vertices", max=MAX_VERTICES)
    minx, miny, maxx, maxy = polygon.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise _refuse("boundary_out_of_range")
    if not polygon.is_valid:
        raise _refuse("boundary_self_intersecting")
    return polygon


def boundary_of(node: OrgNode | None) -> Polygon | None:
    if node is None or not node.boundary:
        return None
    try:
        return shape(json.loads(node.boundary))
    except (ValueError, ShapelyError, TypeError, KeyError):
        return None


def check_boundary(session: Session, node_id: str | None, parent_id: str | None,
                   text: Any) -> str:
    """The boundary of node `node_id` (None: a node being created) under `parent_id`, checked
    against its parent and siblings; returned as the compact GeoJSON text to store."""
    polygon = parse_boundary(text)
    parent = session.get(OrgNode, parent_id) if parent_id else None
    outer = boundary_of(parent)
    if outer is not None and polygon.difference(outer.buffer(TOLERANCE)).area > TOLERANCE ** 2:
        raise _refuse("boundary_outside_parent", parent=parent.name)
    if parent_id:
        siblings = session.scalars(select(OrgNode).where(
            OrgNode.parent_id == parent_id, OrgNode.deleted.is_(False),
            OrgNode.id != (node_id or ""), OrgNode.boundary.is_not(None)))
        inner = polygon.buffer(-TOLERANCE)
        clashes = [s.name for s in siblings
                   if (b := boundary_of(s)) is not None and inner.intersects(b)
                   and inner.intersection(b).area > TOLERANCE ** 2]
        if clashes:
            raise _refuse("boundary_overlaps", names="、".join(clashes[:3]))
    return json.dumps(mapping(polygon), separators=(",", ":"))


def grid_at(session: Session, lat: float, lon: float) -> OrgNode | None:
    """The live grid whose boundary holds the point (WGS 84), or None when no grid's boundary
    does (no boundaries drawn there yet, or a point outside the county). Looked for under the
    township and village whose boundaries hold it when those are drawn, so a county of a
    thousand grids parses a few dozen outlines, not all of them."""
    point = Point(lon, lat)
    parents: list[str] | None = None
    for level in ("township", "village"):
        query = select(OrgNode).where(OrgNode.level == level, OrgNode.deleted.is_(False),
                                      OrgNode.boundary.is_not(None))
        if parents is not None:
            query = query.where(OrgNode.parent_id.in_(parents))
        holding = [n.id for n in session.scalars(query)
                   if (b := boundary_of(n)) is not None and b.covers(point)]
        if not holding:
            break  # outlines not drawn at this level: look at every grid below what was found
        parents = holding
    query = select(OrgNode).where(OrgNode.level == "grid", OrgNode.deleted.is_(False),
                                  OrgNode.boundary.is_not(None))
    if parents is not None:
        query = query.where(or_(*(OrgNode.path.startswith(p, autoescape=True) for p in
                                  session.scalars(select(OrgNode.path)
                                                  .where(OrgNode.id.in_(parents))))))
    for grid in session.scalars(query.order_by(OrgNode.path)):
        polygon = boundary_of(grid)
        if polygon is not None and polygon.covers(point):
            return grid
    return None


def nodes_geojson(session: Session, scope: Scope, parent: OrgNode,
                  people: dict[str, int]) -> dict[str, Any]:
    """The live children of `parent` in scope as a FeatureCollection (their boundaries), with
    the parent's own outline as the first feature (`role`: "parent")."""
    children = session.scalars(select(OrgNode).where(
        OrgNode.parent_id == parent.id, OrgNode.deleted.is_(False),
        scope.condition(OrgNode)).order_by(OrgNode.sort, OrgNode.name))
    features = []
    for node in [parent, *children]:
        polygon = boundary_of(node)
        if polygon is None:
            continue
        features.append({"type": "Feature", "geometry": mapping(polygon), "properties": {
            "id": node.id, "name": node.name, "level": node.level,
            "role": "parent" if node is parent else "child",
            "people": people.get(node.id, 0)}})
    return {"type": "FeatureCollection", "features": features}


def points_geojson(session: Session, scope: Scope, grid: OrgNode) -> dict[str, Any]:
    """A grid's buildings and the houses outside any building (rural self-built houses, street
    houses) as points."""
    features = []
    for b in session.scalars(select(Building).where(
            Building.grid_id == grid.id, Building.deleted.is_(False), Building.lat.is_not(None),
            scope.condition(Building)).order_by(Building.name)):
        features.append(_point(b.lon, b.lat, id=b.id, kind="building", name=b.name,
                               building_type=b.building_type))
    for h in session.scalars(select(House).where(
            House.grid_id == grid.id, House.deleted.is_(False), House.building_id.is_(None),
            House.lat.is_not(None), scope.condition(House)).order_by(House.door_plate)):
        features.append(_point(h.lon, h.lat, id=h.id, kind="house", name=h.door_plate,
                               house_type=h.house_type))
    return {"type": "FeatureCollection", "features": features}


def _point(lon: float, lat: float, **properties: Any) -> dict[str, Any]:
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": properties}
