"""Turns refusals into HTTP answers: {code, message (Chinese), errors: [{field, message}]}.

Domain codes map to statuses here (and only here); malformed requests become 4xx with the field or
the position named, never a 500.
"""
from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from common.errors import DomainError, ValidationError, ValidationErrors
from common.messages import MESSAGES

from .wire import field_labels

log = logging.getLogger(__name__)

STATUS: dict[str, int] = {
    "not_found": 404, "out_of_scope": 403, "forbidden": 403, "role_read_only": 403, "role_web_only": 403,
    "csrf_failed": 403, "account_disabled": 403,
    "id_duplicate": 409, "username_taken": 409, "record_conflict": 409,
    "wrong_password": 401, "token_invalid": 401, "token_expired": 401,
    "not_authenticated": 401, "body_too_large": 413, "too_many_attempts": 429,
    "server_busy": 429,  # admission control of /api/sync (routes/sync.py), with Retry-After
    "client_too_old": 426, "device_mismatch": 403,  # sync
    "release_too_large": 413,  # client releases (services/releases.py)
    "device_revoked": 403, "device_not_found": 404,
    "bundle_relay_forbidden": 403,  # USB bundles (services/bundles.py)
    "ledger_code_retired": 409,  # ledger config centre (services/ledger_admin.py)
    "workflow_not_assignee": 403, "workflow_not_filer": 403,  # services/workflows.py
    "workflow_transition_forbidden": 409, "workflow_open_request": 409,
    "node_not_empty": 409,  # org tree integrity: a node that holds records or accounts
    "captcha_required": 401, "captcha_wrong": 401, "login_throttled": 429,  # sign-in throttle
    "sms_code_too_soon": 429, "sms_code_limit": 429, "sms_code_attempts": 429,  # web_signin
    "sms_code_wrong": 401, "sms_code_expired": 401, "qr_code_unknown": 404,
    "current_password_wrong": 403, "own_password_needs_current": 403,
    "resident_code_limit": 429, "resident_report_limit": 429,
    "resident_upload_limit": 429, "resident_upload_incomplete": 409,  # the resident side (/h5)
    "resident_photo_too_large": 413, "resident_photo_not_image": 415,
    "resident_too_many_photos": 422, "resident_no_grid": 422, "resident_cannot_rate": 409,
    "resident_consent_required": 422, "open311_key_invalid": 403,
    "open311_limit": 429, "wish_step_invalid": 409, "wish_limit": 429,
    "affair_limit": 429, "affair_step_forbidden": 409,  # online affairs (services/affairs.py)
    "event_action_not_allowed": 403, "event_closed": 409,  # 接诉即办 (services/hotline.py)
    "attachment_too_large": 413, "attachment_not_image": 415,  # attachments (routes/attachments)
    "attachment_offset_mismatch": 409, "attachment_hash_mismatch": 422,
    "attachment_missing": 404, "attachment_bad_hash": 400, "attachment_out_of_scope": 403,
    "import_state": 409, "import_nothing": 409, "import_not_reviewer": 403,  # services/imports
    "import_row_failed": 409, "import_no_id_column": 422,
}
HTTP_MESSAGES = {404: "找不到该地址", 405: "不支持该请求方法", 413: "请求内容过大",
                 401: "请先登录", 403: "您没有执行此操作的权限"}

_LABELS: dict[str, str] | None = None


def _label(field: str) -> str:
    global _LABELS
    if _LABELS is None:
        _LABELS = field_labels()
    return _LABELS.get(field, field)


def status_of(err: DomainError) -> int:
    if err.code in STATUS:
        return STATUS[err.code]
    if isinstance(err, (ValidationError, ValidationErrors)):
        return 422
    return 400


def body_of(err: DomainError) -> dict[str, Any]:
    items = err.errors if isinstance(err, ValidationErrors) else [err]
    errors = [{"field": e.field, "code": e.code, "message": e.message()} for e in items
              if e.field]
    body: dict[str, Any] = {"code": err.code, "message": err.message(), "errors": errors}
    if err.params.get("release"):  # client_too_old: the build to download (services/releases)
        body["release"] = err.params["release"]
    if "received" in err.params:  # attachment_offset_mismatch: where the upload resumes
        body["received"] = err.params["received"]
    return body


_REASONS = {
    "string_type": "应为文字", "int_type": "应为整数", "int_parsing": "应为整数",
    "int_from_float": "应为整数", "float_type": "应为数字", "float_parsing": "应为数字",
    "bool_type": "应为“是”或“否”", "bool_parsing": "应为“是”或“否”",
    "date_type": "应为日期（如 1980-01-31）", "date_parsing": "应为日期（如 1980-01-31）",
    "date_from_datetime_parsing": "不是真实的日期（应如 1980-01-31）",
    "date_from_datetime_inexact": "应为日期（如 1980-01-31）",
    "datetime_type": "应为日期时间", "datetime_parsing": "应为日期时间",
    "datetime_from_date_parsing": "应为日期时间", "model_type": "应为对象",
    "model_attributes_type": "应为 JSON 对象", "dict_type": "应为 JSON 对象",
    "list_type": "应为列表", "finite_number": "应为有限的数字", "greater_than_equal": "不能小于 {ge}",
    "less_than_equal": "不能大于 {le}", "greater_than": "应大于 {gt}", "less_than": "应小于 {lt}",
    "literal_error": "应为以下之一：{expected}", "enum": "应为以下之一：{expected}",
    "string_pattern_mismatch": "格式不对", "uuid_parsing": "应为编号",
}


