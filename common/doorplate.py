"""The door-plate QR payload: a versioned, compact, signed reference to one house.

Format version 2 (what plates are printed with): ids and a signature only, in the characters a
QR code's alphanumeric mode stores at 5.5 bits each (upper-case base32 and ":"), so the code is
small and coarse enough to read from a blurred or distant photo. The address is printed beside
the code as text, never encoded in it (the device looks the house up by its id):

    YZ2:<key id>:<house id>:<grid id>:<signature>

- a UUID is 26 base32 characters (16 bytes); any other id is "-" + base32 of its UTF-8 text;
  the key id is base32 of its text;
- the signature is HMAC-SHA256 over the other fields, truncated to 12 bytes (96 bits, 20
  characters).

Format version 1 (plates printed before; still read): one line of UTF-8 text, fields separated
by "|", the door-plate text (address and number) last so that it may itself contain "|":

    YZ1|<key id>|<house id>|<grid id>|<signature>|<door-plate text>

- ids that are UUIDs are packed into 22 base64url characters (16 bytes); any other id is kept as
  "~" + base64url of its UTF-8 text, so that imported ids of any shape still round-trip;
- the signature is HMAC-SHA256 over every other field (version, key id, ids, text), truncated to
  12 bytes (96 bits, 16 base64url characters): far beyond guessing, while the QR stays small
  enough (version 5-7) to read from a blurred phone or laptop photo.

Key handling. There is one county *plate key* (32 random bytes) with a short key id. It reaches
every device with its scope as county reference data (a synced DictEntry, dict_code
"plate_key"), so it sits only inside each device's encrypted SQLCipher database, never in a clear
file. Only the county writes it (an admin on the server); a device that has not received it yet
refuses to print rather than make plates no other device could read (desktop/storage/settings.py).
The key id in every plate lets the
county rotate keys: a device verifies with whichever of its keys matches the id and says so
plainly when it holds none. The key is symmetric (HMAC) rather than Ed25519 because township
offices print plates offline on their own devices; the signature therefore proves "printed by a
device of this county", which is what stops hand-made or altered plates and catches damaged
ones. It does not defend against a device holder who leaks the key; rotation does.

What verification tells apart (each is a DomainError code with its own Chinese message):
- `plate_damaged`: not a door plate of this system, or cannot be decoded (torn, mis-read);
- `plate_version_unsupported`: a newer plate format than this client understands;
- `plate_key_unknown`: signed with a key this device does not hold (sync to get it);
- `plate_forged`: the signature does not match: the plate was altered or made by hand;
- `plate_other_grid`: genuine, but the house belongs to a grid outside this device's scope.

Pure: no clock, no files, no database; the caller passes the keys.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import uuid
from dataclasses import dataclass
from typing import Iterable, Mapping

from .errors import DomainError

VERSION = "YZ1"
SIG_BYTES = 12
KEY_BYTES = 32
_SEP = "|"


@dataclass(frozen=True)
class DoorPlate:
    """What a verified plate says: which house, in which grid, and the text printed on it."""

    house_id: str
    grid_id: str
    text: str
    key_id: str


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    pad = "=" * (-len(text) % 4)
    return base64.urlsafe_b64decode(text + pad)


def pack_id(record_id: str) -> str:
    """A UUID as 22 characters; anything else as "~" + base64url of its text."""
    try:
        u = uuid.UUID(record_id)
    except (ValueError, AttributeError, TypeError):
        u = None
    if u is not None and str(u) == record_id.lower():
        return _b64(u.bytes)
    return "~" + _b64(record_id.encode("utf-8"))


def unpack_id(packed: str) -> str:
    try:
        if packed.startswith("~") and len(packed) > 1:
            return _unb64(packed[1:]).decode("utf-8")
        raw = _unb64(packed)
    except (binascii.Error, ValueError):  # UnicodeDecodeError is a ValueError
        raise DomainError("plate_damaged") from None
    if len(raw) != 16:
        raise DomainError("plate_damaged")
    return str(uuid.UUID(bytes=raw))


def _signature(key: bytes, signed: str) -> str:
    return _b64(hmac.new(key, signed.encode("utf-8"), hashlib.sha256).digest()[:SIG_BYTES])


def _check_key_id(key_id: str) -> None:
    if not key_id or _SEP in key_id or len(key_id) > 16 or not key_id.isascii():
        raise ValueError("a key id is 1-16 ASCII characters without '|'")


def encode(house_id: str, grid_id: str, text: str, *, key: bytes, key_id: str) -> str:
    """A version 1 payload (with the plate text inside): what plates printed before version 2
    carry. New plates use `encode_v2`; this stays so old plates can be made in tests."""
    if len(key) != KEY_BYTES:
        raise ValueError("the plate key must be 32 bytes")
    _check_key_id(key_id)
    text = " ".join(text.split())  # line breaks would not survive a sticker printer's driver
    head = _SEP.join((VERSION, key_id, pack_id(house_id), pack_id(grid_id)))
    signed = head + _SEP + text
    return _SEP.join((head, _signature(key, signed), text))


V2 = "YZ2"
_V2_SEP = ":"


def _b32(data: bytes) -> str:
    return base64.b32encode(data).rstrip(b"=").decode("ascii")


def _unb32(text: str) -> bytes:
    try:
        return base64.b32decode(text + "=" * (-len(text) % 8))
    except (binascii.Error, ValueError):
        raise DomainError("plate_damaged") from None


def _pack_id_v2(record_id: str) -> str:
    try:
        u = uuid.UUID(record_id)
    except (ValueError, AttributeError, TypeError):
        u = None
    if u is not None and str(u) == record_id.lower():
        return _b32(u.bytes)
    return "-" + _b32(record_id.encode("utf-8"))


def _unpack_id_v2(packed: str) -> str:
    if packed.startswith("-") and len(packed) > 1:
        try:
            return _unb32(packed[1:]).decode("utf-8")
        except UnicodeDecodeError:
            raise DomainError("plate_damaged") from None
    raw = _unb32(packed)
    if len(raw) != 16:
        raise DomainError("plate_damaged")
    return str(uuid.UUID(bytes=raw))


def _signature_v2(key: bytes, signed: str) -> str:
    return _b32(hmac.new(key, signed.encode("ascii"), hashlib.sha256).digest()[:SIG_BYTES])


def encode_v2(house_id: str, grid_id: str, *, key: bytes, key_id: str) -> str:
    """The QR payload printed on a house's plate (version 2: ids and signature only)."""
    if len(key) != KEY_BYTES:
        raise ValueError("the plate key must be 32 bytes")
    _check_key_id(key_id)
    signed = _V2_SEP.join((V2, _b32(key_id.encode("ascii")), _pack_id_v2(house_id),
                           _pack_id_v2(grid_id)))
    return signed + _V2_SEP + _signature_v2(key, signed)


