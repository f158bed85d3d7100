"""HTTP client of the first-sync snapshots (docs/SYNC.md, Large first syncs): ask for the
scope's snapshot, poll its progress, download one batch by index. Never touches the database."""
from __future__ import annotations

from typing import Any

import httpx

from common.errors import DomainError
from common.sync.codec import unpack
from common.sync.messages import PROTOCOL_HEADER, PROTOCOL_VERSION, SCHEMA_VERSION

from .sync import refusal

MAX_BATCH = 256 * 1024 * 1024
WAIT_SECONDS = 20.0
"""Long poll: the server answers as soon as the snapshot is ready, or after this long."""


class SnapshotClient:
    """Snapshot endpoints of one server with one access token (thread: the network lane)."""

    def __init__(self, base: str, token: str | None, *, client: httpx.Client | None = None,
                 timeout: float = 60.0) -> None:
        self.base = base.rstrip("/")
        self.client = client or httpx.Client(timeout=httpx.Timeout(timeout, connect=15.0))
        self.headers = {PROTOCOL_HEADER: f"{PROTOCOL_VERSION}.{SCHEMA_VERSION}"}
        if token:
            self.headers["Authorization"] = f"Bearer {token}"

    def request(self, wait: float = WAIT_SECONDS) -> dict[str, Any]:
        """The manifest (status 'ready' with `batches`) or progress ('preparing'); the server
        holds the answer up to `wait` seconds until the snapshot is ready."""
        return self._json("POST", "/api/sync/snapshots", wait)

    def status(self, snapshot_id: str, wait: float = WAIT_SECONDS) -> dict[str, Any]:
        return self._json("GET", f"/api/sync/snapshots/{snapshot_id}", wait)

    def batch(self, snapshot_id: str, index: int) -> tuple[dict[str, Any], int]:
        """One batch as sent (the column-wise form, codec.columnar: it names identifiers of
        the snapshot's earlier batches by position, so the reader expands the batches in order
        with `expand_columnar`) and its size on the wire."""
        resp = self._send("GET", f"/api/sync/snapshots/{snapshot_id}/{int(index)}")
        return unpack(resp.content, MAX_BATCH), len(resp.content)

    def _json(self, method: str, path: str, wait: float = 0) -> dict[str, Any]:
        return self._send(method, path, {"wait": wait} if wait else None).json()

    def _send(self, method: str, path: str, params: dict | None = None) -> httpx.Response:
        for attempt in range(2):
            try:
                resp = self.client.request(method, self.base + path, headers=self.headers,
                                           params=params)
                break
            except httpx.TransportError:
                # Once more: the server may have closed an idle kept-alive connection as we
                # reused it (every call here is idempotent).
                if attempt:
                    raise DomainError("server_unreachable", url=self.base) from None
        if resp.status_code >= 500:
            raise DomainError("server_unreachable", url=self.base)
        if resp.status_code not in (200, 202):
            raise refusal(resp)
        return resp


__all__ = ["SnapshotClient"]
