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

from common.dictionaries import Dictionaries, default_dictionaries
from common.errors import DomainError
from common.schema import OrgNode, Person, label_of
from desktop.services.records import load_dictionaries
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
    religions: list[str] = field(default_factory=list)
    resident_types: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)  # empty: DEFAULT_STATUSES; 不限: any
    place: str = ""            # a township, village or grid by name
    text: str = ""


DEFAULT_STATUSES = ("normal",)
"""The status a population has when none is chosen: the 全息检索 page's own default (正常), so a
fill of "65岁以上" lists the people that search shows — never the deceased or moved out."""
ANY = ("不限", "全部", "any", "all")


def _codes(dict_code: str, values: list[str], label: str,
           vocab: Dictionaries | None = None) -> tuple[str, ...]:
    out = []
    for v in values:
        for part in re.split(r"[,，、]", v):
            if part.strip():
                c = (vocab or default_dictionaries()).code(dict_code, part.strip())
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


def to_query(session: Session, cond: Conditions,
             vocab: Dictionaries | None = None) -> PeopleQuery:
    vocab = vocab or load_dictionaries(session)  # the synced ones
    age_min, age_max = parse_age(cond.age)
    node_id = None
    if cond.place.strip():
        node_id = session.scalar(select(OrgNode.id).where(OrgNode.name == cond.place.strip(),
                                                          OrgNode.deleted.is_(False)))
        if node_id is None:
            raise DomainError("not_found", label="区划", value=cond.place)
    sex = None
    if cond.sex.strip():
        sex = vocab.code("sex", cond.sex.strip())
        if sex is None:
            raise DomainError("not_in_dict", label="性别", value=cond.sex)
    if any(v.strip() in ANY for v in cond.statuses):
        statuses: tuple[str, ...] = ()
    else:
        statuses = (_codes("person_status", cond.statuses, "人员状态", vocab)
                    or DEFAULT_STATUSES)
    return PeopleQuery(
        text=cond.text.strip(), age_min=age_min, age_max=age_max, sex=sex,
        ethnicities=_codes("ethnicity", cond.ethnicities, "民族", vocab),
        religions=_codes("religion", cond.religions, label_of(Person, "religion"), vocab),
        tags_any=_codes("tag", cond.tags, "标签", vocab),
        tags_all=_codes("tag", cond.tags_all, "标签", vocab),
        resident_types=_codes("resident_type", cond.resident_types, "人口类型", vocab),
        statuses=statuses, org_node_id=node_id)


def query_summary(session: Session, q: PeopleQuery,
                  vocab: Dictionaries | None = None) -> list[tuple[str, str]]:
    """The conditions of `q` as (label, value) pairs a person reads: what a fill was run
    with, printed by the command line, shown on the page and in the result's note sheet.
    人员状态 is always said, since leaving it open takes in the deceased."""
    vocab = vocab or load_dictionaries(session)  # the synced ones

    def labels(dict_code: str, codes: tuple[str, ...]) -> str:
        return "、".join(vocab.label(dict_code, c) or c for c in codes)

    def names(ids: tuple[str, ...]) -> str:
        found = dict(session.execute(select(OrgNode.id, OrgNode.name)
                                     .where(OrgNode.id.in_(ids))).all())
        return "、".join(found.get(i, i) for i in ids)

    out: list[tuple[str, str]] = []
    if q.text.strip():
        out.append(("关键词", q.text.strip()))
    if q.sex:
        out.append(("性别", vocab.label("sex", q.sex) or q.sex))
    if q.age_min is not None or q.age_max is not None:
        if q.age_max is None:
            out.append(("年龄", f"{q.age_min}岁及以上"))
        elif q.age_min is None:
            out.append(("年龄", f"{q.age_max}岁及以下"))
        elif q.age_min == q.age_max:
            out.append(("年龄", f"{q.age_min}岁"))
        else:
            out.append(("年龄", f"{q.age_min}-{q.age_max}岁"))
    for label, dict_code, codes in (("民族", "ethnicity", q.ethnicities),
                                    (label_of(Person, "religion"), "religion", q.religions),
                                    ("标签（任一）", "tag", q.tags_any),
                                    ("标签（全部具备）", "tag", q.tags_all),
                                    ("人口类型", "resident_type", q.resident_types)):
        if codes:
            out.append((label, labels(dict_code, codes)))
    out.append(("人员状态", labels("person_status", q.statuses) if q.statuses
                else "不限（含死亡、迁出）"))
    if q.org_node_id:
        out.append(("区划", names((q.org_node_id,))))
    if q.grid_ids:
        out.append(("网格", names(q.grid_ids)))
    if q.household_no.strip():
        out.append(("户号", q.household_no.strip()))
    for label, value in (("楼栋", q.building_id), ("房屋", q.house_id), ("户", q.household_id)):
        if value:
            out.append((label, "指定的一处"))
    return out


def describe_conditions(pairs: list[tuple[str, str]]) -> str:
    """(label, value) pairs as one line: 性别：男；年龄：65岁及以上；人员状态：正常."""
    return "；".join(f"{label}：{value}" for label, value in pairs)


def population(session: Session, cond: Conditions | PeopleQuery, *,
               today: dt.date) -> list[dict]:
    """The records of every person meeting the conditions (typed here, or a search saved on
    the 全息检索 page), in register order."""
    query = cond if isinstance(cond, PeopleQuery) else to_query(session, cond)
    ids = search_person_ids(session, query, today=today)
    return load_people(session, today=today, person_ids=ids)


def query_of(session: Session, cond: Conditions | PeopleQuery) -> PeopleQuery:
    """The 全息检索 query a fill runs: a saved search as it is, typed conditions read."""
    return cond if isinstance(cond, PeopleQuery) else to_query(session, cond)


def population_size(session: Session, cond: Conditions | PeopleQuery, *,
                    today: dt.date) -> int:
    """How many rows a fill would write: shown while the conditions are being chosen."""
    query = cond if isinstance(cond, PeopleQuery) else to_query(session, cond)
    return count_people(session, query, today=today)