def _one(error: dict[str, Any]) -> dict[str, Any]:
    loc = [str(p) for p in error.get("loc", ())]
    if loc and loc[0] in ("body", "query", "path", "header", "cookie", "form"):
        loc = loc[1:]  # where it came from, not a field (a field may itself be named "body")
    field = ".".join(loc) or None
    label = _label(loc[-1]) if loc else "请求内容"
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return {"field": field, "code": "field_missing",
                "message": MESSAGES["field_missing"].format(label=label)}
    if kind == "extra_forbidden":
        return {"field": field, "code": "field_extra",
                "message": MESSAGES["field_extra"].format(label=loc[-1] if loc else "")}
    if kind == "string_too_long":
        length = len(error.get("input") or "") if isinstance(error.get("input"), str) else "?"
        return {"field": field, "code": "too_long",
                "message": MESSAGES["too_long"].format(label=label, max=ctx.get("max_length"),
                                                       length=length)}
    if kind == "json_invalid":
        pos = error.get("loc", ("body", 0))[-1]
        return {"field": None, "code": "json_invalid",
                "message": f"请求内容不是有效的 JSON：第 {pos} 个字符附近有错误"
                           f"（{ctx.get('error', '')}）"}
    reason = _REASONS.get(kind)
    if reason:
        try:
            reason = reason.format(**ctx)
        except (KeyError, IndexError):
            pass
    else:
        reason = "值不符合要求"
    return {"field": field, "code": "field_type",
            "message": MESSAGES["field_type"].format(label=label, reason=reason)}


class LoginRefused(Exception):  # noqa: N818 - a refusal, named as the answer it becomes
    """A refused sign-in (routes/auth.py): answered like any DomainError, plus whether the next
    attempt needs a captcha and, when throttled, Retry-After. Raised, not returned, so the
    request's transaction rolls back (the service already kept the refusal's record)."""

    def __init__(self, refusal: DomainError) -> None:
        super().__init__(refusal.code)
        self.refusal = refusal


async def _login_refused(_: Request, err: LoginRefused) -> JSONResponse:
    refusal = err.refusal
    body = {**body_of(refusal), "captcha_required": bool(refusal.params.get("captcha_required"))}
    retry = refusal.params.get("retry_after")
    return JSONResponse(body, status_code=status_of(refusal),
                        headers={"Retry-After": str(retry)} if retry else None)


async def _domain(_: Request, err: DomainError) -> JSONResponse:
    return JSONResponse(body_of(err), status_code=status_of(err))


async def _request_invalid(_: Request, err: RequestValidationError) -> JSONResponse:
    errors = [_one(e) for e in err.errors()]
    code = "json_invalid" if any(e["code"] == "json_invalid" for e in errors) else "request_invalid"
    message = "；".join(e["message"] for e in errors[:5]) or MESSAGES["request_invalid"]
    status = 400 if code == "json_invalid" else 422
    return JSONResponse({"code": code, "message": message, "errors": errors}, status_code=status)


async def _http(_: Request, err: StarletteHTTPException) -> JSONResponse:
    if err.status_code == 400:  # FastAPI could not even decode the body
        return JSONResponse({"code": "json_invalid", "errors": [],
                             "message": "请求内容无法解析：应为 UTF-8 编码的 JSON"},
                            status_code=400)
    detail = err.detail if isinstance(err.detail, str) and not err.detail.isascii() else None
    message = detail or HTTP_MESSAGES.get(err.status_code, "请求有误")
    code = "body_too_large" if err.status_code == 413 else f"http_{err.status_code}"
    return JSONResponse({"code": code, "message": message, "errors": []},
                        status_code=err.status_code, headers=err.headers)


async def _integrity(_: Request, err: IntegrityError) -> JSONResponse:
    # A unique constraint caught a race the service checks could not (e.g. one username taken
    # by two requests at the same moment): the loser is told to retry, not shown a 500.
    log.warning("integrity error: %s", err.orig)
    return JSONResponse({"code": "record_conflict", "message": MESSAGES["record_conflict"],
                         "errors": []}, status_code=409)


async def _operational(_: Request, err: OperationalError) -> JSONResponse:
    log.exception("database unavailable or busy", exc_info=err)
    return JSONResponse({"code": "server_busy", "message": "服务器繁忙，请稍后重试",
                         "errors": []}, status_code=503, headers={"Retry-After": "5"})


async def _bug(_: Request, err: Exception) -> JSONResponse:
    log.exception("unhandled error", exc_info=err)
    return JSONResponse({"code": "server_error", "message": "服务器内部错误，请稍后重试",
                         "errors": []}, status_code=500)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain)
    app.add_exception_handler(LoginRefused, _login_refused)
    app.add_exception_handler(RequestValidationError, _request_invalid)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(IntegrityError, _integrity)
    app.add_exception_handler(OperationalError, _operational)
    app.add_exception_handler(Exception, _bug)

