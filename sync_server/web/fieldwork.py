"""基层工作 pages: data collections (/admin/fieldwork/collections: define one, see completion by
grid and worker) and 包户 (/admin/fieldwork/cadres: assign cadres to households, each cadre's
households and visit coverage). Thin: services/collections.py and services/cadres.py hold the
rules; the request's session owns the transaction."""
from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from common.errors import DomainError
from common.schema import User

from ..api.deps import NowDep
from ..api.errors import status_of
from ..services import cadres, collections, saved_searches
from ..services.oplog import BEIJING
from .deps import (FormDep, PageSession, WebScopeDep, WebUserDep, errors_of, page_permission,
                   render)

router = APIRouter(prefix="/admin/fieldwork", include_in_schema=False,
                   dependencies=[page_permission("web:fieldwork")])


def _today(now: dt.datetime) -> dt.date:
    return now.replace(tzinfo=dt.UTC).astimezone(BEIJING).date()


# -- collections ----------------------------------------------------------------------------------
def _collections_page(request: Request, session: PageSession, scope: WebScopeDep,
                      user: User, values: dict[str, Any] | None = None,
                      errors: dict[str, str] | None = None,
                      status_code: int = 200) -> Response:
    return render(request, "fieldwork_collections.html", status_code=status_code,
                  title="数据采集", rows=collections.list_collections(session, scope),
                  offered=collections.fields_offered(),
                  filters=collections.filter_options(session),
                  searches=[(r.id, r.name) for r in saved_searches.searches_of(session, user)],
                  search_label=collections.SEARCH_LABEL,
                  frequencies=[("once", "一次性"), ("monthly", "每月")],
                  values=values or {"frequency": "once", "fields": []}, errors=errors or {},
                  field_labels=collections.field_labels)


@router.get("/collections")
def collections_page(request: Request, session: PageSession, signed: WebUserDep,
                     scope: WebScopeDep) -> Response:
    return _collections_page(request, session, scope, signed.user)


@router.post("/collections")
def create_collection(request: Request, session: PageSession, signed: WebUserDep,
                      scope: WebScopeDep, now: NowDep, form: FormDep) -> Response:
    values: dict[str, Any] = {k: str(form.get(k) or "")[:200] for k in (
        "title", "frequency", "due_date", "search_id",
        *[f for f, _, _ in collections.FILTERS])}
    values["fields"] = [str(f) for f in form.getlist("fields")][:50]
    try:
        row, _ = collections.create_collection(session, scope, signed.user, values, now=now)
    except DomainError as err:
        return _collections_page(request, session, scope, signed.user, values, errors_of(err),
                                 status_of(err))
    return RedirectResponse(f"/admin/fieldwork/collections/{row.id}", status_code=303)


@router.get("/collections/{collection_id}")
def collection_page(collection_id: str, request: Request, session: PageSession,
                    signed: WebUserDep, scope: WebScopeDep, now: NowDep) -> Response:
    row, period, shares = collections.completion(session, scope, collection_id,
                                                 day=_today(now), now=now)
    return render(request, "fieldwork_collection.html", title=f"数据采集：{row.title}",
                  row=row, period="一次性" if period == "once" else period, shares=shares,
                  total=sum(s.total for s in shares), done=sum(s.done for s in shares),
                  fields=collections.field_labels(row.fields or []))


# -- 包户 -------------------------------------------------------------------------------------------
def _cadres_page(request: Request, session: PageSession, scope: WebScopeDep, now: Any,
                 values: dict[str, Any] | None = None, errors: dict[str, str] | None = None,
                 status_code: int = 200) -> Response:
    return render(request, "fieldwork_cadres.html", status_code=status_code, title="包户",
                  cadres=cadres.coverage(session, scope, now=now),
                  cadre_options=cadres.cadre_options(session, scope),
                  household_options=cadres.household_options(session, scope),
                  values=values or {"interval_days": "30"}, errors=errors or {})


@router.get("/cadres")
def cadres_page(request: Request, session: PageSession, signed: WebUserDep,
                scope: WebScopeDep, now: NowDep) -> Response:
    return _cadres_page(request, session, scope, now)


@router.post("/cadres")
def assign_cadre(request: Request, session: PageSession, signed: WebUserDep,
                 scope: WebScopeDep, now: NowDep, form: FormDep) -> Response:
    values = {k: str(form.get(k) or "")[:200] for k in ("household_id", "cadre_id",
                                                         "interval_days", "notes")}
    try:
        cadres.assign(session, scope, signed.user, values, now=now)
    except DomainError as err:
        return _cadres_page(request, session, scope, now, values, errors_of(err), status_of(err))
    return RedirectResponse("/admin/fieldwork/cadres", status_code=303)


@router.post("/cadres/{assignment_id}/end")
def end_assignment(assignment_id: str, request: Request, session: PageSession,
                   signed: WebUserDep, scope: WebScopeDep, now: NowDep) -> Response:
    cadres.end(session, scope, signed.user, assignment_id, now=now)
    return RedirectResponse("/admin/fieldwork/cadres", status_code=303)
