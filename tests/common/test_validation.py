"""ID numbers, phones and person records are checked as GB 11643 and the forms demand."""
import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from common.errors import ValidationError, ValidationErrors
from common.validation import check_phone, id_check_digit, parse_id_number, validate_person

TODAY = dt.date(2026, 11, 24)


def make_id(region="652123", birth="19800101", seq="001"):
    first17 = region + birth + seq
    return first17 + id_check_digit(first17)


def test_a_valid_id_number_gives_birth_date_and_sex():
    info = parse_id_number(make_id(seq="001"), today=TODAY)
    assert info.birth_date == dt.date(1980, 1, 1)
    assert info.sex == "male"
    assert parse_id_number(make_id(seq="002"), today=TODAY).sex == "female"


def test_a_known_real_world_check_digit_is_computed():
    # the worked example of GB 11643-1999 appendix: 11010519491231002X
    assert id_check_digit("11010519491231002") == "X"
    assert parse_id_number("11010519491231002x", today=TODAY).number == "11010519491231002X"


def test_a_wrong_check_digit_is_refused_naming_the_expected_digit():
    good = make_id()
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    with pytest.raises(ValidationError) as exc:
        parse_id_number(bad, today=TODAY)
    assert exc.value.code == "id_checksum"
    assert good[17] in exc.value.message() and "校验位" in exc.value.message()


@pytest.mark.parametrize("birth", ["19800230", "19801301", "20270101", "18991231"])
def test_an_impossible_birth_date_is_refused(birth):
    with pytest.raises(ValidationError) as exc:
        parse_id_number(make_id(birth=birth), today=TODAY)
    assert exc.value.code.startswith("id_birth")
    assert "出生日期" in exc.value.message()


def test_an_unknown_region_is_refused():
    with pytest.raises(ValidationError) as exc:
        parse_id_number(make_id(region="990101"), today=TODAY)
    assert exc.value.code == "id_region"


@given(st.integers(min_value=0, max_value=10**17 - 1))
def test_exactly_one_check_character_is_accepted_for_any_17_digits(n):
    first17 = f"{n:017d}"
    accepted = []
    for last in "0123456789X":
        try:
            parse_id_number(first17 + last, today=TODAY)
            accepted.append(last)
        except ValidationError as e:
            if e.code != "id_checksum":
                return  # refused for another reason (region, date) before the check digit
    assert accepted == [id_check_digit(first17)]


def test_phones_accept_mobile_and_landline_and_refuse_others():
    assert check_phone("138 0013 8000") == "13800138000"
    assert check_phone("0995-8561234") == "0995-8561234"
    for bad in ("12345", "23800138000", "1380013800"):
        with pytest.raises(ValidationError) as exc:
            check_phone(bad)
        assert "联系电话" in exc.value.message()


def test_a_person_with_several_wrong_fields_gets_every_error_at_once():
    with pytest.raises(ValidationErrors) as exc:
        validate_person({"id_number": make_id(birth="19800230"), "name": " ", "phone": "123"},
                        today=TODAY)
    fields = {e.field for e in exc.value.errors}
    assert fields == {"id_number", "name", "phone"}


def test_sex_and_birth_date_are_derived_from_the_id_number():
    out = validate_person({"id_number": make_id(birth="19550704", seq="013"), "name": "阿依古丽"},
                          today=TODAY)
    assert out["sex"] == "male" and out["birth_date"] == dt.date(1955, 7, 4)


def test_a_sex_contradicting_the_id_number_is_refused():
    with pytest.raises(ValidationErrors) as exc:
        validate_person({"id_number": make_id(seq="002"), "name": "李娜", "sex": "male"},
                        today=TODAY)
    assert "不一致" in exc.value.message()
