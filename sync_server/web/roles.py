"""Roles and application permissions (/admin/roles): each role with its permissions and how many
hold it; a county admin defines a role (e.g. 民政专干: only the people pages, read-only, and only
the people carrying the tags 低保 or 残疾) or changes one. Writes go through services/permissions.save_role."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from common.dictionaries import label as dict_label
from common.errors import DomainError
from common.permissions import APP_PAGES, WEB_PAGES, label_of
from common.schema import ROLES

from ..api.deps import NowDep
from ..api.errors import status_of
from ..services import permissions
from .deps import FormDep, PageSession, WebUserDep, errors_of, page_permission, render

router = APIRouter(prefix="/admin/roles", include_in_schema=False,
                   dependencies=[page_permission("web:roles")])


def _page(request: Request, session: Session, *, status_code: int = 200,
          errors: dict[str, str] | None = None, values: dict | None = None) -> Response:
    return render(request, "roles.html", status_code=status_code, title="角色与权限",
                  roles=permissions.list_roles(session), counts=permissions.user_counts(session),
                  groups=[("管理端页面", list(WEB_PAGES.items())),
                          ("桌面端页面", list(APP_PAGES.items()))],
                  bases=[(r, dict_label("role", r)) for r in ROLES], label_of=label_of,
                  tag_options=(tags := permissions.tag_options(session)),
                  tag_labels=dict(tags),
                  errors=errors or {}, values=values or {})


@router.get("")
def roles_page(request: Request, session: PageSession, signed: WebUserDep,
               edit: str = "") -> Response:
    values: dict = {}
    if edit:
        role = next((r for r in permissions.list_roles(session) if r.code == edit), None)
        if role is not None:
            values = {"code": role.code, "name": role.name, "base_role": role.base_role,
                      "permissions": list(role.permissions or ()), "seeded": role.seeded,
                      "read_only": bool(role.read_only), "tags": list(role.tags or ())}
    return _page(request, session, values=values)


@router.post("")
def save(request: Request, session: PageSession, signed: WebUserDep, now: NowDep,
         form: FormDep) -> Response:
    values = {"code": str(form.get("code") or "").strip(),
              "name": str(form.get("name") or "").strip(),
              "base_role": str(form.get("base_role") or ""),
              "permissions": [str(p) for p in form.getlist("permissions")],
              "read_only": form.get("read_only") == "1",
              "tags": [str(t) for t in form.getlist("tags")]}
    try:
        with session.begin_nested():
            permissions.save_role(session, signed.user, now=now, **values)
    except DomainError as err:
        if err.code == "forbidden":
            raise
        return _page(request, session, status_code=status_of(err), errors=errors_of(err),
                     values=values)
    return RedirectResponse("/admin/roles", status_code=303)
