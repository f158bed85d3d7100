"""First-sync snapshots of a scope (docs/SYNC.md, Large first syncs):

    POST /api/sync/snapshots               the snapshot of the caller's scope: 202 + progress
                                           while it is prepared, 200 + manifest when ready
    GET  /api/sync/snapshots/{id}          the same, for polling
    GET  /api/sync/snapshots/{id}/{index}  one batch: a zstd-compressed PullResponse
"""
from __future__ import annotations

import threading
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.security import HTTPAuthorizationCredentials
from fastapi.responses import FileResponse, JSONResponse

from common.sync.messages import MEDIA_TYPE

from ...services.scope import Scope
from ...services.snapshots import BATCH_BYTES, SnapshotJobs, get_snapshot
from ..deps import (NowDep, ScopeDep, SessionDep, SettingsDep, _bearer,
                    get_current_user)

router = APIRouter(prefix="/api/sync/snapshots", tags=["同步"])
_MAKING = threading.Lock()


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
    return JSONResponse(body, status_code=200 if snap.status == "ready" else 202)


@router.post("", summary="首次同步：准备（或取得）本辖区的数据包")
def request_snapshot(request: Request, settings: SettingsDep, now: NowDep,
                     credentials: Annotated[HTTPAuthorizationCredentials | None,
                                            Depends(_bearer)]) -> JSONResponse:
    jobs = jobs_of(request)
    # A read session for the sign-in check: the job's row is written in its own short
    # transaction (on SQLite a second writer inside this request would wait on itself).
    with request.app.state.sessions() as session:
        user = get_current_user(request=request, session=session, settings=settings, now=now,
                                credentials=credentials)
        scope = Scope.of(session, user)
    return _answer(jobs, jobs.request(scope))


@router.get("/{snapshot_id}", summary="数据包准备进度与清单")
def snapshot_status(snapshot_id: str, request: Request, session: SessionDep,
                    scope: ScopeDep) -> JSONResponse:
    jobs = jobs_of(request)
    return _answer(jobs, get_snapshot(session, scope, snapshot_id))


@router.get("/{snapshot_id}/{index}", summary="下载数据包的一批")
def snapshot_batch(snapshot_id: str, index: int, request: Request, session: SessionDep,
                   scope: ScopeDep) -> FileResponse:
    jobs = jobs_of(request)
    path = jobs.batch_path(get_snapshot(session, scope, snapshot_id), index)
    return FileResponse(path, media_type=MEDIA_TYPE)
