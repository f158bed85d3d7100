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


# --- Every synced entity's fields, checked from their declaration in common.schema ----------

TEXT_MAX = 20_000
"""Longest value of a Text column (notes, descriptions): the REST wire types promise the same."""
JSON_MAX = 200_000
"""Longest JSON value (photo lists with their inline thumbnails, ledger row data), in characters
once serialised."""
INT_RANGE = (-(2**63), 2**63 - 1)
RECORD_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,35}$")
"""A record id: a UUID where made by a device or the server (36 characters at most, the column's
length, and no characters a URL path or a file name would choke on)."""


def check_record_id(value: Any) -> str:
    if not isinstance(value, str) or not RECORD_ID_RE.match(value):
        raise ValidationError("record_id_invalid", "id", label="编号",
                              value=str(value)[:40])
    return value


def check_fields(entity: Any, values: Mapping[str, Any], *,
                 extra: tuple[str, ...] = ("deleted",)) -> dict[str, Any]:
    """Check each value against its column's declared type and length, and return the values
    as the columns store them (an ISO date string becomes a `date` …).

    The one place where "what may be stored in a synced record" is decided: the server's
    write path calls it for REST writes, sync pushes and relayed bundles alike, so every stored
    value satisfies what the REST wire types promise. Unknown fields, wrong types, overlong text,
    dates that are not dates, `deleted` that is not a boolean: all refused together as
    ValidationErrors (one ValidationError per field, with its code and Chinese label).
    """
    from sqlalchemy import JSON, Boolean, Date, DateTime, Float, Integer, String, Text

    from .schema import SYNC_COLUMNS

    columns = entity.__table__.columns
    errors: list[ValidationError] = []
    out: dict[str, Any] = {}
    for key, value in values.items():
        column = columns.get(key) if isinstance(key, str) else None
        if column is None or (key in SYNC_COLUMNS and key not in extra):
            errors.append(ValidationError("unknown_field", str(key)[:64]))
            continue
        label = column.info.get("label", key)
        if value is None:
            if not column.nullable and key != "grid_id":
                errors.append(ValidationError("required", key, label=label))
            else:
                out[key] = None
            continue
        t = column.type
        try:
            if isinstance(t, Boolean):
                out[key] = _expect(value, bool, "布尔值")
            elif isinstance(t, Integer):
                if isinstance(value, bool) or not isinstance(value, int):
                    raise _Wrong("整数")
                if not INT_RANGE[0] <= value <= INT_RANGE[1]:
                    raise ValidationError("number_invalid", key, label=label, value=value)
                out[key] = value
            elif isinstance(t, Float):
                if isinstance(value, bool) or not isinstance(value, (int, float)) \
                        or value != value or value in (float("inf"), float("-inf")):
                    raise _Wrong("数字")
                out[key] = float(value)
            elif isinstance(t, DateTime):
                out[key] = _datetime(value, key, label)
            elif isinstance(t, Date):
                out[key] = _date(value, key, label)
            elif isinstance(t, JSON):
                out[key] = _json(value, column, key, label)
            elif isinstance(t, (String, Text)):
                limit = TEXT_MAX if isinstance(t, Text) else t.length
                text = _expect(value, str, "文本")
                if limit and len(text) > limit:
                    raise ValidationError("too_long", key, label=label, max=limit,
                                          length=len(text))
                if "\x00" in text:
                    raise ValidationError("text_invalid", key, label=label)
                out[key] = text
            else:  # pragma: no cover - every column type of the schema is handled above
                out[key] = value
        except _Wrong as wrong:
            errors.append(ValidationError("field_type", key, label=label,
                                          reason=f"应为{wrong.args[0]}"))
        except ValidationError as err:
            errors.append(err)
    if errors:
        raise ValidationErrors(errors)
    return out


class _Wrong(Exception):
    """A value of the wrong JSON type (its argument: the expected kind, in Chinese)."""


def _expect(value: Any, kind: type, name: str) -> Any:
    if not isinstance(value, kind):
        raise _Wrong(name)
    return value


def _datetime(value: Any, key: str, label: str) -> dt.datetime:
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, str) and len(value) <= 40:
        try:
            parsed = dt.datetime.fromisoformat(value)
        except ValueError:
            raise ValidationError("date_invalid", key, label=label, value=value) from None
    else:
        raise ValidationError("date_invalid", key, label=label, value=str(value)[:40])
    if parsed.tzinfo is not None:  # stored as UTC without a zone, like every server time
        parsed = parsed.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return parsed


def _date(value: Any, key: str, label: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and len(value) <= 40:
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            try:
                return dt.datetime.fromisoformat(value).date()
            except ValueError:
                pass
    raise ValidationError("date_invalid", key, label=label, value=str(value)[:40])


def _json(value: Any, column: Any, key: str, label: str) -> Any:
    import json

    # A JSON column's declared default (`default=list` / `default=dict`) says its shape.
    default = column.default.arg if column.default is not None else None
    default = getattr(default, "__wrapped__", default)
    kind = default if default in (list, dict) else None
    if kind is not None and not isinstance(value, kind):
        raise _Wrong("列表" if kind is list else "对象")
    try:
        size = len(json.dumps(value, ensure_ascii=False, allow_nan=False))
    except (TypeError, ValueError):
        raise _Wrong("JSON 值") from None
    if size > JSON_MAX:
        raise ValidationError("too_long", key, label=label, max=JSON_MAX, length=size)
    return value
