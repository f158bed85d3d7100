"""Sign-in to the web console without a password (contract item 4): a code sent by SMS to the
phone on the account, or a QR code approved by a user already signed in elsewhere. Both end in
a browser session (services/web_sessions.start). Never commits (the request's session does), except what a refusal must leave behind
(`refuse_keeping`: a used captcha, a counted wrong code, a refused send).

SMS: `send_sms_code` after a solved captcha; limits per number (one per SEND_GAP, PER_PHONE an
hour) and per address (PER_ADDRESS an hour); the code is kept as a hash, lives CODE_LIFETIME and
allows MAX_ATTEMPTS wrong tries. A number on no active account is answered like a known one
(nobody learns which numbers are registered) but no message is sent.

QR: `qr_start` gives the waiting browser a code (shown as text and as a QR image of the approve
page's address) and a secret `waiter` (its cookie); `qr_approve` by a signed-in user (a page or
the JSON API) marks it; `qr_poll` with the waiter starts the session once and uses the row up.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import qrcode
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from common.errors import DomainError
from common.schema import User
from common.validation import check_phone, normalise_phone

from ..db.engine import refuse_keeping
from ..db.web_tables import QrLogin, SmsLoginCode
from ..settings import Settings
from . import captcha, locks, sms
from .oplog import log_operation

CODE_LIFETIME = dt.timedelta(minutes=5)
SEND_GAP = dt.timedelta(seconds=60)
PER_PHONE = 5  # codes per number per hour
PER_ADDRESS = 10  # codes per address per hour
MAX_ATTEMPTS = 5
QR_LIFETIME = dt.timedelta(minutes=2)
QR_ALPHABET = captcha.ALPHABET  # no look-alike characters: the code can be typed
QR_LENGTH = 8
HOUR = dt.timedelta(hours=1)


def _hash(*parts: str) -> str:
    return hashlib.sha256(":".join(parts).encode()).hexdigest()


def user_by_phone(session: Session, phone: str) -> User | None:
    """The one active account whose phone is `phone` (normalised); None when none or several."""
    found = [u for u in session.scalars(select(User).where(
        User.phone.is_not(None), User.deleted.is_(False), User.active.is_(True)))
        if normalise_phone(u.phone) == phone]
    return found[0] if len(found) == 1 else None


# -- SMS codes ---------------------------------------------------------------------------------
def check_code_request(session: Session, table: type, phone: str, *, address: str,
                       captcha_id: str | None, captcha_answer: str | None,
                       captcha_label: str, limit_code: str, now: dt.datetime) -> str:
    """The checks before an SMS code is sent, the same for staff (SmsLoginCode) and residents
    (ResidentCode): a mobile number, a solved captcha (used up even when the request is then
    refused), one code per number per SEND_GAP, PER_PHONE an hour per number and PER_ADDRESS
    per address, counted and then inserted by the caller under one lock per number and per
    address (services/locks.py). Codes older than a day are deleted. Answers the normalised
    number."""
    number = check_phone(phone, field="phone", label="手机号码", mobile_only=True)
    if not (captcha_answer or "").strip():
        raise DomainError("captcha_required", "captcha_answer", label=captcha_label)
    if not captcha.solve(session, captcha_id, captcha_answer, now=now):
        raise refuse_keeping(session, DomainError("captcha_wrong", "captcha_answer",
                                                  label=captcha_label))
    kind = table.__tablename__
    locks.hold(session, f"{kind}:phone:{number}", f"{kind}:addr:{address[:64]}")
    session.execute(delete(table).where(table.created_at < now - 24 * HOUR))
    last = session.scalar(select(func.max(table.created_at)).where(table.phone == number))
    if last is not None and now - last < SEND_GAP:
        left = int((last + SEND_GAP - now).total_seconds() + 0.999)
        raise refuse_keeping(session, DomainError("sms_code_too_soon", "phone", seconds=left))
    by_phone = session.scalar(select(func.count()).where(
        table.phone == number, table.created_at > now - HOUR)) or 0
    by_address = session.scalar(select(func.count()).where(
        table.address == address[:64], table.created_at > now - HOUR)) or 0
    if by_phone >= PER_PHONE or by_address >= PER_ADDRESS:
        raise refuse_keeping(session, DomainError(limit_code, "phone", per_phone=PER_PHONE,
                                                  per_address=PER_ADDRESS))
    return number


def latest_code(session: Session, table: type, phone: str, code: str,
                hash_of: Callable[[Any, str], str], *, now: dt.datetime) -> Any:
    """The latest live code row of `phone` when `code` is it; a wrong code counts and is kept though the sign-in is refused, and
    MAX_ATTEMPTS wrong ones use the code up. `hash_of(row, code)` is how the row keeps it."""
    number = check_phone(phone, field="phone", label="手机号码", mobile_only=True)
    code = (code or "").strip()
    if not code:
        raise DomainError("required", "code", label="短信验证码")
    row = session.scalar(select(table).where(table.phone == number)
                         .order_by(table.created_at.desc(), table.id.desc()).limit(1))
    if row is None or row.used or row.expires_at <= now:
        raise DomainError("sms_code_expired", "code")
    if row.attempts >= MAX_ATTEMPTS:
        raise DomainError("sms_code_attempts", "code")
    if not secrets.compare_digest(row.code_hash, hash_of(row, code)):
        row.attempts += 1
        session.flush()
        if row.attempts >= MAX_ATTEMPTS:
            raise refuse_keeping(session, DomainError("sms_code_attempts", "code"))
        raise refuse_keeping(session, DomainError("sms_code_wrong", "code",
                                                  left=MAX_ATTEMPTS - row.attempts))
    return row


def send_sms_code(session: Session, gateway: sms.SmsGateway, phone: str, *, address: str,
                  captcha_id: str | None, captcha_answer: str | None, settings: Settings,
                  now: dt.datetime) -> str:
    """Check the request (`check_code_request`), then send a code to the account of that
    number. Answers the normalised number."""
    number = check_code_request(session, SmsLoginCode, phone, address=address,
                                captcha_id=captcha_id, captcha_answer=captcha_answer,
                                captcha_label="验证码", limit_code="sms_code_limit", now=now)
    user = user_by_phone(session, number)
    code = f"{secrets.randbelow(10 ** 6):06d}"
    row = SmsLoginCode(phone=number, address=address[:64], user_id=user.id if user else None,
                       code_hash="", created_at=now, expires_at=now + CODE_LIFETIME,
                       attempts=0, used=False)
    session.add(row)
    session.flush()
    row.code_hash = _hash(str(row.id), code)
    if user is not None:
        sms.send_code(session, gateway, number, code, now=now, settings=settings, user=user)
    session.flush()
    return number


def check_sms_code(session: Session, phone: str, code: str, *, now: dt.datetime) -> User:
    """The account the latest live code of `phone` belongs to, when `code` is it. A wrong code
    counts, and is kept though the sign-in is refused (`refuse_keeping`)."""
    row = latest_code(session, SmsLoginCode, phone, code,
                      lambda r, typed: _hash(str(r.id), typed), now=now)
    user = session.get(User, row.user_id) if row.user_id else None
    if user is None or user.deleted or not user.active:
        # a number on no account: refused like a wrong code, so it tells nothing
        row.attempts += 1
        session.flush()
        raise refuse_keeping(session, DomainError("sms_code_wrong", "code",
                                                  left=MAX_ATTEMPTS - row.attempts))
    row.used = True
    session.flush()
    log_operation(session, user=user, action="login", now=now, entity="users",
                  record_id=user.id, details={"via": "sms"})
    return user


# -- QR codes ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class QrStart:
    code: str  # shown to the user, e.g. "ACDE-FH34"
    waiter: str  # the waiting browser's secret (its cookie)
    expires_at: dt.datetime


def normalise_code(code: str | None) -> str:
    return "".join(c for c in (code or "").upper() if c.isalnum())[:QR_LENGTH]


def display_code(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


def qr_start(session: Session, *, now: dt.datetime) -> QrStart:
    session.execute(delete(QrLogin).where(QrLogin.expires_at <= now))
    code = "".join(secrets.choice(QR_ALPHABET) for _ in range(QR_LENGTH))
    waiter = secrets.token_urlsafe(32)
    session.add(QrLogin(code_hash=_hash("qr", code), waiter_hash=_hash("waiter", waiter),
                        created_at=now, expires_at=now + QR_LIFETIME))
    session.flush()
    return QrStart(display_code(code), waiter, now + QR_LIFETIME)


def qr_png(text: str) -> bytes:
    """The QR image of `text` (the approve page's address), rendered on the server."""
    image = qrcode.make(text, box_size=6, border=2)
    out = io.BytesIO()
    image.save(out)
    return out.getvalue()


def _live(session: Session, code: str, now: dt.datetime) -> QrLogin:
    row = session.get(QrLogin, _hash("qr", normalise_code(code))) if code else None
    if row is None or row.expires_at <= now:
        raise DomainError("qr_code_unknown", "code")
    return row


def qr_check(session: Session, code: str, *, now: dt.datetime) -> None:
    """Refuses (qr_code_unknown) a code that is not waiting: the approve page asks first."""
    row = _live(session, code, now)
    if row.approved_by is not None:
        raise DomainError("qr_code_unknown", "code")


def qr_approve(session: Session, approver: User, code: str, *, now: dt.datetime) -> None:
    """`approver` (signed in elsewhere) lets the browser showing `code` in as themself."""
    row = _live(session, code, now)
    if row.approved_by is not None:
        raise DomainError("qr_code_unknown", "code")
    row.approved_by = approver.id
    session.flush()
    log_operation(session, user=approver, action="qr_approve", now=now, entity="users",
                  record_id=approver.id)


def qr_poll(session: Session, waiter: str | None, *, now: dt.datetime) -> User | None:
    """The waiting browser asks: None while nobody approved; the approver once approved (the row
    is used up); qr_code_unknown when there is no live row for this browser."""
    row = session.scalar(select(QrLogin).where(QrLogin.waiter_hash == _hash("waiter", waiter))) \
        if waiter else None
    if row is None or row.expires_at <= now:
        raise DomainError("qr_code_unknown")
    if row.approved_by is None:
        return None
    user = session.get(User, row.approved_by)
    session.delete(row)
    session.flush()
    if user is None or user.deleted or not user.active:
        raise DomainError("qr_code_unknown")
    log_operation(session, user=user, action="login", now=now, entity="users",
                  record_id=user.id, details={"via": "qr"})
    return user

