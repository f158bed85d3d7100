"""Notices for residents on the web console (/admin/notices): publish to a node of one's scope,
withdraw. Thin routes over services/notices.py."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from common.errors import ValidationErrors

from ..api.deps import NowDep
from ..services import notices
from .deps import FormDep, PageSession, WebScopeDep, WebUserDep, page_permission, render

router = APIRouter(prefix="/admin/notices", include_in_schema=False,
                   dependencies=[page_permission("web:notices")])


def _page(request: Request, session, scope, status_code: int = 200,  # noqa: ANN001
          **context: object) -> Response:
    context.setdefault("values", {})
    context.setdefault("errors", {})
    return render(request, "notices.html", status_code=status_code, title="通知公告",
                  notices=notices.for_staff(session, scope),
                  targets=notices.targets(session, scope), **context)


@router.get("")
def notice_list(request: Request, session: PageSession, signed: WebUserDep,
                scope: WebScopeDep) -> Response:
    return _page(request, session, scope)


@router.post("")
def publish(request: Request, session: PageSession, signed: WebUserDep, scope: WebScopeDep,
            now: NowDep, form: FormDep) -> Response:
    values = {k: str(form.get(k, "")) for k in ("title", "body", "target_node_id")}
    try:
        notices.publish(session, scope, signed.user, now=now, **values)
    except ValidationErrors as err:
        return _page(request, session, scope, 422, values=values,
                     errors={e.field: e.message() for e in err.errors})
    return RedirectResponse("/admin/notices", status_code=303)


@router.post("/{notice_id}/withdraw")
def withdraw(request: Request, session: PageSession, signed: WebUserDep, scope: WebScopeDep,
             now: NowDep, notice_id: str) -> Response:
    notices.withdraw(session, scope, signed.user, notice_id, now=now)
    return RedirectResponse("/admin/notices", status_code=303)
