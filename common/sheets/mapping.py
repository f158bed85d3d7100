"""Header text -> assistant field: the synonym table first, then fuzzy matching.

Every mapping carries how it was made (`exact`, `fuzzy`, `user`, or None when unrecognised) so
the page and the command line can show it for the user to confirm or correct before writing.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, replace

from common.errors import DomainError

from .catalogue import BY_KEY, field_for, synonyms

_SPACES = re.compile(r"[\s\u3000]+")
_BRACKETS = re.compile(r"[(\[【（][^)\]】）]*[)\]】）]")
_MARKS = re.compile(r"[*※★:：、.．]+$|^[*※★]+")
FUZZY_CUTOFF = 0.6


@dataclass(frozen=True)
class Column:
    """One column of the data table: where it is, what its header says, what it maps to."""

    index: int          # 1-based column number in the sheet
    header: str         # the header text as shown (group header joined with '/')
    field: str | None   # assistant field key, or None (the column is left alone)
    how: str | None     # "exact", "fuzzy", "user" or None
    score: float = 0.0


def normalise_header(text: object) -> str:
    s = _SPACES.sub("", str(text or ""))
    s = s.replace("（", "(").replace("）", ")")
    s = _MARKS.sub("", s)
    return s.lower()


def exact_field(header: str) -> tuple[str | None, float, str]:
    """The field a header names in the synonym table (cheap: no fuzzy matching), its score,
    and the header reduced to its bare words."""
    table = synonyms()
    norm = normalise_header(header)
    if not norm:
        return None, 0.0, ""
    if norm in table:
        return table[norm], 1.0, norm
    bare = normalise_header(_BRACKETS.sub("", norm.replace("(", "（").replace(")", "）")))
    if bare and bare in table:
        return table[bare], 0.95, bare
    return None, 0.0, bare


def guess_field(header: str) -> tuple[str | None, str | None, float]:
    """The field a header most likely means: (key, how, score)."""
    key, score, bare = exact_field(header)
    if key:
        return key, "exact", score
    if not bare or len(bare) > 20:
        return None, None, 0.0
    table = synonyms()
    best_key, best = None, 0.0
    for variant, key in table.items():
        if len(variant) >= 2 and variant in bare:
            # containment: "本人手机号码" holds "手机号码"; longer held variants win
            score = 0.55 + 0.45 * len(variant) / len(bare)
        else:
            score = difflib.SequenceMatcher(None, bare, variant).ratio()
        if score > best:
            best_key, best = key, score
    if best >= FUZZY_CUTOFF:
        return best_key, "fuzzy", round(best, 2)
    return None, None, round(best, 2)


def map_headers(headers: dict[int, str]) -> list[Column]:
    """Columns for header texts by column number, each with its guessed field."""
    cols = []
    for index in sorted(headers):
        text = headers[index]
        # a two-row header's group ("户主信息/姓名") is context: the leaf names the field
        leaf = text.split("/")[-1]
        key, how, score = guess_field(leaf)
        if key is None and "/" in text:
            key, how, score = guess_field(text.replace("/", ""))
        cols.append(Column(index, text, key, how, score))
    return _head_prefixed(cols)


def _head_prefixed(cols: list[Column]) -> list[Column]:
    """Under a 户主 group header, 姓名 and 身份证号 are the head's, not the person's."""
    out = []
    for c in cols:
        group = c.header.split("/")[0] if "/" in c.header else ""
        if "户主" in group and c.field in ("name", "id_number"):
            c = replace(c, field="head_" + c.field)
        out.append(c)
    return out


def apply_overrides(cols: list[Column], overrides: dict[str, str]) -> list[Column]:
    """Apply user corrections `header -> field key/label` ('' or '-' clears a mapping).

    A header may be given as its text or as its column letter/number."""
    out = []
    used = set()
    for c in cols:
        for k, v in overrides.items():
            if _same_header(k, c):
                used.add(k)
                if v.strip() in ("", "-", "无", "忽略"):
                    c = replace(c, field=None, how="user", score=1.0)
                else:
                    f = field_for(v)
                    if f is None:
                        raise DomainError("assistant_unknown_field", field=v, value=v)
                    c = replace(c, field=f.key, how="user", score=1.0)
        out.append(c)
    missing = [k for k in overrides if k not in used]
    if missing:
        raise DomainError("assistant_unknown_header", value=missing[0])
    return out


def _same_header(given: str, c: Column) -> bool:
    g = given.strip()
    if g.isdigit():
        return int(g) == c.index
    from openpyxl.utils import column_index_from_string
    if re.fullmatch(r"[A-Za-z]{1,3}", g):
        return column_index_from_string(g.upper()) == c.index
    n = normalise_header(g)
    return n in (normalise_header(c.header), normalise_header(c.header.split("/")[-1]))


def describe(cols: list[Column]) -> list[tuple[str, str, str]]:
    """(header, field label, how in Chinese) rows for showing a mapping to the user."""
    hows = {"exact": "同义词", "fuzzy": "模糊匹配，请确认", "user": "用户指定", None: "未识别"}
    return [(c.header, BY_KEY[c.field].label if c.field else "（不处理）", hows[c.how])
            for c in cols]
