"""Fixtures for the work pages' tests: a real SQLCipher file with a small org tree, houses,
people and tags, a fixed clock and the acting grid worker. Import the fixtures by name."""
from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import pytest
from sqlalchemy.orm import Session

import desktop.storage.settings  # noqa: F401  (registers client_settings on ClientBase)
from common.schema import Base, House, OrgNode, Person, PersonTag, User
from common.validation import id_check_digit
from desktop.services.work_context import Worker
from desktop.storage.changes import record_change
from desktop.storage.database import open_database
from desktop.storage.tables import ClientBase

NOW = dt.datetime(2026, 11, 24, 9, 30)
KEY = bytes(range(32))


def nid(n: int) -> str:
    return str(uuid.UUID(int=n))


COUNTY, TOWNSHIP, VILLAGE, GRID, OTHER_GRID = (nid(i) for i in range(1, 6))
WORKER_ID, COLLEAGUE_ID, OFFICE_ID = nid(101), nid(102), nid(103)


def make_id_number(n: int, birth: str = "19500101", sex_digit: int = 1) -> str:
    first17 = f"652123{birth}{n % 100:02d}{sex_digit}"
    return first17 + id_check_digit(first17)


@dataclass
class Seeded:
    engine: object
    worker: Worker
    houses: dict[str, str]
    people: dict[str, str]


def _org(s: Session, node_id: str, parent: str | None, level: str, name: str, path: str):
    record_change(s, OrgNode, node_id, {"parent_id": parent, "level": level, "name": name,
                                        "path": path, "grid_id": node_id if level == "grid"
                                        else None}, now=NOW)


def make_house(s: Session, plate: str, *, grid: str = GRID, **kw) -> str:
    return record_change(s, House, None, {"door_plate": plate, "house_type": "bungalow",
                                          "grid_id": grid, **kw}, now=NOW).id


def make_person(s: Session, name: str, n: int, *, house: str | None = None, grid: str = GRID,
                tags: tuple[str, ...] = (), birth: str = "19500101") -> str:
    pid = record_change(s, Person, None, {
        "name": name, "id_number": make_id_number(n, birth), "sex": "male",
        "birth_date": dt.date(int(birth[:4]), int(birth[4:6]), int(birth[6:])),
        "house_id": house, "grid_id": grid}, now=NOW).id
    for tag in tags:
        record_change(s, PersonTag, None, {"person_id": pid, "tag_code": tag, "grid_id": grid},
                      now=NOW)
    return pid


def seed(engine) -> Seeded:
    with Session(engine) as s, s.begin():
        _org(s, COUNTY, None, "county", "托克逊县", f"/{COUNTY}/")
        _org(s, TOWNSHIP, COUNTY, "township", "托克逊镇", f"/{COUNTY}/{TOWNSHIP}/")
        _org(s, VILLAGE, TOWNSHIP, "village", "幸福村", f"/{COUNTY}/{TOWNSHIP}/{VILLAGE}/")
        _org(s, GRID, VILLAGE, "grid", "第一网格", f"/{COUNTY}/{TOWNSHIP}/{VILLAGE}/{GRID}/")
        _org(s, OTHER_GRID, VILLAGE, "grid", "第二网格",
             f"/{COUNTY}/{TOWNSHIP}/{VILLAGE}/{OTHER_GRID}/")
        for uid, name, role, scope in ((WORKER_ID, "阿依古丽", "grid_worker", GRID),
                                       (COLLEAGUE_ID, "王建国", "grid_worker", GRID),
                                       (OFFICE_ID, "李主任", "township_office", TOWNSHIP)):
            record_change(s, User, uid, {"username": name, "display_name": name, "role": role,
                                         "scope_node_id": scope, "grid_id": GRID}, now=NOW)
        houses = {
            "h12": make_house(s, "幸福路12号", address="托克逊镇幸福村"),
            "h14": make_house(s, "幸福路14号"),
            "shop": make_house(s, "幸福路1号商铺", house_type="shop_front"),
            "other": make_house(s, "团结路3号", grid=OTHER_GRID),
        }
        people = {
            "alone": make_person(s, "吐尔逊·买买提", 1, house=houses["h12"],
                                 tags=("living_alone", "elderly_60")),
            "dibao": make_person(s, "张秀英", 2, house=houses["h14"], tags=("dibao",)),
            "young": make_person(s, "李明", 3, house=houses["h14"], birth="19900505"),
        }
        from desktop.storage.settings import add_plate_key
        add_plate_key(s, "k1", KEY, now=NOW)
    return Seeded(engine, Worker(WORKER_ID, "grid_worker", GRID), houses, people)


@pytest.fixture
def engine(tmp_path):
    eng = open_database(tmp_path / "work.db", b"w" * 32)
    Base.metadata.create_all(eng)
    ClientBase.metadata.create_all(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def seeded(engine) -> Seeded:
    return seed(engine)


@pytest.fixture
def session(seeded):
    with Session(seeded.engine) as s:
        yield s
        s.rollback()


@pytest.fixture
def ctx(seeded, qtbot, tmp_path):
    """An AppContext over the seeded database, signed in as the grid worker, clock fixed."""
    import os
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from desktop.storage.blobs import BlobStore
    from desktop.tasks import TaskManager
    from desktop.ui.context import AppContext, CurrentUser
    tasks = TaskManager(seeded.engine)
    nav: list = []
    c = AppContext(tasks=tasks, user=CurrentUser(WORKER_ID, "ayguli", "阿依古丽", "grid_worker",
                                                 GRID),
                   profile_dir=tmp_path, now=lambda: NOW,
                   navigate=lambda key, **kw: nav.append((key, kw)),
                   blobs=BlobStore(tmp_path / "blobs", b"b" * 32))
    c.navigated = nav  # type: ignore[attr-defined]  (what the page asked the window to show)
    yield c
    # Results still queued land on pages pytest-qt has already closed: the pages drop them
    # (GuardedTasks); wait for them so none reaches the next test.
    qtbot.wait_until(lambda: not tasks.is_busy(), timeout=20000)
    tasks.shutdown()
    qtbot.wait(10)
