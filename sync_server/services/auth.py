"""Sign-in: password check, short-lived access JWTs, rotated and revocable refresh tokens.

Runs inside the caller's transaction, which the request commits, with one exception:
`refuse_keeping` (db/engine.py) commits what a refusal must leave behind (a counted failure,
a used-up captcha, a revoked token family) before the refusal rolls the rest back. Times come from the
caller's `now` (naive UTC), and access tokens' expiry is checked against that same clock, so
tests can move time.
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import secrets
import struct
import uuid
from typing import Any
from dataclasses import dataclass

import jwt
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from common.errors import DomainError
from common.schema import User

from ..db.engine import refuse_keeping
from ..db.tables import Credential, RefreshToken
from ..settings import Settings
from . import captcha, throttle
from .devices import check_device
from .oplog import log_operation
from .passwords import check_strength, verify_password
from .scope import Scope
from .users import get_by_username, set_password
from .web_sessions import end_all as end_web_sessions

ALGORITHM = "HS256"


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int  # seconds until the access token expires
    user: User


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _epoch(t: dt.datetime) -> int:
    return int(t.replace(tzinfo=dt.UTC).timestamp())


COMPACT = "y."
"""Prefix of a compact access token (`_compact`); anything else is read as a JWT."""
_LAYOUT = struct.Struct(">16s16sIII")  # user id, device id (zeros: none), iat, exp, generation


def make_access_token(user: User, settings: Settings, now: dt.datetime,
                      device_id: str | None = None, generation: int = 0) -> str:
    """A signed, short-lived access token naming the user, the device, when it was issued and
    expires, and the account's token generation. It travels in every request's header, so it is
    compact: 83 characters (`_compact`) when the ids are UUIDs, as they are; otherwise a JWT."""
    exp = now + dt.timedelta(minutes=settings.access_token_minutes)
    compact = _compact(user.id, device_id, _epoch(now), _epoch(exp), generation, settings)
    if compact:
        return compact
    claims = {"sub": user.id, "iat": _epoch(now), "exp": _epoch(exp), "typ": "access",
              "gen": generation}
    if device_id:
        claims["dev"] = device_id  # revocation of a lost device (services/devices.py)
    return jwt.encode(claims, settings.secret_key, algorithm=ALGORITHM)


def _compact(user_id: str, device_id: str | None, iat: int, exp: int, generation: int,
             settings: Settings) -> str | None:
    """`y.` + base64url(user id, device id, iat, exp, generation: 44 bytes) + base64url(the
    first 16 bytes of its HMAC-SHA256): 83 characters instead of a JWT's ~360."""
    try:
        user = uuid.UUID(user_id).bytes
        device = uuid.UUID(device_id).bytes if device_id else bytes(16)
        body = _LAYOUT.pack(user, device, iat, exp, generation)
    except (ValueError, struct.error):
        return None
    text = COMPACT + _b64(body)
    return text + _b64(_mac(text, settings))


def _mac(text: str, settings: Settings) -> bytes:
    key = hashlib.sha256(b"yzb-access-token|" + settings.secret_key.encode()).digest()
    return hmac.new(key, text.encode(), hashlib.sha256).digest()[:16]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def token_claims(token: str, settings: Settings) -> dict[str, Any] | None:
    """The claims of an access token whose signature is valid (sub, dev, iat, exp, gen, typ),
    expired or not; None when it is not one of ours."""
    if token.startswith(COMPACT):
        size = len(COMPACT) + 59  # 44 bytes in base64url without padding
        text, mac = token[:size], token[size:]
        try:
            body = base64.urlsafe_b64decode(text[len(COMPACT):] + "=")
            user, device, iat, exp, gen = _LAYOUT.unpack(body)
        except (ValueError, struct.error):
            return None
        # Compared as text in the one canonical encoding: base64's last character also has
        # bits that decoding ignores, and a changed character must never pass.
        if text != COMPACT + _b64(body) \
                or not hmac.compare_digest(mac.encode(), _b64(_mac(text, settings)).encode()):
            return None
        claims: dict[str, Any] = {"sub": str(uuid.UUID(bytes=user)), "iat": iat, "exp": exp,
                                  "gen": gen, "typ": "access"}
        if device != bytes(16):
            claims["dev"] = str(uuid.UUID(bytes=device))
        return claims
    try:
        return jwt.decode(token, settings.secret_key, algorithms=[ALGORITHM],
                          options={"verify_exp": False, "verify_iat": False,
                                   "require": ["sub", "exp"]})
    except jwt.PyJWTError:
        return None


