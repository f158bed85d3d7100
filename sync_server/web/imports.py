"""Batch import with review (/admin/imports, menu group 数据导入): upload a sheet, watch its
preview run as a background job, read every row's class (paged, filtered by class), submit it,
and (for the level above or a county admin) approve all, some rows or none, over
services/imports."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from common.errors import DomainError
from common.masking import mask, mask_id_number
from common.schema import Person, User
from common.schema.fields import sensitive_fields

from ..api.deps import NowDep
from ..api.errors import status_of
from ..services import imports
from ..services.scope import Scope
from . import jobs
from .deps import (FormDep, PageSession, WebScopeDep, WebUserDep, errors_of, page_permission,
                   render)

router = APIRouter(prefix="/admin/imports", include_in_schema=False,
                   dependencies=[page_permission("web:imports")])
PAGE_SIZE = 50


def _upload_page(request: Request, session: Session, scope: Scope, signed: Any, *,
                 status_code: int = 200, errors: dict[str, str] | None = None,
                 values: dict[str, str] | None = None) -> Response:
    grids = [(g.id, g.name) for g in imports.grids_in_scope(session, scope)]
    return render(request, "imports.html", status_code=status_code, title="导入人口",
                  grids=grids, errors=errors or {}, values=values or {},
                  batches=imports.list_batches(session, scope, uploader_id=signed.user.id),
                  states=imports.STATES, kinds=imports.KINDS)


@router.get("")
def upload_form(request: Request, session: PageSession, signed: WebUserDep,
                scope: WebScopeDep) -> Response:
    return _upload_page(request, session, scope, signed)


@router.post("")
def upload(request: Request, session: PageSession, signed: WebUserDep, scope: WebScopeDep,
           now: NowDep, form: FormDep) -> Response:
    # a plain function (run in the thread pool): its database work must never stall the loop
    upload_ = form.get("file")
    filename = upload_.filename or "" if isinstance(upload_, UploadFile) else ""
    data = upload_.file.read() if isinstance(upload_, UploadFile) else b""
    default_grid = str(form.get("default_grid_id") or "") or None
    values = {"default_grid_id": default_grid or ""}
    try:
        imports.check_upload(session, scope, filename=filename, data=data,
                             default_grid_id=default_grid)
    except DomainError as err:
        return _upload_page(request, session, scope, signed, status_code=status_of(err),
                            errors=errors_of(err), values=values)
    user_id = signed.user.id
    batch_id = imports.new_batch_id()

    def work(job_session: Session, job: jobs.Job) -> None:
        user = job_session.get(User, user_id)
        imports.preview(job_session, scope, user, filename=filename, data=data,
                        default_grid_id=default_grid, now=now, batch_id=batch_id,
                        progress=job.progress)
        job.link, job.link_label = f"/admin/imports/{batch_id}", "查看导入预览"

    job = jobs.start(request.app, user_id, f"导入预览：{filename}", work,
                     failure="导入预览失败，请检查文件后重试或联系管理员")
    return RedirectResponse(f"/admin/jobs/{job.id}", status_code=303)


@router.get("/reviews")
def review_queue(request: Request, session: PageSession, signed: WebUserDep,
                 scope: WebScopeDep) -> Response:
    waiting = [b for b in imports.list_batches(session, scope, states=("submitted",))
               if imports.may_review(signed.user, scope, b)]
    done = imports.list_batches(session, scope, states=("approved", "partly_approved",
                                                        "refused"), limit=50)
    return render(request, "import_reviews.html", title="导入审核", waiting=waiting,
                  done=done, states=imports.STATES)


@dataclass
class _Query:
    """The batch page's filter and page, as the shared pager macro reads them."""

    base: str
    kind: str
    page: int

    def link(self, **changes: Any) -> str:
        params = {"kind": self.kind, "page": self.page, **changes}
        return self.base + "?" + urlencode({k: v for k, v in params.items() if v})


@dataclass
class _Page:
    query: _Query
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / PAGE_SIZE))


def _batch_page(request: Request, session: Session, scope: Scope, signed: Any, batch_id: str,
                *, status_code: int = 200, errors: dict[str, str] | None = None,
                values: dict[str, Any] | None = None) -> Response:
    batch = imports.batch_for(session, scope, batch_id)
    kind = request.query_params.get("kind", "")
    kind = kind if kind in imports.KINDS else ""
    try:
        number = max(1, int(request.query_params.get("page", "1")))
    except ValueError:
        number = 1
    rows, total = imports.batch_rows(session, batch, kind=kind or None, limit=PAGE_SIZE,
                                     offset=(number - 1) * PAGE_SIZE)
    page = _Page(_Query(f"/admin/imports/{batch.id}", kind, number), total)
    reviewing = batch.state == "submitted" and imports.may_review(signed.user, scope, batch)
    return render(request, "import_batch.html", status_code=status_code,
                  title=f"导入预览：{batch.filename}", batch=batch, rows=rows, page=page,
                  kinds=imports.KINDS, states=imports.STATES, importable=imports.IMPORTABLE,
                  masked=mask_id_number, reviewing=reviewing,
                  field_labels={"grid_id": "所属网格",
                                **{k: f.label for k, f in imports.PERSON_KEYS.items()}},
                  shown=_masked_change,
                  may_submit=batch.state == "ready" and batch.uploader_id == signed.user.id,
                  errors=errors or {}, values=values or {})


_SENSITIVE = sensitive_fields(Person)


def _masked_change(key: str, value: str) -> str:
    """A value of the preview's change column, masked as the lists mask it (phones, ID
    numbers): a preview lists many people at once."""
    kind = _SENSITIVE.get(key)
    return value if kind is None or value == "（空）" else str(mask(kind, value))


@router.get("/{batch_id}")
def batch_page(batch_id: str, request: Request, session: PageSession, signed: WebUserDep,
               scope: WebScopeDep) -> Response:
    return _batch_page(request, session, scope, signed, batch_id)


@router.post("/{batch_id}/submit")
def submit(batch_id: str, request: Request, session: PageSession, signed: WebUserDep,
           scope: WebScopeDep, now: NowDep) -> Response:
    try:
        imports.submit(session, scope, signed.user, batch_id, now=now)
    except DomainError as err:
        if err.code == "not_found":
            raise
        return _batch_page(request, session, scope, signed, batch_id,
                           status_code=status_of(err), errors={"_": err.message()})
    return RedirectResponse(f"/admin/imports/{batch_id}", status_code=303)


@router.post("/{batch_id}/review")
def review(batch_id: str, request: Request, session: PageSession, signed: WebUserDep,
           scope: WebScopeDep, now: NowDep, form: FormDep) -> Response:
    decision = str(form.get("decision") or "")
    reason = str(form.get("reason") or "")
    chosen = {int(v) for v in form.getlist("row") if str(v).isdigit()}
    try:
        imports.review(session, scope, signed.user, batch_id, decision=decision,
                       approved_rows=chosen, reason=reason, now=now)
    except DomainError as err:
        if err.code == "not_found":
            raise
        # nothing of this review is kept (a row that failed mid-way may have written the
        # rows before it): the page shows the batch as it was
        session.rollback()
        return _batch_page(request, session, scope, signed, batch_id,
                           status_code=status_of(err), errors=errors_of(err),
                           values={"decision": decision, "reason": reason, "rows": chosen})
    return RedirectResponse(f"/admin/imports/{batch_id}", status_code=303)
