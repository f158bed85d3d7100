"""微心愿 on the web console (/admin/wishes): the wishes of the villages in scope; claim one,
mark it fulfilled; mark resident accounts as volunteers (志愿者) of a village or township, who
then claim and fulfil wishes on the resident pages. Thin routes over services/wishes.py."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from common.errors import DomainError, ValidationErrors

from ..api.deps import NowDep
from ..api.errors import status_of
from ..services import wishes
from .deps import FormDep, PageSession, WebScopeDep, WebUserDep, page_permission, render

router = APIRouter(prefix="/admin/wishes", include_in_schema=False,
                   dependencies=[page_permission("web:wishes")])


def _page(request: Request, session, signed, scope, status_code: int = 200,  # noqa: ANN001
          **context: Any) -> Response:
    context.setdefault("message", "")
    context.setdefault("errors", {})
    context.setdefault("values", {})
    return render(request, "wishes.html", status_code=status_code, title="微心愿",
                  wishes=wishes.in_scope(session, scope), me=signed.user.display_name,
                  volunteers=wishes.volunteers_in_scope(session, scope),
                  nodes=wishes.volunteer_nodes(session, scope), **context)


@router.get("")
def wish_list(request: Request, session: PageSession, signed: WebUserDep,
              scope: WebScopeDep) -> Response:
    return _page(request, session, signed, scope)


@router.post("/volunteers")
def volunteer_mark(request: Request, session: PageSession, signed: WebUserDep,
                   scope: WebScopeDep, now: NowDep, form: FormDep) -> Response:
    values = {k: str(form.get(k, "")) for k in ("phone", "name", "node_id")}
    try:
        wishes.mark_volunteer(session, scope, signed.user, now=now, **values)
    except DomainError as err:
        errors = ({e.field: e.message() for e in err.errors} if isinstance(err, ValidationErrors)
                  else {err.field or "phone": err.message()})
        return _page(request, session, signed, scope, status_of(err), values=values,
                     errors=errors)
    return RedirectResponse("/admin/wishes#volunteers", status_code=303)


@router.post("/volunteers/{resident_id}/remove")
def volunteer_unmark(request: Request, session: PageSession, signed: WebUserDep,
                     scope: WebScopeDep, now: NowDep, resident_id: str) -> Response:
    wishes.unmark_volunteer(session, scope, signed.user, resident_id, now=now)
    return RedirectResponse("/admin/wishes#volunteers", status_code=303)


@router.post("/{wish_id}")
def wish_step(request: Request, session: PageSession, signed: WebUserDep, scope: WebScopeDep,
              now: NowDep, wish_id: str, form: FormDep) -> Response:
    try:
        wishes.step(session, scope, signed.user, wish_id, str(form.get("action", "")), now=now)
    except DomainError as err:
        if err.code == "not_found":
            raise
        return _page(request, session, signed, scope, status_of(err), message=err.message())
    return RedirectResponse("/admin/wishes", status_code=303)
