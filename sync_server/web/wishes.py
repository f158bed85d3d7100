"""微心愿 on the web console (/admin/wishes): the wishes of the villages in scope; claim one,
mark it fulfilled. Thin routes over services/wishes.py."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from common.errors import DomainError

from ..api.deps import NowDep
from ..api.errors import status_of
from ..services import wishes
from .deps import FormDep, PageSession, WebScopeDep, WebUserDep, page_permission, render

router = APIRouter(prefix="/admin/wishes", include_in_schema=False,
                   dependencies=[page_permission("web:wishes")])


@router.get("")
def wish_list(request: Request, session: PageSession, signed: WebUserDep,
              scope: WebScopeDep) -> Response:
    return render(request, "wishes.html", title="微心愿", wishes=wishes.in_scope(session, scope),
                  me=signed.user.display_name, message="")


@router.post("/{wish_id}")
def wish_step(request: Request, session: PageSession, signed: WebUserDep, scope: WebScopeDep,
              now: NowDep, wish_id: str, form: FormDep) -> Response:
    try:
        wishes.step(session, scope, signed.user, wish_id, str(form.get("action", "")), now=now)
    except DomainError as err:
        if err.code == "not_found":
            raise
        return render(request, "wishes.html", status_code=status_of(err), title="微心愿",
                      wishes=wishes.in_scope(session, scope), me=signed.user.display_name,
                      message=err.message())
    return RedirectResponse("/admin/wishes", status_code=303)
