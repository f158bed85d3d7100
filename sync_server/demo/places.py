"""Places for the demo: door-plated rural houses under villages; compounds with buildings,
units, floors and apartments in the communities; street bungalows and shop fronts."""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

from .geography import Grid
from .rows import Writer

COUNTY = "托克逊县"


@dataclass(frozen=True)
class HouseRef:
    id: str
    address: str
    house_type: str


class _Building:
    """The planned apartments of one building (building, unit, floor ids, plate, address),
    written as houses when handed out so that each gets its real use (own, rented, empty)."""

    def __init__(self, plan: list[tuple[str, str, str, str, str]]) -> None:
        self.free = plan
        self.next = 0


class PlaceMaker:
    """Makes houses on demand, numbering door plates per village group or per street."""

    def __init__(self, w: Writer, rng: random.Random, texts: dict[str, Any],
                 created: dt.datetime) -> None:
        self.w = w
        self.rng = rng
        self.texts = texts
        self.created = created
        self._village_plates: dict[str, tuple[int, int, int]] = {}  # village -> group, no, size
        self._street_plates: dict[tuple[str, str], int] = {}
        self._compound_names: dict[str, int] = {}
        self._grid_buildings: dict[str, list[_Building]] = {}
        self._current_park: tuple[str, str] = ("", "")
        self._industrial_parks: dict[str, tuple[str, str, list[int]]] = {}
        self._building_points: dict[str, dict[str, float]] = {}

    @staticmethod
    def _point(grid: Grid) -> dict[str, float]:
        lat, lon = grid.points.next()
        return {"lat": lat, "lon": lon}

    # -- villages ------------------------------------------------------------------------
    def rural_house(self, grid: Grid, use: str = "owner_occupied") -> HouseRef:
        group, no, size = self._village_plates.get(grid.place, (1, 0, self._group_size()))
        no += 1
        if no > size:
            group, no, size = group + 1, 1, self._group_size()
        self._village_plates[grid.place] = (group, no, size)
        plate = f"{grid.village}{group}组{no}号"
        address = f"{COUNTY}{grid.township['name']}{plate}"
        hid = self.w.add("houses", grid.id, self.created, {
            "door_plate": plate, "address": address, "house_type": "rural_self_built",
            "use": use, "area": float(self.rng.randrange(80, 261)), "building_id": None,
            **self._point(grid)})
        ref = HouseRef(hid, address, "rural_self_built")
        grid.houses.append(ref)
        return ref

    def _group_size(self) -> int:
        return self.rng.randrange(40, 90)

    # -- towns ---------------------------------------------------------------------------
    def street_house(self, grid: Grid, house_type: str, use: str) -> HouseRef:
        """A bungalow or shop front on one of the town's streets."""
        streets = self.texts["streets"]
        street = streets[int(grid.code[-4:]) % len(streets)]
        key = (grid.township["name"], street)
        no = self._street_plates.get(key, 0) + self.rng.randrange(1, 3)
        self._street_plates[key] = no
        plate = f"{street}{no}号"
        address = f"{COUNTY}{grid.township['name']}{grid.village}{plate}"
        area = float(self.rng.randrange(30, 120) if house_type == "shop_front"
                     else self.rng.randrange(50, 150))
        hid = self.w.add("houses", grid.id, self.created, {
            "door_plate": plate, "address": address, "house_type": house_type, "use": use,
            "area": area, "building_id": None, **self._point(grid)})
        ref = HouseRef(hid, address, house_type)
        grid.houses.append(ref)
        return ref

    def factory(self, grid: Grid, unit_name: str) -> str:
        """A factory building for an enterprise in the town's industrial park (one park per
        community grid that has enterprises); returns its address."""
        town = grid.township["name"]
        park = self._industrial_parks.get(grid.id)
        if park is None:
            short = grid.village.removesuffix("社区")
            name = f"{short}产业园"
            park_id = self.w.add("parks", grid.id, self.created, {
                "name": name, "kind": "industrial", "address": f"{COUNTY}{town}{grid.village}"})
            park = self._industrial_parks[grid.id] = (park_id, name, [0])
        park_id, name, count = park
        count[0] += 1
        address = f"{COUNTY}{town}{name}{count[0]}号厂房"
        self.w.add("buildings", grid.id, self.created, {
            "park_id": park_id, "name": f"{count[0]}号厂房（{unit_name}）",
            "building_type": "factory", "use": "production",
            "floors_above": self.rng.choice((1, 1, 2, 3)), "address": address,
            **self._point(grid)})
        return address

    def apartment(self, grid: Grid, use: str = "owner_occupied") -> HouseRef:
        """The next free apartment of the grid's compounds, building a new one when full.
        About one apartment in ten is skipped and left empty (bought, not lived in)."""
        while True:
            plan = self._next_plan(grid)
            if self.rng.random() >= 0.1:
                return self._apartment(grid, plan, use)
            self._apartment(grid, plan, "vacant")

    def finish_grid(self, grid: Grid) -> None:
        """Write the apartments nobody moved into as empty."""
        for b in self._grid_buildings.get(grid.id, []):
            while b.next < len(b.free):
                self._apartment(grid, b.free[b.next], "vacant")
                b.next += 1

    def _next_plan(self, grid: Grid) -> tuple[str, str, str, str, str]:
        buildings = self._grid_buildings.setdefault(grid.id, [])
        while not buildings or buildings[-1].next >= len(buildings[-1].free):
            buildings.append(self._building(grid, len(buildings)))
        b = buildings[-1]
        b.next += 1
        return b.free[b.next - 1]

    def _apartment(self, grid: Grid, plan: tuple[str, str, str, str, str],
                   use: str) -> HouseRef:
        bid, uid, fid, plate, address = plan
        hid = self.w.add("houses", grid.id, self.created, {
            "building_id": bid, "unit_id": uid, "floor_id": fid, "door_plate": plate,
            "address": address, "house_type": "apartment", "use": use,
            "area": float(self.rng.choice((62, 75, 86, 98, 110, 125))),
            **self._building_points[bid]})
        ref = HouseRef(hid, address, "apartment")
        grid.houses.append(ref)
        return ref

    def _compound(self, grid: Grid) -> tuple[str, str]:
        names = self.texts["compounds"]
        town = grid.township["name"]
        n = self._compound_names.get(town, self.rng.randrange(len(names)))
        self._compound_names[town] = n + 1
        name = names[n % len(names)]
        if n >= len(names):
            name += f"{n // len(names) + 1}期"
        park_id = self.w.add("parks", grid.id, self.created, {
            "name": name, "kind": "compound",
            "address": f"{COUNTY}{town}{grid.village}{name}"})
        return park_id, name

    def _building(self, grid: Grid, index: int) -> _Building:
        # Six buildings make a compound; a new compound starts every sixth building.
        if index % 6 == 0:
            self._current_park = self._compound(grid)
        park_id, park = self._current_park
        number = index % 6 + 1
        rng = self.rng
        high_rise = rng.random() < 0.12
        floors = rng.randrange(11, 19) if high_rise else rng.randrange(5, 8)
        units = rng.randrange(1, 3) if high_rise else rng.randrange(2, 5)
        name = f"{number}号楼"
        address = f"{COUNTY}{grid.township['name']}{grid.village}{park}{name}"
        point = self._point(grid)
        bid = self.w.add("buildings", grid.id, self.created, {
            "park_id": park_id, "name": name, "building_type": "residential",
            "use": "living", "floors_above": floors, "address": address, **point})
        self._building_points[bid] = point
        plan: list[tuple[str, str, str, str, str]] = []
        for u in range(1, units + 1):
            uid = self.w.add("building_units", grid.id, self.created, {
                "building_id": bid, "name": f"{u}单元"})
            for f in range(1, floors + 1):
                fid = self.w.add("floors", grid.id, self.created, {
                    "building_id": bid, "unit_id": uid, "number": f})
                for door in (1, 2):
                    plate = f"{park}{name}{u}单元{f}{door:02d}"
                    plan.append((bid, uid, fid, plate, f"{address}{u}单元{f}{door:02d}"))
        return _Building(plan)
