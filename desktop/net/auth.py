"""Signing in against the server: POST {server}/api/auth/login → tokens and who the user is,
and the sign-in captcha. Network failures become DomainError("server_unreachable"), refusals
keep the server's code (wrong_password …). Spoken with httpx, the client's one HTTP library.
"""
from __future__ import annotations

import base64
from typing import Any

import httpx

from common.errors import DomainError

TIMEOUT = httpx.Timeout(30, connect=5)  # a slow 2G link still signs in; a dead one fails fast


def login(server_url: str, username: str, password: str, *,
          client: httpx.Client | None = None, device_id: str | None = None,
          captcha: tuple[str, str] | None = None) -> dict[str, Any]:
    """The server's TokenResponse as a dict: access_token, refresh_token, expires_in, user{…}.

    `captcha`: (captcha id, the answer typed). A refusal's DomainError carries
    `captcha_required` (show a captcha next time) and, when told to wait, `seconds`."""
    url = server_url.rstrip("/") + "/api/auth/login"
    body: dict[str, Any] = {"username": username, "password": password}
    if device_id:  # binds the tokens to this device, so an admin can revoke a lost laptop
        body["device_id"] = device_id
    if captcha:
        body["captcha_id"], body["captcha_answer"] = captcha
    try:
        resp = _post(client, url, json=body)
    except httpx.HTTPError:
        raise DomainError("server_unreachable", url=server_url) from None
    if resp.status_code == 200:
        return resp.json()
    try:
        answer = resp.json()
        code = answer.get("code") or "server_error"
    except ValueError:
        answer, code = {}, "server_error"
    wait = resp.headers.get("Retry-After", "")
    extra = {"seconds": int(wait)} if wait.isdigit() else {}
    raise DomainError(code, status=resp.status_code, detail=answer.get("message"),
                      captcha_required=bool(answer.get("captcha_required")), **extra)


def approve_web_sign_in(server_url: str, token: str | None, code: str, *,
                        client: httpx.Client | None = None) -> None:
    """Approve, as the signed-in user, the browser sign-in waiting on `code` (the 8 characters
    the web console's 扫码登录 page shows): POST {server}/api/auth/qr/approve. One try: the
    code lives two minutes and a person waits at the browser."""
    url = server_url.rstrip("/") + "/api/auth/qr/approve"
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        resp = _post(client, url, json={"code": code}, headers=headers)
    except httpx.HTTPError:
        raise DomainError("server_unreachable", url=server_url) from None
    if resp.status_code in (200, 204):
        return
    try:
        answer = resp.json()
    except ValueError:
        answer = {}
    raise DomainError(answer.get("code") or "server_error", "code", status=resp.status_code,
                      detail=answer.get("message"))


def fetch_captcha(server_url: str, *, client: httpx.Client | None = None) -> tuple[str, bytes]:
    """A new sign-in captcha from the server: (its id, the PNG to show)."""
    try:
        resp = _post(client, server_url.rstrip("/") + "/api/auth/captcha")
        resp.raise_for_status()
        body = resp.json()
        return body["captcha_id"], base64.b64decode(body["image_png_base64"])
    except (httpx.HTTPError, ValueError, KeyError):
        raise DomainError("server_unreachable", url=server_url) from None


def _post(client: httpx.Client | None, url: str, **kw: Any) -> httpx.Response:
    if client is not None:
        return client.post(url, timeout=TIMEOUT, **kw)
    with httpx.Client(timeout=TIMEOUT) as once:
        return once.post(url, **kw)
