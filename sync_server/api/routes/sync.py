"""Sync endpoints (protocol in docs/SYNC.md):

    POST /api/sync                               one exchange: push, then the first pull batch
                                                 (body and answer: zstd-compressed JSON)
    GET  /api/sync/history/{entity}/{record_id}  a record's field-level history (in scope only)

Under a burst (docs/SYNC.md, Admission): when `settings.sync_max_queued` exchanges are already
waiting or running, a new one is answered at once 429 `server_busy` with Retry-After
(`settings.sync_retry_after` s), before its body is read; the client comes back after that time
(with jitter). Decoding (zstd, JSON, validation) runs on the thread pool, not the event loop.
"""
from __future__ import annotations

import threading
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.security import HTTPAuthorizationCredentials
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import ValidationError as PydanticError

from common.errors import DomainError
from common.sync.codec import pack
from common.sync.messages import MEDIA_TYPE, SyncRequest, compact_acks, wire_form

from ...services import sync as service
from ...services.auth import read_access_token
from ...services.sync_history import record_history
from ...db.engine import unit_of_work
from ..deps import NowDep, ScopeDep, SessionDep, SettingsDep, _bearer, get_current_user
from ..errors import body_of
from ..limits import BodyTooLarge, unpack_limited

router = APIRouter(prefix="/api/sync", tags=["同步"])
MAX_UNPACKED = 64 * 1024 * 1024  # what a sync body may expand to (a zip bomb answers 413)


def require_token(credentials: HTTPAuthorizationCredentials | None, settings: Any,
                  now: Any) -> None:
    """The cheap, database-free part of the sign-in check, done before a body is read or
    decompressed, so an anonymous caller costs us nothing (401); the full check (account,
    device) follows inside the exchange's transaction."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise DomainError("not_authenticated")
    read_access_token(credentials.credentials, settings, now)


@router.post("", summary="同步：上传本地修改并下载一批服务器数据")
async def sync(request: Request, settings: SettingsDep, now: NowDep,
               credentials: Annotated[HTTPAuthorizationCredentials | None,
                                      Depends(_bearer)]) -> Response:
    require_token(credentials, settings, now)
    state = request.app.state
    # Only the event loop touches this count (no lock needed).
    queued = state.sync_queued
    if queued >= settings.sync_max_queued:
        return _busy(settings.sync_retry_after)
    state.sync_queued = queued + 1
    try:
        body = await request.body()
        # Decoding and the exchange are blocking CPU and database work: one hop to the thread
        # pool, so the event loop keeps accepting (and turning away) other devices meanwhile.
        answer = await run_in_threadpool(_decode_and_exchange, request, settings, now,
                                         credentials, body)
    finally:
        state.sync_queued -= 1
    return Response(answer, media_type=MEDIA_TYPE)


def _busy(seconds: int) -> JSONResponse:
    err = DomainError("server_busy")
    return JSONResponse(body_of(err), status_code=429, headers={"Retry-After": str(seconds)})


def decode(body: bytes) -> SyncRequest:
    """A sync body as a SyncRequest, or a 4xx refusal (never a 500)."""
    try:
        return SyncRequest.model_validate(unpack_limited(body, MAX_UNPACKED))
    except BodyTooLarge:
        raise
    except (PydanticError, ValueError) as exc:  # not zstd (limits.unzstd), not JSON, wrong shape
        raise DomainError("bad_sync_message", detail=str(exc)[:200]) from None
    except RecursionError:  # JSON nested deeper than the parser goes
        raise DomainError("bad_sync_message") from None


def _decode_and_exchange(request: Request, settings: Any, now: Any, credentials: Any,
                         body: bytes) -> bytes:
    return _exchange(request, settings, now, credentials, decode(body))


def _exchange(request: Request, settings: Any, now: Any, credentials: Any,
              message: SyncRequest) -> bytes:
    """Sign-in check and push in one write transaction, committed; then the pull batch in a
    read transaction of its own. On SQLite (one writer) exchanges queue on a lock, first come
    first served, and take a database connection only once it is their turn, instead of dozens
    of threads each holding a connection and polling the file lock. On PostgreSQL the push's
    commit releases the rev counter's row lock before the pull reads, so the next push need
    not wait for the pull. The pull stays inside the lock (or slot): one process runs Python
    one thread at a time, and pulls running beside the lock's holder only slowed it down (each
    thread waits its turn for the interpreter), so the queue behind the lock grew."""
    sessions = request.app.state.sessions
    with _writer_lock(request, settings):
        with unit_of_work(sessions) as session:
            user = get_current_user(request=request, session=session, settings=settings,
                                    now=now, credentials=credentials)
            answer, pending = service.push_half(session, user, message, now=now)
        if pending is not None:
            with unit_of_work(sessions, write=False) as session:
                answer.pull = service.pull_half(session, message, pending)
    return pack(compact_acks(wire_form(answer), message), level=6)


_LOCKS: dict[int, Any] = {}
_MAKING = threading.Lock()


def _writer_lock(request: Request, settings: Any) -> Any:
    """SQLite: one writer at a time (a lock). PostgreSQL: `sync_db_slots` exchanges at once (a
    semaphore): they all update the rev counter, so more only wait on its row lock holding
    connections and threads."""
    engine = request.app.state.engine
    with _MAKING:
        lock = _LOCKS.get(id(engine))
        if lock is None:
            lock = _LOCKS[id(engine)] = threading.Lock() if engine.dialect.name == "sqlite" \
                else threading.BoundedSemaphore(settings.sync_db_slots)
    return lock


@router.get("/history/{entity}/{record_id}", summary="记录的修改历史")
def history(entity: str, record_id: str, session: SessionDep, scope: ScopeDep,
            ) -> list[dict[str, Any]]:
    return record_history(session, scope, entity, record_id)
