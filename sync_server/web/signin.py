"""Sign-in and sign-out pages: password + captcha through services/auth.login (its checks and
throttling), then a browser session (services/web_sessions). SMS and QR sign-in go here too."""
from __future__ import annotations

import base64
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from common.errors import DomainError

from ..api.deps import NowDep, SettingsDep
from ..api.errors import status_of
from ..services import auth, captcha, web_sessions
from .deps import COOKIE, PageSession, WebUserDep, render
from .security import safe_next, same_token

router = APIRouter(prefix="/admin", include_in_schema=False)
# Before sign-in there is no session to hold a CSRF token: the form carries a token that must
# equal this cookie (double submit), so another site cannot post a sign-in.
LOGIN_COOKIE = "yzb_login"


def _cookie_args(request: Request) -> dict:
    # Strict: every console link starts on the console itself; Secure when served over https.
    return {"httponly": True, "samesite": "strict", "path": "/",
            "secure": request.url.scheme == "https"}


def _login_page(request: Request, session, settings, now, *, status_code: int = 200,
                username: str = "", errors: dict[str, str] | None = None,
                message: str = "", next_: str = "/admin/") -> Response:
    captcha_id, png = captcha.new_challenge(session, now=now,
                                            text=settings.captcha_fixed_answer)
    form_token = secrets.token_urlsafe(24)
    page = render(request, "login.html", status_code=status_code, keep_writes=True,
                  username=username,
                  errors=errors or {}, message=message, next=safe_next(next_),
                  captcha_id=captcha_id, form_token=form_token,
                  captcha_png=base64.b64encode(png).decode("ascii"))
    page.set_cookie(LOGIN_COOKIE, form_token, max_age=1800, **_cookie_args(request))
    return page


@router.get("/login")
def login_form(request: Request, session: PageSession, settings: SettingsDep, now: NowDep,
               next: str = "/admin/") -> Response:  # noqa: A002 - the query's name
    return _login_page(request, session, settings, now, next_=next)


@router.post("/login")
def login_submit(request: Request, session: PageSession, settings: SettingsDep, now: NowDep,
                 username: Annotated[str, Form()] = "", password: Annotated[str, Form()] = "",
                 captcha_id: Annotated[str, Form()] = "",
                 captcha_answer: Annotated[str, Form()] = "",
                 form_token: Annotated[str, Form()] = "",
                 next: Annotated[str, Form()] = "/admin/") -> Response:  # noqa: A002
    if not same_token(form_token, request.cookies.get(LOGIN_COOKIE, "")):
        raise DomainError("csrf_failed")
    errors: dict[str, str] = {}
    if not username.strip():
        errors["username"] = "请填写账号"
    if not password:
        errors["password"] = "请填写密码"
    if not captcha_answer.strip():
        errors["captcha_answer"] = "请填写图片中的验证码"
    if errors:
        return _login_page(request, session, settings, now, status_code=422,
                           username=username, errors=errors, next_=next)
    client = request.client.host if request.client else ""
    try:
        pair = auth.login(session, username, password, settings=settings, now=now,
                          address=client, captcha_id=captcha_id,
                          captcha_answer=captcha_answer, always_captcha=True)
    except DomainError as err:
        # A counted failure (throttle) was committed by the service (refuse_keeping); the page
        # shown again keeps only its new captcha.
        where = err.field if err.field in ("captcha_answer",) else "password"
        return _login_page(request, session, settings, now, status_code=status_of(err),
                           username=username, errors={where: err.message()}, next_=next)
    token = web_sessions.start(session, pair.user, now=now)
    answer = RedirectResponse(safe_next(next), status_code=303)
    answer.set_cookie(COOKIE, token, max_age=settings.web_session_hours * 3600,
                      **_cookie_args(request))
    answer.delete_cookie(LOGIN_COOKIE, path="/")
    return answer


@router.post("/logout")
def logout(request: Request, session: PageSession, signed: WebUserDep) -> Response:
    web_sessions.end(session, request.cookies.get(COOKIE))
    answer = RedirectResponse("/admin/login", status_code=303)
    answer.delete_cookie(COOKIE, path="/")
    return answer
