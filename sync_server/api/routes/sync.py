"""Sync endpoints (protocol in docs/SYNC.md):

    POST /api/sync                               one exchange: push, then the first pull batch
                                                 (body and answer: zstd-compressed JSON)
    GET  /api/sync/history/{entity}/{record_id}  a record's field-level history (in scope only)
"""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import ValidationError as PydanticError

from common.errors import DomainError
from common.sync.codec import pack, unpack
from common.sync.messages import MEDIA_TYPE, SyncRequest

from ...services import sync as service
from ...services.sync_history import record_history
from ..deps import CurrentUser, NowDep, ScopeDep, SessionDep

router = APIRouter(prefix="/api/sync", tags=["同步"])
MAX_UNPACKED = 64 * 1024 * 1024


@router.post("", summary="同步：上传本地修改并下载一批服务器数据")
async def sync(request: Request, session: SessionDep, user: CurrentUser,
               now: NowDep) -> Response:
    body = await request.body()
    try:
        message = SyncRequest.model_validate(unpack(body, MAX_UNPACKED))
    except (PydanticError, ValueError) as exc:
        raise DomainError("bad_sync_message", detail=str(exc)[:200]) from None
    except Exception:  # zstd errors have no common base class worth naming
        raise DomainError("bad_sync_message") from None
    answer = service.exchange(session, user, message, now=now)
    session.commit()
    return Response(pack(answer.model_dump(mode="json"), level=6), media_type=MEDIA_TYPE)


@router.get("/history/{entity}/{record_id}", summary="记录的修改历史")
def history(entity: str, record_id: str, session: SessionDep, scope: ScopeDep,
            ) -> list[dict[str, Any]]:
    return record_history(session, scope, entity, record_id)
