"""A house's door plate on the console: the same signed QR payload the desktop client prints
(common/doorplate.encode_v2 with the county's current plate key, services/plate_keys.py) and
its QR drawn as SVG (common/doorplate.plate_matrix), so a label printed from a browser reads on
every device like one printed from the client. Reads only; never commits."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from common import doorplate
from common.errors import DomainError
from common.schema import DictEntry, House, OrgNode

from . import records
from .plate_keys import PLATE_KEY_DICT
from .scope import Scope


@dataclass(frozen=True)
class Plate:
    house: House
    payload: str
    svg_path: str
    """The dark modules as one SVG path, in module units."""
    size: int
    """Modules per side (quiet zone included)."""
    place: str
    """The house's grid and village, printed under the address."""


def current_key(session: Session) -> tuple[str, bytes]:
    """The key new plates are signed with: the newest county key, as devices choose it
    (desktop/storage/settings.plate_keys); plate_key_missing when there is none."""
    rows = session.scalars(select(DictEntry).where(
        DictEntry.dict_code == PLATE_KEY_DICT, DictEntry.deleted.is_(False),
        DictEntry.active.is_not(False)).order_by(DictEntry.created_at, DictEntry.code)).all()
    keys = []
    for row in rows:
        try:
            key = bytes.fromhex(row.label or "")
        except ValueError:
            continue
        if len(key) == doorplate.KEY_BYTES:
            keys.append((row.code, key))
    if not keys:
        raise DomainError("plate_key_missing")
    return keys[-1]


def plate_of(session: Session, scope: Scope, house_id: str) -> Plate:
    """The plate of a house in scope (not_found otherwise)."""
    house = records.get_record(session, scope, House, house_id)
    key_id, key = current_key(session)
    payload = doorplate.encode_v2(house.id, house.grid_id or "", key=key, key_id=key_id)
    matrix = doorplate.plate_matrix(payload)
    return Plate(house, payload, svg_path(matrix), len(matrix), _place(session, house))


def svg_path(matrix: list[list[bool]]) -> str:
    """One path of the dark modules: a rectangle per run of dark modules in a row."""
    parts = []
    for r, row in enumerate(matrix):
        c, n = 0, len(row)
        while c < n:
            if row[c]:
                start = c
                while c < n and row[c]:
                    c += 1
                parts.append(f"M{start} {r}h{c - start}v1h{start - c}z")
            else:
                c += 1
    return "".join(parts)


def _place(session: Session, house: House) -> str:
    grid = session.get(OrgNode, house.grid_id) if house.grid_id else None
    village = session.get(OrgNode, grid.parent_id) if grid and grid.parent_id else None
    return " ".join(n.name for n in (village, grid) if n is not None)
