"""Masking of personal data shown in lists and exports (PIPL), the same on client and server.

Which fields are masked, and how, is declared on the schema (`sensitive=` on a field, read by
common.schema.fields.sensitive_fields); this module only knows the masking kinds:
- "id_number": 652123********0016 (the region and the last four stay readable);
- "phone": 138****8000, 099****1234 (three first and four last digits, never the length);
- "hidden": *** (nothing of the value shows, not even its length: 宗教信仰).
A value too short for its pattern shows less, so at least four characters are always hidden. Pure; any thread.
"""
from __future__ import annotations

from typing import Any

HIDDEN = "***"


def mask_id_number(value: str | None) -> str | None:
    if not value:
        return value
    v = str(value)
    if len(v) >= 15:  # 18 digits (15 on old cards): region, hidden birth date, last four
        return v[:6] + "*" * (len(v) - 10) + v[-4:]
    return "*" * (len(v) - 4) + v[-4:] if len(v) > 8 else "*" * len(v)


def mask_phone(value: str | None) -> str | None:
    if not value:
        return value
    v = str(value)
    if len(v) >= 11:
        return v[:3] + "****" + v[-4:]
    if len(v) > 6:
        return "****" + v[-2:]
    return "*" * len(v)


def mask(kind: str | None, value: Any) -> Any:
    """`value` masked by `kind` (None: shown as it is). Empty values stay empty."""
    if kind is None or value is None or value == "":
        return value
    if kind == "id_number":
        return mask_id_number(str(value))
    if kind == "phone":
        return mask_phone(str(value))
    if kind == "hidden":
        return HIDDEN
    raise ValueError(f"unknown masking kind {kind!r}")


def mask_field(entity: Any, key: str, value: Any) -> Any:
    """`value` of `entity.key` masked as the schema declares (unchanged when not sensitive)."""
    from common.schema.fields import sensitive_fields
    return mask(sensitive_fields(entity).get(key), value)
