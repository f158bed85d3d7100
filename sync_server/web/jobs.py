"""Background work of the console (large exports, later imports): a job runs in a thread with
its own database session, reports progress, and its page polls it through htmx."""
from __future__ import annotations

import datetime as dt
import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from common.errors import DomainError

from ..db.engine import unit_of_work

log = logging.getLogger(__name__)


@dataclass
class Job:
    """One background job of one user: progress (done of total), its result file or error."""

    id: str
    user_id: str
    title: str
    done: int = 0
    total: int = 0
    finished: bool = False
    error: str | None = None
    file: Path | None = None
    filename: str = ""
    link: str | None = None        # a page showing the result (an import's preview)
    link_label: str = ""
    failure: str = "导出失败，请稍后重试或联系管理员"
    finished_at: dt.datetime | None = None
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def progress(self, done: int, total: int) -> None:
        with self.lock:
            self.done, self.total = done, total

    @property
    def percent(self) -> int:
        return 100 if self.finished else (self.done * 100 // self.total if self.total else 0)


def jobs_of(app: FastAPI) -> dict[str, Job]:
    if not hasattr(app.state, "web_jobs"):
        app.state.web_jobs = {}
    return app.state.web_jobs


def start(app: FastAPI, user_id: str, title: str,
          work: Callable[[Any, Job], None], *, failure: str | None = None) -> Job:
    """Runs `work(session, job)` in a thread; the session commits when it returns, rolls back
    when it raises (the job then carries the Chinese message; `failure` is the one shown for
    an unexpected error)."""
    job = Job(id=str(uuid.uuid4()), user_id=user_id, title=title)
    if failure:
        job.failure = failure
    jobs_of(app)[job.id] = job

    def run() -> None:
        try:
            with unit_of_work(app.state.sessions) as session:
                work(session, job)
        except DomainError as err:
            job.error = err.message()
        except Exception:  # noqa: BLE001 - a failed job must say so on its page
            log.exception("web job %s failed", job.id)
            job.error = job.failure
        finally:
            job.finished_at = app.state.clock()
            job.finished = True

    threading.Thread(target=run, name=f"web-job-{job.id[:8]}", daemon=True).start()
    return job


def job_for(app: FastAPI, job_id: str, user_id: str) -> Job:
    """The user's own job, or not_found (another user's job cannot be seen)."""
    job = jobs_of(app).get(job_id)
    if job is None or job.user_id != user_id:
        raise DomainError("not_found", entity="jobs")
    return job


KEEP_FINISHED = dt.timedelta(hours=24)


def purge(app: FastAPI, folder: Path, *, now: dt.datetime,
          keep: dt.timedelta = KEEP_FINISHED) -> int:
    """Forget jobs finished more than `keep` ago and delete their files, and delete every file
    in `folder` that no job knows (left by a restart: nobody can download it any more). An
    export may hold clear ID numbers: it must not stay on the server's disk. Returns how many
    files were deleted."""
    known = jobs_of(app)
    for job_id, job in list(known.items()):
        if job.finished and job.finished_at is not None and job.finished_at < now - keep:
            del known[job_id]
    removed = 0
    if folder.is_dir():
        for path in folder.iterdir():
            if path.is_file() and path.stem not in known:
                path.unlink(missing_ok=True)
                removed += 1
    return removed
