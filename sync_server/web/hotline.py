"""接诉即办 on the web console (/admin/hotline): the lists staff work from, an event's page with
its whole history and the actions their role allows (supervise, escalate, transfer, postpone
with a reason, answer and close …), and the county's time limits per category. Thin routes over
services/hotline.py."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from common.errors import DomainError, ValidationErrors

from ..api.deps import NowDep
from ..api.errors import status_of
from ..services import hotline, open311
from ..services.resident_reports import categories
from .deps import (FormDep, PageSession, WebScopeDep, WebUserDep, page_permission, render,
                   templates)

router = APIRouter(prefix="/admin/hotline", include_in_schema=False,
                   dependencies=[page_permission("web:hotline")])
PER_PAGE = 50
# times are stored in UTC; the console shows the county's time
templates.env.globals.setdefault("local_offset", hotline.LOCAL_OFFSET)


@router.get("")
def lists(request: Request, session: PageSession, signed: WebUserDep, scope: WebScopeDep,
          now: NowDep, list: str = "pending", page: int = 1) -> Response:  # noqa: A002
    which = hotline.check_list(list)
    rows, total = hotline.list_events(session, scope, signed.user, which, now=now,
                                      page=page, per_page=PER_PAGE)
    return render(request, "hotline_list.html", title="接诉即办", lists=hotline.LISTS,
                  which=which, rows=rows, total=total, page=max(page, 1),
                  pages=max(1, -(-total // PER_PAGE)),
                  counts=hotline.counts(session, scope, signed.user, now))


@router.get("/limits")
def limits_form(request: Request, session: PageSession, signed: WebUserDep) -> Response:
    _may_set_limits(request)
    return render(request, "hotline_limits.html", title="办理时限",
                  categories=categories(session), values=hotline.time_limits(session),
                  errors={})


@router.post("/limits")
def limits_save(request: Request, session: PageSession, signed: WebUserDep, now: NowDep,
                form: FormDep) -> Response:
    _may_set_limits(request)
    values = {c: str(form.get(c, "")) for c, _ in categories(session)}
    try:
        hotline.save_time_limits(session, signed.user, values, now=now)
    except ValidationErrors as err:
        return render(request, "hotline_limits.html", status_code=422, title="办理时限",
                      categories=categories(session), values=values,
                      errors={e.field: e.message() for e in err.errors})
    return render(request, "hotline_limits.html", title="办理时限", saved=True,
                  categories=categories(session), values=hotline.time_limits(session),
                  errors={})


@router.get("/open311")
def open311_clients(request: Request, session: PageSession, signed: WebUserDep) -> Response:
    _may_set_limits(request)
    return render(request, "hotline_open311.html", title="Open311 接入",
                  clients=open311.clients(session), errors={}, values={})


@router.post("/open311")
def open311_register(request: Request, session: PageSession, signed: WebUserDep, now: NowDep,
                     form: FormDep) -> Response:
    """A new client; its api_key is shown this once."""
    _may_set_limits(request)
    name = str(form.get("name", ""))
    try:
        client, key = open311.register_client(session, signed.user, name, now=now)
    except ValidationErrors as err:
        return render(request, "hotline_open311.html", status_code=422, title="Open311 接入",
                      clients=open311.clients(session), values={"name": name},
                      errors={e.field: e.message() for e in err.errors})
    return render(request, "hotline_open311.html", title="Open311 接入", new_key=key,
                  new_name=client.name, clients=open311.clients(session), errors={}, values={})


@router.post("/open311/{client_id}/active")
def open311_active(request: Request, session: PageSession, signed: WebUserDep, now: NowDep,
                   client_id: str, form: FormDep) -> Response:
    _may_set_limits(request)
    open311.set_active(session, signed.user, client_id, form.get("active") == "true", now=now)
    return RedirectResponse("/admin/hotline/open311", status_code=303)


def _may_set_limits(request: Request) -> None:
    if "web:hotline_limits" not in request.state.permissions:
        raise DomainError("forbidden")


@router.get("/{event_id}")
def event_page(request: Request, session: PageSession, signed: WebUserDep, scope: WebScopeDep,
               now: NowDep, event_id: str) -> Response:
    return render(request, "hotline_event.html", title="事件办理",
                  e=hotline.event_detail(session, scope, signed.user, event_id, now=now),
                  errors={}, values={})


@router.post("/{event_id}/act")
def act(request: Request, session: PageSession, signed: WebUserDep, scope: WebScopeDep,
        now: NowDep, event_id: str, form: FormDep) -> Response:
    values = {k: str(form.get(k, "")) for k in ("action", "note", "target_id",
                                                "postpone_days")}
    try:
        hotline.act(session, scope, signed.user, event_id, values["action"],
                    note=values["note"], target_id=values["target_id"],
                    postpone_days=values["postpone_days"], now=now)
    except DomainError as err:
        if err.code == "not_found":
            raise
        errors = ({e.field: e.message() for e in err.errors} if isinstance(err, ValidationErrors)
                  else {err.field or "action": err.message()})
        return render(request, "hotline_event.html", status_code=status_of(err),
                      title="事件办理", errors=errors, values=values,
                      e=hotline.event_detail(session, scope, signed.user, event_id, now=now))
    return RedirectResponse(f"/admin/hotline/{event_id}", status_code=303)
