"""The fields the assistant knows (what a header can map to) and the header synonym table.

A field's `kind` says how cells are read, compared and written: text, id (ID number), phone,
date, int, dict (a dictionary code shown by its label), tags (a list of tag labels), seq (a
row number the assistant writes itself). `derived` fields are computed (age from the birth date,
sex from the ID number), never typed in the database.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

HEADERS_FILE = Path(__file__).resolve().parents[2] / "resources" / "assistant" / "headers.json"


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    kind: str
    dict_code: str | None = None
    derived: bool = False


FIELDS: tuple[Field, ...] = (
    Field("seq", "序号", "seq"),
    Field("name", "姓名", "text"),
    Field("id_number", "公民身份号码", "id"),
    Field("sex", "性别", "dict", "sex", derived=True),
    Field("birth_date", "出生日期", "date"),
    Field("age", "年龄", "int", derived=True),
    Field("ethnicity", "民族", "dict", "ethnicity"),
    Field("phone", "联系电话", "phone"),
    Field("address", "现住址", "text"),
    Field("household_no", "户号", "text"),
    Field("relation_to_head", "与户主关系", "dict", "relation"),
    Field("head_name", "户主姓名", "text"),
    Field("head_id_number", "户主身份证号", "id"),
    Field("household_address", "户籍地址", "text"),
    Field("door_plate", "门牌号", "text"),
    Field("house_address", "房屋地址", "text"),
    Field("resident_type", "人口类型", "dict", "resident_type"),
    Field("status", "人员状态", "dict", "person_status"),
    Field("education", "文化程度", "dict", "education"),
    Field("marital_status", "婚姻状况", "dict", "marital_status"),
    Field("political_status", "政治面貌", "dict", "political_status"),
    Field("workplace", "工作单位", "text"),
    Field("grid", "所属网格", "text"),
    Field("village", "村(社区)", "text"),
    Field("township", "乡镇", "text"),
    Field("tags", "人员标签", "tags", "tag"),
)

BY_KEY: dict[str, Field] = {f.key: f for f in FIELDS}

MATCH_KEYS = ("id_number", "name", "household_no", "door_plate", "phone", "birth_date",
              "head_name")
"""Fields that identify a row's person (the matcher reads them; they are compared too)."""


def field_for(key_or_label: str) -> Field | None:
    """A field by its key or its Chinese label or any synonym (for `--map HEADER=field`)."""
    s = key_or_label.strip()
    if s in BY_KEY:
        return BY_KEY[s]
    from .mapping import normalise_header
    return BY_KEY.get(synonyms().get(normalise_header(s), ""))


@lru_cache(maxsize=1)
def synonyms() -> dict[str, str]:
    """Normalised header text -> field key, from the data file plus every field's own label."""
    from .mapping import normalise_header
    data = json.loads(HEADERS_FILE.read_text(encoding="utf-8"))
    out: dict[str, str] = {}
    for f in FIELDS:
        out[normalise_header(f.label)] = f.key
    for key, variants in data["fields"].items():
        if key not in BY_KEY:
            raise ValueError(f"headers.json names an unknown field {key!r}")
        for v in variants:
            out[normalise_header(v)] = key
    return out
