"""Household-economy ledgers for the demo: the default ledger types (common.ledger_types, stable
ids) and plausible rows for a share of households: land, crops, livestock, machinery, income."""
from __future__ import annotations

import datetime as dt
import random

from common.ledger_types import ledger_type_id, seed_rows

from .families import HouseholdRef
from .geography import Grid
from .rows import Writer

CROPS = (("grape", 55, 900, 6.0), ("melon", 12, 2200, 2.5), ("cotton", 10, 350, 7.5),
         ("wheat", 8, 450, 2.6), ("corn", 6, 700, 2.2), ("apricot", 4, 600, 5.0),
         ("jujube", 3, 400, 8.0), ("pepper", 2, 900, 4.0))
"""Toksun's crops: (code, weight, yield kg per mu, price yuan per kg); grapes dominate."""

LIVESTOCK = (("sheep", 60, 5, 60, 900), ("cattle", 15, 1, 8, 6000), ("chicken", 15, 10, 80, 60),
             ("donkey", 5, 1, 2, 2000), ("camel", 2, 1, 6, 8000), ("horse", 3, 1, 3, 5000))
"""(code, weight, low, high head count, price yuan per head sold)."""


def seed_ledger_types(w: Writer, created: dt.datetime) -> None:
    """The default ledger types and fields, with the ids every replica derives from codes."""
    types, fields = seed_rows()
    for row in types:
        w.add("ledger_types", None, created, row, record_id=row["id"])
    for row in fields:
        w.add("ledger_fields", None, created, row, record_id=row["id"])


def write_ledgers(w: Writer, rng: random.Random, grids: list[Grid], now: dt.datetime) -> None:
    """Last year's ledgers for about 40% of village households and vehicles county-wide."""
    year = now.year - 1
    at = dt.datetime(now.year, 1, 15, 10)
    if at > now:
        at = now
    crop_cum = [c[1] for c in CROPS]
    stock_cum = [c[1] for c in LIVESTOCK]
    for grid in grids:
        for hh in grid.households_made:
            if hh.head.status != "normal":
                continue
            if rng.random() < 0.2:
                _row(w, grid, at, "vehicles", None, hh.head.id, None, {
                    "vehicle_kind": rng.choice(("car", "truck", "tricycle", "motorcycle",
                                                "e_bike", "car")),
                    "plate_no": f"新K{rng.choice('ABCDEF')}{rng.randrange(10000, 99999)}",
                    "commercial": rng.random() < 0.15})
            if hh.rural and rng.random() < 0.4:
                _farm(w, rng, grid, hh, at, year, crop_cum, stock_cum)


def _farm(w: Writer, rng: random.Random, grid: Grid, hh: HouseholdRef, at: dt.datetime,
          year: int, crop_cum: list[int], stock_cum: list[int]) -> None:
    size = len(hh.members)
    arable = round(rng.uniform(2, 6) * max(1, size * 0.8), 1)
    transferred = round(arable * rng.random(), 1) if rng.random() < 0.2 else 0.0
    _row(w, grid, at, "land", hh.id, None, year, {
        "arable_area": arable, "plots": rng.randrange(1, 6),
        "grassland_area": round(rng.uniform(0, 30), 1) if rng.random() < 0.2 else 0.0,
        "transferred_area": transferred,
        "transfer_mode": rng.choice(("lease", "subcontract")) if transferred else "none",
        "certificate_no": f"652123{rng.randrange(10**10):010d}J"})
    sales_total = 0.0
    remaining = arable - transferred
    for code, _, yield_per_mu, price in rng.choices(CROPS, crop_cum, k=rng.randrange(1, 3)):
        area = round(max(0.5, remaining * rng.uniform(0.4, 0.9)), 1)
        remaining = max(0.0, remaining - area)
        output = round(area * yield_per_mu * rng.uniform(0.7, 1.2))
        sales = round(output * price * rng.uniform(0.8, 1.0))
        sales_total += sales
        _row(w, grid, at, "crops", hh.id, None, year, {
            "crop": code, "area": area, "output": float(output), "sales": float(sales)})
    stock_income = 0.0
    if rng.random() < 0.5:
        code, _, low, high, price = rng.choices(LIVESTOCK, stock_cum)[0]
        stock = rng.randrange(low, high + 1)
        sold = rng.randrange(0, stock + 1) if code != "chicken" else rng.randrange(0, stock)
        stock_income = float(sold * price)
        _row(w, grid, at, "livestock", hh.id, None, year, {
            "animal": code, "stock": stock, "sold": sold, "income": stock_income})
    if rng.random() < 0.15:
        _row(w, grid, at, "farm_machinery", hh.id, None, None, {
            "machine_kind": rng.choice(("tractor", "tiller", "sprayer", "seeder")),
            "quantity": 1, "purchase_year": rng.randrange(2008, year + 1),
            "subsidised": rng.random() < 0.6})
    labour = sum(1 for p in hh.members if 18 <= p.age <= 60)
    migrants = rng.randrange(0, labour + 1) if labour and rng.random() < 0.3 else 0
    wages = float(migrants * rng.randrange(18000, 42000))
    transfer = float(rng.randrange(800, 6000))
    cost = round((sales_total + stock_income) * rng.uniform(0.3, 0.5))
    total = sales_total + stock_income + wages + transfer - cost
    _row(w, grid, at, "production_living", hh.id, None, year, {
        "labour_count": labour, "migrant_workers": migrants,
        "water_source": rng.choices(("tap", "well", "canal"), (90, 7, 3))[0],
        "cooking_fuel": rng.choices(("gas", "electricity", "coal", "lpg"), (55, 25, 15, 5))[0],
        "toilet_type": rng.choices(("flush", "sanitary_dry", "dry"), (45, 45, 10))[0],
        "has_electricity": True, "safe_housing": rng.random() < 0.98,
        "medical_insurance": size})
    _row(w, grid, at, "income_expense", hh.id, None, year, {
        "wage_income": wages, "business_income": float(sales_total + stock_income),
        "property_income": float(rng.randrange(0, 3000)), "transfer_income": transfer,
        "production_cost": float(cost),
        "net_income_per_capita": round(max(0.0, total) / max(1, size), 2)})
    if rng.random() < 0.3:
        _row(w, grid, at, "self_built_house", None, None, None, {
            "built_year": rng.randrange(1985, year + 1), "storeys": rng.choice((1, 1, 1, 2)),
            "floor_area": float(rng.randrange(80, 260)),
            "structure": rng.choices(("brick_concrete", "brick_wood", "earth", "frame"),
                                     (60, 20, 10, 10))[0],
            "for_business": False, "safety_rating": rng.choices("abcd", (55, 35, 8, 2))[0]},
            house_id=hh.house.id)


def _row(w: Writer, grid: Grid, at: dt.datetime, type_code: str, household_id: str | None,
         person_id: str | None, year: int | None, data: dict, *,
         house_id: str | None = None) -> None:
    w.add("ledger_rows", grid.id, at, {
        "ledger_type_id": ledger_type_id(type_code), "household_id": household_id,
        "person_id": person_id, "house_id": house_id, "year": year, "data": data})
