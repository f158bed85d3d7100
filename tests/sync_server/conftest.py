"""Server fixtures: a real FastAPI app on a fresh database (SQLite and PostgreSQL), the small org
tree of tests/factories.py, and clients signed in as each of its users."""
from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from common.schema import Household, Person, PersonTag, VisitTask
from sync_server.app import create_app
from sync_server.services.auth import make_access_token
from sync_server.services.changes import apply_change
from sync_server.settings import Settings
from tests.conftest import NOW
from tests.factories import Clock, Tree, build_tree, make_id_number, make_person


class Server:
    """An app, its database and tree, and `as_(username)`: a client carrying that user's token."""

    def __init__(self, db_url: str, folder: Path) -> None:
        self.clock = Clock(NOW)
        self.settings = Settings(database_url=db_url, environment="test",
                                 secret_key="test-secret-" + "x" * 32,
                                 attachments_dir=folder / "attachments")
        self.app = create_app(self.settings, clock=self.clock)
        self.client = TestClient(self.app)
        with self.session() as s:
            self.tree: Tree = build_tree(s, NOW)
            s.commit()

    def session(self) -> Session:
        return self.app.state.sessions()

    def token(self, username: str) -> str:
        return make_access_token(self.tree.users[username], self.settings, self.clock())

    def as_(self, username: str) -> TestClient:
        client = TestClient(self.app)
        client.headers["Authorization"] = f"Bearer {self.token(username)}"
        return client

    def close(self) -> None:
        self.client.close()
        self.app.state.engine.dispose()


@pytest.fixture
def server(db_url, tmp_path):
    srv = Server(db_url, tmp_path)
    yield srv
    srv.close()


@pytest.fixture
def world(server):
    """A household of two in grid g1a (one with a tag and an open visit task): the
    workflow tests' subject. `server.ids` names its records and the ID number."""
    with server.session() as s:
        g1a = server.tree.id("g1a")
        hh = apply_change(s, Household, None, {"household_no": "H-1", "grid_id": g1a}, now=NOW)
        number = make_id_number("19700101")
        person = apply_change(s, Person, None, make_person(g1a, id_number=number, name="王小明",
                                                           household_id=hh.id), now=NOW)
        spouse = apply_change(s, Person, None, make_person(g1a, name="李小红",
                                                           household_id=hh.id), now=NOW)
        apply_change(s, PersonTag, None, {"person_id": person.id, "tag_code": "dibao",
                                          "grid_id": g1a}, now=NOW)
        task = apply_change(s, VisitTask, None, {
            "title": "走访", "kind": "routine", "person_id": person.id, "grid_id": g1a,
            "due_date": NOW.date(), "status": "open"}, now=NOW)
        s.commit()
        server.ids = {"person": person.id, "spouse": spouse.id, "household": hh.id,
                      "task": task.id, "number": number}
    return server
