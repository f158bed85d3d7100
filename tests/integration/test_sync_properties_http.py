"""The convergence property of test_sync_properties.py over the real wire: the server is
create_app in uvicorn on 127.0.0.1, each device talks to it with the client's own
HttpSyncTransport, and the faults happen on that wire: a request that never leaves, a response
lost after the server committed, a request sent twice, the TCP connection cut while the
response is being read (mid-batch), and the server process's app restarted (new engine, new
port). Fewer examples than the in-process run: each one starts a server.
"""
from __future__ import annotations

import contextlib
import shutil
import tempfile
from pathlib import Path
from typing import Any, Iterator

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from common.errors import DomainError
from common.sync.codec import pack
from common.sync.messages import SyncRequest, SyncResponse
from desktop.net.sync import MEDIA_TYPE, HttpSyncTransport
from sync_server.app import create_app
from sync_server.services.auth import make_access_token
from sync_server.settings import Settings
from tests.integration.sync_harness import FAULTS, Device, ServerHarness
from tests.integration.test_sync_properties import SOAK, _run, operations
from tests.live_server import UvicornThread

SECRET = "test-secret-" + "x" * 32
WIRE_FAULTS = FAULTS + ("cut",)


class ServedApp:
    """create_app over the example's database in uvicorn; `restart()` replaces the app (a
    new engine, nothing kept in memory) on a new port, as a restarted server process."""

    def __init__(self, server: ServerHarness) -> None:
        self.server = server
        # its own folder (removed in stop): a first sync writes the snapshot's files beside it
        self.folder = Path(tempfile.mkdtemp(prefix="yzb-served-"))
        self.settings = Settings(database_url=server.url, environment="test", secret_key=SECRET,
                                 attachments_dir=self.folder / "attachments")
        self._start()

    def _start(self) -> None:
        self.app = create_app(self.settings, clock=self.server.clock)
        self.thread = UvicornThread(self.app, lifespan="off")
        self.url = self.thread.url

    def restart(self) -> None:
        self._stop_app()
        self._start()

    def token(self, username: str) -> str:
        return make_access_token(self.server.user(username), self.settings, self.server.clock())

    def _stop_app(self) -> None:
        self.thread.stop(10)
        self.app.state.engine.dispose()

    def stop(self) -> None:
        self._stop_app()
        shutil.rmtree(self.folder, ignore_errors=True)


class FaultyWire(HttpSyncTransport):
    """The client's HTTP transport (one attempt: the faults are the retries' business),
    with one scripted fault per exchange."""

    def __init__(self, served: ServedApp) -> None:
        super().__init__(served.url, attempts=1, timeout=30.0)
        self.served = served
        self.faults: list[str | None] = []

    def exchange(self, request: SyncRequest, token: str | None) -> SyncResponse:
        fault = self.faults.pop(0) if self.faults else None
        if fault == "request_lost":
            raise DomainError("server_unreachable")
        if fault == "restart":
            self.served.restart()
        self.base = self.served.url
        if fault == "cut":
            self._cut(request, token)
        answer = super().exchange(request, token)
        if fault == "duplicate":
            answer = super().exchange(request, token)
        if fault == "response_lost":
            raise DomainError("server_unreachable")
        return answer

    def _cut(self, request: SyncRequest, token: str | None) -> None:
        """Send the request, read the first bytes of the answer, drop the connection."""
        headers = {"Content-Type": MEDIA_TYPE, "Accept-Encoding": "identity",
                   "Authorization": f"Bearer {token}"}
        with httpx.Client(timeout=30.0) as client, client.stream(
                "POST", self.base + "/api/sync", content=pack(request.model_dump(mode="json")),
                headers=headers) as resp:
            next(resp.iter_raw(16), None)
        raise DomainError("server_unreachable")


@contextlib.contextmanager
def wire(server: ServerHarness) -> Iterator[Any]:
    served = ServedApp(server)
    wires: list[FaultyWire] = []

    def attach(device: Device) -> None:
        w = FaultyWire(served)
        wires.append(w)
        device.transport = device.service.transport = w
        inner = device.sync

        def sync(faults: list[str | None] | None = None) -> Any:
            # a signed-in device holds a valid token (renewal is tested elsewhere)
            device.service.store_tokens({"access_token": served.token(device.username)})
            return inner(faults)
        device.sync = sync  # type: ignore[method-assign]
    try:
        yield attach
    finally:
        for w in wires:
            w.close()
        served.stop()


@settings(max_examples=400 if SOAK else 40, deadline=None, derandomize=not SOAK,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                 HealthCheck.data_too_large])
@given(ops=st.lists(operations(WIRE_FAULTS), min_size=1, max_size=40))
def test_replicas_converge_over_http_through_faults_on_the_wire(sqlite_template, ops):
    _run(sqlite_template, ops, 4_000, wire=wire)


@pytest.mark.parametrize("faults", [["cut"], ["cut", "cut"], ["restart", "cut", "duplicate"]])
def test_a_connection_cut_mid_batch_loses_nothing_and_duplicates_nothing(sqlite_template,
                                                                        faults):
    ops = [("edit", 0, 0, "address", "甲"), ("create", 0, "g1a"), ("move", 3, 2, "g1a"),
           ("office_rest_edit", 1, "household_no", "镇里改"), ("sync", 0, faults),
           ("sync", 2, faults), ("sync", 3, faults)]
    _run(sqlite_template, ops, 4_000, wire=wire)
