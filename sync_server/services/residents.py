"""Resident accounts of the resident side (居民端, /h5): sign-in by an SMS code after a captcha,
their own browser sessions, consent to the user agreement and privacy policy (PIPL), withdrawal
of consent and deletion of the account.

A resident is never a staff user: the account lives in `residents`, the session in
`resident_sessions` with its own cookie, and nothing here or in the staff dependencies accepts
one for the other. Limits: one code per number per SEND_GAP, PER_PHONE an hour per number,
PER_ADDRESS an hour per address (web_signin's limits); a code lives CODE_LIFETIME and allows
MAX_ATTEMPTS wrong tries. Never commits, but for what a refusal must leave behind
(`refuse_keeping`: a used captcha, a counted wrong code, a refused send).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from common.errors import DomainError, ValidationError, ValidationErrors
from common.schema import Event, User

from ..db.engine import refuse_keeping
from ..db.resident_tables import Resident, ResidentCode, ResidentReport, ResidentSession
from ..settings import Settings
from . import sms
from .changes import apply_change
from .web_signin import CODE_LIFETIME, check_code_request, latest_code

CONSENT_VERSION = "2026-12"
"""The version of the user agreement and privacy policy (templates/h5/policy.html); a new
version asks every resident again."""
SESSION_IDLE = dt.timedelta(days=7)
SESSION_AGE = dt.timedelta(days=30)


def _hash(*parts: str) -> str:
    return hashlib.sha256(":".join(parts).encode()).hexdigest()


# -- SMS codes ---------------------------------------------------------------------------------
def send_code(session: Session, gateway: sms.SmsGateway, phone: str, *, address: str,
              captcha_id: str | None, captcha_answer: str | None, settings: Settings,
              now: dt.datetime) -> str:
    """Check the request as a staff code is checked (web_signin.check_code_request), then send
    a sign-in code to any mobile number (a new resident signs up by signing in). Answers the
    normalised number."""
    number = check_code_request(session, ResidentCode, phone, address=address,
                                captcha_id=captcha_id, captcha_answer=captcha_answer,
                                captcha_label="图片验证码", limit_code="resident_code_limit",
                                now=now)
    code = f"{secrets.randbelow(10 ** 6):06d}"
    row = ResidentCode(phone=number, address=address[:64], code_hash="", created_at=now,
                       expires_at=now + CODE_LIFETIME, attempts=0, used=False)
    session.add(row)
    session.flush()
    row.code_hash = _hash("resident", str(row.id), code)
    sms.send_code(session, gateway, number, code, now=now, settings=settings)
    session.flush()
    return number


def sign_in(session: Session, phone: str, code: str, *, now: dt.datetime) -> Resident:
    """The resident of `phone` (created on first sign-in) when `code` is the latest live code
    sent to it. A wrong code counts, and is kept though the sign-in is refused."""
    row = latest_code(session, ResidentCode, phone, code,
                      lambda r, typed: _hash("resident", str(r.id), typed), now=now)
    number = row.phone
    row.used = True
    resident = session.scalar(select(Resident).where(Resident.phone == number))
    if resident is None:
        resident = Resident(id=str(uuid.uuid4()), phone=number, created_at=now)
        session.add(resident)
    session.flush()
    return resident


# -- sessions ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class SignedResident:
    resident: Resident
    csrf_token: str


def start(session: Session, resident: Resident, *, now: dt.datetime) -> str:
    token = secrets.token_urlsafe(32)
    session.add(ResidentSession(token_hash=_hash("rs", token), resident_id=resident.id,
                                csrf_token=secrets.token_urlsafe(32), created_at=now,
                                last_seen_at=now))
    session.flush()
    return token


def check(session: Session, token: str | None, *, now: dt.datetime) -> SignedResident:
    """The resident of the cookie `token`; not_authenticated when none, idle or too old, or
    the account is deleted."""
    row = session.get(ResidentSession, _hash("rs", token)) if token else None
    if row is None:
        raise DomainError("not_authenticated")
    resident = session.get(Resident, row.resident_id)
    if (now - row.last_seen_at > SESSION_IDLE or now - row.created_at > SESSION_AGE
            or resident is None or resident.deleted_at is not None):
        session.delete(row)
        session.flush()
        raise refuse_keeping(session, DomainError("not_authenticated"))
    if now - row.last_seen_at > dt.timedelta(minutes=1):
        row.last_seen_at = now
        session.flush()
    return SignedResident(resident, row.csrf_token)


def end(session: Session, token: str | None) -> None:
    if token:
        session.execute(delete(ResidentSession).where(
            ResidentSession.token_hash == _hash("rs", token)))


# -- consent and the account -------------------------------------------------------------------
def has_consent(resident: Resident) -> bool:
    return resident.consent_version == CONSENT_VERSION and resident.deleted_at is None


def give_consent(session: Session, resident: Resident, *, agreed: bool,
                 now: dt.datetime) -> None:
    if not agreed:
        raise DomainError("resident_consent_required", "agree")
    resident.consent_version, resident.consent_at = CONSENT_VERSION, now
    resident.withdrawn_at = None
    session.flush()


def withdraw_consent(session: Session, resident: Resident, *, now: dt.datetime) -> None:
    """Consent withdrawn: nothing more is collected; the pages ask for consent again before
    any use. Reports already filed stay with their events (they are being handled)."""
    resident.consent_version, resident.consent_at, resident.withdrawn_at = None, None, now
    session.flush()


def set_address(session: Session, resident: Resident, *, village_id: str,
                address: str) -> None:
    """The resident's registered address (village or community, and the street address)."""
    from .resident_reports import ADDRESS_MAX, places

    errors = []
    if village_id not in dict(places(session)):
        errors.append(ValidationError("required", "village_id", label="所在村/社区"))
    address = (address or "").strip()
    if not address:
        errors.append(ValidationError("required", "address", label="详细地址"))
    elif len(address) > ADDRESS_MAX:
        errors.append(ValidationError("too_long", "address", label="详细地址", max=ADDRESS_MAX,
                                      length=len(address)))
    if errors:
        raise ValidationErrors(errors)
    resident.village_id, resident.address = village_id, address
    session.flush()


def my_grid_workers(session: Session, resident: Resident) -> list[tuple[str, str]]:
    """(name, work phone) of the grid workers of the grid holding the resident's registered
    address: nothing else about them."""
    from .resident_reports import grid_for

    if not resident.village_id or not resident.address:
        return []
    try:
        grid = grid_for(session, resident.village_id, resident.address)
    except DomainError:
        return []
    return [(name, phone or "") for name, phone in session.execute(
        select(User.display_name, User.phone).where(
            User.scope_node_id == grid.id, User.role == "grid_worker",
            User.active.is_(True), User.deleted.is_(False)).order_by(User.display_name))]


def delete_account(session: Session, resident: Resident, *, now: dt.datetime) -> int:
    """The account is deleted: its number is forgotten, every session ends, and the reporter's
    number on its events is removed (a synced write, so devices forget it too). Answers the
    number of events anonymised."""
    events = list(session.scalars(select(Event).join(
        ResidentReport, ResidentReport.event_id == Event.id)
        .where(ResidentReport.resident_id == resident.id)))
    for event in events:
        apply_change(session, Event, event.id, {"reporter_phone": None,
                                                "reporter_name": "居民（已注销）"}, now=now)
    resident.phone, resident.deleted_at = None, now
    resident.village_id = resident.address = None
    resident.consent_version = resident.consent_at = None
    session.execute(delete(ResidentSession).where(ResidentSession.resident_id == resident.id))
    session.flush()
    return len(events)
