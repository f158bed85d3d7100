"""Units (单位) for the demo: shops, cooperatives, enterprises and institutions with employees,
some of whom are residents of the grid."""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

from .families import PersonRef
from .geography import Grid
from .identity import HAN, MIGRANT_REGIONS, UYGHUR, IdNumbers, Namer, credit_code, mobile
from .rows import Writer


@dataclass(frozen=True)
class UnitRef:
    id: str
    name: str
    kind: str  # org_kind code
    house_id: str | None


def _short(village: str) -> str:
    """英阿瓦提村 -> 英阿瓦提, 南湖社区 -> 南湖 (how shop and co-op names use a place)."""
    for suffix in ("社区", "村"):
        if village.endswith(suffix):
            return village[: -len(suffix)]
    return village


class UnitMaker:
    def __init__(self, w: Writer, rng: random.Random, texts: dict[str, Any], namer: Namer,
                 ids: IdNumbers, created: dt.datetime, today: dt.date) -> None:
        self.w = w
        self.rng = rng
        self.texts = texts
        self.namer = namer
        self.ids = ids
        self.created = created
        self.today = today

    def grid_units(self, grid: Grid, places: Any) -> None:
        rng = self.rng
        rural = grid.kind == "村"
        n_shops = max(1, round(grid.households / (60 if rural else 28)))
        n_ent = round(grid.households / (400 if rural else 160) + rng.random() * 0.6)
        if grid.township["pinyin"] in ("keerjian", "kumishi"):
            n_ent += 1  # the mining and logistics towns
        for _ in range(n_shops):
            house = places.rural_house(grid, "business") if rural else \
                places.street_house(grid, "shop_front", "business")
            owner = self._adult(grid)
            self._unit(grid, "shop", self._shop_name(grid, owner), house.id, house.address,
                       rng.choice(("retail", "catering", "services", "retail")),
                       rng.randrange(1, 4), owner)
        if rural and grid.code.endswith("01"):
            name = rng.choice(self.texts["cooperatives"]).format(place=_short(grid.village))
            self._unit(grid, "cooperative", name, None, grid.place, "agriculture",
                       rng.randrange(5, 25))
        for _ in range(n_ent):
            template, industry = rng.choice(self.texts["enterprises"])
            if grid.township["pinyin"] in ("keerjian", "kumishi") and rng.random() < 0.5:
                template, industry = "新疆{brand}矿业有限公司", "mining"
            name = template.format(brand=rng.choice(self.texts["brands"]))
            # In town, producing firms sit in the industrial park; the rest at the village or
            # community.
            producing = industry in ("manufacturing", "mining", "construction", "transport")
            address = places.factory(grid, name) if producing and not rural else grid.place
            self._unit(grid, "enterprise", name, None, address, industry,
                       rng.randrange(8, 60))
        if grid.code.endswith("01") and grid.code[9:12] in ("001", "201"):
            name = rng.choice(self.texts["institutions"]).format(
                place=grid.township["name"])
            self._unit(grid, "institution", name, None, grid.place, "services",
                       rng.randrange(10, 40))

    def _adult(self, grid: Grid) -> PersonRef | None:
        adults = [p for p in grid.people if 20 <= p.age <= 60 and p.status == "normal"]
        return self.rng.choice(adults) if adults else None

    def _shop_name(self, grid: Grid, owner: PersonRef | None) -> str:
        """A shop named the way its owner would: 阿不都拉餐厅 for 阿不都拉·吐尔逊, 马记拉面馆 for
        马建国, or after the place."""
        rng = self.rng
        uyghur = owner is not None and "·" in owner.name
        fits = [t for t in self.texts["shops"]
                if "{place}" in t or ("{ug}" in t) == uyghur and owner is not None]
        template = rng.choice(fits)
        return template.format(ug=owner.name.split("·")[0] if uyghur else "",
                               han=owner.name[0] if owner and not uyghur else "",
                               place=_short(grid.village))

    def _unit(self, grid: Grid, kind: str, name: str, house_id: str | None, address: str,
              industry: str, staff: int, owner: PersonRef | None = None) -> None:
        rng = self.rng
        adults = [p for p in grid.people if 20 <= p.age <= 60 and p.status == "normal"]
        owner = owner or (rng.choice(adults) if adults else None)
        tax = rng.choices(("normal", "exempt", "none"), (60, 30, 10))[0] \
            if kind in ("shop", "enterprise") else "exempt"
        annual = None
        if tax == "normal":
            annual = rng.randrange(800, 30000) if kind == "shop" else rng.randrange(20000, 2_000_000)
        at = self.created + dt.timedelta(days=rng.randrange(0, 300))
        oid = self.w.add("organisations", grid.id, at, {
            "name": name, "kind": kind, "credit_code": credit_code(rng, kind),
            "legal_person": owner.name if owner else None,
            "phone": owner.phone if owner and owner.phone else mobile(rng),
            "house_id": house_id, "address": address, "industry": industry,
            "employee_count": staff, "tax_status": tax, "annual_tax": annual, "notes": None})
        grid.organisations.append(UnitRef(oid, name, kind, house_id))
        positions = self.texts["positions"]
        for i in range(staff):
            if i == 0 and owner is not None and kind == "shop":
                self._employee(grid, oid, owner, "负责人", at)
            elif adults and rng.random() < 0.6:
                self._employee(grid, oid, rng.choice(adults), rng.choice(positions), at)
            else:
                self._outsider(grid, oid, rng.choice(positions), at)

    def _employee(self, grid: Grid, oid: str, p: PersonRef, position: str,
                  at: dt.datetime) -> None:
        self.w.add("employees", grid.id, at, {
            "organisation_id": oid, "person_id": p.id, "name": p.name,
            "id_number": p.id_number, "phone": p.phone, "department": None,
            "position": position})

    def _outsider(self, grid: Grid, oid: str, position: str, at: dt.datetime) -> None:
        """A worker who lives elsewhere (another township or a migrant)."""
        rng = self.rng
        sex = "male" if rng.random() < 0.7 else "female"
        age = rng.randrange(19, 56)
        birth = self.today - dt.timedelta(days=age * 365 + rng.randrange(0, 365))
        group = UYGHUR if rng.random() < 0.5 else HAN
        region = "652123" if rng.random() < 0.6 else rng.choice(MIGRANT_REGIONS)
        name = self.namer.full(group, self.namer.surname(group),
                               self.namer.given(group, sex, birth.year))
        self.w.add("employees", grid.id, at, {
            "organisation_id": oid, "person_id": None, "name": name,
            "id_number": self.ids.make(region, birth, sex), "phone": mobile(rng),
            "department": None, "position": position})


def write_units(w: Writer, rng: random.Random, texts: dict[str, Any], namer: Namer,
                ids: IdNumbers, grids: list[Grid], places: Any, created: dt.datetime,
                today: dt.date) -> None:
    """Write each grid's shops, co-operative, enterprises and institutions."""
    maker = UnitMaker(w, rng, texts, namer, ids, created, today)
    for grid in grids:
        maker.grid_units(grid, places)
