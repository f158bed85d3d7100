"""Key wrapping: a random 32-byte data key encrypts the database; the password only wraps it.

The wrapping key is derived from the password with Argon2id (argon2-cffi's `hash_secret_raw`)
and wraps the data key with AES-256-GCM. A password change re-wraps 32 bytes instead of
re-encrypting the file. The JSON beside the database holds the salt, the KDF parameters, the
nonce and the wrapped key: nothing that opens the file without the password.
"""
from __future__ import annotations

import base64
import os
from typing import Any

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from common.errors import DomainError

DEFAULT_KDF = {"name": "argon2id", "time_cost": 3, "memory_cost": 65536, "parallelism": 2}
"""~0.15 s on the target laptop: slow for guessing, quick enough for signing in."""
_AAD = b"yzb-data-key-v1"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode())


def derive(password: str, salt: bytes, kdf: dict[str, Any]) -> bytes:
    if kdf.get("name") != "argon2id":
        raise DomainError("unknown_kdf", kdf=kdf.get("name"))
    return hash_secret_raw(password.encode(), salt, time_cost=kdf["time_cost"],
                           memory_cost=kdf["memory_cost"], parallelism=kdf["parallelism"],
                           hash_len=32, type=Type.ID)


def wrap(data_key: bytes, password: str, kdf: dict[str, Any] | None = None) -> dict[str, Any]:
    """The key file's contents for `data_key` under `password`."""
    kdf = dict(kdf or DEFAULT_KDF)
    salt, nonce = os.urandom(16), os.urandom(12)
    wrapped = AESGCM(derive(password, salt, kdf)).encrypt(nonce, data_key, _AAD)
    return {"version": 1, "kdf": kdf, "salt": _b64(salt), "nonce": _b64(nonce),
            "wrapped_key": _b64(wrapped)}


def unwrap(blob: dict[str, Any], password: str) -> bytes:
    """The data key; DomainError("wrong_password") if the password does not open it."""
    key = derive(password, _unb64(blob["salt"]), blob["kdf"])
    try:
        return AESGCM(key).decrypt(_unb64(blob["nonce"]), _unb64(blob["wrapped_key"]), _AAD)
    except InvalidTag:
        raise DomainError("wrong_password") from None


def new_data_key() -> bytes:
    return os.urandom(32)


__all__ = ["DEFAULT_KDF", "derive", "wrap", "unwrap", "new_data_key"]
