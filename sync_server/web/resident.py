"""The resident side (居民端) at /h5: mobile pages over services/residents.py (sign-in by SMS
code, consent, the account) and services/resident_reports.py (随手拍, my reports, rating).

A resident session is its own kind (cookie RESIDENT_COOKIE, table resident_sessions): the staff
dependencies (web/deps.get_web_user, api/deps) never accept it, and nothing here accepts a staff
session. Pages have their own base template (templates/h5/base.html), no external assets and
no inline script (the CSP of web/security.py covers /h5 too)."""
from __future__ import annotations

import base64
import secrets
import uuid
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, FastAPI, Query, Request
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import UploadFile

from common.errors import DomainError, ValidationErrors
from common.masking import mask_phone
from common.schema import OrgNode

from ..api.deps import NowDep, SettingsDep
from ..api.errors import status_of
from ..services import (captcha, notices, resident_floating, resident_reports,
                        resident_uploads, residents, wishes)
from ..services.hotline import LOCAL_OFFSET
from ..services.web_signin import CODE_LIFETIME
from .deps import FormDep, PageSession, read_form_token, templates
from .security import CSRF_FIELD, CSRF_HEADER, WRITES, same_token

router = APIRouter(prefix="/h5", include_in_schema=False)
RESIDENT_COOKIE = "yzb_resident"
LOGIN_COOKIE = "yzb_resident_login"  # double-submit token of the sign-in forms
STATIC = Path(__file__).parent / "static" / "h5"
# thumbnails travel inside the records as bytes; pages show them as data: images
templates.env.filters.setdefault("b64", lambda b: base64.b64encode(b).decode("ascii"))
# times are stored in UTC; residents read the county's time
templates.env.globals.setdefault("local_offset", LOCAL_OFFSET)


class ResidentSignInNeeded(Exception):
    """A page whose browser has no live resident session: answered by a redirect."""


class ConsentNeeded(Exception):
    """A signed-in resident who has not (or no longer) agreed to the policy."""


def _cookie_args(request: Request) -> dict[str, Any]:
    # Lax: a link shared in a chat app opens the pages signed in; writes carry a CSRF token.
    return {"httponly": True, "samesite": "lax", "path": "/h5",
            "secure": request.url.scheme == "https"}


def client_of(request: Request) -> str:
    return request.client.host if request.client else ""


def get_resident(request: Request, session: PageSession, now: NowDep,
                 _form: Annotated[None, Depends(read_form_token)]) -> residents.SignedResident:
    try:
        signed = residents.check(session, request.cookies.get(RESIDENT_COOKIE), now=now)
    except DomainError:
        raise ResidentSignInNeeded() from None
    if request.method in WRITES:
        sent = request.headers.get(CSRF_HEADER) or request.scope.get("_csrf_form")
        if not same_token(sent, signed.csrf_token):
            raise DomainError("csrf_failed")
    request.state.resident = signed
    return signed


ResidentDep = Annotated[residents.SignedResident, Depends(get_resident)]


def get_consenting(request: Request, signed: ResidentDep) -> residents.SignedResident:
    if not residents.has_consent(signed.resident):
        raise ConsentNeeded()
    return signed


ConsentingDep = Annotated[residents.SignedResident, Depends(get_consenting)]


def page(request: Request, name: str, status_code: int = 200, *, keep_writes: bool = False,
         **context: Any) -> Response:
    """A resident page in the h5 layout; a 4xx page rolls the request's writes back."""
    if status_code >= 400 and not keep_writes:
        request.state.refused = True
    signed = getattr(request.state, "resident", None)
    context.setdefault("resident", signed.resident if signed else None)
    context.setdefault("csrf_token", signed.csrf_token if signed else "")
    context.setdefault("path", request.url.path)
    context.setdefault("errors", {})
    return templates.TemplateResponse(request, f"h5/{name}", context, status_code=status_code)


def _field_errors(err: DomainError, default: str) -> dict[str, str]:
    if isinstance(err, ValidationErrors):
        return {e.field or default: e.message() for e in err.errors}
    return {err.field or default: err.message()}


