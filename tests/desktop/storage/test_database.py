"""The client's SQLCipher database under concurrent writers: every write transaction starts with
BEGIN IMMEDIATE, so two threads doing read-then-write (a person saved while a sync applies a
pulled batch) wait for each other instead of failing with "database is locked"."""
from __future__ import annotations

import datetime as dt
import threading

from sqlalchemy import text
from sqlalchemy.orm import Session

from common.schema import Person, new_id
from desktop.services import people
from desktop.storage import outbox, profiles, replica
from desktop.storage.database import read_only

from tests.desktop.people_factories import NOW, make_id_number, make_org

from common.sync.messages import EntityRows, PullResponse

from .conftest import FAST_KDF

ROUNDS = 150


def _pulled_person(grid_id: str, cursor: int) -> PullResponse:
    """One batch as the server sends it: a person saved on another laptop."""
    birth = dt.date(1940, 1, 1) + dt.timedelta(days=cursor)
    return PullResponse(cursor=cursor, data={"people": EntityRows(
        cols=["id", "rev", "grid_id", "name", "id_number", "sex", "birth_date",
              "resident_type", "status", "ethnicity", "created_at", "updated_at", "deleted"],
        rows=[[new_id(), cursor, grid_id, f"同步{cursor}", make_id_number(birth), "1",
               birth.isoformat(), "registered", "normal", "01", NOW.isoformat(),
               NOW.isoformat(), False]])})


def test_saving_people_while_a_sync_applies_never_meets_database_is_locked(yzb_home):
    profile = profiles.create_profile("ali", "pw", kdf=FAST_KDF)
    with Session(profile.engine) as s, s.begin():
        grid = make_org(s)["grid"].id
    failures: list[BaseException] = []
    start = threading.Barrier(2)

    def save_people() -> None:  # as the writer lane's save_person does: read, then write
        start.wait()
        for i in range(ROUNDS):
            birth = dt.date(1960, 1, 1) + dt.timedelta(days=i)
            try:
                with Session(profile.engine) as s:
                    people.save_person(s, None, {
                        "id_number": make_id_number(birth), "name": f"本机{i}",
                        "grid_id": grid, "ethnicity": "01", "resident_type": "registered",
                        "status": "normal"}, [], now=NOW, actor_id="u1")
                    s.commit()
            except Exception as exc:  # noqa: BLE001 - counted and shown below
                failures.append(exc)

    def apply_pulls() -> None:  # as the sync's apply does: settle the outbox, apply a batch
        start.wait()
        for i in range(ROUNDS):
            try:
                with Session(profile.engine) as s:
                    outbox.settle(s, [], now=NOW)
                    replica.apply_pull(s, _pulled_person(grid, i + 1), now=NOW)
                    s.commit()
            except Exception as exc:  # noqa: BLE001
                failures.append(exc)

    threads = [threading.Thread(target=save_people), threading.Thread(target=apply_pulls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [str(getattr(f, "orig", f))[:120] for f in failures] == []
    with Session(profile.engine) as s:
        assert s.query(Person).count() == 2 * ROUNDS
    profile.close()


def test_a_read_only_session_does_not_take_the_write_lock(yzb_home):
    """Reads (the task manager's read lane) run beside a writer holding its transaction."""
    profile = profiles.create_profile("ali", "pw", kdf=FAST_KDF)
    with Session(profile.engine) as writer:
        writer.execute(text("UPDATE sync_state SET cursor = 7"))  # holds the write lock
        with Session(read_only(profile.engine)) as reader:
            assert reader.execute(text("SELECT cursor FROM sync_state")).scalar() == 0
        writer.commit()
    profile.close()
