"""USB sync bundle endpoints (docs/SYNC.md, USB bundles):

    POST /api/sync/bundle/key   the caller's device bundle key {"device_id"} -> {"key", ...}
    POST /api/sync/bundle       relay a sealed request bundle (raw bytes) -> sealed answer bundle
The relay body may be up to the max_bundle_bytes setting (it carries photos), not the general
max_body_bytes.
"""
from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials
from pydantic import BaseModel

from ...db.engine import unit_of_work
from ...services import bundles as service
from ..deps import CurrentUser, NowDep, SessionDep, SettingsDep, _bearer, get_current_user
from .attachments import get_files
from .sync import _writer_lock, require_token

router = APIRouter(prefix="/api/sync/bundle", tags=["同步"])
BUNDLE_MEDIA_TYPE = "application/vnd.yzb.bundle"


class KeyRequest(BaseModel):
    device_id: str


@router.post("/key", summary="本设备的同步包（U 盘）密钥")
def issue_key(body: KeyRequest, user: CurrentUser, session: SessionDep,
              settings: SettingsDep) -> dict[str, Any]:
    return service.issue_key(session, user, body.device_id, secret=settings.secret_key)


@router.post("", summary="转交离线设备的同步包：上传其修改，并取回给它的回执包")
async def relay(request: Request, settings: SettingsDep, now: NowDep,
                credentials: Annotated[HTTPAuthorizationCredentials | None,
                                       Depends(_bearer)]) -> Response:
    require_token(credentials, settings, now)  # before the (up to 128 MB) body is read
    data = await request.body()
    answer = await run_in_threadpool(_relay, request, settings, now, credentials, data)
    return Response(answer, media_type=BUNDLE_MEDIA_TYPE)


def _relay(request: Request, settings: Any, now: Any, credentials: Any, data: bytes) -> bytes:
    # Same transaction shape and SQLite writer queue as POST /api/sync.
    with _writer_lock(request, settings):
        with unit_of_work(request.app.state.sessions) as session:
            user = get_current_user(request=request, session=session, settings=settings,
                                    now=now, credentials=credentials)
            answer = service.relay(session, user, data, secret=settings.secret_key, now=now,
                                   files=get_files(request))
    return answer