# -- sign-in -----------------------------------------------------------------------------------
def _login_page(request: Request, session, settings, now, *, step: str = "phone",  # noqa: ANN001
                status_code: int = 200, phone: str = "", errors: dict[str, str] | None = None,
                message: str = "") -> Response:
    context: dict[str, Any] = {}
    if step == "phone":
        captcha_id, png = captcha.new_challenge(session, now=now,
                                                text=settings.captcha_fixed_answer)
        context = {"captcha_id": captcha_id,
                   "captcha_png": base64.b64encode(png).decode("ascii")}
    token = request.cookies.get(LOGIN_COOKIE) or secrets.token_urlsafe(24)
    answer = page(request, "login.html", status_code, keep_writes=True, step=step, phone=phone,
                  errors=errors or {}, message=message, form_token=token, title="登录",
                  **context)
    answer.set_cookie(LOGIN_COOKIE, token, max_age=1800, **_cookie_args(request))
    return answer


def _check_form_token(request: Request, form: Any) -> None:
    if not same_token(str(form.get("form_token", "")), request.cookies.get(LOGIN_COOKIE, "")):
        raise DomainError("csrf_failed")


@router.get("/login")
def login_form(request: Request, session: PageSession, settings: SettingsDep,
               now: NowDep) -> Response:
    return _login_page(request, session, settings, now)


