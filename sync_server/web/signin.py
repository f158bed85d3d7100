"""Sign-in and sign-out pages: password + captcha through services/auth.login (its checks and
throttling), then a browser session (services/web_sessions); a code sent by SMS, or a QR code
approved by a user signed in elsewhere (services/web_signin)."""
from __future__ import annotations

import base64
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from common.errors import DomainError
from common.masking import mask_phone

from ..api.deps import NowDep, SettingsDep
from ..api.errors import status_of
from ..services import auth, captcha, web_sessions, web_signin
from .deps import COOKIE, FormDep, PageSession, WebUserDep, render
from .security import safe_next, same_token

router = APIRouter(prefix="/admin", include_in_schema=False)
# Before sign-in there is no session to hold a CSRF token: the form carries a token that must
# equal this cookie (double submit), so another site cannot post a sign-in.
LOGIN_COOKIE = "yzb_login"
# The browser waiting on a QR sign-in holds this secret (services/web_signin.qr_start).
QR_COOKIE = "yzb_qr"


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


def _signed_in(request: Request, session, settings, user, now, next_: str) -> Response:
    token = web_sessions.start(session, user, now=now)
    answer = RedirectResponse(safe_next(next_), status_code=303)
    answer.set_cookie(COOKIE, token, max_age=settings.web_session_hours * 3600,
                      **_cookie_args(request))
    answer.delete_cookie(LOGIN_COOKIE, path="/")
    return answer


def _check_form_token(request: Request, form_token: str) -> None:
    if not same_token(form_token, request.cookies.get(LOGIN_COOKIE, "")):
        raise DomainError("csrf_failed")


# -- SMS code ----------------------------------------------------------------------------------
def _sms_page(request: Request, session, settings, now, *, step: str = "phone",
              status_code: int = 200, phone: str = "", errors: dict[str, str] | None = None,
              message: str = "", next_: str = "/admin/", form_token: str | None = None
              ) -> Response:
    context: dict = {}
    if step == "phone":
        captcha_id, png = captcha.new_challenge(session, now=now,
                                                text=settings.captcha_fixed_answer)
        context = {"captcha_id": captcha_id,
                   "captcha_png": base64.b64encode(png).decode("ascii")}
    token = form_token or secrets.token_urlsafe(24)
    # a refusal wrote nothing or kept its record itself (refuse_keeping); the new captcha stays
    page = render(request, "login_sms.html", status_code=status_code, keep_writes=True,
                  step=step, phone=phone,
                  errors=errors or {}, message=message, next=safe_next(next_),
                  form_token=token, title="短信验证码登录", **context)
    page.set_cookie(LOGIN_COOKIE, token, max_age=1800, **_cookie_args(request))
    return page


@router.get("/login/sms")
def sms_form(request: Request, session: PageSession, settings: SettingsDep, now: NowDep,
             next: str = "/admin/") -> Response:  # noqa: A002
    return _sms_page(request, session, settings, now, next_=next)


@router.post("/login/sms/send")
def sms_send(request: Request, session: PageSession, settings: SettingsDep, now: NowDep,
             form: FormDep) -> Response:
    _check_form_token(request, str(form.get("form_token", "")))
    phone, next_ = str(form.get("phone", "")), str(form.get("next", "/admin/"))
    client = request.client.host if request.client else ""
    try:
        number = web_signin.send_sms_code(
            session, request.app.state.sms_gateway, phone, address=client,
            captcha_id=str(form.get("captcha_id", "")),
            captcha_answer=str(form.get("captcha_answer", "")), settings=settings, now=now)
    except DomainError as err:
        return _sms_page(request, session, settings, now, status_code=status_of(err),
                         phone=phone, errors={err.field or "phone": err.message()},
                         next_=next_)
    return _sms_page(request, session, settings, now, step="code", phone=number, next_=next_,
                     message=f"如该号码已登记在账号上，验证码已发送到 {mask_phone(number)}，"
                             f"{int(web_signin.CODE_LIFETIME.total_seconds() // 60)} 分钟内有效")


