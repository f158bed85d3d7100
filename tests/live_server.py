"""A real server on 127.0.0.1 for client↔server tests: uvicorn serving create_app in a thread of
the test process, over a database with the factories' org tree (a ServerHarness gives the test
the same database's sessions, tree and clock). The one live-server helper of the test suite."""
from __future__ import annotations

import datetime as dt
import shutil
import threading
import time
from pathlib import Path

import uvicorn

from tests.pg import free_port  # the one free-port helper (the PostgreSQL cluster's too)

SECRET = "test-secret-" + "x" * 32


class UvicornThread:
    """Serves `app` on a free port of 127.0.0.1 until `stop()`."""

    def __init__(self, app, *, lifespan: str = "auto", timeout: float = 20) -> None:  # noqa: ANN001
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port,
                                                    log_level="warning", lifespan=lifespan))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)

    def stop(self, timeout: float = 15) -> None:
        self.server.should_exit = True
        self.thread.join(timeout)


def real_now() -> dt.datetime:
    """The real clock as the server stores times (naive UTC)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class LiveServer:
    """create_app over `db` with the factories' org tree, served on 127.0.0.1 after `start()`;
    attachments (and snapshots) under `folder`.

    `db`: a database URL, or the path of a migrated SQLite template (copied into `folder`).
    `real_clock`: the server, its tokens and the harness's clock follow the real clock (HTTP
    sync tests whose devices use the real clock too); otherwise the fixed clock of
    tests/factories.py (`self.clock`, which a test may move). `lifespan="off"` skips the
    server's housekeeping task."""

    def __init__(self, db: str | Path, folder: Path, *, real_clock: bool = False,
                 lifespan: str = "auto") -> None:
        from sync_server.app import create_app
        from sync_server.settings import Settings
        from tests.integration.sync_harness import ServerHarness

        if isinstance(db, Path):
            path = folder / "server.db"
            shutil.copyfile(db, path)
            db = f"sqlite:///{path}"
        self.harness = ServerHarness(db)
        self.tree = self.harness.tree
        self.clock = self.harness.clock
        if real_clock:
            self.clock.now = real_now()
        self.now = real_now if real_clock else self.clock
        """The server's clock: what it stamps changes and tokens with."""
        self.settings = Settings(database_url=db, environment="test", secret_key=SECRET,
                                 attachments_dir=folder / "attachments")
        self.app = create_app(self.settings, clock=self.now)
        self._lifespan = lifespan
        self._served: UvicornThread | None = None
        self.url = ""

    def start(self) -> "LiveServer":
        self._served = UvicornThread(self.app, lifespan=self._lifespan)
        self.url = self._served.url
        return self

    @property
    def port(self) -> int:
        return self._served.port if self._served else 0

    def token(self, username: str, device_id: str | None = None) -> str:
        from sync_server.services.auth import make_access_token
        return make_access_token(self.tree.users[username], self.settings, self.now(),
                                 device_id)

    def stop(self) -> None:
        if self._served:
            self._served.stop(10)
        self.app.state.engine.dispose()
        self.harness.close()
