"""Masking of personal data shown in lists (PIPL): the server's name for common.masking, which
the client uses too, so both sides show the same masked text."""
from __future__ import annotations

from typing import Any

from common.masking import mask, mask_id_number, mask_phone
from common.schema import ENTITIES
from common.schema.fields import sensitive_fields


def _kinds() -> dict[str, str]:
    out: dict[str, str] = {}
    for entity in ENTITIES.values():
        for key, kind in sensitive_fields(entity).items():
            out.setdefault(key, kind)
    return out


_KINDS = _kinds()


def mask_field(name: str, value: Any, entity: Any = None) -> Any:
    """`value` of field `name` masked by its declared kind (of `entity` when given)."""
    kind = sensitive_fields(entity).get(name) if entity is not None else _KINDS.get(name)
    return mask(kind or "phone", value)


__all__ = ["mask", "mask_field", "mask_id_number", "mask_phone"]