@router.post("/login/send")
def login_send(request: Request, session: PageSession, settings: SettingsDep, now: NowDep,
               form: FormDep) -> Response:
    _check_form_token(request, form)
    phone = str(form.get("phone", ""))
    try:
        number = residents.send_code(
            session, request.app.state.sms_gateway, phone, address=client_of(request),
            captcha_id=str(form.get("captcha_id", "")),
            captcha_answer=str(form.get("captcha_answer", "")), settings=settings, now=now)
    except DomainError as err:
        return _login_page(request, session, settings, now, status_code=status_of(err),
                           phone=phone, errors=_field_errors(err, "phone"))
    minutes = int(CODE_LIFETIME.total_seconds() // 60)
    return _login_page(request, session, settings, now, step="code", phone=number,
                       message=f"验证码已发送到 {mask_phone(number)}，{minutes} 分钟内有效")


@router.post("/login")
def login_submit(request: Request, session: PageSession, settings: SettingsDep, now: NowDep,
                 form: FormDep) -> Response:
    _check_form_token(request, form)
    phone = str(form.get("phone", ""))
    try:
        resident = residents.sign_in(session, phone, str(form.get("code", "")), now=now)
    except DomainError as err:
        step = "phone" if err.field == "phone" else "code"
        return _login_page(request, session, settings, now, step=step, phone=phone,
                           status_code=status_of(err), errors=_field_errors(err, "code"))
    token = residents.start(session, resident, now=now)
    target = "/h5/" if residents.has_consent(resident) else "/h5/consent"
    answer = RedirectResponse(target, status_code=303)
    answer.set_cookie(RESIDENT_COOKIE, token, max_age=int(residents.SESSION_AGE.total_seconds()),
                      **_cookie_args(request))
    answer.delete_cookie(LOGIN_COOKIE, path="/h5")
    return answer


@router.post("/logout")
def logout(request: Request, session: PageSession, signed: ResidentDep) -> Response:
    residents.end(session, request.cookies.get(RESIDENT_COOKIE))
    answer = RedirectResponse("/h5/login", status_code=303)
    answer.delete_cookie(RESIDENT_COOKIE, path="/h5")
    return answer


# -- consent, policy, profile ------------------------------------------------------------------
@router.get("/policy")
def policy(request: Request) -> Response:
    return page(request, "policy.html", title="用户协议和隐私政策",
                version=residents.CONSENT_VERSION)


@router.get("/consent")
def consent_form(request: Request, signed: ResidentDep) -> Response:
    return page(request, "consent.html", title="用户协议和隐私政策",
                version=residents.CONSENT_VERSION)


@router.post("/consent")
def consent_submit(request: Request, session: PageSession, signed: ResidentDep, now: NowDep,
                   form: FormDep) -> Response:
    try:
        residents.give_consent(session, signed.resident, agreed=form.get("agree") == "yes",
                               now=now)
    except DomainError as err:
        return page(request, "consent.html", status_of(err), title="用户协议和隐私政策",
                    version=residents.CONSENT_VERSION, errors=_field_errors(err, "agree"))
    return RedirectResponse("/h5/", status_code=303)


def _profile(request: Request, session, signed, status_code: int = 200,  # noqa: ANN001
             **context: Any) -> Response:
    r = signed.resident
    context.setdefault("values", {"village_id": r.village_id or "", "address": r.address or ""})
    return page(request, "profile.html", status_code, title="我的",
                phone=mask_phone(r.phone or ""), consent=residents.has_consent(r),
                places=resident_reports.places(session),
                workers=residents.my_grid_workers(session, r), **context)


@router.get("/profile")
def profile(request: Request, session: PageSession, signed: ResidentDep) -> Response:
    return _profile(request, session, signed)


@router.post("/profile/address")
def save_address(request: Request, session: PageSession, signed: ConsentingDep,
                 form: FormDep) -> Response:
    values = {k: str(form.get(k, "")) for k in ("village_id", "address")}
    try:
        residents.set_address(session, signed.resident, **values)
    except DomainError as err:
        return _profile(request, session, signed, status_of(err), values=values,
                        errors=_field_errors(err, "address"))
    return RedirectResponse("/h5/profile", status_code=303)


@router.post("/profile/withdraw")
def withdraw(request: Request, session: PageSession, signed: ResidentDep,
             now: NowDep) -> Response:
    residents.withdraw_consent(session, signed.resident, now=now)
    return RedirectResponse("/h5/profile", status_code=303)


@router.post("/profile/delete")
def delete_account(request: Request, session: PageSession, signed: ResidentDep, now: NowDep,
                   form: FormDep) -> Response:
    if form.get("confirm") != "yes":
        return _profile(request, session, signed, 422,
                        errors={"confirm": "请勾选“我确认注销账号”后再注销"})
    residents.delete_account(session, signed.resident, now=now)
    answer = RedirectResponse("/h5/login", status_code=303)
    answer.delete_cookie(RESIDENT_COOKIE, path="/h5")
    return answer


# -- home, 随手拍, my reports -------------------------------------------------------------------
@router.get("/")
def home(request: Request, session: PageSession, signed: ConsentingDep) -> Response:
    reports = resident_reports.my_reports(session, signed.resident)
    return page(request, "home.html", title="首页", reports=reports[:3],
                notices=notices.for_resident(session, signed.resident, limit=3))


@router.get("/notices")
def notice_list(request: Request, session: PageSession, signed: ConsentingDep) -> Response:
    return page(request, "notices.html", title="通知公告",
                notices=notices.for_resident(session, signed.resident))


def _report_page(request: Request, session, status_code: int = 200,  # noqa: ANN001
                 **context: Any) -> Response:
    context.setdefault("values", {})
    # each form carries its own id: sent again, it opens the report it filed (no second one)
    if not context["values"].get("form_id"):
        context["values"]["form_id"] = str(uuid.uuid4())
    return page(request, "report.html", status_code, title="随手拍",
                categories=resident_reports.categories(session),
                places=resident_reports.places(session), max_photos=resident_reports.MAX_PHOTOS,
                chunk_size=resident_uploads.CHUNK_SIZE,
                limit_mb=resident_reports.MAX_PHOTO_BYTES // 1048576, **context)


@router.get("/report")
def report_form(request: Request, session: PageSession, signed: ConsentingDep) -> Response:
    return _report_page(request, session)


@router.post("/report")
def report_submit(request: Request, session: PageSession, signed: ConsentingDep, now: NowDep,
                  form: FormDep) -> Response:
    # a plain function (run in the thread pool): filing waits for the resident's limit lock
    # and the database, which must never stall the event loop
    files = request.app.state.attachment_files
    uploads = [str(u) for u in form.getlist("upload") if str(u)][:resident_reports.MAX_PHOTOS + 1]
    values = {k: str(form.get(k, "")) for k in ("category", "description", "village_id",
                                                "address", "lat", "lon", "form_id")}
    done = resident_uploads.used_by(session, signed.resident, uploads) or \
        resident_reports.filed_from(session, signed.resident, values["form_id"])
    if done:  # the same form again after its answer was lost on the way: already filed
        return _filed(request, done)
    try:
        photos = resident_uploads.take(session, files, signed.resident, uploads)
        for item in form.getlist("photos"):
            if isinstance(item, UploadFile) and item.filename:
                photos.append(item.file.read(resident_reports.MAX_PHOTO_BYTES + 1))
        event = resident_reports.file_report(
            session, files, signed.resident, photos=photos, client=client_of(request),
            now=now, **values)
    except DomainError as err:
        if err.code == "not_found":
            raise
        errors = _field_errors(err, "photos")
        errors = {("photos" if k.startswith("photo") else k): v for k, v in errors.items()}
        return _report_page(request, session, status_of(err), values=values, errors=errors,
                            uploads=uploads)
    resident_uploads.mark_used(session, files, signed.resident, uploads, event.id)
    return _filed(request, event.id)


def _filed(request: Request, event_id: str) -> Response:
    """Where a filed report is shown: a redirect, or for the page's script (which then opens
    it itself, so a 2G link carries the page once) the address as JSON."""
    target = f"/h5/reports/{event_id}?filed=1"
    if request.headers.get("x-h5-fetch"):
        return JSONResponse({"location": target})
    return RedirectResponse(target, status_code=303)


def _upload_answer(state: resident_uploads.UploadState) -> dict[str, Any]:
    return {"id": state.id, "received": state.received, "size": state.size,
            "complete": state.complete}


@router.post("/uploads")
def upload_start(request: Request, session: PageSession, signed: ConsentingDep, now: NowDep,
                 size: Annotated[int, Query(ge=0)]) -> JSONResponse:
    """Start a resumable photo upload of `size` bytes (the answer names it)."""
    state = resident_uploads.start(session, request.app.state.attachment_files,
                                   signed.resident, size=size, now=now)
    return JSONResponse(_upload_answer(state), status_code=201)


@router.get("/uploads/{upload_id}")
def upload_state(request: Request, session: PageSession, signed: ConsentingDep,
                 upload_id: str) -> JSONResponse:
    """How much of the upload has arrived: where the browser continues after a cut."""
    return JSONResponse(_upload_answer(resident_uploads.state(
        session, request.app.state.attachment_files, signed.resident, upload_id)))


@router.put("/uploads/{upload_id}")
def upload_chunk(request: Request, session: PageSession, signed: ConsentingDep,
                 upload_id: str, offset: Annotated[int, Query(ge=0)],
                 chunk: Annotated[bytes, Body(media_type="application/octet-stream")] = b""
                 ) -> JSONResponse:
    """One raw chunk at `offset` (the body is read before any transaction opens)."""
    return JSONResponse(_upload_answer(resident_uploads.receive(
        session, request.app.state.attachment_files, signed.resident, upload_id,
        offset=offset, body=chunk)))


@router.get("/reports")
def reports(request: Request, session: PageSession, signed: ConsentingDep) -> Response:
    return page(request, "reports.html", title="我的反映",
                reports=resident_reports.my_reports(session, signed.resident))


@router.get("/reports/{event_id}")
def report_detail(request: Request, session: PageSession, signed: ConsentingDep,
                  event_id: str, filed: int = 0) -> Response:
    return page(request, "report_detail.html", title="反映详情", filed=bool(filed),
                r=resident_reports.report_detail(session, signed.resident, event_id))


@router.get("/reports/{event_id}/photos/{index}")
def report_photo(session: PageSession, request: Request, signed: ConsentingDep, event_id: str,
                 index: int) -> Response:
    """One photo of the resident's own report (stored without its EXIF)."""
    path = resident_reports.photo_path(session, request.app.state.attachment_files,
                                       signed.resident, event_id, index)
    return FileResponse(path, media_type="image/jpeg",
                        headers={"Cache-Control": "private, max-age=86400"})


@router.post("/reports/{event_id}/rate")
def rate(request: Request, session: PageSession, signed: ConsentingDep, now: NowDep,
         event_id: str, form: FormDep) -> Response:
    try:
        resident_reports.rate(session, signed.resident, event_id,
                              rating=str(form.get("rating", "")),
                              note=str(form.get("rating_note", "")),
                              reopen=form.get("reopen") == "yes", now=now)
    except DomainError as err:
        if err.code == "not_found":
            raise
        return page(request, "report_detail.html", status_of(err), title="反映详情",
                    r=resident_reports.report_detail(session, signed.resident, event_id),
                    errors=_field_errors(err, "rating"))
    return RedirectResponse(f"/h5/reports/{event_id}", status_code=303)


def _wishes_page(request: Request, session, signed, status_code: int = 200,  # noqa: ANN001
                 **context: Any) -> Response:
    context.setdefault("values", {"village_id": signed.resident.village_id or ""})
    r = signed.resident
    node = session.get(OrgNode, r.volunteer_node_id) if r.volunteer_node_id else None
    return page(request, "wishes.html", status_code, title="微心愿",
                places=resident_reports.places(session),
                wishes=wishes.mine(session, r), volunteer_node=node.name if node else "",
                volunteer_wishes=wishes.for_volunteer(session, r), **context)


@router.get("/wishes")
def wish_list(request: Request, session: PageSession, signed: ConsentingDep) -> Response:
    return _wishes_page(request, session, signed)


@router.post("/wishes")
def wish_post(request: Request, session: PageSession, signed: ConsentingDep, now: NowDep,
              form: FormDep) -> Response:
    values = {k: str(form.get(k, "")) for k in ("title", "body", "village_id")}
    try:
        wishes.post(session, signed.resident, now=now, **values)
    except DomainError as err:
        return _wishes_page(request, session, signed, status_of(err), values=values,
                            errors=_field_errors(err, "title"))
    return RedirectResponse("/h5/wishes", status_code=303)


@router.post("/wishes/{wish_id}/confirm")
def wish_confirm(request: Request, session: PageSession, signed: ConsentingDep, now: NowDep,
                 wish_id: str) -> Response:
    wishes.confirm(session, signed.resident, wish_id, now=now)
    return RedirectResponse("/h5/wishes", status_code=303)


@router.post("/wishes/{wish_id}/{action}")
def wish_volunteer_step(request: Request, session: PageSession, signed: ConsentingDep,
                        now: NowDep, wish_id: str, action: str) -> Response:
    """A volunteer claims a wish of their village or township, or marks it fulfilled."""
    if action not in ("claim", "fulfil"):
        raise DomainError("not_found")
    try:
        wishes.volunteer_step(session, signed.resident, wish_id, action, now=now)
    except DomainError as err:
        if err.code == "not_found":
            raise
        return _wishes_page(request, session, signed, status_of(err),
                            volunteer_error=err.message())
    return RedirectResponse("/h5/wishes#volunteer", status_code=303)


FLOATING_FIELDS = ("name", "id_number", "phone", "village_id", "address", "stay_months",
                   "stay_until", "reason")


def _floating_page(request: Request, session, signed, status_code: int = 200,  # noqa: ANN001
                   **context: Any) -> Response:
    context.setdefault("values", {"phone": signed.resident.phone or "",
                                  "village_id": signed.resident.village_id or ""})
    return page(request, "floating.html", status_code, title="流动人口登记",
                places=resident_reports.places(session),
                registrations=resident_floating.mine(session, signed.resident), **context)


@router.get("/floating")
def floating_form(request: Request, session: PageSession, signed: ConsentingDep,
                  filed: int = 0) -> Response:
    return _floating_page(request, session, signed, filed=bool(filed))


@router.post("/floating")
def floating_submit(request: Request, session: PageSession, signed: ConsentingDep, now: NowDep,
                    form: FormDep) -> Response:
    values = {k: str(form.get(k, "")) for k in FLOATING_FIELDS}
    try:
        resident_floating.register(session, signed.resident, now=now, **values)
    except DomainError as err:
        return _floating_page(request, session, signed, status_of(err), values=values,
                              errors=_field_errors(err, "id_number"))
    return RedirectResponse("/h5/floating?filed=1", status_code=303)


def install(app: FastAPI) -> None:
    """The resident pages' static files and redirects: a signed-out browser to the sign-in
    page, a resident without consent to the consent page, a refusal to a Chinese page."""
    app.mount("/h5/static", StaticFiles(directory=STATIC), name="h5-static")

    @app.exception_handler(ResidentSignInNeeded)
    async def to_sign_in(request: Request, exc: ResidentSignInNeeded) -> Response:
        return RedirectResponse("/h5/login", status_code=303)

    @app.exception_handler(ConsentNeeded)
    async def to_consent(request: Request, exc: ConsentNeeded) -> Response:
        return RedirectResponse("/h5/consent", status_code=303)


__all__ = ["router", "install", "RESIDENT_COOKIE", "CSRF_FIELD"]
