"""Matching a sheet row to one person: by ID number, else by name with a second fact.

Never guessed: a row whose name fits several people and whose other cells do not tell them
apart is `ambiguous`; a row with only a name is `insufficient`; both are listed for the user.
An ID number typed as a number (Excel kept 15 of its 18 digits) is reported and used only to
confirm a match made by name with another fact, never on its own.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .records import PeopleIndex
from common.sheets.values import id_problem, is_blank, normalise_name, parse_cell, parse_id, same

DISAMBIGUATORS = ("household_no", "door_plate", "phone", "birth_date", "head_name",
                  "head_id_number", "address", "house_address")


@dataclass
class Match:
    """The outcome for one row: `status` matched/missing/ambiguous/insufficient/bad_id, the
    person when matched, a message code saying why not (or what was odd), its params."""

    status: str
    person: dict[str, Any] | None = None
    code: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    id_problem: str | None = None


def match_row(cells: dict[str, Any], index: PeopleIndex) -> Match:
    """`cells` holds the row's raw cell values by field key (first column of each field)."""
    raw_id = cells.get("id_number")
    problem = None
    if not is_blank(raw_id):
        problem = id_problem(raw_id)
        if problem is None:
            rec = index.by_id_number.get(parse_id(raw_id))
            if rec is None:
                return Match("missing", code="assistant_row_id_not_found",
                             params={"value": parse_id(raw_id)})
            return Match("matched", rec)
    m = _by_name(cells, index, raw_id if problem == "assistant_id_numeric" else None)
    if problem:
        m.id_problem = problem
        if m.status != "matched":
            m.status, m.code = "bad_id", problem
    return m


def _by_name(cells: dict[str, Any], index: PeopleIndex, numeric_id: Any) -> Match:
    name = normalise_name(cells.get("name"))
    if not name:
        return Match("insufficient", code="assistant_row_no_key")
    candidates = index.by_name.get(name, [])
    if not candidates:
        return Match("missing", code="assistant_row_name_not_found", params={"name": name})
    used = False
    for key in DISAMBIGUATORS:
        if is_blank(cells.get(key)):
            continue
        value = parse_cell(key, cells[key], index.vocab)
        if value is None:
            continue
        used = True
        candidates = [r for r in candidates if same(key, value, r.get(key), index.vocab)]
    prefix = _surviving_prefix(numeric_id)
    if prefix:
        used = True
        candidates = [r for r in candidates if (r.get("id_number") or "").startswith(prefix)]
    if not used:
        return Match("insufficient", code="assistant_row_name_only",
                     params={"name": name, "count": len(candidates)})
    if not candidates:
        return Match("missing", code="assistant_row_no_fit", params={"name": name})
    if len(candidates) > 1:
        return Match("ambiguous", code="assistant_row_ambiguous",
                     params={"name": name, "count": len(candidates)})
    return Match("matched", candidates[0])


def _surviving_prefix(numeric_id: Any) -> str | None:
    """The leading digits an ID number typed as a number still has for sure (14 of them:
    Excel keeps 15 significant digits and the 15th may have been rounded)."""
    if numeric_id is None:
        return None
    try:
        digits = str(int(float(str(numeric_id).strip())))
    except ValueError:
        return None
    return digits[:14] if re.fullmatch(r"\d{18}", digits) else None
