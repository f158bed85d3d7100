"""Factories for the client's people tests: a real SQLCipher file, an org tree, people, places."""
from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from common.schema import (Building, Household, House, OrgNode, Park, Person, PersonTag,
                           new_id)
from common.validation import id_check_digit
from desktop.storage import local_log, search_index  # noqa: F401 - registers migrations
from desktop.storage.changes import record_change
from desktop.storage.database import open_database
from desktop.storage.migrations import migrate

NOW = dt.datetime(2026, 11, 24, 9, 0, 0)
TODAY = NOW.date()
KEY = bytes(range(32))
_seq = itertools.count(1)


def make_database(path: Path) -> Engine:
    """An encrypted client database with every synced and client-only table."""
    engine = open_database(path, KEY)
    migrate(engine)
    return engine


def make_id_number(birth: dt.date = dt.date(1980, 1, 1), female: bool = False,
                   region: str = "652123") -> str:
    n = next(_seq) % 500
    seq = f"{n * 2 + (0 if female else 1):03d}"
    first17 = region + birth.strftime("%Y%m%d") + seq
    return first17 + id_check_digit(first17)


def make_org(session: Session) -> dict[str, OrgNode]:
    """County → township → village → two grids."""
    nodes: dict[str, OrgNode] = {}
    path = "/"
    parent = None
    for key, level, name in [("county", "county", "托克逊县"), ("township", "township", "托克逊镇"),
                             ("village", "village", "英阿瓦提村"), ("grid", "grid", "第一网格")]:
        nid = new_id()
        path = f"{path}{nid}/"
        nodes[key] = record_change(session, OrgNode, nid, {
            "parent_id": parent, "level": level, "name": name, "path": path,
            "grid_id": nid if level == "grid" else None}, now=NOW)
        parent = nid
    gid = new_id()
    nodes["grid2"] = record_change(session, OrgNode, gid, {
        "parent_id": nodes["village"].id, "level": "grid", "name": "第二网格",
        "path": f"{nodes['village'].path}{gid}/", "grid_id": gid}, now=NOW)
    return nodes


def make_person(session: Session, grid_id: str, *, name: str = "张三",
                birth: dt.date = dt.date(1980, 1, 1), female: bool = False,
                tags: tuple[str, ...] = (), **overrides) -> Person:
    values = {"id_number": make_id_number(birth, female), "name": name,
              "resident_type": "registered", "status": "normal", "ethnicity": "01",
              "grid_id": grid_id, **overrides}
    person = record_change(session, Person, None, values, now=NOW)
    for tag in tags:
        record_change(session, PersonTag, None, {"person_id": person.id, "tag_code": tag,
                                                 "grid_id": grid_id}, now=NOW)
    search_index.index_people(session, [(person.id, person.name)])
    return person


def make_places(session: Session, grid_id: str) -> dict[str, object]:
    park = record_change(session, Park, None, {"name": "幸福小区", "kind": "compound",
                                               "grid_id": grid_id}, now=NOW)
    building = record_change(session, Building, None, {
        "park_id": park.id, "name": "1号楼", "building_type": "residential", "use": "living",
        "grid_id": grid_id}, now=NOW)
    house = record_change(session, House, None, {
        "building_id": building.id, "door_plate": "1号楼1单元101", "house_type": "apartment",
        "grid_id": grid_id}, now=NOW)
    rural = record_change(session, House, None, {
        "door_plate": "英阿瓦提村3组12号", "house_type": "rural_self_built",
        "grid_id": grid_id}, now=NOW)
    household = record_change(session, Household, None, {
        "household_no": "652123000001", "house_id": house.id, "grid_id": grid_id}, now=NOW)
    return {"park": park, "building": building, "house": house, "rural": rural,
            "household": household}
