"""Validation of people's data: ID numbers (GB 11643), phones, required fields.

Every refusal is a `ValidationError` with a code, the field and its Chinese label; `messages.py`
renders it. Pure: `today` is passed in, never read from the clock.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, Mapping

from .dictionaries import label as dict_label
from .errors import ValidationError, ValidationErrors
from .regions import is_known_region

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE_RE = re.compile(r"^0\d{2,3}-?[2-9]\d{6,7}(-\d{1,6})?$")


def id_check_digit(first17: str) -> str:
    """The GB 11643 check character for the first 17 digits."""
    total = sum(int(c) * w for c, w in zip(first17, _WEIGHTS))
    return _CHECK[total % 11]


@dataclass(frozen=True)
class IdInfo:
    number: str
    region: str
    birth_date: dt.date
    sex: str  # dictionary code: "male" / "female"

    def age_on(self, day: dt.date) -> int:
        return age_on(self.birth_date, day)


def age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def normalise_id_number(value: Any) -> str:
    """Strip blanks and turn a trailing lower-case x into X (how people type it)."""
    return re.sub(r"\s+", "", str(value or "")).upper()


def parse_id_number(value: Any, *, today: dt.date, field: str = "id_number",
                    label: str = "公民身份号码") -> IdInfo:
    """Check an 18-digit ID number and return what it says; raise ValidationError if wrong."""
    s = normalise_id_number(value)
    if not s:
        raise ValidationError("required", field, label=label)
    if len(s) != 18:
        raise ValidationError("id_length", field, label=label, length=len(s))
    if not (s[:17].isdigit() and (s[17].isdigit() or s[17] == "X")):
        raise ValidationError("id_chars", field, label=label)
    region = s[:6]
    if not is_known_region(region):
        raise ValidationError("id_region", field, label=label, region=region)
    raw = s[6:14]
    shown = f"{raw[:4]}-{raw[4:6]}-{raw[6:]}"
    try:
        birth = dt.date(int(raw[:4]), int(raw[4:6]), int(raw[6:]))
    except ValueError:
        raise ValidationError("id_birth_date", field, label=label, value=shown) from None
    if birth > today:
        raise ValidationError("id_birth_future", field, label=label, value=shown)
    if birth.year < 1900:
        raise ValidationError("id_birth_too_old", field, label=label, value=shown)
    expected = id_check_digit(s[:17])
    if s[17] != expected:
        raise ValidationError("id_checksum", field, label=label, expected=expected,
                              actual=s[17])
    sex = "male" if int(s[16]) % 2 == 1 else "female"
    return IdInfo(s, region, birth, sex)


def normalise_phone(value: Any) -> str:
    s = re.sub(r"[\s()（）]", "", str(value or ""))
    if s.startswith("+86"):
        s = s[3:]
    return s


def check_phone(value: Any, *, field: str = "phone", label: str = "联系电话",
                mobile_only: bool = False) -> str:
    """Return the normalised number or raise; empty values are the caller's business."""
    s = normalise_phone(value)
    if MOBILE_RE.match(s):
        return s
    if not mobile_only and LANDLINE_RE.match(s):
        return s
    raise ValidationError("mobile_invalid" if mobile_only else "phone_invalid", field,
                          label=label, value=str(value))


PERSON_REQUIRED = ("id_number", "name", "resident_type", "status")


def validate_person(values: Mapping[str, Any], *, today: dt.date) -> dict[str, Any]:
    """Validate a person's fields and derive sex and birth date from the ID number.

    Returns the cleaned values. Raises ValidationErrors naming every wrong field at once.
    Fields absent from `values` are not checked (a partial update), except on a full create
    where the caller passes every field.
    """
    from .schema import Person, label_of

    errors: list[ValidationError] = []
    out = dict(values)

    for name in PERSON_REQUIRED:
        if name in values and (values[name] is None or str(values[name]).strip() == ""):
            errors.append(ValidationError("required", name, label=label_of(Person, name)))

    if values.get("id_number"):
        try:
            info = parse_id_number(values["id_number"], today=today)
        except ValidationError as e:
            errors.append(e)
        else:
            out["id_number"] = info.number
            if values.get("sex") and values["sex"] != info.sex:
                errors.append(ValidationError("id_sex_mismatch", "sex", label="公民身份号码",
                                              sex=dict_label("sex", values["sex"]),
                                              expected=dict_label("sex", info.sex)))
            birth = values.get("birth_date")
            if birth and _as_date(birth) != info.birth_date:
                errors.append(ValidationError("id_birth_mismatch", "birth_date",
                                              label="公民身份号码", birth=str(birth),
                                              expected=info.birth_date.isoformat()))
            out["sex"] = info.sex
            out["birth_date"] = info.birth_date

    if values.get("phone"):
        try:
            out["phone"] = check_phone(values["phone"], label=label_of(Person, "phone"))
        except ValidationError as e:
            errors.append(e)

    if values.get("name") is not None:
        out["name"] = str(values["name"]).strip()
        if len(out["name"]) > 64:
            errors.append(ValidationError("too_long", "name", label="姓名", max=64,
                                          length=len(out["name"])))
    if errors:
        raise ValidationErrors(errors)
    return out


def _as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None
