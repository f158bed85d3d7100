"""xlsx export of any console list (services/exports.write_xlsx) and the pages of background
jobs: small exports answer the file at once, large ones run as a job with a progress bar."""
from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from common.errors import DomainError
from common.schema import User

from ..services import exports
from ..services.scope import Scope
from ..settings import Settings
from . import jobs
from .deps import WebUserDep, render
from .lists import ListQuery, ListSpec

router = APIRouter(prefix="/admin/jobs", include_in_schema=False)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def exports_dir(settings: Settings) -> Path:
    return settings.exports_dir or settings.attachments_dir.parent / "exports"


def _attachment(name: str) -> dict[str, str]:
    return {"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"}


def export_list(request: Request, session: Session, scope: Scope, user: User, spec: ListSpec,
                query: ListQuery, labels: dict[str, dict[str, str]], *, title: str,
                clear: bool, now: dt.datetime) -> Response:
    """The list's filtered rows as xlsx: the file itself, or a redirect to a job's page when
    there are more than `web_export_inline_rows`."""
    settings: Settings = request.app.state.settings
    filters = query.filters_of(limit=0, offset=0)
    columns = [c.key for c in spec.columns]
    name = f"{title}-{now:%Y%m%d-%H%M}.xlsx"
    total = exports.count(session, scope, spec.entity, filters)
    if total <= settings.web_export_inline_rows:
        out = io.BytesIO()
        exports.write_xlsx(session, scope, user, spec.entity, filters, columns, out, now=now,
                           clear=clear, labels=labels)
        return Response(out.getvalue(), media_type=XLSX, headers=_attachment(name))
    if clear and not exports.may_export_clear(user):  # refused now, not in the job
        raise DomainError("forbidden")
    folder = exports_dir(settings)
    user_id = user.id

    def work(job_session: Session, job: jobs.Job) -> None:
        owner = job_session.get(User, user_id)
        path = folder / f"{job.id}.xlsx"
        exports.write_xlsx(job_session, Scope.of(job_session, owner), owner, spec.entity,
                           filters, columns, path, now=now, clear=clear, labels=labels,
                           progress=job.progress)
        job.file, job.filename = path, name

    job = jobs.start(request.app, user_id, f"导出{title}", work)
    return RedirectResponse(f"/admin/jobs/{job.id}", status_code=303)


@router.get("/{job_id}")
def job_page(job_id: str, request: Request, signed: WebUserDep) -> Response:
    job = jobs.job_for(request.app, job_id, signed.user.id)
    return render(request, "job.html", title=job.title, job=job)


@router.get("/{job_id}/progress")
def job_progress(job_id: str, request: Request, signed: WebUserDep) -> Response:
    job = jobs.job_for(request.app, job_id, signed.user.id)
    return render(request, "_job_progress.html", job=job)


@router.get("/{job_id}/file")
def job_file(job_id: str, request: Request, signed: WebUserDep) -> Response:
    job = jobs.job_for(request.app, job_id, signed.user.id)
    if not job.finished or job.file is None:
        raise DomainError("not_found", entity="jobs")
    return FileResponse(job.file, media_type=XLSX, headers=_attachment(job.filename))
