"""The app factory: create_app(settings) builds the engine, sessions, error handlers and routes.
Nothing here lives at module level, so tests run many apps on many databases side by side."""
from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI

from .api.docs import install_docs
from .api.errors import install_error_handlers
from .api.limits import BodySizeLimit
from .api.routes import (admin, attachments, auth, bundles, devices, dictionaries, health,
                         ledger_admin, open311, records, releases, sms, snapshots, sync,
                         workflows)
from .db.engine import make_engine, make_session_factory, unit_of_work
from .services import briefings
from .services import reports as report_manager
from .services.attachments import AttachmentFiles, purge_abandoned
from .services.cadres import make_visit_tasks
from .services.collections import make_due_tasks, monthly_running
from .services.sms import gateway_for
from .services.workflows import propose_conversions
from .settings import Settings
from .web import install_web, jobs
from .web.exports import exports_dir

Clock = Callable[[], dt.datetime]
log = logging.getLogger(__name__)


def utc_now() -> dt.datetime:
    """The server's clock: naive UTC, as every server time is stored."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _propose_conversions(app: FastAPI) -> int:
    with unit_of_work(app.state.sessions) as session:
        return propose_conversions(session, now=app.state.clock())


async def _keep_snapshots_ready(app: FastAPI) -> None:
    """A grid's new device must not wait for its snapshot (routes/snapshots.py keep_ready). Not
    in tests' servers: jobs nobody asked for would run beside every test. A failure is logged
    and leaves the other chores to run."""
    if app.state.settings.environment == "test":
        return
    try:
        started = await asyncio.to_thread(snapshots.keep_ready, app.state)
    except Exception:  # noqa: BLE001 - one chore's boundary: tried again next round
        log.exception("housekeeping: keeping snapshots ready failed")
        return
    if started:
        log.info("housekeeping: preparing %d grid snapshots", started)


async def _housekeeping(app: FastAPI) -> None:
    """What a server left running must do by itself: keep every grid's first-sync snapshot
    ready (routes/snapshots.py keep_ready), delete uploads abandoned for two weeks
    (a laptop that never came back must not fill the disk), make a new month's tasks of
    the monthly data collections and a new period's 包户 visit tasks, and propose the
    conversion of floating residents who have lived here the county's period
    (services/workflows.py), make (and push) the last finished week's and month's 接诉即办
    briefings (services/briefings.py), give standing reports to their places for a new period
    (services/reports.py), and delete the console's export files a day after they were made
    (web/jobs.py)."""
    settings: Settings = app.state.settings
    while True:
        try:
            await _keep_snapshots_ready(app)
            removed = 0
            if (settings.attachments_dir / "staging").is_dir():  # nothing uploaded yet: no-op
                files = AttachmentFiles(settings.attachments_dir)
                removed = await asyncio.to_thread(purge_abandoned, files,
                                                  now=app.state.clock())
            if removed:
                log.info("housekeeping: removed %d abandoned uploads", removed)
            # off the event loop (it deletes files); safe beside requests: a job is registered
            # before its file is written, and the jobs dict's single steps are atomic
            removed = await asyncio.to_thread(jobs.purge, app, exports_dir(settings),
                                              now=app.state.clock())
            if removed:
                log.info("housekeeping: deleted %d old export files", removed)
            made = await asyncio.to_thread(_collection_tasks, app)
            if made:
                log.info("housekeeping: made %d monthly collection tasks", made)
            made = await asyncio.to_thread(_cadre_tasks, app)
            if made:
                log.info("housekeeping: made %d 包户 visit tasks", made)
            proposed = await asyncio.to_thread(_propose_conversions, app)
            if proposed:
                log.info("housekeeping: proposed %d floating-population conversions", proposed)
            made = await asyncio.to_thread(_briefings, app)
            if made:
                log.info("housekeeping: made %d briefings", made)
            made = await asyncio.to_thread(_report_shares, app)
            if made:
                log.info("housekeeping: gave out %d report shares for the new period", made)
        except Exception:  # noqa: BLE001 - the loop's boundary: a failed chore is logged and
            # tried again next round; it must not stop the server
            log.exception("housekeeping failed")
        await asyncio.sleep(settings.housekeeping_seconds)


def _briefings(app: FastAPI) -> int:
    now = app.state.clock()
    with unit_of_work(app.state.sessions, write=False) as session:
        if not briefings.missing(session, now=now):
            return 0  # no write lock taken for nothing
    with unit_of_work(app.state.sessions) as session:
        return briefings.make_due(session, app.state.sms_gateway,
                                  settings=app.state.settings, now=now)


def _report_shares(app: FastAPI) -> int:
    now = app.state.clock()
    with unit_of_work(app.state.sessions, write=False) as session:
        if not report_manager.due(session, now=now):
            return 0  # no write lock taken for nothing
    with unit_of_work(app.state.sessions) as session:
        return report_manager.make_due(session, now=now)


def _cadre_tasks(app: FastAPI) -> int:
    with unit_of_work(app.state.sessions) as session:
        return make_visit_tasks(session, now=app.state.clock())


def _collection_tasks(app: FastAPI) -> int:
    now = app.state.clock()
    with unit_of_work(app.state.sessions, write=False) as session:
        if not monthly_running(session, now=now):
            return 0  # no write lock taken for nothing
    with unit_of_work(app.state.sessions) as session:
        return make_due_tasks(session, now=now)


def api_routers() -> list[APIRouter]:
    """Every router of the API, in the order they are included."""
    return [health.router, auth.router, dictionaries.router, releases.router, sms.router,
            *records.routers(), sync.router, admin.router, attachments.router,
            devices.router, bundles.router, snapshots.router, ledger_admin.router,
            open311.router, workflows.router]


def create_app(settings: Settings, *, clock: Clock | None = None) -> FastAPI:
    """A ready app on the database `settings.database_url` names (migrated beforehand by
    `python -m sync_server migrate` or sync_server.db.migrate.migrate)."""
    engine = make_engine(settings.database_url, echo=settings.sql_echo,
                         pool_size=settings.db_pool_size, max_overflow=settings.db_max_overflow)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        chores = asyncio.create_task(_housekeeping(app)) \
            if settings.housekeeping_seconds > 0 else None
        yield
        if chores is not None:
            chores.cancel()
        jobs = getattr(app.state, "snapshot_jobs", None)
        if jobs is not None:  # a snapshot being prepared ends before the database goes
            await asyncio.to_thread(jobs.close)
        engine.dispose()

    app = FastAPI(title="一张表 同步服务", version="0.1.0", lifespan=lifespan,
                  docs_url=None, redoc_url=None,  # /docs from local files: api/docs.py
                  description="托克逊县基层治理“一张表”：同步、管理与居民端接口。"
                              "登录后在右上角 Authorize 填入 access_token。")
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = make_session_factory(engine)
    app.state.clock = clock or utc_now
    app.state.sms_gateway = gateway_for(settings)  # services/sms.py: log file or HTTP provider
    app.state.attachment_files = AttachmentFiles(settings.attachments_dir)
    app.state.sync_queued = 0  # exchanges admitted and not yet answered (routes/sync.py)
    app.state.snapshot_gate = asyncio.Semaphore(snapshots.DB_SLOTS)  # routes/snapshots.py
    install_error_handlers(app)
    app.add_middleware(BodySizeLimit, limit=settings.max_body_bytes,
                       paths={"/api/sync/bundle": settings.max_bundle_bytes,
                              "/api/admin/client-releases": settings.max_release_bytes})
    install_docs(app)
    for router in api_routers():
        app.include_router(router)
    install_web(app)
    return app
