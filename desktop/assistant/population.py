"""The population of a fill job: 全息检索 conditions (PeopleQuery) from what a user typed.

The command line and the page both speak in labels (男, 65-, 低保, a grid's name); this turns
them into the search service's PeopleQuery, the one place where the two meet.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from common.dictionaries import code_for
from common.errors import DomainError
from common.schema import OrgNode
from desktop.services.search import PeopleQuery, count_people, search_person_ids

from .records import load_people


@dataclass
class Conditions:
    """Search conditions as a person types them (labels or codes; empty means any)."""

    sex: str = ""
    age: str = ""              # "65-", "18-22", "-14", "60"
    tags: list[str] = field(default_factory=list)      # any of these
    tags_all: list[str] = field(default_factory=list)  # every one of these
    ethnicities: list[str] = field(default_factory=list)
    resident_types: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    place: str = ""            # a township, village or grid by name
    text: str = ""


def _codes(dict_code: str, values: list[str], label: str) -> tuple[str, ...]:
    out = []
    for v in values:
        for part in re.split(r"[,，、]", v):
            if part.strip():
                c = code_for(dict_code, part)
                if c is None:
                    raise DomainError("not_in_dict", label=label, value=part.strip())
                out.append(c)
    return tuple(out)


def parse_age(text: str) -> tuple[int | None, int | None]:
    s = text.replace("岁", "").replace("～", "-").replace("~", "-").replace("至", "-").strip()
    if not s:
        return None, None
    m = re.fullmatch(r"(\d*)\s*-\s*(\d*)", s)
    if m:
        lo, hi = m.groups()
        return (int(lo) if lo else None), (int(hi) if hi else None)
    if s.endswith("以上") or s.endswith("+"):
        return int(s.rstrip("以上+")), None
    if s.isdigit():
        return int(s), int(s)
    raise DomainError("number_invalid", label="年龄", value=text)


def to_query(session: Session, cond: Conditions) -> PeopleQuery:
    age_min, age_max = parse_age(cond.age)
    node_id = None
    if cond.place.strip():
        node_id = session.scalar(select(OrgNode.id).where(OrgNode.name == cond.place.strip(),
                                                          OrgNode.deleted.is_(False)))
        if node_id is None:
            raise DomainError("not_found", label="区划", value=cond.place)
    sex = None
    if cond.sex.strip():
        sex = code_for("sex", cond.sex.strip().rstrip("性"))
        if sex is None:
            raise DomainError("not_in_dict", label="性别", value=cond.sex)
    return PeopleQuery(
        text=cond.text.strip(), age_min=age_min, age_max=age_max, sex=sex,
        ethnicities=_codes("ethnicity", cond.ethnicities, "民族"),
        tags_any=_codes("tag", cond.tags, "标签"), tags_all=_codes("tag", cond.tags_all, "标签"),
        resident_types=_codes("resident_type", cond.resident_types, "人口类型"),
        statuses=_codes("person_status", cond.statuses, "人员状态"), org_node_id=node_id)


def population(session: Session, cond: Conditions | PeopleQuery, *,
               today: dt.date) -> list[dict]:
    """The records of every person meeting the conditions (typed here, or a search saved on
    the 全息检索 page), in register order."""
    query = cond if isinstance(cond, PeopleQuery) else to_query(session, cond)
    ids = search_person_ids(session, query, today=today)
    return load_people(session, today=today, person_ids=ids)


def population_size(session: Session, cond: Conditions | PeopleQuery, *,
                    today: dt.date) -> int:
    """How many rows a fill would write: shown while the conditions are being chosen."""
    query = cond if isinstance(cond, PeopleQuery) else to_query(session, cond)
    return count_people(session, query, today=today)
