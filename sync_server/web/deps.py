"""Dependencies of the console's pages: the signed-in browser (`WebUserDep`), its scope, and
the CSRF check every write declares (`CsrfChecked`)."""
from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.templating import Jinja2Templates
from starlette.datastructures import FormData
from sqlalchemy.orm import Session

from common.errors import DomainError, ValidationErrors

from ..api.deps import NowDep, SettingsDep
from ..db.engine import unit_of_work
from ..services import permissions, web_sessions
from ..services.scope import Scope
from .menu import group_of, menu_groups_for
from .security import CSRF_FIELD, CSRF_HEADER, WRITES, SignInNeeded, same_token

COOKIE = "yzb_session"
READ_POSTS = re.compile(r"^/admin/(logout|qr/[^/]+|.+/export|.+/reveal/[^/]+)$")
"""Posted forms that only read (sign-out, approving a QR sign-in, exports, reveals): open to a
read-only role; every other post is a write it may not make."""
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")


def get_page_session(request: Request) -> Iterator[Session]:
    """The page's transaction: committed when the page answers, before the answer is sent
    (scope="function", as api/deps.get_session), rolled back when it raises, and also when it
    answers a refusal (render with a 4xx status: a form shown again with its errors), so a
    service that wrote before refusing leaves nothing half-written. A page never commits."""
    with unit_of_work(request.app.state.sessions,
                      write=request.method not in ("GET", "HEAD")) as session:
        yield session
        if getattr(request.state, "refused", False):
            session.rollback()


PageSession = Annotated[Session, Depends(get_page_session, scope="function")]


async def read_form_token(request: Request) -> None:
    """Reads the form's CSRF field before the page's own dependencies run (the form is cached)."""
    if request.method in WRITES and "form" in request.headers.get("content-type", ""):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        request.scope["_csrf_form"] = value if isinstance(value, str) else None


def get_web_user(request: Request, session: PageSession, settings: SettingsDep, now: NowDep,
                 _form: Annotated[None, Depends(read_form_token)]) -> web_sessions.Signed:
    try:
        signed = web_sessions.check(session, request.cookies.get(COOKIE), settings=settings,
                                    now=now)
    except DomainError:
        raise SignInNeeded() from None
    if request.method in WRITES:
        sent = request.headers.get(CSRF_HEADER)
        if sent is None and "form" in request.headers.get("content-type", ""):
            sent = request.scope.get("_csrf_form")
        if not same_token(sent, signed.csrf_token):
            raise DomainError("csrf_failed")
    request.state.signed = signed
    request.state.permissions = permissions.permissions_of(session, signed.user)
    if request.method in WRITES and not READ_POSTS.match(request.url.path):
        Scope.of(session, signed.user).check_write()  # a read-only role (services/scope)
    return signed


WebUserDep = Annotated[web_sessions.Signed, Depends(get_web_user)]


async def get_form(request: Request) -> FormData:
    """The posted form (read once, cached), so that pages stay plain `def` (run off the loop)."""
    return await request.form()


FormDep = Annotated[FormData, Depends(get_form)]


def get_web_scope(session: PageSession, signed: WebUserDep) -> Scope:
    return Scope.of(session, signed.user)


WebScopeDep = Annotated[Scope, Depends(get_web_scope)]


def page_permission(permission: str) -> Any:
    """A router dependency: a page the user's role lacks answers 403 with the Chinese error page
    (the same permission hides its menu line)."""

    def check(request: Request, signed: WebUserDep) -> None:
        if permission not in request.state.permissions:
            raise DomainError("forbidden")

    return Depends(check)


def errors_of(err: DomainError) -> dict[str, str]:
    """A refusal as a form shows it: each faulty field's Chinese message (the first one per
    field), a refusal without a field under `_` (shown above the form)."""
    items = err.errors if isinstance(err, ValidationErrors) else [err]
    out: dict[str, str] = {}
    for e in items:
        out.setdefault(e.field or "_", e.message())
    return out


def render(request: Request, name: str, status_code: int = 200, *, keep_writes: bool = False,
           **context: object):
    """A page in the base layout: the signed-in user, their menu and CSRF token come along.
    A 4xx page rolls the request's writes back unless `keep_writes` (the sign-in page shown
    again keeps the new captcha it shows)."""
    if status_code >= 400 and not keep_writes:
        request.state.refused = True
    signed = getattr(request.state, "signed", None)
    context.setdefault("user", signed.user if signed else None)
    context.setdefault("csrf_token", signed.csrf_token if signed else "")
    context.setdefault("menu", menu_groups_for(request.state.permissions) if signed else [])
    context.setdefault("menu_open", group_of(request.url.path, context["menu"]))
    context.setdefault("path", request.url.path)
    return templates.TemplateResponse(request, name, context, status_code=status_code)