def read_access_token(token: str, settings: Settings, now: dt.datetime) -> str:
    """The user id in a valid access token; DomainError token_invalid / token_expired."""
    claims = token_claims(token, settings)
    if claims is None or claims.get("typ") != "access" or not isinstance(claims.get("sub"), str) \
            or not isinstance(claims.get("exp"), int):
        raise DomainError("token_invalid")
    if claims["exp"] <= _epoch(now):
        raise DomainError("token_expired")
    return claims["sub"]


def check_generation(session: Session, user_id: str, token: str, settings: Settings) -> None:
    """token_invalid when the user signed out or got a new password after the token was issued
    (the token's `gen` is older than the account's): ends it at once, not when it expires."""
    claims = token_claims(token, settings) or {}
    cred = session.get(Credential, user_id)
    if cred is not None and claims.get("gen", 0) != (cred.token_generation or 0):
        raise DomainError("token_invalid")


def end_access_tokens(session: Session, user_id: str) -> None:
    """Every access token of the user issued so far stops working now."""
    cred = session.get(Credential, user_id)
    if cred is not None:
        cred.token_generation = (cred.token_generation or 0) + 1
        session.flush()


def _generation(session: Session, user: User) -> int:
    cred = session.get(Credential, user.id)
    return (cred.token_generation or 0) if cred is not None else 0


def _issue(session: Session, user: User, settings: Settings, now: dt.datetime,
           family_id: str | None = None, device_id: str | None = None) -> tuple[str, RefreshToken]:
    token = secrets.token_urlsafe(32)
    row = RefreshToken(id=str(uuid.uuid4()), user_id=user.id,
                       family_id=family_id or str(uuid.uuid4()), token_hash=_hash(token),
                       device_id=device_id,
                       issued_at=now,
                       expires_at=now + dt.timedelta(days=settings.refresh_token_days))
    session.add(row)
    session.flush()
    return token, row


def _pair(session: Session, user: User, settings: Settings, now: dt.datetime,
          family_id: str | None = None, device_id: str | None = None
          ) -> tuple[TokenPair, RefreshToken]:
    refresh, row = _issue(session, user, settings, now, family_id, device_id)
    pair = TokenPair(make_access_token(user, settings, now, device_id,
                                       _generation(session, user)), refresh,
                     settings.access_token_minutes * 60, user)
    return pair, row


def login(session: Session, username: str, password: str, *, settings: Settings,
          now: dt.datetime, device_id: str | None = None, address: str = "",
          captcha_id: str | None = None, captcha_answer: str | None = None,
          always_captcha: bool = False) -> TokenPair:
    """Check the password and issue tokens.

    Refusals (DomainError), the same for an unknown account as for a wrong password, in what
    they say and in how long they take (a dummy hash is checked): login_throttled (this address
    must wait `retry_after` seconds), captcha_required / captcha_wrong (a solved captcha is
    needed), wrong_password; then account_disabled. A wrong captcha or password is recorded
    for the throttle and kept though the request is refused (`refuse_keeping`);
    `captcha_required` in the params tells the client to show a captcha next time."""
    name = (username or "").strip()
    seen = throttle.verdict(session, name, address, now=now)
    if seen.retry_after:
        raise DomainError("login_throttled", seconds=seen.retry_after,
                          retry_after=seen.retry_after, captcha_required=True)
    need_captcha = seen.captcha_required or always_captcha  # the web console always asks
    if need_captcha and not captcha_id:  # nothing was guessed: nothing to count
        raise DomainError("captcha_required", "captcha_answer", label="验证码",
                          captcha_required=True)
    if need_captcha and not captcha.solve(session, captcha_id, captcha_answer,
                                                    now=now):
        throttle.record_failure(session, name, address, now=now)
        raise refuse_keeping(session, DomainError("captcha_wrong", "captcha_answer",
                                                   label="验证码", captcha_required=True))
    user = get_by_username(session, name)
    cred = session.get(Credential, user.id) if user else None
    if not verify_password(cred.password_hash if cred else None, password or "") \
            or user is None:
        throttle.record_failure(session, name, address, now=now)
        after = throttle.verdict(session, name, address, now=now)
        raise refuse_keeping(session, DomainError("wrong_password",
                                                   captcha_required=after.captcha_required))
    if not user.active or user.deleted:
        raise DomainError("account_disabled")
    check_device(session, device_id)
    if device_id:  # a desktop: a read-only role reads in the browser only (services/scope.py)
        Scope.of(session, user).check_desktop()
    throttle.clear_pair(session, name, address)
    pair, _ = _pair(session, user, settings, now, device_id=device_id)
    log_operation(session, user=user, action="login", now=now, entity="users",
                  record_id=user.id)
    return pair


