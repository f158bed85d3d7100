"""扫码登录网页 from the desktop: approve, as the signed-in user, the browser sign-in waiting on a
code. The code is what the web console's 扫码登录 page shows (ACDE-FH34) or the address its QR
image holds (…/admin/qr/ACDEFH34, e.g. read by the 扫码入户 camera). Runs on the network lane;
the token is renewed once when it has expired. No Qt, no database of its own."""
from __future__ import annotations

from typing import Any, Callable

from common.errors import DomainError
from desktop.net import auth

CODE_LENGTH = 8
LINK_PART = "/admin/qr/"
"""What the QR image of a waiting browser holds: the address of the approve page."""
RENEW = ("token_expired", "token_invalid", "not_authenticated")


def is_sign_in_link(text: str) -> bool:
    """A scanned text that is a web console's sign-in code (not a door plate)."""
    return LINK_PART in (text or "")


def code_of(text: str) -> str:
    """The 8-character code in what was typed or scanned; DomainError("qr_code_format") if
    there is none (shown beside the field)."""
    raw = (text or "").strip()
    if LINK_PART in raw:
        raw = raw.rsplit(LINK_PART, 1)[1].split("?", 1)[0]
    code = "".join(c for c in raw.upper() if c.isalnum())
    if len(code) != CODE_LENGTH or not code.isascii():
        raise DomainError("qr_code_format", "code", value=(text or "").strip()[:40])
    return code


def display(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


def approve(sync: Any, text: str, *,
            send: Callable[..., None] = auth.approve_web_sign_in) -> str:
    """Approve the browser waiting on the code in `text` as the profile's user (`sync`: the
    profile's SyncService: its server and its token). Answers the code as shown
    (ACDE-FH34). Raises qr_code_format, qr_code_unknown (expired or never shown),
    server_unreachable, sign_in_required …"""
    if sync is None:
        raise DomainError("server_unreachable")
    code = code_of(text)
    server = sync.profile.server_url
    try:
        send(server, sync.token(), code)
    except DomainError as err:
        if err.code not in RENEW:
            raise
        sync.renew_token()
        send(server, sync.token(), code)
    return display(code)


__all__ = ["approve", "code_of", "display", "is_sign_in_link"]
