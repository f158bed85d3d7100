"""First-sync snapshots of a scope (docs/SYNC.md, Large first syncs):

    POST /api/sync/snapshots               the snapshot of the caller's scope: 202 + progress
                                           while it is prepared, 200 + manifest when ready
    GET  /api/sync/snapshots/{id}          the same, for polling
Either may ask `?wait=<seconds>` (up to LONG_POLL): while the job runs in this process the answer
comes as soon as it ends (or when the wait is up), so a device learns at once, not at its next
poll; such an answer asks the next poll to follow at once (retry_after 0.1 s).
    GET  /api/sync/snapshots/{id}/{index}  one batch: a zstd-compressed PullResponse
"""
from __future__ import annotations

import asyncio
import json
import threading
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.security import HTTPAuthorizationCredentials
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from sqlalchemy import select

from common.errors import DomainError
from common.schema import OrgNode, User
from common.sync.messages import MEDIA_TYPE, MIN_SNAPSHOT_PROTOCOL, PROTOCOL_HEADER

from ...services.scope import Scope
from ...services.snapshots import (BATCH_BYTES, KEEP_READY_LEVELS, LONG_POLL, SnapshotJobs,
                                   get_snapshot)
from ...services.sync import check_versions
from ..deps import NowDep, SettingsDep, _bearer, get_current_user

router = APIRouter(prefix="/api/sync/snapshots", tags=["同步"])
_MAKING = threading.Lock()
DB_SLOTS = 3
POLL_SECONDS = 2
AGAIN_SECONDS = 0.1
"""After a long poll that ran out: the next one may follow at once."""


def jobs_of(request: Request) -> SnapshotJobs:
    """The app's snapshot jobs, made on first use. Folder: app.state.snapshots_dir if set, else
    beside a SQLite database file, else beside the attachments folder."""
    state = request.app.state
    with _MAKING:
        return getattr(state, "snapshot_jobs", None) or _make_jobs(state)


def _make_jobs(state: Any) -> SnapshotJobs:
    settings = state.settings
    db_file = settings.database_url.split("///", 1)[-1] if settings.is_sqlite else ""
    folder = getattr(state, "snapshots_dir", None) or (
        Path(db_file).parent / "snapshots" if db_file and db_file != ":memory:"
        else Path(settings.attachments_dir).parent / "snapshots")
    jobs = SnapshotJobs(state.sessions, Path(folder), clock=state.clock,
                        batch_bytes=getattr(state, "snapshot_batch_bytes", BATCH_BYTES))
    state.snapshot_jobs = jobs
    return jobs


def warm(request: Request, user_id: str) -> None:
    """After a sign-in (a background task, after the answer left): start preparing the user's
    scope's snapshot unless a fresh one is ready or being prepared, so that a new device's
    first sync finds it ready or nearly (it asks for it one round trip after signing in)."""
    try:
        with request.app.state.sessions() as session:
            user = session.get(User, user_id)
            if user is None:
                return
            scope = Scope.of(session, user)
            if scope.empty or scope.read_only:  # no desktop copy for this user
                return
        jobs_of(request).request(scope)
    except DomainError:  # no snapshot for this scope: the device's own request will say why
        pass


def keep_ready(state: Any) -> int:
    """Housekeeping (app.py): keep the snapshot of every grid worker's scope ready and fresh,
    so that a new device of a grid never waits for its preparation. Returns the jobs started."""
    scopes: dict[str, Scope] = {}
    with state.sessions() as session:
        users = session.scalars(select(User).join(OrgNode, OrgNode.id == User.scope_node_id)
                                .where(User.active.is_(True), User.deleted.is_(False),
                                       OrgNode.level.in_(KEEP_READY_LEVELS)))
        for user in users:
            scope = Scope.of(session, user)
            if not scope.empty and not scope.read_only and scope.path not in scopes:
                scopes[scope.path] = scope
    if not scopes:
        return 0
    jobs = getattr(state, "snapshot_jobs", None)
    if jobs is None:
        with _MAKING:
            jobs = getattr(state, "snapshot_jobs", None) or _make_jobs(state)
    return jobs.keep_ready(list(scopes.values()))


