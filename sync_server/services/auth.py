"""Sign-in: password check, short-lived access JWTs, rotated and revocable refresh tokens.

Runs inside the caller's transaction (never commits). Times come from the caller's `now` (naive
UTC), and access tokens' expiry is checked against that same clock, so tests can move time.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid
from dataclasses import dataclass

import jwt
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from common.errors import DomainError
from common.schema import User

from ..db.tables import Credential, OpLog, RefreshToken
from ..settings import Settings
from .devices import check_device
from .oplog import log_operation
from .passwords import verify_password
from .users import get_by_username

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


def make_access_token(user: User, settings: Settings, now: dt.datetime,
                      device_id: str | None = None) -> str:
    exp = now + dt.timedelta(minutes=settings.access_token_minutes)
    claims = {"sub": user.id, "role": user.role, "scope": user.scope_node_id,
              "iat": _epoch(now), "exp": _epoch(exp), "typ": "access"}
    if device_id:
        claims["dev"] = device_id  # revocation of a lost device (services/devices.py)
    return jwt.encode(claims, settings.secret_key, algorithm=ALGORITHM)


def read_access_token(token: str, settings: Settings, now: dt.datetime) -> str:
    """The user id in a valid access token; DomainError token_invalid / token_expired."""
    try:
        claims = jwt.decode(token, settings.secret_key, algorithms=[ALGORITHM],
                            options={"verify_exp": False, "verify_iat": False,
                                     "require": ["sub", "exp"]})
    except jwt.PyJWTError:
        raise DomainError("token_invalid") from None
    if claims.get("typ") != "access" or not isinstance(claims.get("sub"), str):
        raise DomainError("token_invalid")
    if claims["exp"] <= _epoch(now):
        raise DomainError("token_expired")
    return claims["sub"]


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
    pair = TokenPair(make_access_token(user, settings, now, device_id), refresh,
                     settings.access_token_minutes * 60, user)
    return pair, row


MAX_FAILURES = 10
FAILURE_WINDOW = dt.timedelta(minutes=15)


def _recent_failures(session: Session, user: User, now: dt.datetime) -> int:
    return session.scalar(select(func.count()).select_from(OpLog).where(
        OpLog.user_id == user.id, OpLog.action == "login_failed",
        OpLog.at > now - FAILURE_WINDOW)) or 0


def login(session: Session, username: str, password: str, *, settings: Settings,
          now: dt.datetime, device_id: str | None = None) -> TokenPair:
    """Check the password and issue tokens; DomainError wrong_password / account_disabled /
    too_many_attempts (after 10 wrong passwords in 15 minutes the account waits)."""
    user = get_by_username(session, (username or "").strip())
    if user is not None and _recent_failures(session, user, now) >= MAX_FAILURES:
        raise DomainError("too_many_attempts", minutes=int(FAILURE_WINDOW.seconds // 60))
    cred = session.get(Credential, user.id) if user else None
    ok = verify_password(cred.password_hash if cred else None, password or "")
    if not ok or user is None:
        if user is not None:
            log_operation(session, user=user, action="login_failed", now=now,
                          entity="users", record_id=user.id)
            # `keep`: the caller commits the failure record though the request is refused.
            raise DomainError("wrong_password", keep=True)
        raise DomainError("wrong_password")
    if not user.active or user.deleted:
        raise DomainError("account_disabled")
    check_device(session, device_id)
    pair, _ = _pair(session, user, settings, now, device_id=device_id)
    log_operation(session, user=user, action="login", now=now, entity="users",
                  record_id=user.id)
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
        # `keep`: the caller commits the revocation even though the request is refused.
        raise DomainError("token_invalid", keep=True)
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


def revoke_user(session: Session, user_id: str, *, now: dt.datetime) -> None:
    """Sign a user out everywhere (e.g. when an admin disables the account)."""
    session.execute(update(RefreshToken).where(RefreshToken.user_id == user_id,
                                               RefreshToken.revoked_at.is_(None))
                    .values(revoked_at=now))
