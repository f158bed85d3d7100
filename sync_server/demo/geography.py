"""The demo county's org tree: county → 8 townships → villages/communities → grids, and users."""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

from . import boundaries
from .identity import HAN, UYGHUR, Namer, mobile
from .resources import Inputs
from .rows import Writer

GRID_LOW, GRID_HIGH, GRID_TARGET = 150, 400, 280
"""Households per grid at scale 1: 150-400, about 280 on average."""

MEAN_HOUSEHOLD = {"村": 3.55, "社区": 3.05}
"""People per household the family generator yields (measured), to turn people into households."""


def grid_sizes(households: int, *, low: int = GRID_LOW, high: int = GRID_HIGH,
               target: int = GRID_TARGET) -> list[int]:
    """Split a village's households into grids of `low`-`high` households (as even as
    possible, about `target` each). A village smaller than `low` (only at small scales) is one
    grid."""
    if households <= 0:
        return [0]
    if households <= high:
        return [households]
    n = min(max(round(households / target), math.ceil(households / high)), households // low)
    q, r = divmod(households, n)
    return [q + 1] * r + [q] * (n - r)


@dataclass
class Grid:
    """A grid and what the generator needs to know about it while filling it."""

    id: str
    code: str
    name: str
    path: str
    township: dict[str, Any]
    village: str
    kind: str  # 村 / 社区
    households: int
    mix: list[float]
    boundary: Any = None  # shapely Polygon (lon/lat)
    points: Any = None  # boundaries.PointMaker for the grid's buildings and houses
    worker_id: str = ""
    worker_name: str = ""
    office_id: str = ""
    # filled by the later stages
    people: list[Any] = field(default_factory=list)
    households_made: list[Any] = field(default_factory=list)
    houses: list[Any] = field(default_factory=list)
    organisations: list[Any] = field(default_factory=list)

    @property
    def place(self) -> str:
        """The village or community as an address: 托克逊县伊拉湖镇英阿瓦提村."""
        return f"托克逊县{self.township['name']}{self.village}"


@dataclass
class County:
    county_id: str
    admin_id: str
    grids: list[Grid]
    offices: dict[str, str]  # township pinyin -> office user id


def build_org(w: Writer, inputs: Inputs, namer: Namer, *, scale: float,
              created: dt.datetime) -> County:
    """Write the org nodes and the users (admin, township offices, grid workers)."""
    c = inputs.county
    county_id = w.new_id()
    w.add("org_nodes", None, created, {"level": "county", "name": c["name"], "code": c["code"],
                                        "path": f"/{county_id}/", "kind": "县", "parent_id": None,
                                        "boundary": boundaries.geojson(boundaries.county())},
          record_id=county_id)
    # Users' grid_id is their scope node, as services.users.create_user writes it.
    admin_id = w.add("users", county_id, created, {
        "username": "admin", "display_name": "县级管理员", "role": "county_admin",
        "scope_node_id": county_id, "phone": None})
    grids: list[Grid] = []
    offices: dict[str, str] = {}
    town_shapes = boundaries.townships([t["pinyin"] for t in c["townships"]])
    for t_sort, town in enumerate(c["townships"]):
        t_id = w.new_id()
        t_path = f"/{county_id}/{t_id}/"
        w.add("org_nodes", None, created, {
            "parent_id": county_id, "level": "township", "name": town["name"],
            "code": town["code"], "path": t_path, "kind": town["name"][-1], "sort": t_sort,
            "boundary": boundaries.geojson(town_shapes[t_sort])}, record_id=t_id)
        office_id = w.add("users", t_id, created, {
            "username": f"xz_{town['pinyin']}", "display_name": f"{town['name']}办公室",
            "role": "township_office", "scope_node_id": t_id, "phone": None})
        offices[town["pinyin"]] = office_id
        units = [(n, p, "社区", town["community_mix"]) for n, p in town["communities"]]
        units += [(n, p, "村", town["village_mix"]) for n, p in town["villages"]]
        n_comm = 0
        n_vill = 0
        unit_shapes = boundaries.subdivide(town_shapes[t_sort], len(units), town["code"])
        for v_sort, (v_name, population, kind, mix) in enumerate(units):
            if kind == "社区":
                n_comm += 1
                v_code = f"{town['code']}{n_comm:03d}"
            else:
                n_vill += 1
                v_code = f"{town['code']}{200 + n_vill:03d}"
            v_id = w.new_id()
            v_path = f"{t_path}{v_id}/"
            w.add("org_nodes", None, created, {
                "parent_id": t_id, "level": "village", "name": v_name, "code": v_code,
                "path": v_path, "kind": kind, "sort": v_sort,
                "boundary": boundaries.geojson(unit_shapes[v_sort])}, record_id=v_id)
            households = max(1, round(population * scale / MEAN_HOUSEHOLD[kind]))
            sizes = grid_sizes(households)
            grid_shapes = boundaries.subdivide(unit_shapes[v_sort], len(sizes), v_code)
            for g_no, size in enumerate(sizes, start=1):
                g_id = w.new_id()
                g_code = f"{v_code}{g_no:02d}"
                g_name = f"{v_name}第{g_no}网格"
                w.add("org_nodes", g_id, created, {
                    "parent_id": v_id, "level": "grid", "name": g_name, "code": g_code,
                    "path": f"{v_path}{g_id}/", "kind": "网格", "sort": g_no,
                    "boundary": boundaries.geojson(grid_shapes[g_no - 1])}, record_id=g_id)
                shape = grid_shapes[g_no - 1]
                grid = Grid(g_id, g_code, g_name, f"{v_path}{g_id}/", town, v_name, kind,
                            size, mix, office_id=office_id, boundary=shape,
                            points=boundaries.PointMaker(shape, g_code))
                grids.append(grid)
    for grid in grids:
        group = UYGHUR if namer.rng.random() < grid.mix[0] + 0.1 else HAN
        sex = "female" if namer.rng.random() < 0.55 else "male"
        year = namer.rng.randrange(1975, 2000)
        grid.worker_name = namer.full(group, namer.surname(group), namer.given(group, sex, year))
        grid.worker_id = w.add("users", grid.id, created, {
            "username": f"wg_{grid.code}", "display_name": grid.worker_name,
            "role": "grid_worker", "scope_node_id": grid.id, "phone": mobile(namer.rng)})
    return County(county_id, admin_id, grids, offices)
