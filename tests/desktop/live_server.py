"""A real sync server on 127.0.0.1 (uvicorn in a thread) over a copy of the migrated template,
with the small org tree of tests/factories.py; for sign-in and other client↔server tests."""
from __future__ import annotations

import shutil
import socket
import threading
import time
from pathlib import Path

import uvicorn

from sync_server.app import create_app
from sync_server.settings import Settings
from tests.conftest import NOW
from tests.factories import Clock, build_tree


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    def __init__(self, template: Path, folder: Path) -> None:
        path = folder / "server.db"
        shutil.copyfile(template, path)
        self.settings = Settings(database_url=f"sqlite:///{path}", environment="test",
                                 secret_key="test-secret-" + "x" * 32,
                                 attachments_dir=folder / "attachments")
        self.app = create_app(self.settings, clock=Clock(NOW))
        with self.app.state.sessions() as s:
            self.tree = build_tree(s, NOW)
            s.commit()
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._server = uvicorn.Server(uvicorn.Config(self.app, host="127.0.0.1", port=self.port,
                                                     log_level="warning"))
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    def start(self) -> "LiveServer":
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("server did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(10)
        self.app.state.engine.dispose()
