"""The demo county's boundaries tile each level and its points lie inside their grid."""
from __future__ import annotations

import json
from itertools import combinations

from hypothesis import given, settings, strategies as st
from shapely import Point
from shapely.geometry import shape
from sqlalchemy import select

from common.schema import Building, House, OrgNode
from sync_server.demo import boundaries

EPS = 1e-9
"""Square degrees (about 10 m²): what rounding to 6 decimals may leave between neighbours."""
NEAR = 2e-6
"""Degrees (about 0.2 m): how far rounding may move a vertex off its parent's edge."""


def _check_tiling(parent, children):
    assert all(c.is_valid and c.geom_type == "Polygon" and c.area > 0 for c in children)
    for a, b in combinations(children, 2):
        assert a.intersection(b).area < EPS
    for c in children:
        assert c.difference(parent.buffer(NEAR)).area < EPS
    assert abs(sum(c.area for c in children) - parent.area) < parent.area * 1e-5


def test_demo_boundaries_tile_every_level_and_points_sit_in_their_grid(demo):
    engine, _ = demo
    with engine.connect() as conn:
        nodes = conn.execute(select(OrgNode.id, OrgNode.parent_id, OrgNode.level,
                                    OrgNode.boundary)).all()
        places = conn.execute(select(House.grid_id, House.lat, House.lon)).all() + \
            conn.execute(select(Building.grid_id, Building.lat, Building.lon)).all()
    shapes = {n.id: shape(json.loads(n.boundary)) for n in nodes}
    assert len(shapes) == len(nodes)  # every node has one
    children: dict[str | None, list] = {}
    for n in nodes:
        if n.level != "county":
            children.setdefault(n.parent_id, []).append(shapes[n.id])
    county = next(n.id for n in nodes if n.level == "county")
    _check_tiling(boundaries.county(), children[county])
    for parent_id, kids in children.items():
        if parent_id != county:
            _check_tiling(shapes[parent_id], kids)
    assert places and all(p.lat is not None for p in places)
    assert all(shapes[p.grid_id].contains(Point(p.lon, p.lat)) for p in places)


@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 14), key=st.text(min_size=1, max_size=8),
       town=st.sampled_from(sorted(boundaries.SEATS)))
def test_any_subdivision_tiles_its_parent_and_is_deterministic(n, key, town):
    parent = boundaries.townships(sorted(boundaries.SEATS))[sorted(boundaries.SEATS).index(town)]
    cells = boundaries.subdivide(parent, n, key)
    assert len(cells) == n
    _check_tiling(parent, cells)
    assert [c.wkt for c in cells] == [c.wkt for c in boundaries.subdivide(parent, n, key)]
    maker = boundaries.PointMaker(cells[0], key)
    for _ in range(20):
        lat, lon = maker.next()
        assert cells[0].contains(Point(lon, lat))
