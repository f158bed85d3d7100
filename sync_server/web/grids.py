"""Grid overview and management (/admin/grids): the grids in scope with their counts; create,
rename and retire a grid over services/grids (the org-node rules of services/records)."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from common.errors import DomainError

from ..api.deps import NowDep
from ..api.errors import status_of
from ..services import grids
from .deps import (FormDep, PageSession, WebScopeDep, WebUserDep, errors_of, page_permission,
                   render)

router = APIRouter(prefix="/admin/grids", include_in_schema=False,
                   dependencies=[page_permission("web:grids")])
MANAGERS = ("county_admin", "township_office")


def _page(request, session, scope, signed, *, status_code=200, errors=None, values=None,
          edit=None):
    return render(request, "grids.html", status_code=status_code, title="网格",
                  grids=grids.overview(session, scope), villages=grids.villages(session, scope),
                  may_manage=signed.user.role in MANAGERS, errors=errors or {},
                  values=values or {}, edit=edit)


def _manager(signed) -> None:
    if signed.user.role not in MANAGERS:
        raise DomainError("forbidden")


@router.get("")
def grid_list(request: Request, session: PageSession, signed: WebUserDep,
              scope: WebScopeDep) -> Response:
    return _page(request, session, scope, signed)


@router.post("")
def grid_create(request: Request, session: PageSession, signed: WebUserDep, scope: WebScopeDep,
                now: NowDep, form: FormDep) -> Response:
    _manager(signed)
    values = {k: str(form.get(k) or "") for k in ("village_id", "name", "code")}
    try:
        grids.create_grid(session, scope, signed.user, village_id=values["village_id"],
                          name=values["name"], code=values["code"], now=now)
    except DomainError as err:
        return _page(request, session, scope, signed, status_code=status_of(err),
                     errors=errors_of(err), values=values)
    return RedirectResponse("/admin/grids", status_code=303)


@router.get("/{grid_id}")
def grid_edit(grid_id: str, request: Request, session: PageSession, signed: WebUserDep,
              scope: WebScopeDep) -> Response:
    row = grids.grid(session, scope, grid_id)
    return _page(request, session, scope, signed, edit=row,
                 values={"name": row.name, "code": row.code or "", "village_id": row.parent_id})


@router.post("/{grid_id}")
def grid_rename(grid_id: str, request: Request, session: PageSession, signed: WebUserDep,
                scope: WebScopeDep, now: NowDep, form: FormDep) -> Response:
    _manager(signed)
    row = grids.grid(session, scope, grid_id)
    values = {k: str(form.get(k) or "") for k in ("name", "code")}
    try:
        grids.rename_grid(session, scope, signed.user, grid_id, name=values["name"],
                          code=values["code"], now=now)
    except DomainError as err:
        return _page(request, session, scope, signed, status_code=status_of(err),
                     errors=errors_of(err), values=values, edit=row)
    return RedirectResponse("/admin/grids", status_code=303)


@router.post("/{grid_id}/move")
def grid_move(grid_id: str, request: Request, session: PageSession, signed: WebUserDep,
              scope: WebScopeDep, now: NowDep, form: FormDep) -> Response:
    _manager(signed)
    row = grids.grid(session, scope, grid_id)
    village_id = str(form.get("village_id") or "")
    try:
        grids.move_grid(session, scope, signed.user, grid_id, village_id=village_id, now=now)
    except DomainError as err:
        row = grids.grid(session, scope, grid_id)
        return _page(request, session, scope, signed, status_code=status_of(err),
                     errors=errors_of(err), values={"name": row.name, "code": row.code or "",
                                                    "village_id": village_id}, edit=row)
    return RedirectResponse("/admin/grids", status_code=303)


@router.post("/{grid_id}/retire")
def grid_retire(grid_id: str, request: Request, session: PageSession, signed: WebUserDep,
                scope: WebScopeDep, now: NowDep) -> Response:
    _manager(signed)
    try:
        grids.retire_grid(session, scope, signed.user, grid_id, now=now)
    except DomainError as err:
        if err.code == "not_found":
            raise
        return _page(request, session, scope, signed, status_code=409,
                     errors={"retire": err.message()})
    return RedirectResponse("/admin/grids", status_code=303)
