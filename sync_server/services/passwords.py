"""Argon2id password hashing (argon2-cffi's defaults: RFC 9106 low-memory profile)."""
from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from zxcvbn import zxcvbn

from common.errors import ValidationError

_HASHER = PasswordHasher()  # stateless and thread-safe; Argon2id with t=3, m=64 MiB, p=4

# Verified when the username is unknown, so a wrong username costs as long as a wrong password
# and response times do not reveal which accounts exist.
_DUMMY_HASH = _HASHER.hash("dummy password that nobody has")


def hash_password(password: str) -> str:
    """An Argon2id hash (~0.1 s on the 2-core machine: deliberate)."""
    return _HASHER.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


MIN_LENGTH = 8
MIN_SCORE = 2  # zxcvbn 0-4: 2 = "somewhat guessable", no longer among the first ~10^8 guesses
# Why a password is weak, by the zxcvbn pattern that made it guessable.
_REASONS = {"dictionary": "是常见密码或常用词（如 password、12345678）",
            "repeat": "由重复的字符组成（如 aaaaaaaa）",
            "sequence": "是连续的字符（如 abcdefgh、98765432）",
            "spatial": "是键盘上相邻的键（如 qwerty、1qaz2wsx）",
            "date": "主要是日期", "regex": "主要是年份等规律的内容"}


def check_strength(password: str, *, user_inputs: list[str] | None = None) -> None:
    """Refuse a common or trivial password (ValidationError password_weak, with the reason in
    Chinese), judged by zxcvbn against its lists of common passwords, words and patterns, and
    the account's own name."""
    if len(password or "") < MIN_LENGTH:
        raise ValidationError("password_weak", "password", label="密码",
                              reason=f"太短，至少 {MIN_LENGTH} 个字符")
    result = zxcvbn(password[:100], user_inputs=[u for u in user_inputs or [] if u])
    if result["score"] >= MIN_SCORE:
        return
    patterns = [m.get("pattern") for m in result["sequence"]]
    if any(m.get("pattern") == "dictionary" and m.get("dictionary_name") == "user_inputs"
           for m in result["sequence"]):
        reason = "包含账号名或姓名"
    else:
        reason = next((_REASONS[p] for p in patterns if p in _REASONS), "太容易被猜到")
    raise ValidationError("password_weak", "password", label="密码", reason=reason)