def change_own_password(session: Session, user: User, current: str, new: str, *,
                        settings: Settings, now: dt.datetime,
                        device_id: str | None = None) -> TokenPair:
    """A signed-in user's new password: the current one is required (current_password_wrong),
    the new one must not be common or trivial (password_weak). Every other token of the user
    ends at once; the answer is a fresh pair for the device that asked."""
    cred = session.get(Credential, user.id)
    if not verify_password(cred.password_hash if cred else None, current or ""):
        raise DomainError("current_password_wrong", "current_password", label="当前密码")
    check_strength(new, user_inputs=[user.username, user.display_name])
    set_password(session, user.id, new, now=now)
    revoke_user(session, user.id, now=now)
    end_access_tokens(session, user.id)
    pair, _ = _pair(session, user, settings, now, device_id=device_id)
    log_operation(session, user=user, action="update", now=now, entity="users",
                  record_id=user.id, details={"fields": ["password"]})
    return pair


def refresh(session: Session, token: str, *, settings: Settings, now: dt.datetime) -> TokenPair:
    """Swap a refresh token for a new pair. The old token is revoked; presenting a revoked token
    again (a stolen copy being replayed) revokes every token of its family."""
    row = session.scalar(select(RefreshToken).where(RefreshToken.token_hash == _hash(token or "")))
    if row is None:
        raise DomainError("token_invalid")
    check_device(session, row.device_id)  # a revoked device is told so, to wipe itself
    if row.revoked_at is not None:
        revoke_family(session, row.family_id, now=now)
        raise refuse_keeping(session, DomainError("token_invalid"))  # the family stays revoked
    if row.expires_at <= now:
        raise DomainError("token_expired")
    user = session.get(User, row.user_id)
    if user is None or not user.active or user.deleted:
        raise DomainError("account_disabled")
    pair, new_row = _pair(session, user, settings, now, family_id=row.family_id,
                          device_id=row.device_id)
    row.revoked_at = now
    row.replaced_by = new_row.id
    session.flush()
    return pair


def revoke_family(session: Session, family_id: str, *, now: dt.datetime) -> None:
    session.execute(update(RefreshToken).where(RefreshToken.family_id == family_id,
                                               RefreshToken.revoked_at.is_(None))
                    .values(revoked_at=now))


def logout(session: Session, token: str, *, now: dt.datetime) -> None:
    row = session.scalar(select(RefreshToken).where(RefreshToken.token_hash == _hash(token or "")))
    if row is not None:
        revoke_family(session, row.family_id, now=now)
        # The access token of this sign-in ends now too (other devices refresh theirs).
        end_access_tokens(session, row.user_id)


def revoke_user(session: Session, user_id: str, *, now: dt.datetime) -> None:
    """Sign a user out everywhere (e.g. when an admin disables the account), browsers too."""
    end_web_sessions(session, user_id)
    session.execute(update(RefreshToken).where(RefreshToken.user_id == user_id,
                                               RefreshToken.revoked_at.is_(None))
                    .values(revoked_at=now))
