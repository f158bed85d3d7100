"""The sync transport: one interface (`SyncTransport`), spoken over HTTP here.

`HttpSyncTransport` keeps one persistent connection (a new TCP connection costs a round trip on
2G), sends zstd-compressed JSON and retries with backoff (tenacity) when the link drops: an
exchange is idempotent (push receipts, cursor-bounded pull), so resending it is always safe.
A busy server (429 `server_busy`, docs/SYNC.md Admission) is asked again after its Retry-After,
stretched by a random 0-50% so the devices it turned away do not all come back at once.
Refusals keep the server's code (DomainError); a link that stays down is
DomainError("server_unreachable"). Never touches the database.
"""
from __future__ import annotations

import json
import random
from typing import Any, Protocol

import httpx
from tenacity import (RetryCallState, retry, retry_if_exception_type, stop_after_attempt,
                      wait_exponential)

from common.errors import DomainError
from common.sync.codec import pack, unpack
from common.sync.messages import MEDIA_TYPE, SyncRequest, SyncResponse, expand_acks, wire_form


class SyncTransport(Protocol):
    """What the sync engine needs from the network (tests provide an in-process one)."""

    def exchange(self, request: SyncRequest, token: str | None) -> SyncResponse: ...

    def login(self, username: str, password: str) -> dict[str, Any]: ...

    def refresh(self, refresh_token: str) -> dict[str, Any]: ...


class _Retryable(Exception):
    """The link failed (connect, read, reset, 5xx): try again."""


class _Busy(_Retryable):
    """The server is busy (429 server_busy): try again after `after` seconds."""

    def __init__(self, after: float, resp: httpx.Response) -> None:
        super().__init__(f"busy, retry after {after} s")
        self.after, self.resp = after, resp


MAX_RETRY_AFTER = 60.0
KEEP_ALIVE = 240.0
"""Seconds an idle connection is kept for the next request (httpx's default is 5 s): a new
TCP (and TLS) connection costs several round trips on 2G. Shorter than the server's own
keep-alive (settings.keep_alive_seconds), so the client never reuses one the server closed."""
_backoff = wait_exponential(multiplier=0.5, max=8)


def _wait(state: RetryCallState) -> float:
    """Retry-After with jitter for a busy server; exponential backoff for a failed link."""
    exc = state.outcome.exception() if state.outcome else None
    if isinstance(exc, _Busy):
        return exc.after * random.uniform(1.0, 1.5)
    return _backoff(state)


def _retry_after(resp: httpx.Response) -> float | None:
    """Seconds a 429 server_busy answer asks us to wait (None: another refusal)."""
    if resp.status_code != 429:
        return None
    try:
        if resp.json().get("code") != "server_busy":
            return None
    except (ValueError, AttributeError):
        return None
    try:
        return min(max(float(resp.headers.get("Retry-After", "1")), 0.0), MAX_RETRY_AFTER)
    except ValueError:
        return 1.0


class HttpSyncTransport:
    """HTTP client of one server. Thread: the network lane; one instance per sync run."""

    def __init__(self, server_url: str, *, timeout: float = 60.0, attempts: int = 4,
                 client: httpx.Client | None = None) -> None:
        self.base = server_url.rstrip("/")
        self.attempts = attempts
        self.client = client or httpx.Client(timeout=httpx.Timeout(timeout, connect=15.0),
                                             limits=httpx.Limits(keepalive_expiry=KEEP_ALIVE),
                                             headers={"User-Agent": "yzb-desktop"})
        if client is None:
            # Every byte of a request's header crosses the link with each sync: leave out what
            # this protocol does not use (answers are never content-encoded; HTTP/1.1 keeps
            # the connection alive without asking).
            for name in ("Accept", "Accept-Encoding", "Connection"):
                self.client.headers.pop(name, None)

    def close(self) -> None:
        self.client.close()

    def exchange(self, request: SyncRequest, token: str | None) -> SyncResponse:
        body = pack(wire_form(request), level=6)
        headers = {"Content-Type": MEDIA_TYPE}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        resp = self._post("/api/sync", content=body, headers=headers)
        return SyncResponse.model_validate(expand_acks(unpack(resp.content), request))

    def login(self, username: str, password: str, *,
              device_id: str | None = None) -> dict[str, Any]:
        body = {"username": username, "password": password}
        if device_id:  # tokens bound to this device, so an admin can revoke a lost laptop
            body["device_id"] = device_id
        return self._post("/api/auth/login", json=body).json()

    def refresh(self, refresh_token: str) -> dict[str, Any]:
        return self._post("/api/auth/refresh", json={"refresh_token": refresh_token}).json()

    def record_history(self, entity: str, record_id: str, token: str | None,
                       timeout: float = 15.0) -> list[dict[str, Any]]:
        """The server's change log of one record (who changed which fields, when): one try,
        a short timeout (a person is waiting for a dialog, and it is shown without it)."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        try:
            resp = self.client.get(f"{self.base}/api/sync/history/{entity}/{record_id}",
                                   headers=headers, timeout=timeout)
        except httpx.TransportError:
            raise DomainError("server_unreachable", url=self.base) from None
        if resp.status_code != 200:
            raise refusal(resp)
        return resp.json()

    def lookup_person(self, id_number: str, token: str | None,
                      timeout: float = 15.0) -> dict[str, Any]:
        """Who holds this full ID number in the county (issue 13 claims): the grid's name and a
        masked name only. One try, a short timeout (a person is waiting)."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        try:
            resp = self.client.post(f"{self.base}/api/workflows/lookup", headers=headers,
                                    json={"id_number": id_number}, timeout=timeout)
        except httpx.TransportError:
            raise DomainError("server_unreachable", url=self.base) from None
        if resp.status_code != 200:
            raise refusal(resp)
        return resp.json()

    def _post(self, path: str, **kw: Any) -> httpx.Response:
        @retry(retry=retry_if_exception_type(_Retryable), stop=stop_after_attempt(self.attempts),
               wait=_wait, reraise=True)
        def attempt() -> httpx.Response:
            try:
                resp = self.client.post(self.base + path, **kw)
            except httpx.TransportError as exc:
                raise _Retryable(str(exc)) from None
            if resp.status_code >= 500:
                raise _Retryable(f"HTTP {resp.status_code}")
            after = _retry_after(resp)
            if after is not None:
                raise _Busy(after, resp)
            return resp

        try:
            resp = attempt()
        except _Busy as busy:  # still busy after every attempt: its refusal (server_busy)
            resp = busy.resp
        except _Retryable:
            raise DomainError("server_unreachable", url=self.base) from None
        if resp.status_code != 200:
            raise refusal(resp)
        return resp


def refusal(resp: httpx.Response) -> DomainError:
    """The server's refusal as a DomainError with its code (client_too_old, token_expired …)."""
    try:
        body = resp.json()
    except (ValueError, json.JSONDecodeError):
        body = {}
    code = body.get("code") or ("client_too_old" if resp.status_code == 426 else "server_error")
    return DomainError(code, status=resp.status_code, detail=body.get("message"),
                       release=body.get("release"))


__all__ = ["SyncTransport", "HttpSyncTransport", "refusal"]
