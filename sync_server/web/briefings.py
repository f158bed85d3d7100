"""接诉即办简报 (/admin/briefings): the weekly and monthly briefings of the user's county or
township, generate one for any finished period, download its PDF. Thin: services/briefings.py
computes, stores and draws; the request's session owns the transaction."""
from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from common.errors import DomainError

from ..api.deps import NowDep
from ..api.errors import status_of
from ..services import briefings as svc
from ..services.oplog import shown_time
from .deps import (FormDep, PageSession, WebScopeDep, WebUserDep, errors_of, page_permission,
                   render)
from .exports import _attachment

router = APIRouter(prefix="/admin/briefings", include_in_schema=False,
                   dependencies=[page_permission("web:briefings")])


def _page(request: Request, session: PageSession, scope: WebScopeDep, now: dt.datetime, *,
          values: dict[str, Any] | None = None, errors: dict[str, str] | None = None,
          status_code: int = 200) -> Response:
    try:
        node_name = svc.briefing_node(session, scope).name
    except DomainError as err:
        node_name, errors = "", {**(errors or {}), **errors_of(err)}
    last_week = svc.last_finished("week", now)
    return render(request, "briefings.html", status_code=status_code, title="接诉即办简报",
                  rows=svc.list_briefings(session, scope), node_name=node_name,
                  kinds=list(svc.KINDS.items()),
                  values=values or {"kind": "week", "day": last_week.isoformat()},
                  errors=errors or {}, shown=shown_time)


@router.get("")
def briefings_page(request: Request, session: PageSession, signed: WebUserDep,
                   scope: WebScopeDep, now: NowDep) -> Response:
    return _page(request, session, scope, now)


@router.post("")
def generate(request: Request, session: PageSession, signed: WebUserDep, scope: WebScopeDep,
             now: NowDep, form: FormDep) -> Response:
    values = {k: str(form.get(k) or "").strip()[:32] for k in ("kind", "day")}
    try:
        day = dt.date.fromisoformat(values["day"])
    except ValueError:
        err = DomainError("date_invalid", "day", label="周期内任一日期", value=values["day"])
        return _page(request, session, scope, now, values=values,
                     errors={"day": err.message()}, status_code=422)
    try:
        svc.generate_for(session, scope, signed.user, kind=values["kind"], day=day, now=now)
    except DomainError as err:
        return _page(request, session, scope, now, values=values,
                     errors=errors_of(err), status_code=status_of(err))
    return RedirectResponse("/admin/briefings", status_code=303)


@router.get("/{briefing_id}/pdf")
def download(briefing_id: str, session: PageSession, signed: WebUserDep, scope: WebScopeDep,
             now: NowDep) -> Response:
    name, data = svc.download(session, scope, signed.user, briefing_id, now=now)
    return Response(data, media_type="application/pdf", headers=_attachment(name))
