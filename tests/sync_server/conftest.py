"""Server fixtures: a real FastAPI app on a fresh database (SQLite and PostgreSQL), the small org
tree of tests/factories.py, and clients signed in as each of its users."""
from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from sync_server.app import create_app
from sync_server.services.auth import make_access_token
from sync_server.settings import Settings
from tests.conftest import NOW
from tests.factories import Clock, Tree, build_tree


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
