"""First-sync snapshots of a scope (docs/SYNC.md, Large first syncs):

    POST /api/sync/snapshots               the snapshot of the caller's scope: 202 + progress
                                           while it is prepared, 200 + manifest when ready
    GET  /api/sync/snapshots/{id}          the same, for polling
    GET  /api/sync/snapshots/{id}/{index}  one batch: a zstd-compressed PullResponse
"""
from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.security import HTTPAuthorizationCredentials
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response

from common.sync.messages import MEDIA_TYPE

from ...services.scope import Scope
from ...services.snapshots import BATCH_BYTES, SnapshotJobs, get_snapshot
from ..deps import NowDep, SettingsDep, _bearer, get_current_user

router = APIRouter(prefix="/api/sync/snapshots", tags=["同步"])
_MAKING = threading.Lock()
DB_SLOTS = 3
POLL_SECONDS = 2


def jobs_of(request: Request) -> SnapshotJobs:
    """The app's snapshot jobs, made on first use. Folder: app.state.snapshots_dir if set, else
    beside a SQLite database file, else beside the attachments folder."""
    state = request.app.state
    with _MAKING:
        return getattr(state, "snapshot_jobs", None) or _make_jobs(state)


def _make_jobs(state: Any) -> SnapshotJobs:
    if True:
        settings = state.settings
        db_file = settings.database_url.split("///", 1)[-1] if settings.is_sqlite else ""
        folder = getattr(state, "snapshots_dir", None) or (
            Path(db_file).parent / "snapshots" if db_file and db_file != ":memory:"
            else Path(settings.attachments_dir).parent / "snapshots")
        jobs = SnapshotJobs(state.sessions, Path(folder), clock=state.clock,
                            batch_bytes=getattr(state, "snapshot_batch_bytes", BATCH_BYTES))
        state.snapshot_jobs = jobs
        return jobs


def _answer(jobs: SnapshotJobs, snap: Any) -> JSONResponse:
    body = jobs.manifest(snap)
    if snap.status == "ready":
        return JSONResponse(body)
    # Devices waiting for a job poll every few seconds, not in a tight loop.
    body["retry_after"] = POLL_SECONDS
    return JSONResponse(body, status_code=202, headers={"Retry-After": str(POLL_SECONDS)})


def _gate(request: Request) -> asyncio.Semaphore:
    """At most DB_SLOTS snapshot requests use the database at once: 300 devices onboarding
    together must not take the connections incremental syncs need. Serving a batch file (the
    long part) happens outside the gate and off the thread pool."""
    state = request.app.state
    gate = getattr(state, "snapshot_gate", None)
    if gate is None:
        gate = state.snapshot_gate = asyncio.Semaphore(DB_SLOTS)
    return gate


def _signed_in(request: Request, session: Any, settings: Any, now: Any,
               credentials: Any) -> Scope:
    user = get_current_user(request=request, session=session, settings=settings, now=now,
                            credentials=credentials)
    return Scope.of(session, user)


Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


@router.post("", summary="首次同步：准备（或取得）本辖区的数据包")
async def request_snapshot(request: Request, settings: SettingsDep, now: NowDep,
                           credentials: Credentials) -> JSONResponse:
    jobs = jobs_of(request)

    def work() -> JSONResponse:
        # A read session for the sign-in check: the job's row is written in its own short
        # transaction (on SQLite a second writer inside this request would wait on itself).
        with request.app.state.sessions() as session:
            scope = _signed_in(request, session, settings, now, credentials)
        return _answer(jobs, jobs.request(scope))

    async with _gate(request):
        return await run_in_threadpool(work)


@router.get("/{snapshot_id}", summary="数据包准备进度与清单")
async def snapshot_status(snapshot_id: str, request: Request, settings: SettingsDep,
                          now: NowDep, credentials: Credentials) -> JSONResponse:
    jobs = jobs_of(request)

    def work() -> JSONResponse:
        with request.app.state.sessions() as session:
            scope = _signed_in(request, session, settings, now, credentials)
            return _answer(jobs, get_snapshot(session, scope, snapshot_id))

    async with _gate(request):
        return await run_in_threadpool(work)


@router.get("/{snapshot_id}/{index}", summary="下载数据包的一批")
async def snapshot_batch(snapshot_id: str, index: int, request: Request, settings: SettingsDep,
                         now: NowDep, credentials: Credentials) -> Response:
    jobs = jobs_of(request)

    def work() -> bytes:
        with request.app.state.sessions() as session:
            scope = _signed_in(request, session, settings, now, credentials)
            return jobs.batch_data(get_snapshot(session, scope, snapshot_id), index)

    async with _gate(request):
        data = await run_in_threadpool(work)
    return Response(data, media_type=MEDIA_TYPE)
