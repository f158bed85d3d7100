"""Reading a value as people type it into a sheet or a form: text with its blanks collapsed and
dates in their usual forms. Used by the 一张表 assistant and by the ledger fields' value parsing
(common/ledger_types.py), on the client and the server alike. Pure; any thread.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Any

_EXCEL_EPOCH = dt.date(1899, 12, 30)
_DATE_PARTS = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})(?:\s*[-/.月]\s*(\d{1,2})\s*日?|\s*月?)$")

DAY, MONTH = "day", "month"
"""The precision of a date read by `parse_date`."""


def text_of(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        s = value.strip()
        # the regex below is the slow path: most cells have no inner runs of blanks
        if "  " not in s and "\n" not in s and "\t" not in s and "\u3000" not in s:
            return s
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    return re.sub(r"\s+", " ", str(value)).strip()


def parse_date(value: Any) -> tuple[dt.date, str] | None:
    """A date in the usual forms: a real date, an Excel serial, 19900102, 1990-01-02, 1990/1/2,
    1990.01 (month precision), 1990年1月2日."""
    if isinstance(value, dt.datetime):
        return value.date(), DAY
    if isinstance(value, dt.date):
        return value, DAY
    if isinstance(value, float) and not value.is_integer() and 1900 <= value < 2100:
        value = f"{value:.2f}"  # 1990.01 typed as a number means January 1990
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        if 1 <= value < 80000:
            return _EXCEL_EPOCH + dt.timedelta(days=int(value)), DAY
        value = text_of(value)
    s = text_of(value)
    if re.fullmatch(r"\d{8}", s):
        s = f"{s[:4]}-{s[4:6]}-{s[6:]}"
    elif re.fullmatch(r"\d{6}", s):
        s = f"{s[:4]}-{s[4:]}"
    m = _DATE_PARTS.match(s) or re.match(r"^(\d{4})-(\d{1,2})-(\d{1,2})[T ]", s)
    if not m:
        return None
    try:
        if m.group(3):
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3))), DAY
        return dt.date(int(m.group(1)), int(m.group(2)), 1), MONTH
    except ValueError:
        return None
