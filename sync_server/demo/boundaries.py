"""Boundaries and points for the demo county: townships around Toksun's real seats, villages
tiling their township, grids tiling their village, and points for buildings and houses.

Each level is a Voronoi tiling of its parent (GEOS through shapely), seeded deterministically and
relaxed a few times towards the cells' centroids so that cells look like plausible areas. The
county outline is convex, so every cell (a convex Voronoi cell cut by a convex parent) is one
convex polygon: children tile their parent without gaps or overlaps. Coordinates are WGS 84
longitude/latitude, computed on a local equirectangular plane so cells are not stretched.
"""
from __future__ import annotations

import json
import math
import random

from shapely import MultiPoint, Point, Polygon, voronoi_polygons
from shapely.geometry import mapping

COUNTY_OUTLINE = ((87.20, 42.90), (87.60, 43.30), (88.60, 43.22), (89.20, 42.90),
                  (89.10, 42.30), (88.60, 41.50), (87.60, 41.60), (87.10, 42.20))
"""Toksun County, roughly (lon, lat): convex on purpose (see the module docstring)."""

SEATS = {
    "tuokexun": (88.655, 42.792), "kumishi": (88.220, 42.230), "keerjian": (88.050, 43.000),
    "alehui": (88.380, 42.780), "yilahu": (88.580, 42.700), "xia": (88.700, 42.870),
    "guolebuyi": (88.470, 42.860), "bositan": (88.800, 42.760),
}
"""Township seats (lon, lat), approximately where the real ones are."""

ORIGIN = (88.4, 42.4)
KX = math.cos(math.radians(ORIGIN[1]))
DIGITS = 6
"""Decimal places kept (about 0.1 m)."""


def _to_plane(lon: float, lat: float) -> tuple[float, float]:
    return ((lon - ORIGIN[0]) * KX, lat - ORIGIN[1])


def _to_lonlat(x: float, y: float) -> tuple[float, float]:
    return (round(x / KX + ORIGIN[0], DIGITS), round(y + ORIGIN[1], DIGITS))


def _plane(polygon: Polygon) -> Polygon:
    return Polygon([_to_plane(*c) for c in polygon.exterior.coords])


def _lonlat(polygon: Polygon) -> Polygon:
    return Polygon([_to_lonlat(*c) for c in polygon.exterior.coords])


def county() -> Polygon:
    return Polygon(COUNTY_OUTLINE)


def tile(parent: Polygon, seeds: list[tuple[float, float]]) -> list[Polygon]:
    """The Voronoi cells of `seeds` (plane coordinates) cut by `parent` (plane), in seed
    order."""
    if len(seeds) == 1:
        return [parent]
    cells = voronoi_polygons(MultiPoint(seeds), extend_to=parent.envelope.buffer(1.0),
                             ordered=True)
    return [cell.intersection(parent) for cell in cells.geoms]


def _random_point(rng: random.Random, polygon: Polygon) -> tuple[float, float]:
    minx, miny, maxx, maxy = polygon.bounds
    while True:
        p = (rng.uniform(minx, maxx), rng.uniform(miny, maxy))
        if polygon.contains(Point(p)):
            return p


def subdivide(parent_lonlat: Polygon, n: int, key: str, *, relax: int = 4) -> list[Polygon]:
    """`n` cells tiling `parent_lonlat` (lon/lat), the same for the same `key`."""
    parent = _plane(parent_lonlat)
    if n <= 1:
        return [parent_lonlat]
    rng = random.Random(f"geo:{key}")
    seeds = [_random_point(rng, parent) for _ in range(n)]
    cells = tile(parent, seeds)
    for _ in range(relax):
        seeds = [(c.centroid.x, c.centroid.y) for c in cells]
        cells = tile(parent, seeds)
    return [_lonlat(c) for c in cells]


def townships(pinyins: list[str]) -> list[Polygon]:
    """The townships' boundaries (lon/lat), in the order given, around their seats."""
    cells = tile(_plane(county()), [_to_plane(*SEATS[p]) for p in pinyins])
    return [_lonlat(c) for c in cells]


def geojson(polygon: Polygon) -> str:
    """A polygon as the GeoJSON geometry text stored on an org node."""
    return json.dumps(mapping(polygon), separators=(",", ":"))


class PointMaker:
    """Points inside a convex polygon, uniformly, from its own seeded generator: a fan of
    triangles from the first vertex, one chosen by area, then a point in it."""

    def __init__(self, polygon: Polygon, key: str) -> None:
        coords = list(polygon.exterior.coords)[:-1]
        shrunk = [(c[0] * 0.9 + polygon.centroid.x * 0.1, c[1] * 0.9 + polygon.centroid.y * 0.1)
                  for c in coords]  # keep points off the edges
        self.triangles = [(shrunk[0], shrunk[i], shrunk[i + 1])
                          for i in range(1, len(shrunk) - 1)]
        self.weights = [abs((b[0] - a[0]) * (c[1] - a[1]) - (c[0] - a[0]) * (b[1] - a[1]))
                        for a, b, c in self.triangles]
        self.rng = random.Random(f"geo:{key}")

    def next(self) -> tuple[float, float]:
        """(lat, lon) of the next point."""
        a, b, c = self.rng.choices(self.triangles, weights=self.weights)[0]
        r1, r2 = self.rng.random(), self.rng.random()
        if r1 + r2 > 1:
            r1, r2 = 1 - r1, 1 - r2
        lon = a[0] + r1 * (b[0] - a[0]) + r2 * (c[0] - a[0])
        lat = a[1] + r1 * (b[1] - a[1]) + r2 * (c[1] - a[1])
        return (round(lat, DIGITS), round(lon, DIGITS))
