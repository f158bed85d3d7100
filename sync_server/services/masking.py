"""Masking of personal data shown in lists (PIPL): ID numbers and phone numbers."""
from __future__ import annotations


def mask_id_number(value: str | None) -> str | None:
    """652123198001010016 -> 652123********0016 (region and the last four stay readable)."""
    if not value:
        return value
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str | None) -> str | None:
    """13812348000 -> 138****8000; 0995-8561234 -> 099*****1234."""
    if not value:
        return value
    if len(value) <= 7:
        return "*" * (len(value) - 2) + value[-2:]
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_field(name: str, value: str | None) -> str | None:
    return mask_id_number(value) if name == "id_number" else mask_phone(value)
