"""Header variants map to fields through the synonym table and fuzzy matching."""
from __future__ import annotations

import pytest

from common.errors import DomainError
from common.sheets.mapping import apply_overrides, guess_field, map_headers


@pytest.mark.parametrize("header,field", [
    ("姓名", "name"), ("名字", "name"), ("姓 名", "name"),
    ("身份证号", "id_number"), ("身份证号码", "id_number"), ("公民身份号码", "id_number"),
    ("证件号码", "id_number"), ("身份证号码（18位）", "id_number"), ("*身份证号", "id_number"),
    ("联系电话", "phone"), ("手机号", "phone"), ("手机号码", "phone"), ("联系方式", "phone"),
    ("现住址", "address"), ("家庭住址", "address"), ("居住地址", "address"),
    ("出生日期", "birth_date"), ("出生年月", "birth_date"), ("年龄(岁)", "age"),
    ("性别", "sex"), ("民族", "ethnicity"), ("户号", "household_no"), ("门牌号", "door_plate"),
    ("村（社区）", "village"), ("与户主关系", "relation_to_head"), ("政治面貌", "political_status"),
])
def test_common_header_variants_map_exactly(header, field):
    key, how, _ = guess_field(header)
    assert (key, how) == (field, "exact")


@pytest.mark.parametrize("header,field", [("本人手机号码", "phone"), ("居民身份证", "id_number"),
                                          ("所属网格名", "grid")])
def test_near_variants_are_guessed_and_marked_for_confirmation(header, field):
    key, how, _ = guess_field(header)
    assert (key, how) == (field, "fuzzy")


def test_unrelated_headers_stay_unmapped():
    assert guess_field("备注")[0] is None
    assert guess_field("签字确认")[0] is None


def test_a_group_header_of_the_head_of_household_maps_to_the_heads_fields():
    cols = map_headers({1: "户主信息/姓名", 2: "户主信息/身份证号", 3: "成员信息/姓名"})
    assert [c.field for c in cols] == ["head_name", "head_id_number", "name"]


def test_user_overrides_by_header_letter_or_label_win_and_unknown_ones_are_refused():
    cols = map_headers({1: "姓名", 2: "电话", 3: "备注"})
    cols = apply_overrides(cols, {"电话": "-", "C": "工作单位"})
    assert [(c.field, c.how) for c in cols] == [("name", "exact"), (None, "user"),
                                                ("workplace", "user")]
    with pytest.raises(DomainError) as e:
        apply_overrides(cols, {"姓名": "星座"})
    assert e.value.code == "assistant_unknown_field"
    with pytest.raises(DomainError):
        apply_overrides(cols, {"不存在的表头": "name"})
