"""The fields the assistant knows (what a header can map to) and the header synonym table.

The person's own fields, their labels and kinds come from the schema's declaration
(`assistant=` on a field of common/schema/people.py): a field declared there is read and
written by every job without touching this module.

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

from common.schema import House, Household, Person, label_of
from common.schema.fields import assistant_fields

HEADERS_FILE = Path(__file__).resolve().parents[2] / "resources" / "assistant" / "headers.json"


@dataclass(frozen=True)
class Field:
    key: str
    label: str
    kind: str
    dict_code: str | None = None
    derived: bool = False


def _declared() -> tuple[Field, ...]:
    """The person's own fields, as the schema declares them for the assistant."""
    return tuple(Field(f.key, f.label, f.assistant, f.dict_code, f.derived)
                 for f in assistant_fields(Person))


PERSON_FIELDS = _declared()
"""Fields read straight from the person's record (common/schema/people.py declares them)."""

FIELDS: tuple[Field, ...] = (
    Field("seq", "序号", "seq"),
    *PERSON_FIELDS,
    # joined or computed beside the person's record (records.load_people)
    Field("age", "年龄", "int", derived=True),
    Field("household_no", label_of(Household, "household_no"), "text"),
    Field("head_name", "户主姓名", "text"),
    Field("head_id_number", "户主身份证号", "id"),
    Field("household_address", label_of(Household, "address"), "text"),
    Field("door_plate", label_of(House, "door_plate"), "text"),
    Field("house_address", label_of(House, "address"), "text"),
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
    for spec in assistant_fields(Person):
        for v in spec.synonyms:
            out[normalise_header(v)] = spec.key
    for key, variants in data["fields"].items():
        if key not in BY_KEY:
            raise ValueError(f"headers.json names an unknown field {key!r}")
        for v in variants:
            out[normalise_header(v)] = key
    return out
