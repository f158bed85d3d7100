"""Sign-in captchas (contract item 4: password + captcha): a PNG rendered on the server with
the font we ship, its answer kept as a hash, single use, expiring after a few minutes."""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid
from functools import lru_cache
from pathlib import Path

from captcha.image import ImageCaptcha
from sqlalchemy import delete
from sqlalchemy.orm import Session

from ..db.tables import CaptchaChallenge

FONT = Path(__file__).resolve().parents[2] / "resources" / "fonts" / "wqy-microhei.ttc"
ALPHABET = "ACDEFHJKMNPRTUVWXY34679"  # no 0/O, 1/I/L, 2/Z, 5/S, 8/B look-alikes
LENGTH = 4
LIFETIME = dt.timedelta(minutes=5)


@lru_cache(maxsize=1)
def _renderer() -> ImageCaptcha:
    return ImageCaptcha(width=160, height=60, fonts=[str(FONT)])


def _hash(challenge_id: str, answer: str) -> str:
    return hashlib.sha256(f"{challenge_id}:{answer.strip().upper()}".encode()).hexdigest()


def new_challenge(session: Session, *, now: dt.datetime,
                  text: str | None = None) -> tuple[str, bytes]:
    """(challenge id, PNG bytes). `text` fixes the answer (tests only)."""
    answer = text or "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    challenge_id = str(uuid.uuid4())
    session.execute(delete(CaptchaChallenge).where(CaptchaChallenge.expires_at <= now))
    session.add(CaptchaChallenge(id=challenge_id, answer_hash=_hash(challenge_id, answer),
                                 expires_at=now + LIFETIME))
    session.flush()
    return challenge_id, _renderer().generate(answer, format="png").getvalue()


def solve(session: Session, challenge_id: str | None, answer: str | None, *,
          now: dt.datetime) -> bool:
    """Whether `answer` solves the challenge. Any attempt uses the challenge up."""
    if not challenge_id or not answer:
        return False
    row = session.get(CaptchaChallenge, challenge_id[:36])
    if row is None:
        return False
    session.delete(row)
    session.flush()
    return row.expires_at > now and secrets.compare_digest(row.answer_hash,
                                                           _hash(row.id, answer))
