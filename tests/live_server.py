"""A real server on 127.0.0.1: uvicorn serving an app in a thread of the test process, and the
LiveServer the client↔server tests share (create_app over a database, the factories' org tree)."""
from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import uvicorn


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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


class LiveServer:
    """create_app over `db_url` with the factories' org tree, served on 127.0.0.1 after
    `start()`; attachments under `folder`."""

    def __init__(self, db_url: str, folder: Path) -> None:
        from sync_server.app import create_app
        from sync_server.settings import Settings
        from tests.conftest import NOW
        from tests.factories import Clock, build_tree

        self.clock = Clock(NOW)
        self.settings = Settings(database_url=db_url, environment="test",
                                 secret_key="test-secret-" + "x" * 32,
                                 attachments_dir=folder / "attachments")
        self.app = create_app(self.settings, clock=self.clock)
        with self.app.state.sessions() as s:
            self.tree = build_tree(s, NOW)
            s.commit()
        self._served: UvicornThread | None = None
        self.url = ""

    def start(self) -> "LiveServer":
        self._served = UvicornThread(self.app)
        self.url = self._served.url
        return self

    @property
    def port(self) -> int:
        return self._served.port if self._served else 0

    def token(self, username: str, device_id: str | None = None) -> str:
        from sync_server.services.auth import make_access_token
        return make_access_token(self.tree.users[username], self.settings, self.clock(),
                                 device_id)

    def stop(self) -> None:
        if self._served:
            self._served.stop()
        self.app.state.engine.dispose()
