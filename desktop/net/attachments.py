"""HTTP client for attachments: ask which hashes the server lacks, PUT raw chunks, GET originals.

One keep-alive connection (httpx) carries every chunk, so a 2G link pays the TCP handshake once
per upload session, not once per chunk. Failures become DomainError codes the services act on:
server_unreachable (retry later, resuming), device_revoked (wipe), attachment_offset_mismatch
(with `received`: continue from there), or the server's own refusal code.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable

import httpx

from common.attachments import (MAX_STATUS_HASHES, AttachmentState, AttachmentStatusResponse,
                                ChunkReceipt, require_sha256)
from common.errors import DomainError

TIMEOUT = httpx.Timeout(connect=10.0, read=60.0, write=60.0, pool=10.0)
"""A 64 KiB chunk needs ~16 s on a 32 kbit/s uplink; a dead link fails within a minute."""


class AttachmentClient:
    """Talks to one server for one signed-in device. Not thread-safe: one per network task."""

    def __init__(self, server_url: str, token: str | Callable[[], str], *,
                 device_id: str | None = None, timeout: httpx.Timeout = TIMEOUT,
                 http: httpx.Client | None = None) -> None:
        self.base = server_url.rstrip("/") + "/api/attachments"
        self._token = token
        self._device_id = device_id
        self._http = http or httpx.Client(timeout=timeout)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> "AttachmentClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _headers(self, **extra: str) -> dict[str, str]:
        token = self._token() if callable(self._token) else self._token
        headers = {"Authorization": f"Bearer {token}", **extra}
        if self._device_id:
            headers["X-Device-Id"] = self._device_id
        return headers

    def _send(self, method: str, url: str, **kw: object) -> httpx.Response:
        try:
            resp = self._http.request(method, url, **kw)  # type: ignore[arg-type]
        except httpx.TransportError:
            raise DomainError("server_unreachable", url=self.base) from None
        if resp.status_code >= 400:
            raise _refusal(resp)
        return resp

    def status(self, hashes: Iterable[str]) -> dict[str, AttachmentState]:
        """How much of each attachment the server holds (one request per 500 hashes)."""
        wanted = [require_sha256(h) for h in dict.fromkeys(hashes)]
        out: dict[str, AttachmentState] = {}
        for i in range(0, len(wanted), MAX_STATUS_HASHES):
            resp = self._send("POST", self.base + "/status", headers=self._headers(),
                              json={"hashes": wanted[i:i + MAX_STATUS_HASHES]})
            for item in AttachmentStatusResponse.model_validate_json(resp.content).items:
                out[item.sha256] = item
        return out

    def put_chunk(self, sha256: str, offset: int, total: int, data: bytes) -> ChunkReceipt:
        resp = self._send("PUT", f"{self.base}/{sha256}", params={"offset": offset, "size": total},
                          content=data,
                          headers=self._headers(**{"Content-Type": "application/octet-stream"}))
        return ChunkReceipt.model_validate_json(resp.content)

    def download(self, sha256: str, offset: int = 0,
                 sink: Callable[[bytes], None] | None = None) -> bytes:
        """The original from `offset`; `sink` receives pieces as they arrive (so a cut keeps
        what came through and the caller resumes from there)."""
        url = f"{self.base}/{require_sha256(sha256)}"
        parts: list[bytes] = []
        try:
            with self._http.stream("GET", url, params={"offset": offset},
                                   headers=self._headers()) as resp:
                if resp.status_code >= 400:
                    resp.read()
                    raise _refusal(resp)
                for piece in resp.iter_bytes():
                    parts.append(piece)
                    if sink is not None:
                        sink(piece)
        except httpx.TransportError:
            raise DomainError("server_unreachable", url=self.base) from None
        return b"".join(parts)


def _refusal(resp: httpx.Response) -> DomainError:
    try:
        body = resp.json()
    except ValueError:
        body = {}
    code = body.get("code") or ("server_error" if resp.status_code >= 500 else "request_invalid")
    params = {"status": resp.status_code}
    if "received" in body:
        params["received"] = int(body["received"])
    return DomainError(code, **params)