def _verify_v2(payload: str, keys: Mapping[str, bytes]) -> DoorPlate:
    parts = payload.split(_V2_SEP)
    if len(parts) != 5 or not all(parts):
        raise DomainError("plate_damaged")
    version, key_p, house_p, grid_p, sig = parts
    try:
        key_id = _unb32(key_p).decode("ascii")
    except UnicodeDecodeError:
        raise DomainError("plate_damaged") from None
    house_id, grid_id = _unpack_id_v2(house_p), _unpack_id_v2(grid_p)
    key = keys.get(key_id)
    if key is None:
        raise DomainError("plate_key_unknown", key_id=key_id)
    signed = _V2_SEP.join((version, key_p, house_p, grid_p))
    if not hmac.compare_digest(_signature_v2(key, signed).encode(), sig.encode("utf-8")):
        raise DomainError("plate_forged")
    return DoorPlate(house_id=house_id, grid_id=grid_id, text="", key_id=key_id)


def verify(payload: str, keys: Mapping[str, bytes]) -> DoorPlate:
    """Read and check a scanned payload (version 2, or 1 on older plates) against the device's
    plate keys (key id -> key). A version 2 plate carries no text: `text` is "".

    Raises DomainError with one of the codes in the module docstring."""
    if not isinstance(payload, str):
        raise DomainError("plate_damaged")
    payload = payload.strip()
    head = payload.split(_V2_SEP, 1)[0]
    if _V2_SEP in payload and _SEP not in head and head.startswith("YZ"):
        if head == V2:
            return _verify_v2(payload, keys)
        if head[2:].isdigit():
            raise DomainError("plate_version_unsupported", version=head)
        raise DomainError("plate_damaged")
    parts = payload.split(_SEP, 5)
    if len(parts) != 6 or not parts[0].startswith("YZ"):
        raise DomainError("plate_damaged")
    version, key_id, house_p, grid_p, sig, text = parts
    if version != VERSION:
        if version[2:].isdigit():
            raise DomainError("plate_version_unsupported", version=version)
        raise DomainError("plate_damaged")
    house_id, grid_id = unpack_id(house_p), unpack_id(grid_p)
    key = keys.get(key_id)
    if key is None:
        raise DomainError("plate_key_unknown", key_id=key_id)
    signed = _SEP.join((version, key_id, house_p, grid_p, text))
    if not hmac.compare_digest(_signature(key, signed).encode(), sig.encode("utf-8")):
        raise DomainError("plate_forged")
    return DoorPlate(house_id=house_id, grid_id=grid_id, text=text, key_id=key_id)


def check_scope(plate: DoorPlate, grid_ids: Iterable[str]) -> DoorPlate:
    """The plate itself if its grid is in the device's scope, else `plate_other_grid`."""
    if plate.grid_id not in set(grid_ids):
        raise DomainError("plate_other_grid", door_plate=f"“{plate.text}”" if plate.text else "")
    return plate


def plate_matrix(payload: str) -> list[list[bool]]:
    """The QR modules of a plate (quiet zone included), the same on every printer (the desktop
    client's PDF sheet, the console's label page): error correction Q (25% of the code may be
    lost to dirt or a torn corner) and a fixed mask pattern, which is 8x faster to make than
    trying all eight and reads as well (the decoding tests check it)."""
    import qrcode
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_Q, border=2,
                       mask_pattern=2)
    qr.add_data(payload.encode("utf-8"))
    qr.make(fit=True)
    return qr.get_matrix()
