"""Accounts (/admin/users): the list (the list component over services/records), a new
account, and one account's page: enable/disable, reset password, change role and scope. Every
write goes through services/admin (the JSON API's /api/admin/users uses the same functions)."""
from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from common.dictionaries import label as dict_label
from common.errors import DomainError
from common.schema import OrgNode, User

from ..api.deps import NowDep
from ..api.errors import status_of
from ..services import admin, permissions
from ..services.scope import Scope
from .deps import (FormDep, PageSession, WebScopeDep, WebUserDep, errors_of, page_permission,
                   render)
from .lists import ListQuery, ListSpec, choices, load

router = APIRouter(prefix="/admin/users", include_in_schema=False,
                   dependencies=[page_permission("web:users")])
SPEC = ListSpec.of(User)
FIELDS = ("username", "display_name", "password", "role", "scope_node_id", "phone")


def nodes_in(session: Session, scope: Scope) -> list[tuple[str, str]]:
    """The live org nodes of the scope as (id, "level name"), in tree order, for a select."""
    if scope.empty:
        return []
    rows = session.scalars(select(OrgNode).where(
        OrgNode.path.startswith(scope.path, autoescape=True), OrgNode.deleted.is_(False))
        .order_by(OrgNode.path)).all()
    return [(n.id, f"{'　' * (n.path.count('/') - scope.path.count('/'))}"
                   f"{dict_label('org_level', n.level)} {n.name}") for n in rows]


def roles_for(session: Session, actor: User) -> list[tuple[str, str]]:
    """The roles the actor may give: all for a county admin, grid-worker ones for an office."""
    return [(r.code, r.name) for r in permissions.list_roles(session)
            if actor.role == "county_admin" or r.base_role == "grid_worker"]


@router.get("")
def users_list(request: Request, session: PageSession, signed: WebUserDep,
               scope: WebScopeDep) -> Response:
    query = ListQuery.parse(SPEC, request.query_params)
    options = choices(session, SPEC)
    labels = {k: dict(v) for k, v in options.items()} | {"active": {True: "是", False: "否"}}
    page = load(session, scope, SPEC, query, labels)
    name = "_users_table.html" if request.headers.get("hx-request") else "users.html"
    return render(request, name, title="账号管理", spec=SPEC, page=page, options=options,
                  base_url="/admin/users")


def _new_form(request: Request, session: Session, signed: Any, scope: Scope, *,
              values: dict[str, str] | None = None, errors: dict[str, str] | None = None,
              status_code: int = 200) -> Response:
    return render(request, "user_new.html", status_code=status_code, title="新建账号",
                  values=values or {}, errors=errors or {}, nodes=nodes_in(session, scope),
                  roles=roles_for(session, signed.user))


@router.get("/new")
def new_user_form(request: Request, session: PageSession, signed: WebUserDep,
                  scope: WebScopeDep) -> Response:
    return _new_form(request, session, signed, scope)


@router.post("/new")
def new_user(request: Request, session: PageSession, signed: WebUserDep, scope: WebScopeDep,
             now: NowDep, form: FormDep) -> Response:
    values = {k: str(form.get(k) or "").strip() for k in FIELDS}
    values["password"] = str(form.get("password") or "")
    try:
        with session.begin_nested():  # nothing half-written when a later check refuses
            user = admin.add_user(session, scope, signed.user, now=now,
                                  **{**values, "phone": values["phone"] or None})
    except DomainError as err:
        return _new_form(request, session, signed, scope, values={**values, "password": ""},
                         errors=errors_of(err), status_code=status_of(err))
    return RedirectResponse(f"/admin/users/{user.id}", status_code=303)


def _user_page(request: Request, session: Session, signed: Any, scope: Scope, user_id: str,
               *, errors: dict[str, str] | None = None, status_code: int = 200,
               done: str = "") -> Response:
    user = session.get(User, user_id)
    if user is None or user.deleted or not scope.contains(session, user):
        raise DomainError("not_found", entity="users")
    node = session.get(OrgNode, user.scope_node_id)
    return render(request, "user.html", status_code=status_code, title=user.display_name,
                  target=user, node=node, role=permissions.role_of(session, user),
                  nodes=nodes_in(session, scope), roles=roles_for(session, signed.user),
                  errors=errors or {}, done=done, itself=user.id == signed.user.id)


@router.get("/{user_id}")
def user_page(request: Request, user_id: str, session: PageSession, signed: WebUserDep,
              scope: WebScopeDep, done: str = "") -> Response:
    return _user_page(request, session, signed, scope, user_id, done=DONE.get(done, ""))


DONE = {"active": "已保存启用状态", "password": "密码已重置，该账号已在所有设备上退出",
        "role": "角色与管辖范围已保存，该账号已退出登录，其设备将按新范围重新同步"}


@router.post("/{user_id}/{what}")
def change(request: Request, user_id: str, what: str, session: PageSession,
           signed: WebUserDep, scope: WebScopeDep, now: NowDep, form: FormDep) -> Response:
    """One of the account page's forms: `active`, `password` or `role` (role and scope)."""
    if what == "active":
        change_ = {"active": form.get("active") == "true"}
    elif what == "password":
        change_ = {"password": str(form.get("password") or "")}
        if not change_["password"]:
            return _user_page(request, session, signed, scope, user_id, status_code=422,
                              errors={"password": "请填写新密码"})
    elif what == "role":
        change_ = {"role": str(form.get("role") or "") or None,
                   "scope_node_id": str(form.get("scope_node_id") or "") or None}
    else:
        raise DomainError("not_found", entity="users")
    try:
        with session.begin_nested():
            admin.change_user(session, scope, signed.user, user_id, now=now, **change_)
    except DomainError as err:
        if err.code == "not_found":
            raise
        return _user_page(request, session, signed, scope, user_id, errors=errors_of(err),
                          status_code=status_of(err))
    return RedirectResponse(f"/admin/users/{user_id}?done={what}", status_code=303)