@router.post("/login/sms")
def sms_submit(request: Request, session: PageSession, settings: SettingsDep, now: NowDep,
               form: FormDep) -> Response:
    _check_form_token(request, str(form.get("form_token", "")))
    phone, next_ = str(form.get("phone", "")), str(form.get("next", "/admin/"))
    try:
        user = web_signin.check_sms_code(session, phone, str(form.get("code", "")), now=now)
    except DomainError as err:
        step = "phone" if err.field == "phone" else "code"
        return _sms_page(request, session, settings, now, step=step, phone=phone,
                         status_code=status_of(err), next_=next_,
                         errors={err.field or "code": err.message()})
    return _signed_in(request, session, settings, user, now, next_)


# -- QR code -----------------------------------------------------------------------------------
@router.get("/login/qr")
def qr_form(request: Request, session: PageSession, now: NowDep,
            next: str = "/admin/") -> Response:  # noqa: A002
    started = web_signin.qr_start(session, now=now)
    link = str(request.base_url).rstrip("/") + "/admin/qr/" + started.code
    png = base64.b64encode(web_signin.qr_png(link)).decode("ascii")
    page = render(request, "login_qr.html", title="扫码登录", code=started.code, link=link,
                  qr_png=png, next=safe_next(next),
                  minutes=int(web_signin.QR_LIFETIME.total_seconds() // 60))
    page.set_cookie(QR_COOKIE, started.waiter, max_age=int(web_signin.QR_LIFETIME
                                                           .total_seconds()) + 60,
                    **_cookie_args(request))
    return page


@router.get("/login/qr/status")
def qr_status(request: Request, session: PageSession, settings: SettingsDep, now: NowDep,
              next: str = "/admin/") -> Response:  # noqa: A002
    """Polled by the QR page (htmx): a note while waiting; once approved the session starts
    and htmx is told to open the page asked for."""
    try:
        user = web_signin.qr_poll(session, request.cookies.get(QR_COOKIE), now=now)
    except DomainError:
        return render(request, "_qr_status.html", state="expired")
    if user is None:
        return render(request, "_qr_status.html", state="waiting")
    token = web_sessions.start(session, user, now=now)
    answer = Response(status_code=204, headers={"HX-Redirect": safe_next(next)})
    answer.set_cookie(COOKIE, token, max_age=settings.web_session_hours * 3600,
                      **_cookie_args(request))
    answer.delete_cookie(QR_COOKIE, path="/")
    return answer


@router.get("/qr")
def qr_enter(request: Request, signed: WebUserDep, code: str = "") -> Response:
    """A signed-in user types the code shown on the other browser (or scans it to the page)."""
    if web_signin.normalise_code(code):
        return RedirectResponse(f"/admin/qr/{web_signin.normalise_code(code)}", status_code=303)
    return render(request, "qr_approve.html", title="扫码登录网页", code="", errors={})


@router.get("/qr/{code}")
def qr_confirm(request: Request, session: PageSession, signed: WebUserDep, now: NowDep,
               code: str) -> Response:
    try:
        web_signin.qr_check(session, code, now=now)
    except DomainError as err:
        return render(request, "qr_approve.html", status_code=status_of(err), title="扫码登录网页",
                      code=code, errors={"code": err.message()})
    return render(request, "qr_approve.html", title="扫码登录网页", confirm=True,
                  code=web_signin.display_code(web_signin.normalise_code(code)), errors={})


@router.post("/qr/{code}")
def qr_approve(request: Request, session: PageSession, signed: WebUserDep, now: NowDep,
               code: str) -> Response:
    try:
        web_signin.qr_approve(session, signed.user, code, now=now)
    except DomainError as err:
        return render(request, "qr_approve.html", status_code=status_of(err), title="扫码登录网页",
                      code=code, errors={"code": err.message()})
    return render(request, "qr_approve.html", title="扫码登录网页", done=True,
                  code=web_signin.display_code(web_signin.normalise_code(code)), errors={})
