"""Signing in against the server: POST {server}/api/auth/login → tokens and who the user is.

Tiny on purpose (the sync engineer's HTTP client may absorb it): network failures become
DomainError("server_unreachable"), refusals keep the server's code (wrong_password …).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from common.errors import DomainError

if TYPE_CHECKING:
    import requests

TIMEOUT = (5, 30)  # connect, read: a slow 2G link still signs in; a dead one fails fast


def login(server_url: str, username: str, password: str, *,
          session: "requests.Session | None" = None, device_id: str | None = None,
          captcha: tuple[str, str] | None = None) -> dict[str, Any]:
    """The server's TokenResponse as a dict: access_token, refresh_token, expires_in, user{…}.

    `captcha`: (captcha id, the answer typed). A refusal's DomainError carries
    `captcha_required` (show a captcha next time) and, when told to wait, `seconds`."""
    import requests  # ~0.2 s: only when signing in online, not on every offline start

    url = server_url.rstrip("/") + "/api/auth/login"
    http = session or requests
    try:
        body = {"username": username, "password": password}
        if device_id:  # binds the tokens to this device, so an admin can revoke a lost laptop
            body["device_id"] = device_id
        if captcha:
            body["captcha_id"], body["captcha_answer"] = captcha
        resp = http.post(url, json=body, timeout=TIMEOUT)
    except requests.RequestException:
        raise DomainError("server_unreachable", url=server_url) from None
    if resp.status_code == 200:
        return resp.json()
    try:
        body = resp.json()
        code = body.get("code") or "server_error"
    except ValueError:
        body, code = {}, "server_error"
    wait = resp.headers.get("Retry-After", "")
    extra = {"seconds": int(wait)} if wait.isdigit() else {}
    raise DomainError(code, status=resp.status_code,
                      captcha_required=bool(body.get("captcha_required")), **extra)


def fetch_captcha(server_url: str, *,
                  session: "requests.Session | None" = None) -> tuple[str, bytes]:
    """A new sign-in captcha from the server: (its id, the PNG to show)."""
    import base64

    import requests

    http = session or requests
    try:
        resp = http.post(server_url.rstrip("/") + "/api/auth/captcha", timeout=TIMEOUT)
        resp.raise_for_status()
        body = resp.json()
        return body["captcha_id"], base64.b64decode(body["image_png_base64"])
    except (requests.RequestException, ValueError, KeyError):
        raise DomainError("server_unreachable", url=server_url) from None
