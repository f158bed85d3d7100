"""A real sync server in uvicorn on 127.0.0.1 (a thread of the test process), for HTTP tests.
It runs on the real clock throughout (server, tokens and the devices that use `_now`)."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from sync_server.app import create_app
from sync_server.settings import Settings
from tests.integration.sync_harness import ServerHarness
from tests.live_server import UvicornThread, free_port  # noqa: F401 - free_port for callers

SECRET = "test-secret-" + "x" * 32


class LiveServer:
    """uvicorn serving create_app on the harness's database, on a free port."""

    def __init__(self, db_url: str, folder: Path) -> None:
        self.harness = ServerHarness(db_url)
        self.harness.clock.now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        # Attachments and (on PostgreSQL) snapshots under the test's folder, not ./data.
        self.settings = Settings(database_url=db_url, environment="test", secret_key=SECRET,
                                 attachments_dir=folder / "attachments")
        self.app = create_app(self.settings, clock=self._now)
        self._served = UvicornThread(self.app, lifespan="off")
        self.port, self.url = self._served.port, self._served.url

    @staticmethod
    def _now() -> dt.datetime:
        return dt.datetime.now(dt.UTC).replace(tzinfo=None)

    def token(self, username: str) -> str:
        from sync_server.services.auth import make_access_token
        return make_access_token(self.harness.user(username), self.settings, self._now())

    def stop(self) -> None:
        self._served.stop(10)
        self.app.state.engine.dispose()
        self.harness.close()
