"""The people list (/admin/people): paged, sorted and filtered on the server over
services/records, masked as declared, with a logged per-row reveal."""
from __future__ import annotations

from html import escape

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from common.errors import DomainError, ValidationErrors
from common.schema import Person, User

from ..api.deps import NowDep
from ..api.errors import status_of
from ..services import records, saved_searches
from ..services.exports import may_export_clear
from ..services.field_visibility import hidden_fields
from .deps import (FormDep, PageSession, WebScopeDep, WebUserDep, page_permission,
                   render)
from .exports import export_list
from .lists import ListQuery, ListSpec, choices, load

router = APIRouter(prefix="/admin/people", include_in_schema=False,
                   dependencies=[page_permission("web:people")])
SPEC = ListSpec.of(Person)


def _spec(session: Session, user: User) -> ListSpec:
    """The list as this user's role sees it (config centre: fields per role)."""
    return SPEC.without(hidden_fields(session, user.role, "people"))


def _list(request: Request, session: Session, signed: Any, scope: Any, params: Any, *,
          name: str = "people.html", search_name: str = "", search_error: str = "",
          status_code: int = 200) -> Response:
    spec_ = _spec(session, signed.user)
    query = ListQuery.parse(spec_, params)
    options = choices(session, spec_)
    labels = {k: dict(v) for k, v in options.items()}
    page = load(session, scope, spec_, query, labels)
    searches = [(r, saved_searches.link(r))
                for r in saved_searches.searches_of(session, signed.user)]
    return render(request, name, title="人口", spec=spec_, page=page, options=options,
                  base_url="/admin/people", detail_url="/admin/registry/people",
                  may_clear=may_export_clear(signed.user), searches=searches,
                  search_name=search_name, search_error=search_error,
                  status_code=status_code)


@router.get("")
def people_list(request: Request, session: PageSession, signed: WebUserDep,
                scope: WebScopeDep) -> Response:
    name = "_list_table.html" if request.headers.get("hx-request") else "people.html"
    return _list(request, session, signed, scope, request.query_params, name=name)


@router.post("/searches")
def save_search(request: Request, session: PageSession, signed: WebUserDep,
                scope: WebScopeDep, now: NowDep, form: FormDep) -> Response:
    """Save the list's current query (carried by the form) under a name."""
    query = ListQuery.parse(_spec(session, signed.user), form)
    name = str(form.get("search_name") or "")[:100]
    try:
        row = saved_searches.save_search(session, scope, signed.user, name, query.filters,
                                         query.q, now=now)
    except DomainError as err:
        errors = err.errors if isinstance(err, ValidationErrors) else [err]
        return _list(request, session, signed, scope, form, search_name=name,
                     search_error="；".join(e.message() for e in errors),
                     status_code=status_of(err))
    return RedirectResponse(saved_searches.link(row), status_code=303)


@router.post("/searches/{search_id}/delete")
def delete_search(search_id: str, session: PageSession, signed: WebUserDep,
                  now: NowDep) -> Response:
    saved_searches.delete_search(session, signed.user, search_id, now=now)
    return RedirectResponse("/admin/people", status_code=303)


@router.post("/{person_id}/reveal/{field}")
def reveal(person_id: str, field: str, session: PageSession, signed: WebUserDep,
           scope: WebScopeDep, now: NowDep) -> Response:
    """The clear value of one masked cell; the reveal is in the operation log."""
    if field not in _spec(session, signed.user).masked:
        raise DomainError("not_found", entity="people")
    if field == "id_number":
        value = records.reveal_id_number(session, scope, signed.user, person_id, now=now)
    else:
        value = records.reveal_field(session, scope, signed.user, Person, person_id, field,
                                     now=now)
    return HTMLResponse(f'<span class="revealed">{escape(str(value or ""))}</span>')


@router.post("/export")
def export(request: Request, session: PageSession, signed: WebUserDep, scope: WebScopeDep,
           now: NowDep, form: FormDep, clear: Annotated[bool, Form()] = False) -> Response:
    """The filtered list as xlsx (the list's own query fields come with the form)."""
    spec_ = _spec(session, signed.user)
    query = ListQuery.parse(spec_, form)
    labels = {k: dict(v) for k, v in choices(session, spec_).items()}
    return export_list(request, session, scope, signed.user, spec_, query, labels, title="人口",
                       clear=clear, now=now)
