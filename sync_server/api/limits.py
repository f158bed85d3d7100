"""Request-size limits enforced on the bytes actually received (declared, chunked or not) and on
what a compressed body expands to, answered 413 with a Chinese message."""
from __future__ import annotations

import io
import json
from typing import Any

import zstandard
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse

from common.messages import MESSAGES
from common.sync.codec import DICTIONARY


class BodyTooLarge(HTTPException):
    """A body (or what it decompresses to) over its limit. An HTTPException, so FastAPI's own
    body reading lets it through instead of turning it into "cannot parse the body" (400)."""

    def __init__(self) -> None:
        super().__init__(status_code=413, detail=MESSAGES["body_too_large"])


def too_large_response() -> JSONResponse:
    return JSONResponse({"code": "body_too_large", "message": MESSAGES["body_too_large"],
                         "errors": []}, status_code=413)


class BodySizeLimit:
    """ASGI middleware: a request body may carry at most `limit` bytes (`paths` gives other
    limits to exact paths: USB bundles carry photos). Counted on what arrives, so a chunked body
    (no Content-Length) is cut off too. A declared Content-Length over the limit is refused at
    the first read, before any byte is taken: an endpoint that checks the token before reading
    the body (POST /api/sync) answers an anonymous caller 401 first."""

    def __init__(self, app: Any, limit: int, paths: dict[str, int] | None = None) -> None:
        self.app = app
        self.limit = limit
        self.paths = paths or {}

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.paths.get(scope.get("path", ""), self.limit)
        declared = next((int(v) for k, v in scope.get("headers", ())
                         if k == b"content-length" and v.isdigit()), None)
        received = 0
        started = False

        async def limited_receive() -> dict:
            nonlocal received
            if declared is not None and declared > limit:
                raise BodyTooLarge()
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge()
            return message

        async def watched_send(message: dict) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, watched_send)
        except BodyTooLarge:
            if started:
                raise
            await too_large_response()(scope, receive, send)


def unzstd(body: bytes, max_size: int) -> bytes:
    """A zstd body decompressed, refusing (BodyTooLarge) anything that expands past `max_size`
    without ever holding more than that (a zip bomb of a few kilobytes stops here). ValueError
    for bytes that are not zstd."""
    try:
        with zstandard.ZstdDecompressor(dict_data=DICTIONARY).stream_reader(
                io.BytesIO(body), read_across_frames=True) as reader:
            parts, size = [], 0
            while size <= max_size:
                part = reader.read(min(1 << 20, max_size + 1 - size))
                if not part:
                    break
                parts.append(part)
                size += len(part)
    except zstandard.ZstdError as exc:
        raise ValueError(f"not zstd: {exc}") from None
    if size > max_size:
        raise BodyTooLarge()
    return b"".join(parts)


def unpack_limited(body: bytes, max_size: int) -> Any:
    """A sync message body (zstd-compressed JSON) read within `max_size` decompressed bytes."""
    return json.loads(unzstd(body, max_size))
