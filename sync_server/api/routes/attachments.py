"""Attachment endpoints: which hashes the server lacks, raw chunk upload, original download.

    POST /api/attachments/status            {"hashes": [...]} -> how much of each is held
    PUT  /api/attachments/{sha256}?offset=&size=   raw bytes (application/octet-stream)
    GET  /api/attachments/{sha256}?offset=  the original (from `offset`, to resume)
Chunks travel as raw bodies (no base64, no multipart) so the wire carries little more than the
file. Knowing a photo's SHA-256 is the capability to fetch it: hashes only reach devices inside
records of their scope, and 256 bits cannot be guessed.
"""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Query, Request
from fastapi.responses import Response

from common.attachments import (MAX_ATTACHMENT_BYTES, AttachmentStatusRequest,
                                AttachmentStatusResponse, ChunkReceipt)

from ...services import attachments as service
from ...services.devices import token_device
from ..deps import CurrentUser, NowDep, ScopeDep, SessionDep, SettingsDep

router = APIRouter(prefix="/api/attachments", tags=["附件"])

def get_files(request: Request) -> service.AttachmentFiles:
    """The app's attachment store (made by create_app)."""
    return request.app.state.attachment_files


FilesDep = Annotated[service.AttachmentFiles, Depends(get_files)]


@router.post("/status", response_model=AttachmentStatusResponse)
def attachment_status(body: AttachmentStatusRequest, session: SessionDep, user: CurrentUser,
                      scope: ScopeDep, files: FilesDep) -> AttachmentStatusResponse:
    items = service.status(session, files, body.hashes, scope=scope, user_id=user.id)
    return AttachmentStatusResponse(items=items)


@router.put("/{sha256}", response_model=ChunkReceipt)
def upload_chunk(sha256: str, request: Request, session: SessionDep, user: CurrentUser,
                 files: FilesDep, settings: SettingsDep, now: NowDep,
                 offset: Annotated[int, Query(ge=0, le=MAX_ATTACHMENT_BYTES)],
                 size: Annotated[int, Query(ge=1)],
                 chunk: Annotated[bytes, Body(media_type="application/octet-stream")] = b""
                 ) -> ChunkReceipt:
    # `chunk` is a body parameter, so FastAPI reads it (16 s on a 2G uplink) before it resolves
    # the dependencies: no database transaction (on SQLite: the write lock) is open meanwhile.
    token = request.headers.get("authorization", "").partition(" ")[2]
    return service.receive_chunk(session, files, sha256, offset=offset, total=size, body=chunk,
                                 user_id=user.id, device_id=token_device(token, settings),
                                 now=now)


@router.get("/{sha256}")
def download(sha256: str, session: SessionDep, user: CurrentUser, scope: ScopeDep,
             files: FilesDep, offset: Annotated[int, Query(ge=0)] = 0) -> Response:
    path, mime = service.original_path(session, files, sha256, scope=scope, user_id=user.id)
    session.close()  # a read, ended early: a 2G download takes minutes: hold no connection or transaction meanwhile
    with open(path, "rb") as f:
        f.seek(offset)
        data = f.read()
    return Response(content=data, media_type=mime,
                    headers={"Cache-Control": "private, max-age=31536000, immutable"})
