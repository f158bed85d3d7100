"""Reading cells as people type them and writing database values back as people expect them.

Every field kind has a canonical form (ID number: 18-char str; date: (date, precision); dict: a
code; tags: a frozenset of codes; phone: digits; text: collapsed whitespace) so that a cell and
a database value compare equal whenever a person would say they are the same.
"""
from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from typing import Any

from common.cells import MONTH, parse_date, text_of
from common.dictionaries import Dictionaries, default_dictionaries
from common.dictionaries import label as dict_label
from common.validation import id_check_digit, normalise_phone

from .catalogue import BY_KEY

_SCI = re.compile(r"^\d(\.\d+)?[eE]\+?\d+$")
_NAME_DOTS = re.compile(r"[\s·•‧・.．\u00b7\u2022\u2027\u30fb\u0387]+")
_TAG_SPLIT = re.compile(r"[,，、;；/\s]+")


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def normalise_name(value: Any) -> str:
    """Names compare without blanks and with every kind of middle dot made one (艾合买提·吐尔逊)."""
    return _NAME_DOTS.sub("·", text_of(value)).strip("·")


@lru_cache(maxsize=65536)
def id_problem(value: Any) -> str | None:
    """Why a cell's ID number cannot be trusted, as a message code, or None if it can."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return "assistant_id_numeric"  # Excel kept only 15 significant digits
    s = re.sub(r"\s+", "", str(value)).upper()
    if _SCI.match(s):
        return "assistant_id_numeric"
    if len(s) != 18 or not s[:17].isdigit() or not (s[17].isdigit() or s[17] == "X"):
        return "assistant_id_malformed"
    if id_check_digit(s[:17]) != s[17]:
        return "assistant_id_checksum"
    return None


def parse_id(value: Any) -> str | None:
    if is_blank(value) or id_problem(value):
        return None
    return re.sub(r"\s+", "", str(value)).upper()


def parse_int(value: Any) -> int | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return int(value)
    m = re.match(r"^\s*(\d+)\s*(岁|周岁)?\s*$", text_of(value))
    return int(m.group(1)) if m else None


def parse_cell(key: str, value: Any, vocab: Dictionaries | None = None) -> Any:
    """A cell's canonical value for field `key` (None when blank or unreadable). Dictionary
    values are read by meaning through `vocab` (the database's dictionaries; the defaults
    when not given): 汉, 汉族 and 01 are one code."""
    if is_blank(value):
        return None
    kind = BY_KEY[key].kind
    if kind == "id":
        return parse_id(value)
    if kind == "date":
        return parse_date(value)
    if kind == "int":
        return parse_int(value)
    if kind == "phone":
        return normalise_phone(text_of(value)).replace("-", "")
    if kind == "dict":
        t = text_of(value)
        return (vocab or default_dictionaries()).code(BY_KEY[key].dict_code, t) or t
    if kind == "tags":
        v = vocab or default_dictionaries()
        return frozenset(v.code("tag", t) or t for t in _TAG_SPLIT.split(text_of(value)) if t)
    if key in ("name", "head_name"):
        return normalise_name(value)
    return text_of(value)


def same(key: str, cell: Any, db: Any, vocab: Dictionaries | None = None) -> bool:
    """Whether a cell's canonical value agrees with the database's canonical value."""
    kind = BY_KEY[key].kind
    if kind == "dict" and db is not None:
        # a database value written as a label (an old import) still means its entry
        db = (vocab or default_dictionaries()).code(BY_KEY[key].dict_code, db) or db
    if kind == "date":
        if cell is None or db is None:
            return cell is None and db is None
        day, precision = cell
        if precision == MONTH:
            return (day.year, day.month) == (db.year, db.month)
        return day == db
    if kind == "phone" and db is not None:
        db = normalise_phone(db).replace("-", "")
    if kind == "text" and db is not None:
        db = normalise_name(db) if key in ("name", "head_name") else text_of(db)
    if kind == "tags":
        # a 低保 roster's 人员类别 says 低保: true if the person has that tag among others
        return (cell or frozenset()) <= (db or frozenset())
    return (cell or None) == (db or None)


def display(key: str, db: Any, vocab: Dictionaries | None = None) -> Any:
    """The value to write into a cell for a database value (labels for codes, text for IDs),
    with the labels of `vocab`'s dictionaries (the database's own) when given."""
    if db is None:
        return None
    f = BY_KEY[key]
    lab = vocab.label if vocab is not None else dict_label
    if f.kind == "dict":
        return lab(f.dict_code, db)
    if f.kind == "tags":
        return "、".join(sorted(lab("tag", c) or c for c in db))
    return db


def display_text(key: str, db: Any, vocab: Dictionaries | None = None) -> str:
    """A database value as text for a comment or a summary line."""
    v = display(key, db, vocab)
    if v is None:
        return "（空）"
    if isinstance(v, dt.date):
        return v.isoformat()
    return str(v)
