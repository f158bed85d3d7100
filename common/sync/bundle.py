"""USB sync bundles: the sync protocol's messages sealed in a file (see docs/SYNC.md, USB bundles).

A bundle is `MAGIC | header length (4 bytes) | header JSON | nonce (12) | AES-256-GCM ciphertext`.
The header (format version, device id, user id, direction, sequence, creation time) is in clear
so the server knows whose key opens it, and it is the associated data of the seal: changing one
byte of it, or of the body, fails authentication. The body is the zstd-compressed JSON of a
`SyncRequest` (direction "request": laptop -> server) or of the server's answers (direction
"answer": server -> laptop). Version 2 adds photo originals inside the same seal: the plaintext
is `JSON length (4) | zstd JSON | photos`, each photo `SHA-256 hex (64) | length (4) | bytes`,
raw (JPEG does not compress, and base64 would add a third). Version 1 bundles are still read. The key is per device and per user (`derive_key`), shared by the
laptop and the server only; the office computer that carries the file cannot read or forge it.
Pure functions on bytes: no files, no clock (the caller passes `created`).
"""
from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from collections.abc import Sequence
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from common.errors import DomainError
from common.sync.codec import pack, unpack

MAGIC = b"YZB-SYNC-BUNDLE\n"
FORMAT_VERSION = 2
READABLE_VERSIONS = (1, 2)
KEY_VERSION = 1
"""The key derivation's label stays at 1: keys laptops already hold must keep opening bundles."""
REQUEST = "request"
ANSWER = "answer"
MAX_HEADER = 4096
MAX_UNPACKED = 512 * 1024 * 1024
Photos = Sequence[tuple[str, bytes]]
SUFFIX = ".yzbsync"
"""File name ending of bundles (the UI's file dialogs filter on it)."""


@dataclass(frozen=True)
class BundleHeader:
    device_id: str
    user_id: str
    direction: str
    seq: int
    created: str
    version: int = FORMAT_VERSION

    def encode(self) -> bytes:
        return json.dumps(asdict(self), sort_keys=True, separators=(",", ":")).encode()


def derive_key(secret: bytes, device_id: str, user_id: str) -> bytes:
    """The bundle key of one device of one user: HKDF-SHA256 of the server's secret. The server
    can recompute it from a bundle's header, so it stores no key; a laptop receives it at an
    online sign-in and keeps it inside its encrypted database."""
    info = f"yzb-bundle-v{KEY_VERSION}|{device_id}|{user_id}".encode()
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"yzb-usb-bundle",
                info=info).derive(secret)


def seal(key: bytes, header: BundleHeader, payload: Any, *, photos: Photos = (),
         nonce: bytes | None = None) -> bytes:
    """The bundle bytes of `payload` (JSON-safe) and `photos` ((sha256 hex, bytes) pairs; only
    in version 2) under `key`."""
    head = header.encode()
    nonce = nonce or os.urandom(12)
    packed = pack(payload, level=6)
    if header.version == 1:
        if photos:
            raise ValueError("version 1 bundles carry no photos")
        plain = packed
    else:
        parts = [len(packed).to_bytes(4, "big"), packed]
        for sha, data in photos:
            name = sha.encode("ascii")
            if len(name) != 64:
                raise ValueError("a photo is named by its SHA-256 hex")
            parts += [name, len(data).to_bytes(4, "big"), data]
        plain = b"".join(parts)
    body = AESGCM(key).encrypt(nonce, plain, MAGIC + head)
    return MAGIC + len(head).to_bytes(4, "big") + head + nonce + body


def _split(data: bytes) -> tuple[bytes, BundleHeader, bytes, bytes]:
    if not data.startswith(MAGIC) or len(data) < len(MAGIC) + 4:
        raise DomainError("bundle_invalid")
    start = len(MAGIC) + 4
    size = int.from_bytes(data[len(MAGIC):start], "big")
    if size > MAX_HEADER or len(data) < start + size + 12 + 16:
        raise DomainError("bundle_invalid")
    head = data[start:start + size]
    try:
        fields = json.loads(head)
        header = BundleHeader(**fields)
    except (ValueError, TypeError):
        raise DomainError("bundle_invalid") from None
    if header.version not in READABLE_VERSIONS:
        raise DomainError("bundle_version", value=header.version)
    if header.direction not in (REQUEST, ANSWER) or not isinstance(header.seq, int):
        raise DomainError("bundle_invalid")
    nonce = data[start + size:start + size + 12]
    return head, header, nonce, data[start + size + 12:]


def read_header(data: bytes) -> BundleHeader:
    """The clear header (not yet authenticated: trust it only after `open_bundle`)."""
    return _split(data)[1]


def open_bundle(key: bytes, data: bytes, *, direction: str,
                device_id: str | None = None) -> tuple[BundleHeader, Any]:
    """Authenticate and decrypt. DomainError: bundle_invalid (not a bundle), bundle_tampered
    (any byte changed, or another device's key), bundle_wrong_direction, bundle_wrong_device."""
    header, payload, _photos = unseal(key, data, direction=direction, device_id=device_id)
    return header, payload


def unseal(key: bytes, data: bytes, *, direction: str,
           device_id: str | None = None) -> tuple[BundleHeader, Any, list[tuple[str, bytes]]]:
    """As open_bundle, with the photos the bundle carries ((sha256 hex, bytes), in order; their
    bytes are authenticated, not yet checked against their names: the receiver does that)."""
    head, header, nonce, body = _split(data)
    # Checked before the seal for a clearer message; refusing on a clear header is always safe.
    if device_id is not None and header.device_id != device_id:
        raise DomainError("bundle_wrong_device")
    if header.direction != direction:
        raise DomainError("bundle_wrong_direction", value=header.direction)
    try:
        plain = AESGCM(key).decrypt(nonce, body, MAGIC + head)
    except InvalidTag:
        raise DomainError("bundle_tampered") from None
    try:
        if header.version == 1:
            return header, unpack(plain, MAX_UNPACKED), []
        return header, *_split_photos(plain)
    except Exception:  # noqa: BLE001 - authenticated but undecodable: a writer's bug
        raise DomainError("bundle_invalid") from None


def _split_photos(plain: bytes) -> tuple[Any, list[tuple[str, bytes]]]:
    view = memoryview(plain)
    size = int.from_bytes(view[:4], "big")
    payload = unpack(bytes(view[4:4 + size]), MAX_UNPACKED)
    photos, at = [], 4 + size
    while at < len(view):
        sha = bytes(view[at:at + 64]).decode("ascii")
        length = int.from_bytes(view[at + 64:at + 68], "big")
        start = at + 68
        if start + length > len(view):
            raise ValueError("photo section cut short")
        photos.append((sha, bytes(view[start:start + length])))
        at = start + length
    return payload, photos


__all__ = ["BundleHeader", "derive_key", "seal", "open_bundle", "unseal", "read_header", "MAGIC",
           "REQUEST", "ANSWER", "SUFFIX", "FORMAT_VERSION"]
