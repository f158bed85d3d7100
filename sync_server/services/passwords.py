"""Argon2id password hashing (argon2-cffi's defaults: RFC 9106 low-memory profile)."""
from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

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


def needs_rehash(password_hash: str) -> bool:
    return _HASHER.check_needs_rehash(password_hash)