def _answer(jobs: SnapshotJobs, snap: Any, *, waited: bool = False) -> JSONResponse:
    body = jobs.manifest(snap)
    if snap.status == "ready":
        return JSONResponse(body)
    # Devices waiting for a job poll every few seconds, not in a tight loop; after a long poll
    # (which itself waited) the next may follow at once.
    body["retry_after"] = AGAIN_SECONDS if waited else POLL_SECONDS
    body["long_poll"] = LONG_POLL
    return JSONResponse(body, status_code=202,
                        headers={"Retry-After": "0" if waited else str(POLL_SECONDS)})


Wait = Annotated[float, Query(ge=0, le=600, description="最多等待秒数（长轮询）")]


async def _long_poll(request: Request, jobs: SnapshotJobs, first: JSONResponse, wait: float,
                     again: Any) -> JSONResponse:
    """`first` if ready (or no wait asked); else wait for the job, outside the database gate
    and holding no thread, and answer again."""
    if first.status_code != 202 or wait <= 0:
        return first
    snap_id = json.loads(first.body)["id"]
    # None: not running here (another process, or it ended meanwhile): answer afresh at once.
    waited = await jobs.wait(snap_id, min(wait, LONG_POLL)) is not None
    async with _gate(request):
        return await run_in_threadpool(again, snap_id, waited)


def _gate(request: Request) -> asyncio.Semaphore:
    """At most DB_SLOTS snapshot requests use the database at once: 300 devices onboarding
    together must not take the connections incremental syncs need. Serving a batch file (the
    long part) happens outside the gate and off the thread pool."""
    return request.app.state.snapshot_gate


def _signed_in(request: Request, session: Any, settings: Any, now: Any,
               credentials: Any) -> Scope:
    user = get_current_user(request=request, session=session, settings=settings, now=now,
                            credentials=credentials)
    protocol, schema = client_versions(request.headers.get(PROTOCOL_HEADER))
    # A client that cannot read these batches is told to update (426 with the release).
    check_versions(session, protocol, schema, min_protocol=MIN_SNAPSHOT_PROTOCOL)
    scope = Scope.of(session, user)
    scope.check_desktop()  # a read-only role has no desktop copy (services/scope.py)
    return scope


def client_versions(header: str | None) -> tuple[int, int]:
    """(protocol, schema) of the `X-Sync-Protocol: <protocol>.<schema>` header; a client that
    sends none (or nonsense) speaks protocol 1."""
    try:
        protocol, _, schema = (header or "1.1").partition(".")
        return int(protocol), int(schema or 1)
    except ValueError:
        return 1, 1


Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


@router.post("", summary="首次同步：准备（或取得）本辖区的数据包")
async def request_snapshot(request: Request, settings: SettingsDep, now: NowDep,
                           credentials: Credentials, wait: Wait = 0) -> JSONResponse:
    jobs = jobs_of(request)

    def work() -> JSONResponse:
        # A read session for the sign-in check: the job's row is written in its own short
        # transaction (on SQLite a second writer inside this request would wait on itself).
        with request.app.state.sessions() as session:
            scope = _signed_in(request, session, settings, now, credentials)
        return _answer(jobs, jobs.request(scope))

    async with _gate(request):
        first = await run_in_threadpool(work)
    return await _long_poll(request, jobs, first, wait,
                            lambda snap_id, waited: _status(request, jobs, settings, now,
                                                            credentials, snap_id, waited=waited))


def _status(request: Request, jobs: SnapshotJobs, settings: Any, now: Any, credentials: Any,
            snapshot_id: str, *, waited: bool = False) -> JSONResponse:
    with request.app.state.sessions() as session:
        scope = _signed_in(request, session, settings, now, credentials)
        return _answer(jobs, get_snapshot(session, scope, snapshot_id), waited=waited)


@router.get("/{snapshot_id}", summary="数据包准备进度与清单")
async def snapshot_status(snapshot_id: str, request: Request, settings: SettingsDep,
                          now: NowDep, credentials: Credentials, wait: Wait = 0) -> JSONResponse:
    jobs = jobs_of(request)
    async with _gate(request):
        first = await run_in_threadpool(_status, request, jobs, settings, now, credentials,
                                        snapshot_id)
    return await _long_poll(request, jobs, first, wait,
                            lambda snap_id, waited: _status(request, jobs, settings, now,
                                                            credentials, snap_id, waited=waited))


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
