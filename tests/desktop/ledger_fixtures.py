"""Fixtures of the ledger (台账) tests: a real SQLCipher profile database holding the default
ledger types as records (as a synced device holds them), two grids with households, people and
houses, and a few ledger rows. Import the fixtures by name."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from sqlalchemy.orm import Session

from common.ledger_types import ledger_type_id, seed_rows
from common.schema import Household, LedgerField, LedgerRow, LedgerType, Person
from desktop.storage.changes import record_change
from tests.desktop.people_factories import NOW, make_database, make_org, make_person, make_places


@dataclass
class LedgerScope:
    engine: object
    grid: str
    grid2: str
    households: dict[str, str]   # household_no -> id
    people: dict[str, Person]    # name -> person
    house: str                   # door plate of a house in the first grid
    rows: dict[str, str]         # name -> ledger row id


def seed_types(session: Session) -> None:
    """The default types and fields as records, as the first sync brings them (reference data:
    no outbox entry, a device never pushes them)."""
    types, fields = seed_rows()
    for values in types:
        session.add(LedgerType(**values, created_at=NOW, updated_at=NOW, rev=1, field_clock={},
                               deleted=False))
    for values in fields:
        session.add(LedgerField(**values, created_at=NOW, updated_at=NOW, rev=1, field_clock={},
                                deleted=False))


def _household(s: Session, grid: str, no: str, head: Person) -> str:
    hh = record_change(s, Household, None, {"household_no": no, "grid_id": grid,
                                            "head_person_id": head.id}, now=NOW)
    record_change(s, Person, head.id, {"household_id": hh.id, "relation_to_head": "head"},
                  now=NOW)
    return hh.id


def land(s: Session, household_id: str, grid: str, year: int, **data) -> str:
    return record_change(s, LedgerRow, None, {
        "ledger_type_id": ledger_type_id("land"), "household_id": household_id, "year": year,
        "grid_id": grid, "data": data}, now=NOW).id


def build(path) -> LedgerScope:  # noqa: ANN001
    engine = make_database(path)
    with Session(engine, expire_on_commit=False) as s:
        seed_types(s)
        org = make_org(s)
        g, g2 = org["grid"].id, org["grid2"].id
        places = make_places(s, g)
        people = {
            "张三": make_person(s, g, name="张三", birth=dt.date(1960, 3, 1)),
            "买买提·吐尔逊": make_person(s, g, name="买买提·吐尔逊", birth=dt.date(1972, 5, 1)),
            "王强": make_person(s, g2, name="王强", birth=dt.date(1985, 2, 1)),
        }
        households = {
            "652123000101": _household(s, g, "652123000101", people["张三"]),
            "652123000102": _household(s, g, "652123000102", people["买买提·吐尔逊"]),
            "652123000201": _household(s, g2, "652123000201", people["王强"]),
        }
        rows = {
            "张三": land(s, households["652123000101"], g, 2025, arable_area=12.5, plots=3,
                        transfer_mode="lease", certificate_no="652123J0001"),
            "买买提·吐尔逊": land(s, households["652123000102"], g, 2024, arable_area=8.0,
                              transfer_mode="none"),
            "王强": land(s, households["652123000201"], g2, 2025, arable_area=4.0),
        }
        record_change(s, LedgerRow, None, {
            "ledger_type_id": ledger_type_id("vehicles"), "person_id": people["张三"].id,
            "grid_id": g, "data": {"vehicle_kind": "tricycle", "plate_no": "新KA12345"}},
            now=NOW)
        s.commit()
        return LedgerScope(engine, g, g2, households, people,
                           places["house"].door_plate, rows)


@pytest.fixture
def ledger_scope(tmp_path):
    scope = build(tmp_path / "local.db")
    yield scope
    scope.engine.dispose()
