"""Sign-in throttling: brute force is made slow and costly without locking the owner out.

Failures are rows in `login_failures` (the database, so every server process and both SQLite
and PostgreSQL see the same counts), keyed by the account name tried (known or not: counting
the same way for both tells nobody which accounts exist) and the address it came from.

- After CAPTCHA_AFTER_ACCOUNT failures of one account (from anywhere), or CAPTCHA_AFTER_ADDRESS
  failures from one address (over any accounts), a sign-in must carry a solved captcha.
- One address that keeps failing on one account, or on accounts in general, is refused for a
  while that doubles with each further failure (429 with Retry-After), up to 15 minutes.
- Nothing refuses the account itself: its owner, from their own address, can always sign in with
  the right password (and, after an attack, a captcha).
Runs inside the caller's transaction (never commits).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from ..db.tables import LoginFailure

WINDOW = dt.timedelta(minutes=15)
CAPTCHA_AFTER_ACCOUNT = 3
CAPTCHA_AFTER_ADDRESS = 5
PAIR_FREE = 5  # failures of one account from one address before waits begin
ADDRESS_FREE = 20  # failures from one address over all accounts before waits begin
MAX_WAIT = 15 * 60
KEEP = dt.timedelta(days=1)


def account_key(username: str | None) -> str:
    return (username or "").strip().lower()[:64]


@dataclass(frozen=True)
class Verdict:
    captcha_required: bool
    retry_after: int  # seconds; 0 = may try now


def _count(session: Session, now: dt.datetime, *conds) -> tuple[int, dt.datetime | None]:  # noqa: ANN002
    n, last = session.execute(select(func.count(), func.max(LoginFailure.at)).where(
        LoginFailure.at > now - WINDOW, *conds)).one()
    return int(n or 0), last


def _wait(failures: int, free: int, last: dt.datetime | None, now: dt.datetime) -> int:
    if failures < free or last is None:
        return 0
    wait = min(MAX_WAIT, 2 ** (failures - free + 1))  # 2 s, 4 s, 8 s … 15 min
    left = (last + dt.timedelta(seconds=wait) - now).total_seconds()
    return max(0, int(left + 0.999))


def verdict(session: Session, username: str, address: str, *, now: dt.datetime) -> Verdict:
    """What a sign-in of `username` from `address` must do now."""
    key = account_key(username)
    account, _ = _count(session, now, LoginFailure.username == key)
    pair, pair_last = _count(session, now, LoginFailure.username == key,
                             LoginFailure.address == address)
    by_address, address_last = _count(session, now, LoginFailure.address == address)
    retry = max(_wait(pair, PAIR_FREE, pair_last, now),
                _wait(by_address, ADDRESS_FREE, address_last, now))
    return Verdict(captcha_required=account >= CAPTCHA_AFTER_ACCOUNT
                   or by_address >= CAPTCHA_AFTER_ADDRESS, retry_after=retry)


def record_failure(session: Session, username: str, address: str, *, now: dt.datetime) -> None:
    session.add(LoginFailure(at=now, username=account_key(username), address=address[:64]))
    session.execute(delete(LoginFailure).where(LoginFailure.at < now - KEEP))
    session.flush()


def clear_pair(session: Session, username: str, address: str) -> None:
    """A right password from an address forgets that address's failures on that account (its
    owner mistyped), but not the account's failures from elsewhere."""
    session.execute(delete(LoginFailure).where(LoginFailure.username == account_key(username),
                                               LoginFailure.address == address))
