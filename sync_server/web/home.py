"""The console's home page: the user's entry points and the counts of their area."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from common.schema import Household, House, Person

from ..services.records import RecordFilters, list_records
from ..services.todos import todos
from .deps import PageSession, WebScopeDep, WebUserDep, page_permission, render

router = APIRouter(prefix="/admin", include_in_schema=False,
                   dependencies=[page_permission("web:home")])


@router.get("/")
def home(request: Request, session: PageSession, signed: WebUserDep,
         scope: WebScopeDep) -> Response:
    counts = [(label, href, list_records(session, scope, entity, RecordFilters(limit=0))[1])
              for label, href, entity in (("人口", "/admin/people", Person),
                                          ("户", None, Household), ("房屋", None, House))]
    return render(request, "home.html", title="首页", counts=counts,
                  todos=todos(session, scope, now=request.app.state.clock(),
                              user=signed.user))
