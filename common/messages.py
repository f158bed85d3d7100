"""Chinese text for every error code: the one place where refusals become sentences."""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .errors import DomainError

MESSAGES: dict[str, str] = {
    "required": "{label}不能为空",
    "too_long": "{label}过长：最多 {max} 个字符，现在是 {length} 个",
    "id_length": "{label}应为 18 位，现在是 {length} 位",
    "id_chars": "{label}只能由 17 位数字加最后一位数字或 X 组成",
    "id_checksum": "{label}校验位错误：最后一位应为 {expected}，填的是 {actual}，请核对是否抄错",
    "id_region": "{label}前 6 位 {region} 不是已知的行政区划代码",
    "id_birth_date": "{label}中的出生日期 {value} 不是真实的日期",
    "id_birth_future": "{label}中的出生日期 {value} 晚于今天",
    "id_birth_too_old": "{label}中的出生日期 {value} 早于 1900 年",
    "id_duplicate": "{label} {value} 已登记在本辖区（{name}），不能重复登记",
    "id_sex_mismatch": "性别“{sex}”与{label}第 17 位表示的性别“{expected}”不一致",
    "id_birth_mismatch": "出生日期 {birth} 与{label}中的出生日期 {expected} 不一致",
    "mobile_invalid": "{label} {value} 不是有效的手机号码（11 位，以 1 开头）",
    "phone_invalid": "{label} {value} 不是有效的电话号码（手机 11 位，座机如 0995-8561234）",
    "date_invalid": "{label} {value} 不是有效的日期",
    "not_in_dict": "{label}“{value}”不在可选项中",
    "number_invalid": "{label}“{value}”不是有效的数字",
    "invalid_record": "记录有 {count} 处错误",
    "out_of_scope": "该记录不在您的管辖范围内",
    "not_found": "找不到该记录",
    "unknown_field": "不认识的字段：{field}",
    "bad_reference": "{label}指向的记录不存在",
}


def render(err: "DomainError") -> str:
    from .errors import ValidationErrors
    if isinstance(err, ValidationErrors):
        return err.message()
    template = MESSAGES.get(err.code)
    params = {"label": err.params.get("label") or err.field or "", **err.params}
    if template is None:
        return f"{err.code}"
    try:
        return template.format(**params)
    except (KeyError, IndexError):
        return template
