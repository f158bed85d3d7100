"""A real sync server in uvicorn on 127.0.0.1 (a thread of the test process), for HTTP tests."""
from __future__ import annotations

import datetime as dt
import socket
import threading
import time

import uvicorn

from sync_server.app import create_app
from sync_server.settings import Settings
from tests.integration.sync_harness import ServerHarness

SECRET = "test-secret-" + "x" * 32


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """uvicorn serving create_app on the harness's database, on a free port."""

    def __init__(self, db_url: str) -> None:
        self.harness = ServerHarness(db_url)
        self.harness.clock.now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        self.settings = Settings(database_url=db_url, environment="test", secret_key=SECRET)
        self.app = create_app(self.settings, clock=self._now)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning",
                                lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.time() + 20
        while not self.server.started:
            if time.time() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)

    @staticmethod
    def _now() -> dt.datetime:
        return dt.datetime.now(dt.UTC).replace(tzinfo=None)

    def token(self, username: str) -> str:
        from sync_server.services.auth import make_access_token
        return make_access_token(self.harness.user(username), self.settings, self._now())

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.app.state.engine.dispose()
        self.harness.close()
